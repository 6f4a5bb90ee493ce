"""The engine process: a worker's engines run in a child process, so the worker can always stop them.

A worker (the parent) spawns one child that loads the worker's engines once and then runs one batch at a time.
They speak typed messages over two one-way pipes: the parent sends :class:`Generate`, :class:`Cancel` and
:class:`Shutdown`; the child answers :class:`Loaded` once, then :class:`Progress` while a batch runs and one
:class:`Result` per batch, and :class:`Alive` every second from a thread of its own.

- Cancel: the child's reader thread marks the batch canceled at once, and the engine's next progress report raises
  :class:`~orchestrion.engines.GenerationCanceled`. A child that does not answer within ``cancel_grace`` (an engine
  stuck in a native call, reporting nothing) is killed; the next batch starts a fresh child, which loads its
  engines again.
- Crashes: the parent waits on the child's pipe and on its process handle together, so a child that dies (a
  segfault, ``os._exit``, the OOM killer) is noticed at once and its batch fails with the reason
  (:class:`EngineProcessDied`), while the worker, its heartbeats and its leases carry on. A child whose ``Alive``
  messages stop for ``unresponsive_seconds`` (a native call holding the GIL) is killed the same way.
- Results: audio arrays leave the child outside the pickle stream (pickle protocol 5 buffers). Large ones are
  written to one file in shared memory (``/dev/shm``) that the parent maps copy-on-write and unlinks at once, so a
  300 s stereo track crosses in one memory copy instead of a pipe's chunked writes and reads.
- Failures cross as :class:`Failure` records (type, message, traceback): an engine's exception need not pickle.
  The parent turns them back into an :class:`~orchestrion.engines.EngineError` carrying the engine's ``name`` or
  an :class:`EngineCrash`, each with the child's traceback as its cause.

A child whose parent goes away (even by kill -9) sees its command pipe close and exits at once, from its reader
thread, whatever its engine is doing.
"""

from __future__ import annotations

import dataclasses
import glob
import logging
import mmap
import multiprocessing
import os
import pickle
import queue
import signal
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Mapping, Sequence

from ..engines import EngineError, GenerationCanceled, GenerationRequest, GenerationResult
from ..logs import log_event

__all__ = [
    "Alive", "Audio", "Cancel", "EngineCrash", "EngineProcess", "EngineProcessDied", "EngineSpec", "Failure", "Generate",
    "Loaded", "Progress", "Result", "Shutdown", "death_reason",
]

log = logging.getLogger("orchestrion.worker")

#: Results whose arrays together pass this many bytes travel through shared memory rather than the pipe.
SPILL_BYTES = 1 << 20
_ALIVE_SECONDS = 1.0
#: Least time between two progress messages for one request (the last, 1.0, is always sent).
_PROGRESS_SECONDS = 0.05


# -- messages ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EngineSpec:
    """What the child needs to build one engine: the served model id, the engine's name and its options."""

    model: str
    engine: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class Generate:
    batch: int
    model: str
    requests: list[GenerationRequest]
    #: Whether the parent wants each track's pieces as they are made (:class:`Audio`).
    stream: bool = False


@dataclass(frozen=True)
class Cancel:
    batch: int


@dataclass(frozen=True)
class Shutdown:
    pass


@dataclass(frozen=True)
class Loaded:
    """The engines that loaded (model id → ``max_batch``) and why the others did not."""

    engines: dict[str, int]
    unavailable: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    batch: int
    index: int
    fraction: float


@dataclass(frozen=True)
class Alive:
    pass


@dataclass(frozen=True)
class Audio:
    """A piece of request ``index``'s track as the engine makes it (:attr:`GenerationRequest.sink`): float32
    stereo frames from ``start`` of ``total``, as raw bytes."""

    batch: int
    index: int
    start: int
    total: int
    data: bytes


