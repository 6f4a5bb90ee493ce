"""Fixtures that run the real service: `orchestrion serve` with worker processes on a free loopback port."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.support.server import ServerProcess


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One shared server (2 workers; models: the composer as `google/lyria2` and `orchestrion/composer`, and the
    test engine as `test/tone`). Tests must not stop it; fault tests start their own."""
    server = ServerProcess(tmp_path_factory.mktemp("live-server"), workers=2)
    with server:
        yield server


@pytest.fixture
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[type]:
    """Start private servers (for tests that kill or restart them); all are stopped at the end of the test."""
    started: list[ServerProcess] = []

    def make(**kwargs: object) -> ServerProcess:
        server = ServerProcess(tmp_path_factory.mktemp("server"), **kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield make  # type: ignore[misc]
    for server in started:
        server.kill()
