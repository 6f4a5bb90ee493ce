"""Numbered schema migrations, shared by every SQL job store.

A store keeps its schema as files named ``NNNN_what_it_does.sql`` in a package folder
(``orchestrion/jobs/migrations/sqlite``, later ``.../postgres``). :func:`run_migrations` records applied versions in
a ``schema_migrations`` table and applies every pending file in ONE transaction that first takes the database's
migration lock, so several processes starting together serialise: the first applies, the others then find nothing
pending. A failing file rolls the whole run back and leaves the database at its previous version.

What differs between databases (how to take the lock, how to run a multi-statement script, the parameter style)
is a :class:`Dialect`; the rest is here once.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any, Callable, Sequence

from .store import StoreError

__all__ = ["Dialect", "Migration", "MigrationError", "applied_versions", "load_migrations", "run_migrations"]

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at DOUBLE PRECISION NOT NULL)"
)


class MigrationError(StoreError):
    """The migration files or the database's recorded versions are inconsistent, or a migration failed."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str  #: the file name without version and suffix, e.g. ``"jobs_and_keys"``
    sql: str


@dataclass(frozen=True)
class Dialect:
    """How one database runs the migration transaction.

    ``begin`` opens a transaction that holds the migration lock until commit (SQLite: ``BEGIN IMMEDIATE``, which
    takes the single write lock; PostgreSQL: ``BEGIN`` then ``pg_advisory_xact_lock``). ``execute_script`` runs one
    file's statements inside that transaction. ``param`` is the driver's placeholder (``?`` or ``%s``).
    """

    name: str
    begin: tuple[str, ...]
    param: str
    execute_script: Callable[[Any, str], None]


def load_migrations(source: str | Path | Traversable) -> list[Migration]:
    """The migrations in a package (dotted name) or folder, ordered by version.

    A ``.sql`` file whose name does not follow ``NNNN_name.sql``, or two files with one version, is an error rather
    than something skipped: a misnamed migration silently left out would leave databases behind.
    """
    folder: Traversable = resources.files(source) if isinstance(source, str) else source
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE_NAME.match(entry.name)
        if match is None:
            raise MigrationError(f"migration file {entry.name!r} is not named NNNN_lowercase_name.sql")
        version = int(match.group(1))
        if version < 1:
            raise MigrationError(f"migration file {entry.name!r}: versions start at 0001")
        if version in found:
            raise MigrationError(f"two migration files share version {version:04d} in {folder}")
        found[version] = Migration(version, match.group(2), entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def applied_versions(conn: Any, dialect: Dialect) -> dict[int, str]:
    """Versions recorded in ``schema_migrations`` (empty when the table does not exist yet)."""
    del dialect  # the query is the same everywhere; kept for symmetry with run_migrations
    try:
        rows = conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    except Exception:  # noqa: BLE001 - each driver has its own "no such table" error
        conn.rollback()
        return {}
    return {int(version): name for version, name in rows}


def run_migrations(conn: Any, migrations: Sequence[Migration], dialect: Dialect) -> int:
    """Apply the pending ``migrations`` on ``conn`` atomically and return the database's version afterwards."""
    latest_known = migrations[-1].version if migrations else 0
    try:
        for statement in dialect.begin:
            conn.execute(statement)
        conn.execute(_CREATE_TABLE)
        done = {int(v) for (v,) in conn.execute("SELECT version FROM schema_migrations").fetchall()}
        newer = sorted(v for v in done if v > latest_known)
        if newer:
            raise MigrationError(
                f"the database is at schema version {max(done)}, newer than this Orchestrion knows "
                f"({latest_known}); upgrade Orchestrion before using this database"
            )
        insert = (
            "INSERT INTO schema_migrations (version, name, applied_at) "
            f"VALUES ({dialect.param}, {dialect.param}, {dialect.param})"
        )
        for migration in migrations:
            if migration.version in done:
                continue
            try:
                dialect.execute_script(conn, migration.sql)
            except Exception as exc:
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name} failed: {exc}"
                ) from exc
            conn.execute(insert, (migration.version, migration.name, time.time()))
            done.add(migration.version)
        conn.commit()
    except BaseException:
        _rollback_quietly(conn)
        raise
    return max(done, default=0)


def _rollback_quietly(conn: Any) -> None:
    # The original error says what went wrong; a failing rollback (connection already gone) must not hide it.
    try:
        conn.rollback()
    except Exception:  # noqa: BLE001
        pass
