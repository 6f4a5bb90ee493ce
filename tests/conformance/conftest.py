"""Fixtures of the job store conformance suite: every test here runs once per backend in :data:`BACKENDS`.

A backend entry turns a test's ``tmp_path`` and ``request`` into a *picklable* zero-argument callable that opens
a store on a fresh, empty database. Picklable, because the concurrency tests hand it to spawned processes, each
of which opens its own store as a real worker does. PostgreSQL runs as one server per session
(``tests/support/postgres.py``, started with ``initdb``/``pg_ctl``) with a fresh database per test; without its
binaries these tests fail rather than skip.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable, Iterator

import pytest

from orchestrion.jobs import JobStore
from orchestrion.jobs.postgres import PostgresJobStore
from orchestrion.jobs.sqlite import SQLiteJobStore
from tests.support.postgres import PostgresServer

StoreFactory = Callable[[], JobStore]


def _sqlite(tmp_path: Path, request: pytest.FixtureRequest) -> StoreFactory:
    return functools.partial(SQLiteJobStore, tmp_path / "conformance.db")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session (missing binaries fail the tests, they do not skip them)."""
    with PostgresServer() as server:
        yield server


def _postgres(tmp_path: Path, request: pytest.FixtureRequest) -> StoreFactory:
    server = request.getfixturevalue("postgres_server")
    return functools.partial(PostgresJobStore, server.new_database_url())


#: backend name -> (tmp_path, request) -> picklable callable opening a store on a fresh database
BACKENDS: dict[str, Callable[[Path, pytest.FixtureRequest], StoreFactory]] = {"sqlite": _sqlite,
                                                                              "postgres": _postgres}


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
