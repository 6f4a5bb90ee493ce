"""One worker: start the engine process once, then claim → heartbeat → generate → store files → complete, until
told to stop.

A worker runs in its own process (started by the supervisor of `orchestrion serve`, or by `orchestrion worker`),
and its engines run in a child process of their own (:mod:`.engine_process`): the worker keeps heartbeating while
an engine works, stops a canceled engine at once (killing its process if it does not stop within a second), and
fails or retries the job of an engine process that died (a segfault, the OOM killer) with the reason, at once,
under the lease it still holds. Only the death of the worker itself costs a lease expiry: then another worker
claims the job again, up to the job's last attempt.

Results are stored under keys derived from the job id alone (:mod:`orchestrion.storage.results`), so a second
attempt overwrites the first attempt's files rather than adding more, and completion is fenced by the lease: a
worker that lost its lease cannot finish the job a second time.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
import dataclasses
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

from ..config import ModelConfig, Settings
from ..engines import (
    EngineError,
    GenerationCanceled,
    GenerationRequest,
    GenerationResult,
    request_for,
    sample_count,
)
from ..jobs import FileRef, Job, JobStatus, JobStore, StoreError, StoreUnavailable, open_store
from ..logs import log_event
from ..storage import Storage, open_storage
from ..storage import results as stored_results
from ..storage.encode import OUTPUT_RATE
from ..storage.results import EncodingFailed
from .engine_process import EngineProcess, EngineSpec
from .messages import client_message
from .streaming import TrackStream, stream_prefix

__all__ = ["EncodingFailed", "Worker", "new_worker_id", "store_result", "store_results"]

log = logging.getLogger("orchestrion.worker")

#: How often a worker tells the store it is alive when idle, and how long the API trusts that.
PRESENCE_SECONDS = 5.0
#: How often the worker looks for jobs of its batch canceled (or taken over) since the last look.
LOST_CHECK_SECONDS = 0.25
#: A track stored in another format than its stream's WAV keeps the stream's pieces this long after it completes,
#: plus twice its length: a listener who started the stream while it rendered reads on at the pace of playback,
#: long after the render is done, and the stored file (FLAC, MP3...) cannot stand in for the rest of a WAV.
PIECES_KEPT_SECONDS = 60.0


#: What a client reads when its audio was made but could not be encoded or stored (the log says why).
ENCODING_FAILED_MESSAGE = ("The audio was made but could not be encoded; the server's log has the details under "
                           "this generation's id.")
STORAGE_FAILED_MESSAGE = ("The audio was made but could not be stored; the server's log has the details under this "
                          "generation's id.")


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def store_result(storage: Storage, job: Job, result: GenerationResult) -> list[FileRef]:
    """Encode and store the track and its extras under keys derived from the job id; return their references."""
    return store_results(storage, job, [result])


def store_results(storage: Storage, job: Job, results: Sequence[GenerationResult]) -> list[FileRef]:
    """Every sample of ``job`` encoded and stored as :func:`orchestrion.storage.results.store_results` lays them
    out (a later attempt first clears what an earlier one may have half written); their references."""
    files = stored_results.store_results(storage, job.id, results, job.params.get("output_format"),
                                         fresh=job.attempts > 1)
    return [FileRef(**asdict(file)) for file in files]


@dataclass
class _JobRun:
    """One job of the batch in flight: its requests (one per sample), how far each is, what each became, and
    whether the job is still this worker's (not canceled by its client, not taken over)."""

    job: Job
    requests: list[GenerationRequest]
    fractions: list[float] = field(default_factory=list)
    outcomes: list[GenerationResult | BaseException | None] = field(default_factory=list)
    lost: bool = False
    #: The progress last written to the store (None: none yet).
    reported: float | None = None
    #: Each sample's stream, once its engine hands over a first piece.
    streams: dict[int, TrackStream] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fractions = [0.0] * len(self.requests)
        self.outcomes = [None] * len(self.requests)

    @property
    def progress(self) -> float:
        return sum(self.fractions) / len(self.fractions) if self.fractions else 0.0

    def settle(self, failure: BaseException) -> None:
        """Give every sample without an outcome yet ``failure``."""
        self.outcomes = [failure if o is None else o for o in self.outcomes]


@dataclass
class _Running:
    """The batch in flight. Once every job of it is lost, the engine is stopped."""

    runs: list[_JobRun]

    @property
    def abandoned(self) -> bool:
        return all(run.lost for run in self.runs)


