"""One worker: load engines once, then claim → heartbeat → generate → store files → complete, until told to stop.

A worker runs in its own process (started by the supervisor of `orchestrion serve`, or by `orchestrion worker`), so
an engine that crashes the process, even by kill -9 or the OOM killer, costs only the attempt it was running: its
lease expires and another worker claims the job again, up to the job's last attempt.

Results are stored under keys derived from the job id alone, so a second attempt overwrites the first attempt's
files rather than adding more, and completion is fenced by the lease: a worker that lost its lease cannot finish
the job a second time.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..config import ModelConfig, Settings
from ..engines import (
    Engine,
    EngineError,
    GenerationCanceled,
    GenerationRequest,
    GenerationResult,
    create_engine,
)
from ..jobs import FileRef, Job, JobStatus, JobStore, StoreError, StoreUnavailable, open_store
from ..logs import log_event
from ..storage import Storage, open_storage
from ..storage.encode import FORMATS, encode_audio
from .messages import client_message

__all__ = [
    "EncodingFailed", "Worker", "new_worker_id", "request_for", "sample_count", "store_result", "store_results",
]

log = logging.getLogger("orchestrion.worker")

#: How often a worker tells the store it is alive when idle, and how long the API trusts that.
PRESENCE_SECONDS = 5.0


#: What a client reads when its audio was made but could not be encoded or stored (the log says why).
ENCODING_FAILED_MESSAGE = ("The audio was made but could not be encoded; the server's log has the details under "
                           "this generation's id.")
STORAGE_FAILED_MESSAGE = ("The audio was made but could not be stored; the server's log has the details under this "
                          "generation's id.")


class EncodingFailed(Exception):
    """Encoding a result into its delivery format failed (the cause is chained)."""


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def request_for(job: Job, sample: int = 0) -> GenerationRequest:
    """The engine request a job's stored parameters describe (for ``sample`` k of a several-sample job, with its
    own seed)."""
    params = dict(job.params)
    seeds = params.pop("seeds", None)
    params.pop("sample_count", None)
    seed = int(params.pop("seed", 0))
    if seeds:
        seed = int(seeds[sample])
    return GenerationRequest(
        prompt=params.pop("prompt"),
        negative_prompt=params.pop("negative_prompt", "") or "",
        seed=seed,
        # "duration" stays in params too: engines can tell a length the client asked for from the default.
        duration=float(params.get("duration", GenerationRequest.duration)),
        model=job.model,
        params=params,
    )


def sample_count(job: Job) -> int:
    return int(job.params.get("sample_count") or 1)


def store_result(storage: Storage, job: Job, result: GenerationResult) -> list[FileRef]:
    """Encode and store the track and its extras under keys derived from the job id; return their references."""
    return store_results(storage, job, [result])


def store_results(storage: Storage, job: Job, results: Sequence[GenerationResult]) -> list[FileRef]:
    """:func:`store_result` for every sample of a job: the first under ``<job-id>/``, sample k (from 2) under
    ``<job-id>/sample-k/``, each file marked with its sample index.

    Files are encoded and written on a few threads: encoding releases the GIL in numpy and libsndfile, and the
    filesystem folds concurrent fsyncs into one journal commit, so a track with a dozen stems is stored in the time
    of a few files.
    """
    fmt = FORMATS[job.params.get("output_format") or "wav"]
    if job.attempts > 1:
        # An earlier attempt may have died mid-write: start from an empty folder so one set of files remains.
        storage.delete_prefix(job.id)

    def put(sample: int, name: str, content_type: str, kind: str, make: Callable[[], bytes]) -> FileRef:
        folder = job.id if sample == 0 else f"{job.id}/sample-{sample + 1}"
        key = f"{folder}/{name}"
        size = storage.put(key, make(), content_type)
        return FileRef(key=key, file_name=name.rsplit("/", 1)[-1], content_type=content_type, file_size=size,
                       kind=kind, sample=sample)

    def encoded(audio: Any, sample_rate: int) -> Callable[[], bytes]:
        def encode() -> bytes:
            try:
                return encode_audio(audio, sample_rate, fmt.name)
            except Exception as exc:
                raise EncodingFailed(f"encoding {fmt.name} failed: {exc}") from exc

        return encode

    tasks: list[tuple[int, str, str, str, Callable[[], bytes]]] = []
    for sample, result in enumerate(results):
        rate = result.sample_rate
        tasks.append((sample, f"output.{fmt.extension}", fmt.content_type, "audio", encoded(result.audio, rate)))
        for extra in result.extras:
            if extra.audio is not None:
                tasks.append((sample, f"{extra.name}.{fmt.extension}", fmt.content_type, "stem",
                              encoded(extra.audio, rate)))
            elif extra.data is not None:
                kind = "midi" if extra.name.endswith(".mid") else "extra"
                tasks.append((sample, extra.name, extra.content_type, kind, lambda data=extra.data: data))
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="store") as pool:
        return list(pool.map(lambda task: put(*task), tasks))


@dataclass
class _Running:
    """Jobs of the batch in flight, with the progress the engine last reported.

    ``lost`` holds the jobs this worker no longer owns: canceled by their client or their lease taken. Once every
    job of the batch is lost, the progress callback raises :class:`GenerationCanceled` to stop the engine.
    """

    jobs: list[Job]
    progress: dict[str, float] = field(default_factory=dict)
    reported: dict[str, float] = field(default_factory=dict)
    lost: set[str] = field(default_factory=set)

    @property
    def abandoned(self) -> bool:
        return len(self.lost) >= len(self.jobs)


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
        self.engines: dict[str, Engine] = {}
        self.stopping = threading.Event()
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

    def load_engines(self) -> None:
        self._announce("loading", self.model_configs)
        for model_id, config in self.model_configs.items():
            started = time.perf_counter()
            try:
                engine = create_engine(config.engine, config.options)
                engine.load()
            except Exception as exc:  # an engine that cannot load leaves its model unserved, not the worker dead
                log_event(log, "engine unavailable", logging.WARNING, model=model_id, engine=config.engine,
                          reason=str(exc), worker=self.worker_id)
                continue
            self.engines[model_id] = engine
            log_event(log, "engine loaded", model=model_id, engine=config.engine, worker=self.worker_id,
                      seconds=round(time.perf_counter() - started, 3))
        self._announce("ready", self.engines)

    def install_signal_handlers(self) -> None:
        """SIGTERM/SIGINT: stop claiming, finish the batch in hand, then exit."""

        def stop(signum: int, frame: Any) -> None:
            self.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def run(self, *, max_jobs: int | None = None) -> int:
        """Claim and run jobs until stopped (or ``max_jobs`` are done); return how many were run."""
        if not self.engines:
            self.load_engines()
        heartbeat = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
        heartbeat.start()
        done = 0
        idle_wait = 0.005
        try:
            while not self.stopping.is_set() and (max_jobs is None or done < max_jobs):
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
            self._announce("stopped", self.engines)
            for engine in self.engines.values():
                engine.close()
        return done

    # -- the job cycle -----------------------------------------------------------------------------------------
    def _claim(self) -> list[Job]:
        if not self.engines:
            return []
        limit = max(engine.max_batch for engine in self.engines.values())
        jobs = self.store.claim_jobs(self.worker_id, list(self.engines), limit=limit,
                                     lease_seconds=self.settings.lease_seconds)
        if jobs:
            fits = self.engines[jobs[0].engine_model].max_batch
            for extra in jobs[fits:]:
                self.store.release_job(extra.id, self.worker_id)
            jobs = jobs[:fits]
        return jobs

    def _run_batch(self, jobs: list[Job]) -> None:
        engine = self.engines[jobs[0].engine_model]
        for job in jobs:
            log_event(log, "job started", job=job.id, model=job.model, attempt=job.attempts, worker=self.worker_id)
        running = _Running(jobs=jobs)
        with self._lock:
            self._running = running
        # One request per sample; owners[i] is the job that request i belongs to.
        requests: list[GenerationRequest] = []
        owners: list[int] = []
        fractions: list[float] = []
        started = time.perf_counter()
        try:
            for index, job in enumerate(jobs):
                for sample in range(sample_count(job)):
                    requests.append(request_for(job, sample))
                    owners.append(index)
                    fractions.append(0.0)
            outcomes: list[GenerationResult | BaseException] = []
            for first in range(0, len(requests), max(1, engine.max_batch)):
                chunk = requests[first:first + max(1, engine.max_batch)]
                outcomes.extend(self._generate(engine, chunk, first, owners, fractions, running))
        except GenerationCanceled as exc:
            outcomes = [exc] * len(requests)
        except Exception as exc:  # the whole batch failed: each job fails (and may retry) on its own
            outcomes = [exc] * len(requests)
        engine_seconds = time.perf_counter() - started
        with self._lock:
            self._running = None
        for index, job in enumerate(jobs):
            mine = [outcome for owner, outcome in zip(owners, outcomes) if owner == index]
            failure = next((o for o in mine if isinstance(o, BaseException)), None)
            try:
                self._patiently(self._finish, job, failure if failure is not None else mine,
                                engine_seconds / len(jobs), lost=job.id in running.lost)
            except StoreError as exc:
                # Its lease runs out unrenewed, so the store requeues (or fails) the job: it costs an attempt,
                # while the worker and its loaded engines stay for the next one.
                log_event(log, "job not finished: store unavailable", logging.WARNING, job=job.id,
                          worker=self.worker_id, reason=str(exc))

    def _generate(self, engine: Engine, chunk: list[GenerationRequest], offset: int, owners: list[int],
                  fractions: list[float], running: _Running) -> Sequence[GenerationResult | BaseException]:
        jobs = running.jobs

        def progress(index: int, fraction: float) -> None:
            if running.abandoned:
                raise GenerationCanceled("no job of this batch is wanted any more")
            position = offset + index
            if 0 <= index < len(chunk):
                fractions[position] = max(0.0, min(1.0, float(fraction)))
                owner = owners[position]
                mine = [f for o, f in zip(owners, fractions) if o == owner]
                running.progress[jobs[owner].id] = sum(mine) / len(mine)

        if running.abandoned:
            raise GenerationCanceled("no job of this batch is wanted any more")
        outcomes = engine.generate(chunk, progress)
        if len(outcomes) != len(chunk):
            raise RuntimeError(f"engine returned {len(outcomes)} results for {len(chunk)} requests")
        return outcomes

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
            # Engine errors are about the request and will not change on retry; anything else might.
            retry = not isinstance(outcome, EngineError)
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
        """Extend leases of the batch in flight (and push progress), and keep this worker's presence fresh."""
        lease = self.settings.lease_seconds
        last_lease = last_presence = time.monotonic()
        while True:
            stopping = self.stopping.wait(0.25)
            if stopping:
                time.sleep(0.25)  # the event stays set: keep the pace while the last batch finishes
            now = time.monotonic()
            with self._lock:
                running = self._running
            try:
                if running is not None:
                    self._notice_lost(running)
                    due = now - last_lease >= lease / 3
                    for job in running.jobs:
                        value = running.progress.get(job.id)
                        changed = value is not None and value != running.reported.get(job.id)
                        if (due or changed) and job.id not in running.lost:
                            if not self.store.heartbeat(job.id, self.worker_id, lease_seconds=lease, progress=value):
                                running.lost.add(job.id)
                            running.reported[job.id] = value if value is not None else 0.0
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
        """Mark jobs canceled (or taken over) since the last look, so the engine stops at its next progress call.

        A read per job and tick: cheap for both stores, and it notices a cancel within a tick even when the engine
        reports no progress for a while (heartbeats, the writes that would notice it too, come only every lease/3).
        """
        for job in running.jobs:
            if job.id in running.lost:
                continue
            current = self.store.get_job(job.id)
            if current is None or current.status is not JobStatus.GENERATING or current.lease_owner != self.worker_id:
                running.lost.add(job.id)
                log_event(log, "job no longer ours", job=job.id, worker=self.worker_id,
                          status=current.status.value if current is not None else "deleted")
