from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile

from orchestrion.storage.encode import encode_audio
from orchestrion.storage.local import LocalStorage


def test_put_is_atomic_and_confined_to_the_root(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    assert storage.put("job1:lyria2/output.wav", b"abc", "audio/wav") == 3
    assert storage.path("job1:lyria2/output.wav").read_bytes() == b"abc"
    assert storage.exists("job1:lyria2/output.wav")
    assert not any(p.name.startswith(".tmp-") for p in (tmp_path / "files" / "job1:lyria2").iterdir())
    for bad in ["../escape", "/etc/passwd", "a/../../b", "a//b", "", ".hidden", "a/./b"]:
        with pytest.raises(ValueError):
            storage.path(bad)
        assert not storage.exists(bad)


def test_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("x")
    storage = LocalStorage(tmp_path / "files")
    (tmp_path / "files").mkdir()
    os.symlink(outside, tmp_path / "files" / "link")
    with pytest.raises(ValueError):
        storage.path("link/secret")


def test_delete_prefix_removes_a_jobs_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.put("j/output.wav", b"1", "audio/wav")
    storage.put("j/stems/a.wav", b"2", "audio/wav")
    storage.put("k/output.wav", b"3", "audio/wav")
    assert storage.delete_prefix("j") == 2
    assert not storage.exists("j/output.wav") and storage.exists("k/output.wav")
    assert storage.delete_prefix("missing") == 0


def _tone(rate: int, channels: int, seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    mono = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return np.stack([mono] * channels, axis=1)


@pytest.mark.parametrize(("rate", "channels"), [(48000, 2), (32000, 1), (44100, 2), (24000, 6)])
def test_wav_is_always_48k_stereo_16_bit(rate: int, channels: int) -> None:
    data = encode_audio(_tone(rate, channels), rate, "wav")
    info = soundfile.info(io.BytesIO(data))
    assert (info.samplerate, info.channels, info.subtype, info.format) == (48000, 2, "PCM_16", "WAV")
    assert abs(info.duration - 0.5) < 0.01
    decoded, _ = soundfile.read(io.BytesIO(data))
    assert 0.45 < np.abs(decoded).max() < 0.55  # level survives resampling


@pytest.mark.parametrize(("fmt", "container"), [("flac", "FLAC"), ("mp3", "MP3"), ("ogg", "OGG")])
def test_other_formats(fmt: str, container: str) -> None:
    info = soundfile.info(io.BytesIO(encode_audio(_tone(48000, 2), 48000, fmt)))
    assert (info.format, info.samplerate, info.channels) == (container, 48000, 2)


def test_encoding_is_deterministic_and_rejects_bad_audio() -> None:
    audio = _tone(48000, 2)
    assert encode_audio(audio, 48000) == encode_audio(audio.copy(), 48000)
    with pytest.raises(ValueError, match="unknown output format"):
        encode_audio(audio, 48000, "aiff")
    with pytest.raises(ValueError, match="NaN"):
        encode_audio(np.full((10, 2), np.nan, dtype=np.float32), 48000)
