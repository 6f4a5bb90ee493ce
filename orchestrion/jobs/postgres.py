"""The scaled-out job store: one PostgreSQL database shared by many API processes and workers on many machines.

The rules are :class:`.sql_store.SQLJobStore`'s; this module gives them PostgreSQL's connections and what
PostgreSQL does its own way. PostgreSQL does the locking and the durability; there is no broker beside it:

- claims are fair across keys (round-robin, see :mod:`._policy`): ``key_queues`` (migration 0004) names the key
  whose turn it is, and its oldest queued jobs are locked with ``FOR UPDATE SKIP LOCKED``, so concurrent workers
  never take the same job and pass over each other's to the next key in turn; completion, failure and heartbeats
  are fenced by ``lease_owner`` in the same ``UPDATE``, so a worker that lost its lease cannot write a second result;
- every claim first returns expired leases to the queue (or ends them ``error`` after the last attempt);
- a transaction that touches several keys' rows (claims, expiry, retention) locks them in id order, so such
  transactions never deadlock on each other (migration 0004 tells the whole locking order);
- a trigger announces each claimable job with ``NOTIFY``, and idle workers ``LISTEN`` (:meth:`wait_for_jobs`);
- times come from the database's clock, so leases hold even when the machines' clocks disagree;
- the per-key queue limit, the budgets and the credit quota are exact: creation locks the key's row. The
  queue-wide limit is read without a global lock, so creations racing through several API processes may pass it
  by at most the number in flight at that moment; it protects the machine, and serialising every creation to make
  it exact would cost more than that overshoot. Idempotency keys are exact for the same reason as the per-key
  limit;
- webhook deliveries are an outbox filled by a trigger in the transaction that changes the job (migration 0003),
  and senders lease them with ``SKIP LOCKED`` like workers lease jobs;
- job counts per status are appended as +1/-1 rows that any process folds together now and then, so hot counter
  rows never make claims, completions and creations wait on each other.

Connections come from a small pool per process (:mod:`._postgres_connections`) that turns connection loss into
:class:`StoreUnavailable` and reconnects by itself when the database is back.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Sequence, TypeVar

import psycopg

from ._policy import keys_by_last_claim
from ._postgres_connections import Listener, PostgresConnections, connect, connection_options, translate
from ._postgres_sql import (
    CHANNEL,
    CLAIM,
    CLAIM_CANDIDATES,
    CLAIM_LOCK,
    CLAIM_LOCK_ANY,
    FOLD_COUNTS,
    NOW,
    POSTGRES_DIALECT,
)
from .migrate import load_migrations, run_migrations
from .models import Job
from .queries import load_queries
from .sql_store import SHARED_QUERIES, SQLJobStore, first_row
from .store import StoreError

__all__ = ["POSTGRES_DIALECT", "PostgresJobStore"]

T = TypeVar("T")

_MIGRATIONS_PACKAGE = "orchestrion.jobs.migrations.postgres"
#: How often one process folds the job counter rows together (see migration 0001).
_FOLD_EVERY_SECONDS = 2.0


class PostgresJobStore(SQLJobStore):
    """The :class:`JobStore` on a PostgreSQL database (``postgresql://user:password@host:port/dbname``).

    Opening connects nothing: the first call does, so a process may start while the database is still away. Call
    :meth:`migrate` once before use (any process may; several starting together are safe).
    """

    _q = load_queries("postgres", required=SHARED_QUERIES, now=NOW)

    def __init__(self, url: str, *, pool_size: int = 8, connect_timeout: float = 5.0,
                 statement_timeout: float = 30.0) -> None:
        if not isinstance(url, str) or not url.startswith(("postgresql://", "postgres://")):
            raise ValueError(f"a PostgreSQL URL starts with postgresql://, got {url!r}")
        self.url = url
        self._options = (pool_size, connect_timeout, statement_timeout)
        conninfo = connection_options(url, connect_timeout=connect_timeout, statement_timeout=statement_timeout)
        self._conninfo = conninfo
        self._db = PostgresConnections(conninfo, max_size=pool_size, wait_timeout=max(1.0, connect_timeout))
        self._listener = Listener(conninfo, CHANNEL)
        self._fold_lock = threading.Lock()
        self._next_fold = 0.0

    def __repr__(self) -> str:
        return f"PostgresJobStore({_without_password(self.url)!r})"

    def __reduce__(self) -> tuple:
        # A pickled store (handed to a spawned process) opens its own connections there.
        pool_size, connect_timeout, statement_timeout = self._options
        return (_reopen, (self.url, pool_size, connect_timeout, statement_timeout))

    # -- connections -------------------------------------------------------------------------------------------
    def _read_one(self, sql: str, params: Any = None) -> tuple | None:
        return self._db.run(lambda conn: conn.execute(sql, params).fetchone())

    def _read_all(self, sql: str, params: Any = None) -> list[tuple]:
        return self._db.run(lambda conn: conn.execute(sql, params).fetchall())

    def _transaction(self, work: Callable[[Any], T]) -> T:
        return self._db.run(work, transaction=True)

    def _statement(self, sql: str, params: Any) -> tuple | None:
        # One statement needs no transaction of its own: autocommit commits it.
        return self._db.run(lambda conn: first_row(conn.execute(sql, params)))

    def _lock_keys(self, conn: Any, key_ids: Sequence[str]) -> None:
        conn.execute(self._q.lock_keys, {"ids": list(key_ids)})

    def _after_change(self) -> None:
        """Fold the counter rows together every few seconds, so counting stays a read of a handful of rows."""
        now = time.monotonic()
        if now < self._next_fold or not self._fold_lock.acquire(blocking=False):
            return
        try:
            self._next_fold = now + _FOLD_EVERY_SECONDS
            self._db.run(lambda conn: conn.execute(FOLD_COUNTS))
        except StoreError:
            pass  # housekeeping: the caller's own change is done, and the next call folds instead
        finally:
            self._fold_lock.release()

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def migrate(self) -> int:
        migrations = load_migrations(_MIGRATIONS_PACKAGE)
        conn = connect(self._conninfo, autocommit=False)
        try:
            return run_migrations(conn, migrations, POSTGRES_DIALECT)
        except psycopg.Error as exc:
            raise translate(exc) from None
        finally:
            conn.close()

    def close(self) -> None:
        self._listener.close()
        self._db.close()

    def wait_for_jobs(self, timeout: float) -> None:
        """Sleep up to ``timeout``, returning as soon as a job is announced (LISTEN/NOTIFY)."""
        self._listener.wait(timeout)

    # -- claims ------------------------------------------------------------------------------------------------
    def _claim(self, worker_id: str, models: list[str], limit: int, lease_seconds: float) -> list[Job]:
        if self._read_one(self._q.any_expired_lease)[0]:
            self.requeue_expired()

        def claim(conn: Any) -> list[Job]:
            chosen = _lock_fair_choice(conn, models, limit)
            if not chosen:
                return []
            # The keys move to new turns in the order they were served, behind every key waiting now.
            order = keys_by_last_claim([key for _, key, _ in chosen])
            turns = sorted({turn for _, _, turn in chosen})
            seqs = [seq for seq, _, _ in chosen]
            rows = conn.execute(CLAIM, {"keys": order, "turns": turns, "seqs": seqs, "worker": worker_id,
                                        "lease": lease_seconds}).fetchall()
            return self._in_claim_order(rows, seqs)

        claimed = self._db.run(claim, transaction=True)
        self._after_change()
        return claimed

    # -- observation -------------------------------------------------------------------------------------------
    def _completion_rows(self, bounds: list[float]) -> tuple[Sequence, Sequence]:
        per_bucket = "".join(", count(*) FILTER (WHERE d <= %s::float8)" for _ in bounds)
        # One statement, so one snapshot.
        row = self._read_one(
            "WITH done AS MATERIALIZED (SELECT engine_model, completed_at - created_at AS d, audio_seconds,"
            "                                  engine_seconds FROM jobs WHERE status = 'completed')"
            f" SELECT (SELECT json_build_array(count(*), COALESCE(SUM(d), 0){per_bucket}) FROM done),"
            "        (SELECT COALESCE(json_agg(json_build_array(engine_model, a, e, n) ORDER BY engine_model), '[]')"
            "         FROM (SELECT engine_model, COALESCE(SUM(audio_seconds), 0) AS a,"
            "               COALESCE(SUM(engine_seconds), 0) AS e, COUNT(*) AS n"
            "               FROM done GROUP BY engine_model) AS per_model)", bounds)
        return row[0], row[1]


def _reopen(url: str, pool_size: int, connect_timeout: float, statement_timeout: float) -> PostgresJobStore:
    return PostgresJobStore(url, pool_size=pool_size, connect_timeout=connect_timeout,
                            statement_timeout=statement_timeout)


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{host}"


#: Claims look at this many more keys than they take, and one job more per key, to pass over those concurrent
#: workers hold (when all of these are held, the model's oldest unlocked jobs are taken).
_CLAIM_SLACK = 4


def _lock_fair_choice(conn: Any, models: list[str], limit: int) -> list[tuple[int, str, int]]:
    """Lock the jobs a claim takes and their keys; ``(seq, key id, a turn drawn)`` in the order it takes them."""
    candidates = conn.execute(CLAIM_CANDIDATES, {"models": models, "keys": limit + _CLAIM_SLACK,
                                                 "per_key": limit + 1}).fetchall()
    if not candidates:
        return []  # key_queues lists every queued job's key: nothing waits for these models
    # The model of the job whose turn it is; a batch takes only that model's jobs, so it can run as one.
    by_model: dict[str, list[int]] = {}
    for seq, model in candidates:
        by_model.setdefault(model, []).append(seq)
    for seqs in by_model.values():
        # The candidates come in round-robin order; passing over those other workers hold keeps it.
        locked = conn.execute(CLAIM_LOCK, {"seqs": seqs, "limit": limit}).fetchall()
        if locked:
            return locked
    # Every candidate was held by a concurrent worker (or just taken): any unlocked job beats waiting.
    for model in by_model:
        locked = conn.execute(CLAIM_LOCK_ANY, {"model": model, "limit": limit}).fetchall()
        if locked:
            return locked
    return []
