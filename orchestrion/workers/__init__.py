"""Workers: claim a job with a lease, heartbeat while the engine runs, store the files, finish the job.

Owns the worker loop and the supervisor that keeps N worker processes alive. Engines load once per worker process;
a crash of that process (even kill -9) costs at most the attempt it was running, never the server.
"""
