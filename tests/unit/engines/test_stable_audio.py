"""The Stable Audio Open engine on a tiny random pipeline loaded from a folder, as a user's weights are."""

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


def test_one_second_is_resampled_from_44k1_to_48k_stereo(stable_audio_engine):
    (result,), seen = run(stable_audio_engine, GenerationRequest("warm ambient pad", seed=3, duration=1.0))
    assert result.sample_rate == 48_000
    assert result.audio.dtype == np.float32 and result.audio.shape == (48_000, 2)
    assert np.all(np.isfinite(result.audio)) and np.abs(result.audio).max() > 0
    assert result.info["model_sample_rate"] == 44_100 and result.info["steps"] == 3
    assert seen[0][-1] == 1.0 and len(seen[0]) >= 3  # progress moves with the denoising steps


def test_same_seed_same_audio_other_seed_other_audio(stable_audio_engine):
    request = GenerationRequest("epic orchestral", seed=21, duration=1.0)
    (first,), _ = run(stable_audio_engine, request)
    (again,), _ = run(stable_audio_engine, request)
    (other,), _ = run(stable_audio_engine, GenerationRequest(request.prompt, seed=22, duration=1.0))
    assert np.array_equal(first.audio, again.audio)
    assert not np.allclose(first.audio, other.audio, atol=1e-4)


def test_batch_of_four_mixed_requests_matches_each_request_alone(stable_audio_engine):
    requests = [
        GenerationRequest("calm piano melody", seed=1, duration=1.0),
        GenerationRequest("rock guitar", negative_prompt="vocals", seed=2, duration=1.5),
        GenerationRequest("lofi hip hop beat", seed=3, duration=2.0, params={"steps": 2}),
        GenerationRequest("dark synth", seed=4, duration=1.2),
    ]
    batched, seen = run(stable_audio_engine, *requests)
    for index, (request, result) in enumerate(zip(requests, batched)):
        assert result.audio.shape == (round(request.duration * 48_000), 2)
        assert seen[index][-1] == 1.0
        (alone,), _ = run(stable_audio_engine, request)
        np.testing.assert_allclose(result.audio, alone.audio, atol=1e-4)
    # A different step count cannot share the denoising loop: it ran as its own call.
    assert [r.info["batch_size"] for r in batched] == [3, 3, 1, 3]
    assert batched[2].info["steps"] == 2


def test_negative_prompt_changes_the_result(stable_audio_engine):
    (a,), _ = run(stable_audio_engine, GenerationRequest("jazz", seed=5, duration=1.0))
    (b,), _ = run(stable_audio_engine, GenerationRequest("jazz", negative_prompt="drums", seed=5, duration=1.0))
    assert not np.allclose(a.audio, b.audio, atol=1e-4)


def test_limits_come_from_the_weights_and_bad_steps_are_refused(stable_audio_folder: Path):
    engine = create_engine("stable-audio", {"source": str(stable_audio_folder)})
    # 256 latents of 2048 samples at 44.1 kHz: the tiny model's window, read from its config files.
    assert engine.describe()["max_duration"] == pytest.approx(256 * 2048 / 44_100)
    with pytest.raises(InvalidRequest, match="duration"):
        engine.validate(GenerationRequest("piano", duration=12.0))
    with pytest.raises(InvalidRequest, match="steps"):
        engine.validate(GenerationRequest("piano", duration=5.0, params={"steps": 0}))
    with pytest.raises(InvalidRequest, match="steps"):
        engine.validate(GenerationRequest("piano", duration=5.0, params={"steps": 2.5}))
    with pytest.raises(EngineUnavailable, match="steps"):
        create_engine("stable-audio", {"source": str(stable_audio_folder), "steps": -3})