@dataclass(frozen=True)
class Failure:
    """An exception raised or returned in the child, as plain data."""

    type_name: str
    message: str
    traceback: str
    #: The engine's :attr:`EngineError.name` when it was an engine error.
    engine_error: str | None = None
    #: Whether the engine error had a cause (a crash the engine wrapped): the operator reads its traceback.
    caused: bool = False
    canceled: bool = False

    @classmethod
    def of(cls, exc: BaseException) -> "Failure":
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(type_name=type(exc).__name__, message=str(exc), traceback=text,
                   engine_error=exc.name if isinstance(exc, EngineError) else None,
                   caused=exc.__cause__ is not None, canceled=isinstance(exc, GenerationCanceled))

    def exception(self) -> BaseException:
        """The exception the worker handles: an engine error keeps its name and message; anything else becomes an
        :class:`EngineCrash`. The child's traceback is the cause of either."""
        if self.canceled:
            return GenerationCanceled(self.message)
        remote = _RemoteTraceback(self.traceback)
        if self.engine_error is not None:
            exc: BaseException = EngineError(self.message)
            exc.name = self.engine_error  # type: ignore[attr-defined]
            if self.caused:
                exc.__cause__ = remote
            return exc
        exc = EngineCrash(f"{self.type_name}: {self.message}")
        exc.__cause__ = remote
        return exc


@dataclass(frozen=True)
class Result:
    """One batch's outcomes (one per request), or the one failure of the whole call.

    ``payload`` is the pickled outcomes without their arrays' bytes; those are in ``buffers`` (small results) or
    in the shared-memory file ``spill`` at the offsets ``sizes`` imply.
    """

    batch: int
    payload: bytes = b""
    buffers: list[bytes] = field(default_factory=list)
    spill: str | None = None
    sizes: list[int] = field(default_factory=list)
    error: Failure | None = None


class EngineCrash(Exception):
    """An engine raised something other than an engine error (its traceback, from the engine process, is the
    cause)."""


class _RemoteTraceback(Exception):
    def __str__(self) -> str:
        return f"\n\nin the engine process:\n{self.args[0]}"


class EngineProcessDied(EngineError):
    """The engine process died or stopped answering while it ran the batch. The job may be retried."""

    name = "engine_process_died"
    retry = True


def death_reason(exitcode: int | None) -> str:
    """A sentence for a client about an engine process that ended with ``exitcode`` (negative: a signal)."""
    if exitcode is None:
        return "the engine process stopped answering and was restarted"
    signum = -exitcode if exitcode < 0 else exitcode - 128 if 128 < exitcode < 128 + 65 else None
    if signum == signal.SIGKILL:
        return f"the engine process died (exit code {exitcode}, likely out of memory)"
    if signum == signal.SIGSEGV:
        return f"the engine crashed (signal {signum}, segmentation fault)"
    if signum is not None and exitcode < 0:
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = "unknown signal"
        return f"the engine process died (signal {signum}, {name})"
    return f"the engine process died (exit code {exitcode})"


# -- moving results ------------------------------------------------------------------------------------------------
def _spill_dir() -> str:
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else tempfile.gettempdir()


def _spill_prefix(pid: int) -> str:
    return os.path.join(_spill_dir(), f"orchestrion-engine-{pid}-")


def pack_outcomes(batch: int, outcomes: Sequence[GenerationResult | BaseException]) -> Result:
    """The :class:`Result` message for ``outcomes``: exceptions as :class:`Failure`, arrays out of band."""
    plain = [Failure.of(o) if isinstance(o, BaseException) else o for o in outcomes]
    raw: list[pickle.PickleBuffer] = []
    payload = pickle.dumps(plain, protocol=5, buffer_callback=raw.append)
    views = [buffer.raw() for buffer in raw]
    sizes = [view.nbytes for view in views]
    if sum(sizes) < SPILL_BYTES:
        return Result(batch=batch, payload=payload, buffers=[bytes(view) for view in views])
    fd, path = tempfile.mkstemp(prefix=os.path.basename(_spill_prefix(os.getpid())), dir=_spill_dir())
    try:
        os.ftruncate(fd, sum(sizes))
        with mmap.mmap(fd, sum(sizes)) as mapped:
            offset = 0
            for view in views:
                mapped[offset:offset + view.nbytes] = view
                offset += view.nbytes
    except BaseException:
        os.unlink(path)
        raise
    finally:
        os.close(fd)
    return Result(batch=batch, payload=payload, spill=path, sizes=sizes)


