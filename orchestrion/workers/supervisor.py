"""The supervisor: keeps N worker processes alive beside the HTTP server.

Workers are started with the ``spawn`` method (a clean interpreter: no inherited threads, sockets or SQLite
connections). A worker that dies for any reason is logged with its exit code and replaced, with a growing delay if
it keeps dying at start-up, so a broken engine cannot spin the machine.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass
from typing import Sequence

from ..config import Settings
from ..logs import configure_logging, log_event

__all__ = ["Supervisor", "worker_main"]

log = logging.getLogger("orchestrion.supervisor")


def worker_main(settings: Settings, models: Sequence[str] | None) -> None:
    """Entry point of a worker process."""
    from .worker import Worker

    configure_logging(settings.log_level, settings.log_json)
    # The supervisor stops workers with SIGTERM; Ctrl-C in the terminal reaches the whole process group, and the
    # supervisor decides then, so the worker ignores SIGINT.
    worker = Worker(settings, models=models)
    worker.install_signal_handlers()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker.run()


@dataclass
class _Slot:
    process: multiprocessing.process.BaseProcess | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float = 0.0


class Supervisor:
    def __init__(self, settings: Settings, count: int, models: Sequence[str] | None = None,
                 grace_seconds: float = 30.0) -> None:
        self.settings = settings
        self.models = list(models) if models else None
        self.grace_seconds = grace_seconds
        self._ctx = multiprocessing.get_context("spawn")
        self._slots = [_Slot() for _ in range(count)]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def pids(self) -> list[int]:
        return [s.process.pid for s in self._slots if s.process is not None and s.process.pid is not None]

    def start(self) -> None:
        for index in range(len(self._slots)):
            self._spawn(index)
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()

    def _spawn(self, index: int) -> None:
        process = self._ctx.Process(target=worker_main, args=(self.settings, self.models),
                                    name=f"orchestrion-worker-{index}", daemon=False)
        process.start()
        slot = self._slots[index]
        slot.process, slot.started_at = process, time.monotonic()
        log_event(log, "worker started", slot=index, pid=process.pid)

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            now = time.monotonic()
            for index, slot in enumerate(self._slots):
                process = slot.process
                if process is not None and not process.is_alive():
                    code = process.exitcode
                    reason = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                    # A worker that dies within seconds of starting is failing to start: back off.
                    slot.failures = slot.failures + 1 if now - slot.started_at < 10 else 0
                    delay = min(30.0, 0.5 * 2 ** slot.failures) if slot.failures else 0.0
                    log_event(log, "worker died", logging.WARNING, slot=index, pid=process.pid, reason=reason,
                              restart_in=delay)
                    process.close()
                    slot.process, slot.restart_at = None, now + delay
                if slot.process is None and now >= slot.restart_at and not self._stop.is_set():
                    self._spawn(index)

    def stop(self) -> None:
        """SIGTERM every worker, wait for them to finish their batch, kill the ones past the grace period."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        processes = [s.process for s in self._slots if s.process is not None]
        for process in processes:
            if process.is_alive() and process.pid:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log_event(log, "worker killed after grace period", logging.WARNING, pid=process.pid)
                process.kill()
                process.join()
        log_event(log, "workers stopped", count=len(processes))
