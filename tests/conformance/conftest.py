"""Fixtures of the job store conformance suite: every test here runs once per backend in :data:`BACKENDS`.

A backend entry turns a test's ``tmp_path`` and ``request`` into a *picklable* zero-argument callable that opens
a store on a fresh, empty database. Picklable, because the concurrency tests hand it to spawned processes, each
of which opens its own store as a real worker does. To add PostgreSQL, start a server in a session fixture and add::

    def _postgres(tmp_path, request):
        server = request.getfixturevalue("postgres_server")   # creates one database per test
        return functools.partial(PostgresJobStore, server.new_database_url())

    BACKENDS["postgres"] = _postgres
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable, Iterator

import pytest

from orchestrion.jobs import JobStore
from orchestrion.jobs.sqlite import SQLiteJobStore

StoreFactory = Callable[[], JobStore]


def _sqlite(tmp_path: Path, request: pytest.FixtureRequest) -> StoreFactory:
    return functools.partial(SQLiteJobStore, tmp_path / "conformance.db")


#: backend name -> (tmp_path, request) -> picklable callable opening a store on a fresh database
BACKENDS: dict[str, Callable[[Path, pytest.FixtureRequest], StoreFactory]] = {"sqlite": _sqlite}


@pytest.fixture(params=sorted(BACKENDS))
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    return BACKENDS[request.param](tmp_path, request)


@pytest.fixture
def store(store_factory: StoreFactory) -> Iterator[JobStore]:
    """A migrated store on an empty database."""
    opened = store_factory()
    opened.migrate()
    yield opened
    opened.close()
