"""The upstream engine against a second Orchestrion on loopback serving the tone test engine."""

from __future__ import annotations

from typing import Iterator

import httpx
import numpy as np
import pytest

from orchestrion.engines import EngineError, EngineUnavailable, GenerationRequest, create_engine
from tests.support.server import ServerProcess, free_port


REMOTE_CONFIG = """
[models."test/tone"]
engine = "tests.engines.tone:ToneEngine"
credits = 2
"""


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("upstream-remote"), workers=2, config=REMOTE_CONFIG)
    with server:
        yield server


def upstream(remote: ServerProcess, **options):
    return create_engine("upstream", {"base_url": remote.base_url, "api_key": remote.api_key,
                                      "remote_model": "test/tone", "extensions": True, "poll_interval": 0.1,
                                      "max_poll_interval": 0.5, **options})


def test_forwards_downloads_and_decodes_to_48k_stereo(remote):
    engine = upstream(remote)
    progress: list[tuple[int, float]] = []
    (result,) = engine.generate([GenerationRequest("a tone", seed=3, duration=5.0, model="upstream/tone")],
                                lambda i, f: progress.append((i, f)))
    assert not isinstance(result, BaseException), result
    assert result.sample_rate == 48_000 and result.audio.shape == (5 * 48_000, 2)
    # The tone engine's pitch comes from the seed: 220 + 3 * 20 = 280 Hz, carried through the remote WAV.
    spectrum = np.abs(np.fft.rfft(result.audio[:48_000, 0]))
    assert np.argmax(spectrum) == 280
    assert result.info["upstream_id"].endswith(":tone") and result.info["upstream_seed"] == 3
    assert result.info["upstream_credits"] == 1  # 5 s at the remote rate of 2 credits per 30 s, rounded up
    assert progress and progress[0][1] == 0.05
    engine.close()


def test_batch_items_run_concurrently_and_fail_alone(remote):
    engine = upstream(remote)
    requests = [GenerationRequest("sleep:1 tone", seed=1, duration=5.0),
                GenerationRequest("fail please", seed=2, duration=5.0),
                GenerationRequest("sleep:1 tone", seed=4, duration=5.0)]
    outcomes = engine.generate(requests, lambda i, f: None)
    assert outcomes[0].audio.shape == outcomes[2].audio.shape == (5 * 48_000, 2)
    assert isinstance(outcomes[1], EngineError)
    assert "failed" in str(outcomes[1]) and "the tone engine was asked to fail" in str(outcomes[1])


def test_a_remote_generation_past_the_timeout_is_an_engine_error(remote):
    engine = upstream(remote, timeout=0.5)
    (outcome,) = engine.generate([GenerationRequest("sleep:3 tone", duration=5.0)], lambda i, f: None)
    assert isinstance(outcome, EngineError) and "did not finish within 0.5 s" in str(outcome)


def test_remote_refusals_are_mapped_to_clear_errors(remote):
    (bad_key,) = upstream(remote, api_key="not-a-key").generate([GenerationRequest("tone", duration=5.0)],
                                                                lambda i, f: None)
    assert isinstance(bad_key, EngineError) and "rejected the operator's key (HTTP 401)" in str(bad_key)
    (unknown,) = upstream(remote, remote_model="no/such-model").generate(
        [GenerationRequest("tone", duration=5.0)], lambda i, f: None)
    assert isinstance(unknown, EngineError) and "refused the request (HTTP 400)" in str(unknown)
    assert "no/such-model" in str(unknown)


def test_an_unreachable_upstream_is_reported_after_retries():
    engine = create_engine("upstream", {"base_url": f"http://127.0.0.1:{free_port()}", "api_key": "k",
                                        "poll_interval": 0.1, "create_timeout": 0.5})
    (outcome,) = engine.generate([GenerationRequest("tone", duration=5.0)], lambda i, f: None)
    assert isinstance(outcome, EngineError) and "upstream unavailable" in str(outcome)


def test_configuration_problems_are_named(monkeypatch):
    with pytest.raises(EngineUnavailable, match="base_url"):
        create_engine("upstream", {"api_key": "k"})
    monkeypatch.delenv("ORCHESTRION_TEST_UPSTREAM_KEY", raising=False)
    engine = create_engine("upstream", {"base_url": "https://api.example", "api_key_env": "ORCHESTRION_TEST_UPSTREAM_KEY"})
    described = engine.describe()
    assert described["available"] is False and "ORCHESTRION_TEST_UPSTREAM_KEY" in described["unavailable_reason"]
    with pytest.raises(EngineUnavailable, match="ORCHESTRION_TEST_UPSTREAM_KEY"):
        engine.validate(GenerationRequest("piano", duration=30))
    monkeypatch.setenv("ORCHESTRION_TEST_UPSTREAM_KEY", "secret")
    engine.validate(GenerationRequest("piano", duration=30))
    assert engine.describe()["available"] is True


def test_a_garbled_poll_answer_fails_its_own_generation_not_the_batch():
    answers = {"g-text": httpx.Response(200, text="<html>proxy error</html>"),
               "g-string-error": httpx.Response(200, json={"status": "error", "error": "boom"}),
               "g-string-file": httpx.Response(200, json={"status": "completed", "audio_file": "nope"})}
    created = iter(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json={"id": next(created), "status": "queued"})
        return answers[request.url.params["generation_id"]]

    engine = create_engine("upstream", {"base_url": "http://upstream.test", "api_key": "k", "poll_interval": 0.01})
    engine._client = httpx.Client(base_url="http://upstream.test", transport=httpx.MockTransport(handler))
    text, string_error, string_file = engine.generate(
        [GenerationRequest("tone", seed=s, duration=5.0) for s in range(3)], lambda i, f: None)
    assert isinstance(text, EngineError) and "not JSON" in str(text)
    assert isinstance(string_error, EngineError) and "g-string-error failed" in str(string_error)
    assert isinstance(string_file, EngineError) and "without an audio file" in str(string_file)
