"""Scale-out under faults, on loopback: PostgreSQL (our own, started with initdb/pg_ctl), two API processes
(`orchestrion serve --no-workers`) and three worker processes (`orchestrion worker`), sharing one database and one
file folder as separate machines would.

While jobs arrive through both APIs, one worker is killed with SIGKILL in the middle of a job, one API process is
killed with SIGKILL and restarted, and PostgreSQL is stopped as if it crashed and started again. Every acknowledged
job must complete exactly once (one set of files, no second completion, none stuck) and the APIs must answer 503,
never 500, while the database is away. Then 10,000 queued jobs are held: memory stays bounded and the queue-wide
limit answers 503. Without PostgreSQL's binaries these tests fail; they are never skipped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

import httpx
import psycopg
import pytest

from orchestrion.jobs import JobStatus
from orchestrion.jobs.postgres import PostgresJobStore
from tests.support.postgres import PostgresServer
from tests.support.server import clean_env, free_port

pytestmark = pytest.mark.slow

CONFIG = """
[models."test/tone"]
engine = "tests.engines.tone:ToneEngine"
credits = 1
"""
EXPECTED_FILES = ["output.wav", "score.mid", "stems/tone.wav"]
SUBMISSIONS = 520


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


def worker_processes(pid: int) -> list[int]:
    """The spawned worker processes of an `orchestrion worker` process (not multiprocessing's resource tracker)."""
    found = []
    # Replacements are started by the supervisor's thread, so they are children of that task, not the main one.
    spawned = [c for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]
    for child in spawned:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"multiprocessing.spawn" in cmdline and b"resource_tracker" not in cmdline:
            found.append(int(child))
    return found


def wait_for(condition: Callable[[], object], timeout: float, what: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Fleet:
    """API and worker processes configured the way separate machines would be: by environment variables only."""

    def __init__(self, root: Path, database_url: str, **settings: str) -> None:
        self.root = root
        self.database_url = database_url
        self.files = root / "files"
        config = root / "orchestrion.toml"
        config.write_text(CONFIG)
        self.env = clean_env(
            ORCHESTRION_DATABASE_URL=database_url,
            ORCHESTRION_STORAGE_URL=f"file://{self.files}",
            ORCHESTRION_SECRET="one-secret-shared-by-every-api-process",
            ORCHESTRION_CONFIG=str(config),
            ORCHESTRION_LOG_JSON="1",
            **settings,
        )
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: dict[str, int] = {}

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "orchestrion", *args, "--data-dir", str(self.root / "cli")],
                              env=self.env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def log(self, name: str) -> Path:
        return self.root / f"{name}.log"

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with open(self.log(name), "ab") as log:
            process = subprocess.Popen([sys.executable, "-m", "orchestrion", *args], env=self.env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def start_api(self, name: str) -> None:
        port = self.ports.setdefault(name, free_port())
        self._spawn(name, "serve", "--no-workers", "--port", str(port), "--data-dir", str(self.root / name))
        wait_for(lambda: self._answers(name), 60, f"{name} to listen")

    def _answers(self, name: str) -> bool:
        process = self.processes[name]
        assert process.poll() is None, f"{name} exited:\n{self.log(name).read_text()[-3000:]}"
        try:
            return httpx.get(self.url(name) + "/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def start_worker(self, name: str) -> None:
        self._spawn(name, "worker", "--workers", "1", "--models", "test/tone", "--data-dir", str(self.root / name))

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def kill(self, name: str) -> None:
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def close(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def worker_events(self) -> list[dict]:
        """The JSON log lines of every worker process."""
        return [json.loads(line) for log in sorted(self.root.glob("worker-*.log"))
                for line in log.read_text(errors="replace").splitlines() if line.startswith("{")]

    def completions(self) -> Counter[str]:
        """How many times each job was completed, from the workers' logs."""
        return Counter(e["job"] for e in self.worker_events() if e.get("event") == "job completed")


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture
def fleet(postgres: PostgresServer, tmp_path: Path) -> Iterator[Callable[..., Fleet]]:
    made: list[Fleet] = []

    def make(**settings: str) -> Fleet:
        made.append(Fleet(tmp_path, postgres.new_database_url(), **settings))
        return made[-1]

    yield make
    for one in made:
        one.close()


class Submitter:
    """Clients submitting through one API at a steady pace, retrying what was not acknowledged, as real clients
    do; every answer's status code is kept."""

    def __init__(self, fleet: Fleet, api: str, key: str, total: int, pace: float) -> None:
        self.fleet, self.api, self.total, self.pace = fleet, api, total, pace
        self.headers = {"Authorization": f"Bearer {key}"}
        self.acknowledged: list[str] = []
        self.statuses: Counter[int | str] = Counter()
        self.thread = threading.Thread(target=self._run, name=f"submit-{api}", daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.fleet.url(self.api), headers=self.headers, timeout=10) as client:
            n = 0
            while len(self.acknowledged) < self.total:
                # Every 25th job runs long enough to be in the middle of generating when something dies.
                prompt = "sleep:1.5 long tone" if n % 25 == 0 else f"tone {n}"
                try:
                    answer = client.post("/v2/generate/audio",
                                         json={"model": "test/tone", "prompt": prompt, "seed": n, "duration": 5})
                except httpx.TransportError:
                    self.statuses["no answer"] += 1
                    time.sleep(0.1)
                    continue
                self.statuses[answer.status_code] += 1
                if answer.status_code == 200:
                    self.acknowledged.append(answer.json()["id"])
                    n += 1
                    time.sleep(self.pace)
                else:
                    time.sleep(0.1)


@pytest.mark.timed  # jobs run through the outages within their leases
def test_no_acknowledged_job_is_lost_or_doubled_when_workers_apis_and_postgres_die(
        fleet: Callable[..., Fleet], postgres: PostgresServer, report_figure: Callable[[str], None]) -> None:
    started = time.monotonic()
    # A lease longer than the database outage below (about 3-4 s with its requests and the restart), so the jobs
    # running through it keep their attempt; still short, so the killed worker's job is taken over within seconds.
    f = fleet(ORCHESTRION_LEASE_SECONDS="6", ORCHESTRION_MAX_QUEUED_PER_KEY="5000")
    key = f.cli("keys", "create", "--name", "fault-test").strip().splitlines()[-1]
    store = PostgresJobStore(f.database_url)
    try:
        for api in ("api-a", "api-b"):
            f.start_api(api)
        for index in range(3):
            f.start_worker(f"worker-{index}")
        wait_for(lambda: len([w for w in store.live_workers(30) if w["state"] == "ready"]) == 3, 60,
                 "three ready workers")

        submitters = [Submitter(f, api, key, SUBMISSIONS // 2, pace=0.04) for api in ("api-a", "api-b")]
        for submitter in submitters:
            submitter.thread.start()
        acknowledged = lambda: sum(len(s.acknowledged) for s in submitters)  # noqa: E731

        # 1. kill -9 a worker in the middle of a long job: its lease runs out and another worker finishes it.
        wait_for(lambda: acknowledged() >= 60, 60, "the first jobs")
        victim_job, victim_pid = _generating_long_job(f.database_url)
        os.kill(victim_pid, signal.SIGKILL)

        # 2. kill -9 an API process while clients use it, then start it again.
        wait_for(lambda: acknowledged() >= 160, 60, "more jobs")
        f.kill("api-b")
        time.sleep(1.0)
        f.start_api("api-b")

        # 3. PostgreSQL stops as if it crashed; both APIs answer 503 (not 500) until it is back.
        wait_for(lambda: acknowledged() >= 280, 60, "more jobs")
        known = submitters[0].acknowledged[0]
        postgres.stop("immediate")
        outage: Counter[tuple[str, str, int]] = Counter()
        try:
            for _ in range(3):
                for api in ("api-a", "api-b"):
                    headers = {"Authorization": f"Bearer {key}"}
                    get = httpx.get(f.url(api) + "/v2/generate/audio", params={"generation_id": known},
                                    headers=headers, timeout=10)
                    post = httpx.post(f.url(api) + "/v2/generate/audio", headers=headers, timeout=10,
                                      json={"model": "test/tone", "prompt": "during the outage", "duration": 5})
                    ready = httpx.get(f.url(api) + "/ready", timeout=10)
                    for method, answer in (("GET", get), ("POST", post), ("READY", ready)):
                        outage[(api, method, answer.status_code)] += 1
                        assert answer.status_code == 503, (api, method, answer.status_code, answer.text)
                        assert set(answer.json()) == {"message", "path", "requestId", "statusCode", "timestamp"}
                time.sleep(0.3)
        finally:
            postgres.start()

        for submitter in submitters:
            submitter.thread.join(120)
            assert not submitter.thread.is_alive(), "submissions did not finish"
        ids = [job_id for s in submitters for job_id in s.acknowledged]
        assert len(ids) == len(set(ids)) >= 500

        def settled() -> bool:
            counts = store.count_by_status()
            return counts[JobStatus.QUEUED] == counts[JobStatus.GENERATING] == 0
        wait_for(settled, 90, "every job to finish", every=0.5)

        with psycopg.connect(f.database_url) as conn:
            rows = conn.execute("SELECT id, status, attempts, files, error_message FROM jobs").fetchall()
        jobs = {job_id: (status, attempts, files, error) for job_id, status, attempts, files, error in rows}
        lost = [job_id for job_id in ids if job_id not in jobs or jobs[job_id][0] != "completed"]
        failed = {job_id: jobs[job_id][3] for job_id in jobs if jobs[job_id][0] != "completed"}
        assert not failed, f"jobs ended in error: {list(failed.items())[:3]}"
        completions = f.completions()
        duplicates = sorted(job_id for job_id, n in completions.items() if n > 1)
        # Exactly one set of files per job, under its own folder, and nothing half-written left behind.
        folders = {p.name for p in f.files.iterdir()}
        stray = sorted(folders - set(jobs))
        wrong_files = [job_id for job_id in jobs
                       if sorted(str(p.relative_to(f.files / job_id)) for p in (f.files / job_id).rglob("*")
                                 if p.is_file()) != EXPECTED_FILES]
        retried = sum(1 for status, attempts, _, _ in jobs.values() if attempts > 1)
        statuses = sum((s.statuses for s in submitters), Counter())
        replaced = sum(1 for e in f.worker_events() if e.get("event") == "worker died")
        report_figure(f"{len(ids)} acknowledged jobs through 2 APIs ({len(jobs)} in the store, "
              f"{len(jobs) - len(ids)} created by requests whose answer was lost), 3 workers; "
              f"kills: 1 worker mid-job ({victim_job}), 1 API process, 1 PostgreSQL crash-restart; "
              f"{retried} jobs needed another attempt, {replaced} worker processes were replaced; lost = {len(lost)}, duplicates = {len(duplicates)}, "
              f"files wrong = {len(wrong_files)}, stray folders = {len(stray)}; client answers {dict(statuses)}; "
              f"503s while PostgreSQL was down: {sum(outage.values())}; {time.monotonic() - started:.0f} s")
        assert lost == [] and duplicates == [] and wrong_files == [] and stray == []
        assert all(completions[job_id] <= 1 for job_id in jobs)
        assert 500 not in statuses, statuses
        assert jobs[victim_job][1] >= 2, "the killed worker's job should have needed another attempt"

        _graceful_stop_finishes_the_job_in_hand(f, key, store)
    finally:
        store.close()


def _generating_long_job(database_url: str) -> tuple[str, int]:
    """A long job that is generating and has reported progress, and the pid of the worker process running it."""
    found: list[tuple[str, int]] = []

    def look() -> bool:
        with psycopg.connect(database_url) as conn:
            # Early in the job (under half done), so the kill lands well before it could finish.
            row = conn.execute("SELECT id, lease_owner FROM jobs WHERE status = 'generating' AND progress > 0"
                               " AND progress < 0.5 AND params->>'prompt' LIKE 'sleep:%%' ORDER BY seq LIMIT 1"
                               ).fetchone()
        if row:
            found.append((row[0], int(row[1].split(":")[1])))  # lease owner: "<host>:<pid>:<tag>"
        return bool(row)

    wait_for(look, 60, "a long job in the middle of generating", every=0.05)
    return found[0]


def _graceful_stop_finishes_the_job_in_hand(f: Fleet, key: str, store: PostgresJobStore) -> None:
    """SIGTERM to a worker machine's process: it stops claiming, finishes the job it holds and exits cleanly."""
    answer = httpx.post(f.url("api-a") + "/v2/generate/audio", headers={"Authorization": f"Bearer {key}"},
                        json={"model": "test/tone", "prompt": "sleep:2 last", "duration": 5}, timeout=10)
    assert answer.status_code == 200, answer.text
    job_id = answer.json()["id"]
    wait_for(lambda: store.get_job(job_id).progress > 0, 30, "the last job to start", every=0.05)
    workers = [name for name in f.processes if name.startswith("worker-")]
    running = {pid for name in workers for pid in worker_processes(f.processes[name].pid)}
    assert len(running) == 3
    for name in workers:
        f.processes[name].send_signal(signal.SIGTERM)
    codes = [f.processes[name].wait(60) for name in workers]
    assert codes == [0, 0, 0], codes
    job = store.get_job(job_id)
    assert job.status is JobStatus.COMPLETED and job.attempts == 1
    # Each worker said goodbye, so /ready stops counting it at once (killed ones age out instead).
    live = {int(w["worker_id"].split(":")[1]) for w in store.live_workers(60)}
    assert not running & live, (running, live)


def test_ten_thousand_queued_jobs_keep_memory_bounded_and_the_full_queue_answers_503(
        fleet: Callable[..., Fleet], report_figure: Callable[[str], None]) -> None:
    f = fleet(ORCHESTRION_MAX_QUEUED_TOTAL="10000", ORCHESTRION_MAX_QUEUED_PER_KEY="10000")
    key = f.cli("keys", "create", "--name", "load-test").strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    f.start_api("api-a")
    with httpx.Client(base_url=f.url("api-a"), headers=headers, timeout=30) as client:
        first = [client.post("/v2/generate/audio", json={"model": "test/tone", "prompt": f"p{i}", "duration": 5})
                 for i in range(100)]
        assert {a.status_code for a in first} == {200}
        api_pid = f.processes["api-a"].pid
        api_before = rss_mib(api_pid)
        # The rest of the 10,000 arrive in one statement (the same rows and counters the API writes), to keep the
        # test short; admission control then reads the total like any other.
        with psycopg.connect(f.database_url) as conn:
            key_id = conn.execute("SELECT id FROM api_keys").fetchone()[0]
            conn.execute(
                "INSERT INTO jobs (id, key_id, model, engine_model, params, status, max_attempts, created_at,"
                " updated_at, credits_used)"
                " SELECT gen_random_uuid() || ':tone', %s, 'test/tone', 'test/tone',"
                "        jsonb_build_object('prompt', 'bulk ' || n, 'seed', n, 'duration', 5), 'queued', 3,"
                "        extract(epoch FROM now()), extract(epoch FROM now()), 1"
                " FROM generate_series(1, 9900) AS n", (key_id,))
            deep = [job_id for (job_id,) in conn.execute("SELECT id FROM jobs ORDER BY seq DESC LIMIT 100")]
        full = client.post("/v2/generate/audio", json={"model": "test/tone", "prompt": "one too many",
                                                       "duration": 5})
        assert full.status_code == 503 and "queue" in full.json()["message"], full.text
        assert full.headers.get("retry-after")
        # Polling at the head and deep in the queue (positions near 10,000) and scraping metrics, many times.
        ids = [a.json()["id"] for a in first] + deep
        for _ in range(10):
            for job_id in ids:
                polled = client.get("/v2/generate/audio", params={"generation_id": job_id})
                assert polled.status_code == 200 and polled.json()["status"] == "queued"
            assert client.get("/metrics").status_code == 200
        assert 'orchestrion_queue_depth{model="test/tone"} 10000' in client.get("/metrics").text
        api_after = rss_mib(api_pid)

        for index in range(2):
            f.start_worker(f"worker-{index}")
        workers = [f.processes[f"worker-{i}"].pid for i in range(2)]

        def worker_children() -> list[int]:
            return [c for pid in workers for c in worker_processes(pid)]

        wait_for(lambda: len(worker_children()) == 2, 30, "the worker processes")
        done = lambda: int(httpx.get(f.url("api-a") + "/metrics").text.split(  # noqa: E731
            'orchestrion_jobs{status="completed"} ')[1].split()[0])
        wait_for(lambda: done() >= 100, 60, "the workers to get going", every=0.5)
        early = {pid: rss_mib(pid) for pid in worker_children()}
        wait_for(lambda: done() >= 400, 90, "300 more jobs", every=0.5)
        late = {pid: rss_mib(pid) for pid in worker_children()}
        queued = client.get("/metrics").text
    report_figure(f"10,000 queued: API RSS {api_before:.0f} -> {api_after:.0f} MiB over 2,000 polls and 11 scrapes; "
          f"worker RSS after 100 jobs {sorted(round(v) for v in early.values())} MiB, after 400 "
          f"{sorted(round(v) for v in late.values())} MiB; queue full answered 503")
    assert api_after - api_before < 40, (api_before, api_after)
    assert set(late) == set(early), "a worker process was replaced (it crashed)"
    for pid in late:
        assert late[pid] - early[pid] < 30 and late[pid] < 400, (early, late)
    assert "orchestrion_queue_depth" in queued