def unpack_outcomes(result: Result) -> list[GenerationResult | BaseException]:
    """The outcomes a :class:`Result` carries (arrays mapped from shared memory, copy-on-write)."""
    if result.error is not None:
        raise result.error.exception()
    buffers: list[Any] = list(result.buffers)
    if result.spill is not None:
        try:
            with open(result.spill, "rb") as fh:
                mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
        finally:
            os.unlink(result.spill)
        view = memoryview(mapped)
        offset = 0
        for size in result.sizes:
            buffers.append(view[offset:offset + size])
            offset += size
    outcomes = pickle.loads(result.payload, buffers=buffers)
    return [o.exception() if isinstance(o, Failure) else o for o in outcomes]


# -- the child -----------------------------------------------------------------------------------------------------
def child_main(specs: Sequence[EngineSpec], commands: Connection, events: Connection, log_level: str,
               log_json: bool) -> None:
    """Entry point of the engine process."""
    from ..engines import create_engine
    from ..logs import configure_logging

    configure_logging(log_level, log_json)
    # The worker decides about Ctrl-C and SIGTERM; the child goes when its worker tells it or goes away.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    send_lock = threading.Lock()

    def send(message: Any) -> None:
        with send_lock:
            events.send(message)

    inbox: queue.Queue[Any] = queue.Queue()
    canceled: set[int] = set()

    def read() -> None:
        while True:
            try:
                command = commands.recv()
            except (EOFError, OSError):
                os._exit(0)  # the worker is gone: nobody will read what the engine makes
            if isinstance(command, Cancel):
                canceled.add(command.batch)
            else:
                inbox.put(command)
                if isinstance(command, Shutdown):
                    return

    def tick() -> None:
        while True:
            time.sleep(_ALIVE_SECONDS)
            try:
                send(Alive())
            except OSError:
                return

    engines: dict[str, Any] = {}
    unavailable: dict[str, str] = {}
    for spec in specs:
        started = time.perf_counter()
        try:
            engine = create_engine(spec.engine, spec.options)
            engine.load()
        except Exception as exc:  # an engine that cannot load leaves its model unserved, not the others
            log_event(log, "engine unavailable", logging.WARNING, model=spec.model, engine=spec.engine,
                      reason=str(exc), pid=os.getpid())
            unavailable[spec.model] = str(exc)
            continue
        engines[spec.model] = engine
        log_event(log, "engine loaded", model=spec.model, engine=spec.engine, pid=os.getpid(),
                  seconds=round(time.perf_counter() - started, 3))
    threading.Thread(target=read, name="commands", daemon=True).start()
    send(Loaded(engines={model: max(1, engine.max_batch) for model, engine in engines.items()},
                unavailable=unavailable))
    threading.Thread(target=tick, name="alive", daemon=True).start()
    for model, engine in engines.items():  # before the first job, which waits in the inbox meanwhile
        started = time.perf_counter()
        try:
            engine.warm()
        except Exception as exc:  # the job path is the same with or without: a failed warm-up only costs its time
            log_event(log, "engine warm-up failed", logging.WARNING, model=model, reason=str(exc), pid=os.getpid())
            continue
        seconds = time.perf_counter() - started
        if seconds >= 0.01:
            log_event(log, "engine warmed", model=model, pid=os.getpid(), seconds=round(seconds, 3))
    try:
        while True:
            command = inbox.get()
            if isinstance(command, Shutdown):
                return
            send(_run(engines.get(command.model), command, canceled, send))
            canceled.discard(command.batch)
    finally:
        for engine in engines.values():
            engine.close()


