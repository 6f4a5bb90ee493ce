"""The ``twin`` fixture: each client test runs against both :class:`Client` and :class:`AsyncClient`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from orchestrion import AsyncClient, Client
from tests.unit.client.fake_server import (
    API_KEY,
    BASE_URL,
    FakeClock,
    FakeServer,
    canceled,
    completed,
    error_body,
    failed,
    generating,
    queued,
    run,
)


@dataclass
class Twin:
    """One client under test with its fake server and clock, plus the answer builders tests script with."""

    kind: str
    client: Client | AsyncClient
    server: FakeServer
    clock: FakeClock
    base_url: str = BASE_URL
    api_key: str = API_KEY
    run = staticmethod(run)
    error_body = staticmethod(error_body)
    queued = staticmethod(queued)
    generating = staticmethod(generating)
    completed = staticmethod(completed)
    failed = staticmethod(failed)
    canceled = staticmethod(canceled)


@pytest.fixture(params=["sync", "async"])
def twin(request: pytest.FixtureRequest) -> Any:
    server = FakeServer()
    clock = FakeClock()
    transport = httpx.MockTransport(server.handler)
    if request.param == "sync":
        client: Client | AsyncClient = Client(BASE_URL, API_KEY, http_client=httpx.Client(transport=transport))
        client._sleep = clock.sleep
    else:
        client = AsyncClient(BASE_URL, API_KEY, http_client=httpx.AsyncClient(transport=transport))
        client._sleep = clock.asleep
    client._clock = clock
    yield Twin(request.param, client, server, clock)
