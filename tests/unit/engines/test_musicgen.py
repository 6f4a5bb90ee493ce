"""The MusicGen engine on a tiny random checkpoint loaded from a folder, as a user's weights are."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orchestrion.engines import EngineUnavailable, GenerationRequest, InvalidRequest, create_engine


def run(engine, *requests: GenerationRequest):
    seen: dict[int, list[float]] = {}
    outcomes = engine.generate(list(requests), lambda i, f: seen.setdefault(i, []).append(f))
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes, seen


def test_one_second_comes_out_as_48k_stereo_float32(musicgen_engine):
    (result,), seen = run(musicgen_engine, GenerationRequest("calm piano melody", seed=7, duration=1.0))
    assert result.sample_rate == 48_000
    assert result.audio.dtype == np.float32
    assert result.audio.shape == (48_000, 2)
    assert np.all(np.isfinite(result.audio)) and np.abs(result.audio).max() > 0
    assert result.info["model_sample_rate"] == 16_000 and result.info["seed"] == 7
    assert seen[0][-1] == 1.0


def test_same_seed_same_audio_other_seed_other_audio(musicgen_engine):
    request = GenerationRequest("upbeat electronic dance track", seed=11, duration=1.0)
    (first,), _ = run(musicgen_engine, request)
    (again,), _ = run(musicgen_engine, request)
    (other,), _ = run(musicgen_engine, GenerationRequest(request.prompt, seed=12, duration=1.0))
    assert np.array_equal(first.audio, again.audio)
    assert not np.allclose(first.audio, other.audio, atol=1e-4)


def test_batch_of_four_mixed_requests_matches_each_request_alone(musicgen_engine):
    requests = [
        GenerationRequest("calm piano melody", seed=1, duration=1.0),
        GenerationRequest("rock guitar with drums", negative_prompt="vocals", seed=2, duration=1.5),
        GenerationRequest("jazz", seed=3, duration=1.2, params={"bpm": 90, "key": "D minor"}),
        GenerationRequest("calm piano melody", seed=4, duration=2.0),
    ]
    batched, seen = run(musicgen_engine, *requests)
    for index, (request, result) in enumerate(zip(requests, batched)):
        assert result.audio.shape == (round(request.duration * 48_000), 2)
        assert result.info["batch_size"] == 4
        assert seen[index][-1] == 1.0
        (alone,), _ = run(musicgen_engine, request)
        assert alone.info["batch_size"] == 1
        np.testing.assert_allclose(result.audio, alone.audio, atol=1e-5)
    assert batched[2].info["conditioning"] == "jazz, 90 bpm, in D minor"


def test_negative_prompt_steers_the_unconditional_branch(musicgen_engine):
    plain = GenerationRequest("calm piano melody", seed=5, duration=1.0)
    steered = GenerationRequest("calm piano melody", negative_prompt="drums noise", seed=5, duration=1.0)
    (a,), _ = run(musicgen_engine, plain)
    (b,), _ = run(musicgen_engine, steered)
    assert not np.allclose(a.audio, b.audio, atol=1e-4)


def test_durations_past_the_window_continue_from_the_previous_codes(musicgen_folder: Path):
    engine = create_engine("musicgen", {"source": str(musicgen_folder), "window_seconds": 2.0,
                                        "extend_stride": 1.5})
    long_request = GenerationRequest("ambient pad", seed=9, duration=4.5)
    short_request = GenerationRequest("ambient pad", seed=9, duration=1.5)
    (long,), _ = run(engine, long_request)
    (short,), _ = run(engine, short_request)
    assert long.audio.shape == (4.5 * 48_000, 2)
    # The first window is the same draw whether or not more windows follow it.
    np.testing.assert_allclose(long.audio[:48_000], short.audio[:48_000], atol=1e-4)
    assert np.abs(long.audio[-48_000:]).max() > 0


def test_stereo_checkpoints_give_two_different_channels(musicgen_stereo_folder: Path):
    engine = create_engine("musicgen", {"source": str(musicgen_stereo_folder)})
    (result,), _ = run(engine, GenerationRequest("bright synth", seed=3, duration=1.0))
    assert result.audio.shape == (48_000, 2)
    assert not np.allclose(result.audio[:, 0], result.audio[:, 1], atol=1e-4)


def test_requested_rate_and_channels_are_honoured(musicgen_folder: Path):
    engine = create_engine("musicgen", {"source": str(musicgen_folder), "sample_rate": 44_100, "channels": 1})
    (result,), _ = run(engine, GenerationRequest("slow sad piano", seed=1, duration=1.0))
    assert result.sample_rate == 44_100 and result.audio.shape == (44_100, 1)


def test_bad_requests_and_bad_tables_get_clear_errors(musicgen_folder: Path, tmp_path: Path):
    engine = create_engine("musicgen", {"source": str(musicgen_folder), "max_duration": 10})
    with pytest.raises(InvalidRequest, match="duration"):
        engine.validate(GenerationRequest("piano", duration=11))
    with pytest.raises(EngineUnavailable, match="source"):
        create_engine("musicgen", {})
    missing = create_engine("musicgen", {"source": str(tmp_path / "nowhere")})
    described = missing.describe()
    assert described["available"] is False and "does not exist" in described["unavailable_reason"]
    with pytest.raises(EngineUnavailable, match="does not exist"):
        missing.validate(GenerationRequest("piano", duration=5))


def test_hub_ids_are_not_downloaded_unless_allowed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    engine = create_engine("musicgen", {"source": "orchestrion-tests/not-a-real-model"})
    assert engine.describe()["available"] is True  # cheap check; the cache is only read on load
    with pytest.raises(EngineUnavailable, match="allow_download = true"):
        engine.load()