def _run(engine: Any, command: Generate, canceled: set[int], send: Callable[[Any], None]) -> Result:
    batch = command.batch
    last_sent: dict[int, float] = {}

    def progress(index: int, fraction: float) -> None:
        if batch in canceled:
            raise GenerationCanceled("no job of this batch is wanted any more")
        now = time.monotonic()
        if fraction >= 1.0 or now - last_sent.get(index, 0.0) >= _PROGRESS_SECONDS:
            last_sent[index] = now
            send(Progress(batch, index, float(fraction)))

    def sink_for(index: int) -> Callable[[int, Any, int], None]:
        def sink(start: int, audio: Any, total: int) -> None:
            if batch in canceled:
                raise GenerationCanceled("no job of this batch is wanted any more")
            send(Audio(batch, index, int(start), int(total), audio.astype("<f4", copy=False).tobytes()))

        return sink

    try:
        if engine is None:
            raise RuntimeError(f"no engine for model {command.model!r} in this process")
        if batch in canceled:
            raise GenerationCanceled("no job of this batch is wanted any more")
        requests = [dataclasses.replace(request, sink=sink_for(index)) if command.stream else request
                    for index, request in enumerate(command.requests)]
        outcomes = engine.generate(requests, progress)
        if len(outcomes) != len(command.requests):
            raise RuntimeError(f"engine returned {len(outcomes)} results for {len(command.requests)} requests")
        return pack_outcomes(batch, outcomes)
    except BaseException as exc:  # GenerationCanceled included: the parent decides what it means
        return Result(batch=batch, error=Failure.of(exc))


