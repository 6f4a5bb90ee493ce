"""Measuring a rendered track against a prompt's ``expect`` promises, as ``shared/eval/README.md`` defines them.

Used by ``bench/quality.py``; librosa is a dev dependency, so nothing under ``orchestrion/`` imports this.

* tempo — beat tracking (hop 256) on the HPSS percussive part; stated BPM within ±4 % (double or half counts),
  or inside a stated range (double or half counts too);
* key — Krumhansl–Kessler profiles correlated with the mean CQT chroma; the stated key or its relative counts;
* drums — the percussive part's share of the energy ≥ 0.05 means drums are present;
* loudness (BS.1770 via pyloudnorm), true peak (4× oversampled), clipping (a sample ≥ 0.999), longest gap
  (< −50 dBFS RMS, away from the first and last 2 s), contrast (90th − 10th percentile of 2 s window RMS in dB,
  away from the ends).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Analysis", "analyse", "check", "chroma_sequence", "estimate_key", "KEY_NAMES"]

KEY_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_PITCH = {"C": 0, "C#": 1, "DB": 1, "D": 2, "D#": 3, "EB": 3, "E": 4, "F": 5, "F#": 6, "GB": 6, "G": 7,
          "G#": 8, "AB": 8, "A": 9, "A#": 10, "BB": 10, "B": 11}
# Krumhansl & Kessler (1982) probe-tone profiles
_KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_ANALYSIS_RATE = 22_050
_HOP = 256


@dataclass
class Analysis:
    sample_rate: int
    channels: int
    duration: float
    lufs: float
    true_peak_db: float
    clipped: bool
    max_gap_s: float
    contrast_db: float
    tempo: float
    key: tuple[int, str]
    percussive_share: float
    extra: dict[str, Any] = field(default_factory=dict)


def estimate_key(chroma: np.ndarray) -> tuple[int, str]:
    """(tonic, mode) whose Krumhansl–Kessler profile best correlates with a 12-bin mean chroma."""
    best, best_r = (0, "major"), -2.0
    for mode, profile in (("major", _KK_MAJOR), ("minor", _KK_MINOR)):
        for tonic in range(12):
            r = float(np.corrcoef(chroma, np.roll(profile, tonic))[0, 1])
            if r > best_r:
                best, best_r = (tonic, mode), r
    return best


def _windows_db(mono: np.ndarray, sr: int, seconds: float) -> np.ndarray:
    size = max(1, int(seconds * sr))
    n = mono.shape[0] // size
    if n == 0:
        return np.array([])
    frames = mono[: n * size].reshape(n, size).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-20)


def _longest_gap(mono: np.ndarray, sr: int) -> float:
    """Longest run of < −50 dBFS RMS (50 ms frames) away from the first and last 2 s."""
    inner = mono[2 * sr : max(2 * sr, mono.shape[0] - 2 * sr)]
    db = _windows_db(inner, sr, 0.05)
    longest = run = 0
    for quiet in db < -50.0:
        run = run + 1 if quiet else 0
        longest = max(longest, run)
    return longest * 0.05


def analyse(audio: np.ndarray, sample_rate: int) -> Analysis:
    import librosa
    import pyloudnorm
    from scipy.signal import resample_poly

    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[:, None]
    stereo_mono = audio.mean(axis=1)
    lufs = float(pyloudnorm.Meter(sample_rate).integrated_loudness(audio))
    peak = float(np.abs(resample_poly(audio, 4, 1, axis=0)).max())
    inner = stereo_mono[2 * sample_rate : max(2 * sample_rate, len(stereo_mono) - 2 * sample_rate)]
    windows = _windows_db(inner, sample_rate, 2.0)
    contrast = float(np.percentile(windows, 90) - np.percentile(windows, 10)) if windows.size else 0.0

    y = librosa.resample(stereo_mono, orig_sr=sample_rate, target_sr=_ANALYSIS_RATE)
    _, percussive = librosa.effects.hpss(y)
    share = float(np.sum(percussive**2) / max(np.sum(y**2), 1e-20))
    tempo, _ = librosa.beat.beat_track(y=percussive, sr=_ANALYSIS_RATE, hop_length=_HOP)
    chroma = librosa.feature.chroma_cqt(y=y, sr=_ANALYSIS_RATE, hop_length=512).mean(axis=1)
    return Analysis(
        sample_rate=sample_rate,
        channels=audio.shape[1],
        duration=audio.shape[0] / sample_rate,
        lufs=lufs,
        true_peak_db=20 * math.log10(peak) if peak > 0 else -math.inf,
        clipped=bool(np.any(np.abs(audio) >= 0.999)),
        max_gap_s=_longest_gap(stereo_mono, sample_rate),
        contrast_db=contrast,
        tempo=float(np.atleast_1d(tempo)[0]),
        key=estimate_key(chroma),
        percussive_share=share,
    )


def _tempo_ok(tempo: float, expect: dict) -> bool | None:
    candidates = (tempo, tempo * 2, tempo / 2)
    if "bpm" in expect:
        return any(abs(t - expect["bpm"]) <= 0.04 * expect["bpm"] for t in candidates)
    if "bpm_range" in expect:
        low, high = expect["bpm_range"]
        return any(low <= t <= high for t in candidates)
    return None


def _key_ok(key: tuple[int, str], expect: dict) -> bool | None:
    if "key" not in expect:
        return None
    tonic = _PITCH[expect["key"].replace("♭", "b").upper().replace("FLAT", "B")]
    mode = expect.get("mode", "major")
    relative = ((tonic + 9) % 12, "minor") if mode == "major" else ((tonic + 3) % 12, "major")
    return key in ((tonic, mode), relative)


def check(analysis: Analysis, expect: dict) -> dict[str, bool]:
    """Each of ``expect``'s promises the analysis can judge, and whether it holds."""
    checks: dict[str, bool] = {}
    if "sample_rate" in expect:
        checks["sample_rate"] = analysis.sample_rate == expect["sample_rate"]
    if "channels" in expect:
        checks["channels"] = analysis.channels == expect["channels"]
    if "min_duration_s" in expect or "max_duration_s" in expect:
        checks["duration"] = (expect.get("min_duration_s", 0) <= analysis.duration
                              <= expect.get("max_duration_s", math.inf))
    if "lufs" in expect:
        checks["loudness"] = abs(analysis.lufs - expect["lufs"]) <= expect.get("lufs_tol", 1.5)
    if "true_peak_max" in expect:
        checks["true_peak"] = analysis.true_peak_db <= expect["true_peak_max"]
    if expect.get("no_clipping"):
        checks["no_clipping"] = not analysis.clipped
    if "max_gap_s" in expect:
        checks["gap"] = analysis.max_gap_s <= expect["max_gap_s"]
    tempo = _tempo_ok(analysis.tempo, expect)
    if tempo is not None:
        checks["tempo"] = tempo
    key = _key_ok(analysis.key, expect)
    if key is not None:
        checks["key"] = key
    if "drums" in expect:
        checks["drums"] = (analysis.percussive_share >= 0.05) == bool(expect["drums"])
    if "min_contrast_db" in expect:
        checks["contrast"] = analysis.contrast_db >= expect["min_contrast_db"]
    return checks


def chroma_sequence(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """(12, frames) chroma at ~1 frame per second, L2-normalised per frame, for comparing pieces."""
    import librosa

    y = librosa.resample(np.asarray(audio, dtype=np.float32).mean(axis=1), orig_sr=sample_rate,
                         target_sr=_ANALYSIS_RATE)
    chroma = librosa.feature.chroma_cqt(y=y, sr=_ANALYSIS_RATE, hop_length=512)
    per_second = _ANALYSIS_RATE // 512
    n = chroma.shape[1] // per_second
    chroma = chroma[:, : n * per_second].reshape(12, n, per_second).mean(axis=2)
    return chroma / (np.linalg.norm(chroma, axis=0, keepdims=True) + 1e-9)
