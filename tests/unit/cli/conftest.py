"""Fixtures of the client-side command tests: a scripted fake server behind every SDK client the CLI builds, and a
runner in a clean environment and an empty folder."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

import orchestrion.client
from tests.unit.client.fake_server import FakeServer


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    """Every Client the CLI builds talks to this fake server, and never really sleeps."""
    fake = FakeServer()
    real_client = orchestrion.client.Client

    def client_factory(base_url: str | None = None, api_key: str | None = None, **kwargs: object):
        client = real_client(base_url, api_key, http_client=httpx.Client(transport=httpx.MockTransport(fake.handler)))
        client._sleep = lambda seconds: None
        return client

    monkeypatch.setattr(orchestrion.client, "Client", client_factory)
    return fake


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    for name in ("ORCHESTRION_BASE_URL", "ORCHESTRION_API_KEY", "ORCHESTRION_CONFIG", "ORCHESTRION_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()