# -- the parent's handle -------------------------------------------------------------------------------------------
class EngineProcess:
    """The worker's handle on its engine process: start it (loading the engines), run batches, cancel, restart."""

    #: Seconds a canceled batch may take to stop at a progress report before its process is killed.
    cancel_grace = 1.0
    #: Seconds without any message from a running child (not even :class:`Alive`) before it is killed.
    unresponsive_seconds = 60.0

    def __init__(self, specs: Sequence[EngineSpec], *, log_level: str = "info", log_json: bool = False,
                 owner: str = "") -> None:
        self.specs = list(specs)
        self.log_level, self.log_json, self.owner = log_level, log_json, owner
        self._ctx = multiprocessing.get_context("spawn")
        self._process: multiprocessing.process.BaseProcess | None = None
        self._commands: Connection | None = None
        self._events: Connection | None = None
        self._batches = 0
        #: Model id → most requests per batch, for the engines the current child loaded.
        self.engines: dict[str, int] = {}
        self.starts = 0

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> dict[str, int]:
        """Start a child and wait until its engines are loaded; return them (model id → ``max_batch``). A child
        that dies while loading leaves no engines (the caller retries later)."""
        self.close(kill=True)
        commands_in, commands_out = self._ctx.Pipe(duplex=False)
        events_in, events_out = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(target=child_main, name="orchestrion-engines", daemon=True,
                                    args=(self.specs, commands_in, events_out, self.log_level, self.log_json))
        process.start()
        # The child holds the other ends now: closing ours lets each side see the other go (EOF).
        commands_in.close()
        events_out.close()
        self._process, self._commands, self._events = process, commands_out, events_in
        self.starts += 1
        self.engines = {}
        while True:
            ready = wait([events_in, process.sentinel])
            if events_in in ready:
                try:
                    message = events_in.recv()
                except (EOFError, OSError):
                    message = None
                if isinstance(message, Loaded):
                    self.engines = dict(message.engines)
                    return self.engines
                if message is not None:
                    continue
            process.join(5)
            log_event(log, "engine process died while loading", logging.WARNING, worker=self.owner,
                      reason=death_reason(process.exitcode))
            self.close(kill=True)
            return {}

    def run(self, model: str, requests: list[GenerationRequest], progress: Callable[[int, float], None],
            wanted: Callable[[], bool], audio: Callable[[int, int, Any, int], None] | None = None
            ) -> list[GenerationResult | BaseException]:
        """Run one batch in the child; ``progress(index, fraction)`` as it reports, ``wanted()`` asked every few
        hundredths of a second, and, when given, ``audio(index, start, frames, total)`` with each piece of a track
        the engine hands over as it goes (float32 ``(n, 2)``). Raises :class:`GenerationCanceled` once the batch is
        no longer wanted (killing a child that does not stop in time), and :class:`EngineProcessDied` if the child
        dies or stops answering (the child is then gone; :meth:`start` makes the next)."""
        if not self.alive or self._commands is None or self._events is None or self._process is None:
            raise EngineProcessDied("the engine process is not running")
        self._batches += 1
        batch = self._batches
        process, events = self._process, self._events
        try:
            self._commands.send(Generate(batch, model, requests, stream=audio is not None))
        except OSError:
            raise self._died() from None
        heard = time.monotonic()
        cancel_sent: float | None = None
        while True:
            ready = wait([events, process.sentinel], timeout=0.02)
            now = time.monotonic()
            if events in ready:
                try:
                    message = events.recv()
                except (EOFError, OSError):
                    raise self._died() from None
                heard = now
                if isinstance(message, Progress) and message.batch == batch:
                    progress(message.index, message.fraction)
                elif isinstance(message, Audio) and message.batch == batch and audio is not None:
                    import numpy as np

                    audio(message.index, message.start, np.frombuffer(message.data, "<f4").reshape(-1, 2),
                          message.total)
                elif isinstance(message, Result) and message.batch == batch:
                    return unpack_outcomes(message)
                continue
            if process.sentinel in ready:
                raise self._died()
            if cancel_sent is None and not wanted():
                cancel_sent = now
                try:
                    self._commands.send(Cancel(batch))
                except OSError:
                    raise self._died() from None
            if cancel_sent is not None and now - cancel_sent > self.cancel_grace:
                log_event(log, "engine process killed: canceled batch did not stop", logging.WARNING,
                          worker=self.owner, pid=process.pid, grace_seconds=self.cancel_grace)
                self.close(kill=True)
                raise GenerationCanceled("no job of this batch is wanted any more")
            if now - heard > self.unresponsive_seconds:
                log_event(log, "engine process killed: not answering", logging.WARNING, worker=self.owner,
                          pid=process.pid, silent_seconds=round(now - heard, 1))
                self.close(kill=True)
                raise EngineProcessDied(death_reason(None))

    def _died(self) -> EngineProcessDied:
        process = self._process
        if process is not None:
            process.join(5)
        code = process.exitcode if process is not None else None
        reason = death_reason(code)
        log_event(log, "engine process died", logging.WARNING, worker=self.owner,
                  pid=process.pid if process is not None else None, exit_code=code, reason=reason)
        self.close(kill=True)
        return EngineProcessDied(reason)

    def close(self, *, kill: bool = False, timeout: float = 10.0) -> None:
        """Stop the child: at once with ``kill``, else by asking it to close its engines (killed past
        ``timeout``)."""
        process = self._process
        if process is None:
            return
        if not kill and process.is_alive() and self._commands is not None:
            try:
                self._commands.send(Shutdown())
            except OSError:
                pass
            process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
        for connection in (self._commands, self._events):
            if connection is not None:
                connection.close()
        if process.pid is not None:  # results it spilled but nobody mapped
            for path in glob.glob(f"{glob.escape(_spill_prefix(process.pid))}*"):
                try:
                    os.unlink(path)
                except OSError:
                    pass
        process.close()
        self._process = self._commands = self._events = None
        self.engines = {}