class Worker:
    def __init__(self, settings: Settings, *, models: Sequence[str] | None = None, worker_id: str | None = None,
                 store: JobStore | None = None, storage: Storage | None = None) -> None:
        self.settings = settings
        self.worker_id = worker_id or new_worker_id()
        self.store = store or open_store(settings)
        self.storage = storage or open_storage(settings)
        wanted = set(models) if models else set(settings.models)
        unknown = wanted - set(settings.models)
        if unknown:
            raise ValueError(f"unknown model(s) for this worker: {', '.join(sorted(unknown))}")
        self.model_configs: dict[str, ModelConfig] = {m: settings.models[m] for m in sorted(wanted)}
        self.engine_process = EngineProcess(
            [EngineSpec(model, config.engine, dict(config.options)) for model, config in self.model_configs.items()],
            log_level=settings.log_level, log_json=settings.log_json, owner=self.worker_id)
        self.stopping = threading.Event()
        #: Writes the pieces of the tracks being made, in order, beside the engine (:mod:`.streaming`).
        self._stream_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stream")
        #: Streams' pieces deleted later (monotonic time, storage prefix): see PIECES_KEPT_SECONDS.
        self._pieces_due: list[tuple[float, str]] = []
        self._restart_delay = 0.0
        self._running: _Running | None = None
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def _announce(self, state: str, engine_models: Sequence[str]) -> None:
        """Record this worker's presence; a store that is away only delays the news (the next beat retries)."""
        try:
            self.store.record_worker(self.worker_id, engine_models=list(engine_models), state=state)
        except StoreError as exc:
            log_event(log, "presence not recorded", logging.WARNING, worker=self.worker_id, state=state,
                      reason=str(exc))

    def _patiently(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a store call, retrying while the store is unavailable for up to one lease: a database restart then
        costs a pause, not the worker (and its loaded engines). Past the lease the job is no longer ours anyway."""
        deadline = time.monotonic() + self.settings.lease_seconds
        delay = 0.1
        while True:
            try:
                return call(*args, **kwargs)
            except StoreUnavailable as exc:
                if time.monotonic() + delay > deadline:
                    raise
                log_event(log, "store unavailable, retrying", logging.WARNING, worker=self.worker_id,
                          reason=str(exc), retry_in=delay)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    @property
    def engines(self) -> dict[str, int]:
        """The models this worker serves now (their engines loaded in its engine process), with their batch size."""
        return self.engine_process.engines

    def load_engines(self) -> None:
        """Start the engine process and wait for its engines to load (each once per engine process)."""
        self._announce("loading", list(self.model_configs))
        started = time.perf_counter()
        loaded = self.engine_process.start()
        log_event(log, "engines ready", worker=self.worker_id, models=",".join(loaded) or "-",
                  pid=self.engine_process.pid, seconds=round(time.perf_counter() - started, 3))
        self._announce("ready", list(loaded))

    def _ensure_engines(self) -> bool:
        """A running engine process, started again (after a growing pause if it keeps dying) when the last one
        died or was killed; whether one runs."""
        if self.engine_process.alive:
            return True
        if self._restart_delay and self.stopping.wait(self._restart_delay):
            return False
        self.load_engines()
        alive = self.engine_process.alive
        self._restart_delay = 0.0 if alive else min(30.0, max(0.5, self._restart_delay * 2))
        return alive

    def install_signal_handlers(self) -> None:
        """SIGTERM/SIGINT: stop claiming, finish the batch in hand, then exit."""

        def stop(signum: int, frame: Any) -> None:
            self.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def run(self, *, max_jobs: int | None = None) -> int:
        """Claim and run jobs until stopped (or ``max_jobs`` are done); return how many were run."""
        if not self.engine_process.alive:
            self.load_engines()
        heartbeat = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
        heartbeat.start()
        done = 0
        idle_wait = 0.005
        try:
            while not self.stopping.is_set() and (max_jobs is None or done < max_jobs):
                if not self._ensure_engines():
                    continue
                try:
                    batch = self._claim()
                    if not batch:
                        self.store.wait_for_jobs(idle_wait)
                except StoreError as exc:
                    log_event(log, "store unavailable", logging.WARNING, worker=self.worker_id, reason=str(exc))
                    self.stopping.wait(1.0)
                    continue
                if not batch:
                    idle_wait = min(idle_wait * 2, 0.25)
                    continue
                idle_wait = 0.005
                self._run_batch(batch)
                done += len(batch)
        finally:
            self.stopping.set()
            heartbeat.join(timeout=5)
            self._announce("stopped", [])
            self.engine_process.close()
            self._delete_due_pieces()
            self._stream_writer.shutdown(wait=True)
        return done

    # -- the job cycle -----------------------------------------------------------------------------------------
    def _claim(self) -> list[Job]:
        if not self.engines:
            return []
        limit = max(self.engines.values())
        jobs = self.store.claim_jobs(self.worker_id, list(self.engines), limit=limit,
                                     lease_seconds=self.settings.lease_seconds)
        if jobs:
            fits = self.engines[jobs[0].engine_model]
            for extra in jobs[fits:]:
                self.store.release_job(extra.id, self.worker_id)
            jobs = jobs[:fits]
        return jobs

    def _run_batch(self, jobs: list[Job]) -> None:
        model = jobs[0].engine_model
        for job in jobs:
            log_event(log, "job started", job=job.id, model=job.model, attempt=job.attempts, worker=self.worker_id)
        runs: list[_JobRun] = []
        started = time.perf_counter()
        try:
            for job in jobs:
                # The served model's own id, never the alias the client sent: what the API validated.
                requests = [request_for(job.engine_model, job.params, sample)
                            for sample in range(sample_count(job.params))]
                runs.append(_JobRun(job, requests))
        except Exception as exc:  # parameters the store holds but no request can be made of: not worth a retry
            failure = EngineError(f"the stored parameters cannot be read: {exc}")
            runs = [_JobRun(job, []) for job in jobs]
            for run in runs:
                run.outcomes = [failure]
        for run in runs:
            if run.requests and run.job.params.get("inputs"):
                self._attach_inputs(run)
        running = _Running(runs)
        with self._lock:
            self._running = running
        try:
            self._generate(model, running)
        except GenerationCanceled as exc:
            for run in runs:
                run.settle(exc)
        except Exception as exc:  # the whole batch failed: each job fails (and may retry) on its own
            for run in runs:
                run.settle(exc)
        engine_seconds = time.perf_counter() - started
        with self._lock:
            self._running = None
        for run in runs:
            self._take_streamed(run)
        for run in runs:
            failure = next((o for o in run.outcomes if isinstance(o, BaseException)), None)
            outcome = failure if failure is not None else [o for o in run.outcomes if o is not None]
            try:
                self._patiently(self._finish, run.job, outcome, engine_seconds / len(jobs), lost=run.lost)
                for sample, stream in run.streams.items():
                    self._delete_pieces(run, sample, stream)
            except StoreError as exc:
                # Its lease runs out unrenewed, so the store requeues (or fails) the job: it costs an attempt,
                # while the worker and its engine process stay for the next one.
                log_event(log, "job not finished: store unavailable", logging.WARNING, job=run.job.id,
                          worker=self.worker_id, reason=str(exc))

    def _delete_pieces(self, run: _JobRun, sample: int, stream: TrackStream) -> None:
        """The finished WAV file (or the error) stands in for a stream's pieces at once; a file in another format
        cannot, so a reader still on its way through them keeps them a while (deleted by the heartbeat)."""
        prefix = stream_prefix(run.job.id, sample)
        completed = not any(isinstance(outcome, BaseException) for outcome in run.outcomes)
        if not completed or run.job.params.get("output_format") in (None, "wav"):
            self._stream_writer.submit(self.storage.delete_prefix, prefix)
            return
        keep = PIECES_KEPT_SECONDS + 2.0 * stream.total / OUTPUT_RATE
        with self._lock:
            self._pieces_due.append((time.monotonic() + keep, prefix))

    def _delete_due_pieces(self, now: float | None = None) -> None:
        """Delete the pieces whose time has come (all of them with ``now=None``: the worker is stopping)."""
        with self._lock:
            due = [prefix for at, prefix in self._pieces_due if now is None or at <= now]
            self._pieces_due = [(at, prefix) for at, prefix in self._pieces_due if now is not None and at > now]
        for prefix in due:
            self._stream_writer.submit(self.storage.delete_prefix, prefix)

    @staticmethod
    def _take_streamed(run: _JobRun) -> None:
        """A track whose every piece was streamed is stored as those 16-bit samples (the file is then the stream,
        and is not encoded a second time); WAV only, the format the pieces are in."""
        if run.job.params.get("output_format") not in (None, "wav"):
            return
        for sample, stream in run.streams.items():
            outcome = run.outcomes[sample]
            samples = stream.track()
            if isinstance(outcome, GenerationResult) and samples is not None and outcome.sample_rate == 48_000 \
                    and samples.shape == outcome.audio.shape:
                run.outcomes[sample] = dataclasses.replace(outcome, audio=samples)
            stream.samples.clear()

    def _attach_inputs(self, run: _JobRun) -> None:
        """Read the files ``run``'s job brings (``params["inputs"]``: name → storage key; an edit's source, a MIDI
        file) into its requests. A file gone (retention deleted the source) fails the job for good; a storage
        that fails otherwise fails this attempt only."""
        files: dict[str, bytes] = {}
        try:
            for name, key in dict(run.job.params["inputs"]).items():
                with self.storage.open(key) as stream:
                    files[name] = stream.read()
        except FileNotFoundError:
            run.outcomes = [EngineError("the files this generation starts from were deleted (the source "
                                        "generation expired)")] * len(run.requests)
            return
        except OSError as exc:
            run.outcomes = [exc] * len(run.requests)  # retried: the storage may be back
            return
        run.requests = [dataclasses.replace(request, files=files) for request in run.requests]

    def _generate(self, model: str, running: _Running) -> None:
        """Run every request of the batch through the engine process, at most ``max_batch`` per call, and record
        each outcome on its job."""
        slots = [(run, sample) for run in running.runs for sample in range(len(run.requests))
                 if run.outcomes[sample] is None]
        size = max(1, self.engines.get(model, 1))
        for first in range(0, len(slots), size):
            chunk = slots[first:first + size]

            def progress(index: int, fraction: float, chunk: list[tuple[_JobRun, int]] = chunk) -> None:
                if 0 <= index < len(chunk):
                    run, sample = chunk[index]
                    run.fractions[sample] = max(0.0, min(1.0, float(fraction)))

            def audio(index: int, start: int, frames: Any, total: int,
                      chunk: list[tuple[_JobRun, int]] = chunk) -> None:
                if 0 <= index < len(chunk):
                    run, sample = chunk[index]
                    if sample not in run.streams:
                        run.streams[sample] = TrackStream(self.storage, run.job.id, sample, self._stream_writer)
                    run.streams[sample].add(start, frames, total)

            if running.abandoned:
                raise GenerationCanceled("no job of this batch is wanted any more")
            outcomes = self.engine_process.run(model, [run.requests[sample] for run, sample in chunk], progress,
                                               wanted=lambda: not running.abandoned, audio=audio)
            for (run, sample), outcome in zip(chunk, outcomes):
                run.outcomes[sample] = outcome

    def _finish(self, job: Job, outcome: Sequence[GenerationResult] | BaseException, engine_seconds: float,
                *, lost: bool = False) -> None:
        if lost:
            # Canceled, or another worker holds the job now: whatever the engine made is not ours to keep.
            log_event(log, "job abandoned", job=job.id, worker=self.worker_id,
                      reason="canceled or lease lost", engine_seconds=round(engine_seconds, 3))
            return
        if isinstance(outcome, GenerationCanceled):
            # The batch was stopped for its other jobs; this one is still wanted, so it goes back to the queue.
            self.store.release_job(job.id, self.worker_id)
            return
        if isinstance(outcome, BaseException):
            # Engine errors are about the request and will not change on retry (unless they say otherwise, as the
            # death of the engine process does); anything else might.
            retry = not isinstance(outcome, EngineError) or bool(getattr(outcome, "retry", False))
            name = outcome.name if isinstance(outcome, EngineError) else "generation_failed"
            # The client reads an engine error's own words (paths and addresses taken out), or for anything else a
            # generic sentence; the log below keeps the exception itself under the job id.
            message = client_message(outcome)
            if not isinstance(outcome, EngineError) or outcome.__cause__ is not None:
                # A crash, or an engine error wrapping one: the traceback is the operator's to read.
                log.error("job failed", exc_info=outcome, extra={"fields": {"job": job.id}})
            self.store.fail_job(job.id, self.worker_id, error_name=name, error_message=message, retry=retry)
            log_event(log, "job failed", job=job.id, error=name, retry=retry, worker=self.worker_id,
                      reason=f"{type(outcome).__name__}: {outcome}")
            return
        try:
            files = store_results(self.storage, job, outcome)
        except Exception as exc:
            # The exception names the storage folder or bucket: it goes to the log, not to the client.
            what = "encoding the result" if isinstance(exc, EncodingFailed) else "storing the result"
            log.error(f"{what} failed", exc_info=exc, extra={"fields": {"job": job.id, "worker": self.worker_id}})
            message = ENCODING_FAILED_MESSAGE if isinstance(exc, EncodingFailed) else STORAGE_FAILED_MESSAGE
            self.store.fail_job(job.id, self.worker_id, error_name="storage_failed", error_message=message,
                                retry=True)
            return
        first = outcome[0]
        audio_seconds = first.audio.shape[0] / first.sample_rate
        info = first.info if len(outcome) == 1 else {**first.info, "samples": [r.info for r in outcome]}
        completed = self.store.complete_job(job.id, self.worker_id, files=files, audio_seconds=audio_seconds,
                                            engine_seconds=engine_seconds, info=info)
        if not completed:
            current = self.store.get_job(job.id)
            if current is not None and current.status is JobStatus.CANCELED:
                # Canceled while its files were being written: nobody will ever link them.
                self.storage.delete_prefix(job.id)
        log_event(log, "job completed" if completed else "job lost its lease", job=job.id,
                  audio_seconds=round(audio_seconds, 2), engine_seconds=round(engine_seconds, 3),
                  worker=self.worker_id)

    # -- heartbeats --------------------------------------------------------------------------------------------
    def _heartbeat_loop(self) -> None:
        """Extend leases of the batch in flight (and push progress), notice jobs lost, and keep this worker's
        presence fresh. It runs in the worker process, beside (not under) the engine, so it never stops for one."""
        lease = self.settings.lease_seconds
        last_lease = last_presence = time.monotonic()
        while True:
            stopping = self.stopping.wait(LOST_CHECK_SECONDS)
            if stopping:
                time.sleep(LOST_CHECK_SECONDS)  # the event stays set: keep the pace while the last batch finishes
            now = time.monotonic()
            self._delete_due_pieces(now)
            with self._lock:
                running = self._running
            try:
                if running is not None:
                    self._notice_lost(running)
                    due = now - last_lease >= lease / 3
                    for run in running.runs:
                        # No progress is written until the engine has reported some.
                        value = run.progress if run.progress > 0 or run.reported is not None else None
                        changed = value is not None and value != run.reported
                        if (due or changed) and not run.lost:
                            if not self.store.heartbeat(run.job.id, self.worker_id, lease_seconds=lease,
                                                        progress=value):
                                run.lost = True
                            run.reported = value
                    if due:
                        last_lease = now
                if now - last_presence >= PRESENCE_SECONDS and not stopping:
                    self.store.record_worker(self.worker_id, engine_models=list(self.engines), state="ready")
                    last_presence = now
            except StoreError as exc:
                log_event(log, "heartbeat failed", logging.WARNING, worker=self.worker_id, reason=str(exc))
            if stopping and running is None:
                return

    def _notice_lost(self, running: _Running) -> None:
        """Mark the jobs canceled (or taken over) since the last look; once all are, the engine is stopped."""
        held = [run for run in running.runs if not run.lost]
        if not held:
            return
        gone = self._not_held([run.job.id for run in held])
        for run in held:
            if run.job.id in gone:
                run.lost = True
                log_event(log, "job no longer ours", job=run.job.id, worker=self.worker_id, status=gone[run.job.id])

    def _not_held(self, job_ids: Sequence[str]) -> dict[str, str]:
        """Which of ``job_ids`` this worker no longer holds (not generating under its lease), with their status.

        The one read of the cancel check, once a tick: a read per job of the batch (one, unless the engine
        batches), cheap for both stores; it notices a cancel within a tick even when the engine reports nothing
        for a while (heartbeats, the writes that would notice it too, come only every lease/3).
        """
        gone: dict[str, str] = {}
        for job_id in job_ids:
            current = self.store.get_job(job_id)
            if current is None or current.status is not JobStatus.GENERATING or current.lease_owner != self.worker_id:
                gone[job_id] = current.status.value if current is not None else "deleted"
        return gone
