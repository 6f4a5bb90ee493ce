"""An API app over a real SQLite store in a temporary data folder, reached in-process through httpx."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator, Iterator

import httpx
import pytest

from orchestrion.api.app import create_app
from orchestrion.api.context import ApiContext
from orchestrion.config import Settings
from orchestrion.jobs.sqlite import SQLiteJobStore
from orchestrion.storage.local import LocalStorage

from tests.unit.api.helpers import make_key, make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def store(settings: Settings) -> Iterator[SQLiteJobStore]:
    store = SQLiteJobStore(settings.db_path)
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def app(settings: Settings, store: SQLiteJobStore):  # noqa: ANN201 - FastAPI
    return create_app(settings, store)


@pytest.fixture
def ctx(app) -> ApiContext:  # noqa: ANN001
    return app.state.orchestrion


@pytest.fixture
def storage(ctx: ApiContext) -> LocalStorage:
    assert isinstance(ctx.storage, LocalStorage)
    return ctx.storage


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def api_key(store: SQLiteJobStore) -> str:
    return make_key(store, "first")[0]


@pytest.fixture
def other_key(store: SQLiteJobStore) -> str:
    return make_key(store, "second")[0]
