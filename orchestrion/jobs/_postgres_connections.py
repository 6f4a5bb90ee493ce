"""Connections of the PostgreSQL store: a small bounded pool that fails fast and heals by itself.

Why not a general-purpose pool: the store needs three behaviours a generic pool hides. A request must fail at once
with :class:`StoreUnavailable` (so the API answers 503) when the database is away, instead of waiting for a
background reconnect; idle connections that died with a database restart must be dropped all together, not one
failed request at a time; and a statement that failed only because its pooled connection was already dead must be
retried once on a fresh connection, which is safe exactly when nothing was committed yet.

psycopg errors are translated here, at the seam, and nowhere else::

    psycopg.OperationalError (connection lost or refused, timeouts)   -> StoreUnavailable
    DeadlockDetected, SerializationFailure                            -> retried, then StoreUnavailable
    psycopg.IntegrityError (duplicate id, unknown key)                -> StoreError
    any other psycopg.Error                                           -> StoreError
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable, TypeVar

from .store import StoreError, StoreUnavailable

try:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import set_json_loads
except ImportError as exc:  # pragma: no cover - the dependency is declared; this guards broken installs
    raise ImportError(
        "the PostgreSQL job store needs psycopg 3: pip install 'psycopg[binary]>=3.2'") from exc

import orjson

__all__ = ["Listener", "PostgresConnections", "connect", "connection_options", "translate"]

T = TypeVar("T")

#: Retries of a transaction the database aborted to break a deadlock or a serialisation conflict.
_CONFLICT_RETRIES = 4
_CONFLICTS = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure)


def translate(exc: BaseException) -> StoreError:
    """The store error a psycopg error means to callers (see the module docstring)."""
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
        return StoreUnavailable(f"job store unavailable: {detail}")
    if isinstance(exc, psycopg.IntegrityError):
        return StoreError(f"the job store refused the change: {detail}")
    return StoreError(f"job store error: {detail}")


def connection_options(url: str, *, connect_timeout: float, statement_timeout: float) -> str:
    """``url`` with the store's defaults added where the URL does not choose them itself.

    A statement timeout bounds how long a request can wait on a stuck database; the connect timeout bounds the
    wait when packets vanish rather than being refused.
    """
    try:
        given = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise ValueError(f"invalid PostgreSQL URL: {exc}") from None
    extra: dict[str, Any] = {}
    if "connect_timeout" not in given:
        extra["connect_timeout"] = max(1, round(connect_timeout))
    if "application_name" not in given:
        extra["application_name"] = "orchestrion"
    if "options" not in given and statement_timeout > 0:
        extra["options"] = f"-c statement_timeout={int(statement_timeout * 1000)}"
    return make_conninfo(url, **extra)


def connect(conninfo: str, *, autocommit: bool) -> "psycopg.Connection[Any]":
    """A new connection, or :class:`StoreUnavailable` saying why the database could not be reached."""
    try:
        conn = psycopg.connect(conninfo, autocommit=autocommit)
    except psycopg.Error as exc:
        raise translate(exc) from None
    set_json_loads(orjson.loads, conn)
    return conn


def _lost(conn: "psycopg.Connection[Any]") -> bool:
    return conn.closed or conn.broken


class PostgresConnections:
    """Up to ``max_size`` autocommit connections, shared by the threads of one process."""

    def __init__(self, conninfo: str, *, max_size: int, wait_timeout: float) -> None:
        if max_size < 1:
            raise ValueError(f"pool size must be at least 1, got {max_size!r}")
        self.conninfo = conninfo
        self.max_size = max_size
        self.wait_timeout = wait_timeout
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_size)
        self._idle: list[psycopg.Connection[Any]] = []
        self._pid = os.getpid()

    # -- lending -----------------------------------------------------------------------------------------------
    def _acquire(self) -> tuple["psycopg.Connection[Any]", bool]:
        """A connection and whether it was reused from the idle list (and so may have died since)."""
        self._forget_if_forked()
        if not self._slots.acquire(timeout=self.wait_timeout):
            raise StoreUnavailable(f"job store unavailable: all {self.max_size} database connections of this "
                                   f"process stayed busy for {self.wait_timeout:g} s")
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is not None:
            return conn, True
        try:
            return connect(self.conninfo, autocommit=True), False
        except BaseException:
            self._slots.release()
            raise

    def _release(self, conn: "psycopg.Connection[Any]", *, discard: bool = False) -> None:
        if not discard and not _lost(conn) and conn.info.transaction_status == TransactionStatus.IDLE:
            with self._lock:
                self._idle.append(conn)
        else:
            _close_quietly(conn)
        self._slots.release()

    def _drop_idle(self) -> None:
        """Close every idle connection: when one died with the server, its siblings died with it."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            _close_quietly(conn)

    def _forget_if_forked(self) -> None:
        # A forked child must not use (or close: that would end the parent's sessions) inherited sockets.
        if os.getpid() != self._pid:
            with self._lock:
                self._idle = []
                self._slots = threading.BoundedSemaphore(self.max_size)
                self._pid = os.getpid()

    # -- running -----------------------------------------------------------------------------------------------
    def run(self, action: Callable[["psycopg.Connection[Any]"], T], *, transaction: bool = False) -> T:
        """``action(conn)``, in one transaction when asked, with retries and errors translated.

        ``action`` may run more than once: when the database broke a deadlock by aborting it, or when its pooled
        connection turned out to be dead before anything was committed. It must do nothing but database work.
        """
        attempt = 0
        while True:
            attempt += 1
            conn, reused = self._acquire()
            committing = False
            try:
                if transaction:
                    with conn.transaction():
                        result = action(conn)
                        committing = True  # only the COMMIT is left: from here the outcome may be unknown
                else:
                    result = action(conn)
            except psycopg.Error as exc:
                lost = _lost(conn)
                self._release(conn, discard=lost)
                if lost:
                    self._drop_idle()
                    if reused and not committing and attempt == 1:
                        continue
                elif isinstance(exc, _CONFLICTS) and attempt <= _CONFLICT_RETRIES:
                    time.sleep(0.005 * attempt)
                    continue
                raise translate(exc) from None
            except BaseException:
                # The store's own refusals (QueueFull ...) arrive here after psycopg rolled back: the connection
                # is fine. Anything stranger leaves it in doubt, and _release drops it then.
                self._release(conn)
                raise
            self._release(conn)
            return result

    def close(self) -> None:
        self._drop_idle()


