"""What the neural engines share: missing extras, device and dtype choice, resampling, and the batch policy
(out-of-memory splits the batch, a failing item fails alone)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from orchestrion.engines import EngineError, EngineUnavailable, GenerationRequest, create_engine
from orchestrion.engines._neural import choose_device, choose_dtype, conform_audio, run_batch_resilient

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("engine, extra, module", [
    ("musicgen", "musicgen", "transformers"),
    ("stable-audio", "stable-audio", "diffusers"),
])
def test_missing_extra_is_named_with_its_install_command(monkeypatch, tmp_path, engine, extra, module):
    monkeypatch.setitem(sys.modules, module, None)  # what a machine without the extra looks like to find_spec
    instance = create_engine(engine, {"source": str(tmp_path)})
    command = f"pip install 'orchestrion[{extra}]'"
    described = instance.describe()
    assert described["available"] is False
    assert command in described["unavailable_reason"] and module in described["unavailable_reason"]
    with pytest.raises(EngineUnavailable, match=module) as excinfo:
        instance.validate(GenerationRequest("piano", duration=5))
    assert command in str(excinfo.value)
    with pytest.raises(EngineUnavailable) as excinfo:
        instance.load()
    assert command in str(excinfo.value)


def test_engines_are_described_and_validated_without_importing_torch(tmp_path):
    script = f"""
import json, sys
import orchestrion
from orchestrion.engines import GenerationRequest, create_engine
out = {{}}
for name, options in [("musicgen", {{"source": {str(tmp_path)!r}}}),
                      ("stable-audio", {{"source": {str(tmp_path)!r}}}),
                      ("upstream", {{"base_url": "http://127.0.0.1:9", "api_key": "k"}})]:
    engine = create_engine(name, options)
    engine.validate(GenerationRequest("piano", duration=5))
    out[name] = engine.describe()["available"]
out["heavy"] = sorted(m for m in ("torch", "transformers", "diffusers") if m in sys.modules)
print(json.dumps(out))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"musicgen": True, "stable-audio": True, "upstream": True, "heavy": []}


def test_device_and_dtype_choice():
    import torch

    assert choose_device("auto", torch) == ("cuda" if torch.cuda.is_available() else "cpu")
    assert choose_dtype("auto", "cpu", torch) is torch.float32
    assert choose_dtype("bf16", "cpu", torch) is torch.bfloat16
    assert choose_dtype("float16", "cpu", torch) is torch.float16
    with pytest.raises(EngineUnavailable, match="dtype"):
        choose_dtype("int3", "cpu", torch)
    if not torch.cuda.is_available():
        with pytest.raises(EngineUnavailable, match="CUDA"):
            choose_device("cuda:0", torch)


def test_resampling_keeps_pitch_and_length():
    rate = 32_000
    t = np.arange(rate) / rate
    mono = (0.5 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)[:, None]
    out = conform_audio(mono, rate)
    assert out.shape == (48_000, 2) and out.dtype == np.float32
    spectrum = np.abs(np.fft.rfft(out[:, 0]))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins over one second: still a 1 kHz tone
    assert np.array_equal(out[:, 0], out[:, 1])
    assert conform_audio(np.zeros((44_100, 2), np.float32), 44_100).shape == (48_000, 2)
    assert conform_audio(np.zeros((100, 2), np.float32), 48_000, channels=1).shape == (100, 1)
    with pytest.raises(EngineError, match="NaN"):
        conform_audio(np.full((10, 2), np.nan, np.float32), 48_000)


def test_out_of_memory_splits_the_batch_in_halves_until_it_fits():
    calls: list[list[int]] = []

    def run(items):
        calls.append(list(items))
        if len(items) > 2:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return [f"done {i}" for i in items]

    freed = []
    assert run_batch_resilient([1, 2, 3, 4, 5], run, on_oom=lambda: freed.append(1)) == [
        "done 1", "done 2", "done 3", "done 4", "done 5"]
    assert calls == [[1, 2, 3, 4, 5], [1, 2, 3], [1, 2], [3], [4, 5]]
    assert len(freed) == 2


def test_a_single_request_that_does_not_fit_fails_alone_with_advice():
    def run(items):
        if 2 in items:
            raise MemoryError()
        return [f"done {i}" for i in items]

    outcomes = run_batch_resilient([1, 2, 3], run)
    assert outcomes[0] == "done 1" and outcomes[2] == "done 3"
    assert isinstance(outcomes[1], EngineError) and "out of memory" in str(outcomes[1])


def test_a_failing_item_fails_alone():
    def run(items):
        if "bad" in items:
            raise ValueError("cannot tokenize 'bad'")
        return [item.upper() for item in items]

    outcomes = run_batch_resilient(["a", "bad", "c"], run)
    assert outcomes[0] == "A" and outcomes[2] == "C"
    assert isinstance(outcomes[1], ValueError)


def test_musicgen_survives_injected_out_of_memory_with_the_same_audio(musicgen_engine, monkeypatch):
    requests = [GenerationRequest(p, seed=s, duration=1.0)
                for p, s in [("calm piano", 1), ("rock", 2), ("jazz", 3), ("synth", 4)]]
    expected = musicgen_engine.generate(requests, lambda i, f: None)
    real = type(musicgen_engine)._run_batch
    sizes: list[int] = []

    def tight_memory(self, batch, progress):
        sizes.append(len(batch))
        if len(batch) > 1:
            raise RuntimeError("CUDA out of memory (injected)")
        return real(self, batch, progress)

    monkeypatch.setattr(type(musicgen_engine), "_run_batch", tight_memory)
    outcomes = musicgen_engine.generate(requests, lambda i, f: None)
    assert sizes == [4, 2, 1, 1, 2, 1, 1]
    for got, want in zip(outcomes, expected):
        np.testing.assert_allclose(got.audio, want.audio, atol=1e-5)
