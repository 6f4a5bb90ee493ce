"""SQLite connections for the embedded store: one per thread and process, with the store's pragmas, explicit
transactions, and sqlite3's errors translated into the store's.

A connection inherited through ``fork`` is never reused (its locks and file descriptors belong to the parent), and
threads never share one. Writes go through :meth:`SQLiteConnections.write`, which opens ``BEGIN IMMEDIATE``: it
takes SQLite's single write lock up front, so a read-then-write cannot interleave with another writer nor fail
upgrading a read lock, and waiting for it is bounded by ``busy_timeout``.

Waiting is ours, not SQLite's. SQLite's own busy handler sleeps 1, 2, 5 ... 100 ms between tries, so under steady
contention a writer that lost a few rounds sleeps through the moments the lock is free (we measured 700 ms claims
beside two busy processes). Instead, threads of one process queue on a lock of their own (only one of them at a
time contends with other processes), and the connection's ``busy_timeout`` is 0 so that a busy database answers
at once and :func:`retrying` tries again after a short, jittered pause until the deadline.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

from .migrate import Dialect
from .store import StoreError, StoreUnavailable

__all__ = ["SQLITE_DIALECT", "SQLiteConnections", "translated"]

T = TypeVar("T")

# OperationalError texts that mean "cannot reach the data right now" rather than a bug in a query.
_UNAVAILABLE = ("locked", "busy", "disk i/o", "unable to open", "readonly", "disk is full", "no such table",
                "not a database", "malformed")


def execute_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the migration transaction first, so feed statements one by one;
    # sqlite3.complete_statement knows that a trigger body's semicolons do not end the statement.
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            conn.execute(buffer)
            buffer = ""
    if buffer.strip() and not all(part.strip().startswith("--") for part in buffer.splitlines() if part.strip()):
        raise sqlite3.OperationalError(f"incomplete SQL statement at the end of the script: {buffer.strip()[:80]!r}")


SQLITE_DIALECT = Dialect(name="sqlite", begin=("BEGIN IMMEDIATE",), param="?", execute_script=execute_script)


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Map sqlite3's errors onto the store's: lock timeouts and I/O trouble become :class:`StoreUnavailable`."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise StoreError(f"job store constraint failed: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        text = str(exc).lower()
        if any(marker in text for marker in _UNAVAILABLE):
            raise StoreUnavailable(f"job store unavailable: {exc}") from exc
        raise StoreError(f"job store error: {exc}") from exc


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def retrying(action: Callable[[], T], timeout: float) -> T:
    """Run ``action`` again after short pauses while the database answers busy, for up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = 0.0005
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(min(pause * (0.5 + random.random()), max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.004)


class SQLiteConnections:
    """This thread's connection to one SQLite file, opened on first use; :meth:`close` closes every thread's."""

    def __init__(self, path: Path, busy_timeout: float) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._generation = 0  # bumped by close() so threads drop connections closed under them
        self._writer = (os.getpid(), threading.Lock())  # re-made after fork: a copied lock may be held forever

    def get(self) -> sqlite3.Connection:
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is not None and local.pid == os.getpid() and local.generation == self._generation:
            return conn
        conn = self._open()
        local.conn, local.pid, local.generation = conn, os.getpid(), self._generation
        with self._lock:
            self._connections.append(conn)
        return conn

    def _open(self) -> sqlite3.Connection:
        with translated():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: the module opens no transactions behind our back; we BEGIN explicitly.
            conn = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False,
                                   cached_statements=128)
            retrying(lambda: self._enable_wal(conn), self.busy_timeout)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreUnavailable(f"{self.path}: SQLite refused WAL mode (got {mode!r}); is it on a network disk?")

    def _writer_lock(self) -> threading.Lock:
        pid, lock = self._writer
        if pid != os.getpid():
            self._writer = (os.getpid(), threading.Lock())
            lock = self._writer[1]
        return lock

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises (store errors too)."""
        conn = self.get()
        lock = self._writer_lock()
        started = time.monotonic()
        if not lock.acquire(timeout=self.busy_timeout):
            raise StoreUnavailable(f"job store unavailable: database is locked (waited {self.busy_timeout:g} s "
                                   "for this process's other writers)")
        try:
            with translated():
                remaining = max(0.0, self.busy_timeout - (time.monotonic() - started))
                retrying(lambda: conn.execute("BEGIN IMMEDIATE"), remaining)
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                    raise
        finally:
            lock.release()

    def run(self, action: Callable[[sqlite3.Connection], T]) -> T:
        """``action(connection)`` with busy answers retried and errors translated (reads, migrations)."""
        conn = self.get()
        with translated():
            return retrying(lambda: action(conn), self.busy_timeout)

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        conn = self.get()
        with translated():
            try:
                return conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                # WAL readers are rarely refused (while another connection resets the log); retry those few.
                if not _is_busy(exc):
                    raise
                return retrying(lambda: conn.execute(sql, params).fetchall(), self.busy_timeout)

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        conn = self.get()
        with translated():
            try:
                return conn.execute(sql, params).fetchone()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                return retrying(lambda: conn.execute(sql, params).fetchone(), self.busy_timeout)

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
            self._generation += 1
        for conn in connections:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