class Listener:
    """One dedicated connection that LISTENs on a channel, so an idle worker wakes the moment work arrives.

    Notifications that arrive while the worker is busy wait in the connection, so the next :meth:`wait` returns at
    once: a job queued between two claims is never slept through. A lost connection is reopened on the next wait;
    until then waits simply sleep, since workers also claim on a timer.
    """

    def __init__(self, conninfo: str, channel: str) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self._conn: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for a notification; ``True`` if one came. Never raises store errors."""
        deadline = time.monotonic() + max(0.0, timeout)
        with self._lock:
            try:
                conn = self._open()
                woken = False
                for _ in conn.notifies(timeout=max(0.0, timeout), stop_after=1):
                    woken = True
                if woken:
                    # Several jobs announced at once wake the worker once; it claims until the queue is empty.
                    for _ in conn.notifies(timeout=0):
                        pass
                return woken
            except (psycopg.Error, StoreError):
                self._close()
        time.sleep(max(0.0, deadline - time.monotonic()))
        return False

    def _open(self) -> "psycopg.Connection[Any]":
        if os.getpid() != self._pid:
            self._conn, self._pid = None, os.getpid()
        if self._conn is None or _lost(self._conn):
            self._close()
            conn = connect(self.conninfo, autocommit=True)
            try:
                conn.execute(f"LISTEN {self.channel}")
            except psycopg.Error:
                _close_quietly(conn)
                raise
            self._conn = conn
        return self._conn

    def _close(self) -> None:
        if self._conn is not None:
            _close_quietly(self._conn)
            self._conn = None

    def close(self) -> None:
        with self._lock:
            self._close()


def _close_quietly(conn: "psycopg.Connection[Any]") -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001 - closing a dead connection may complain; it is going away either way
        pass
