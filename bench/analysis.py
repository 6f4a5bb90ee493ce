"""Measuring a rendered track against a prompt's ``expect`` promises, as ``shared/eval/README.md`` defines them.

Used by ``bench/quality.py``; librosa is a dev dependency, so nothing under ``orchestrion/`` imports this.

* tempo — beat tracking (hop 256) on the HPSS percussive part; stated BPM within ±4 % (double or half counts),
  or inside a stated range (double or half counts too);
* key — Krumhansl–Kessler profiles correlated with the mean CQT chroma; the stated key or its relative counts;
* drums — the percussive part's share of the energy ≥ 0.05 means drums are present;
* loudness (BS.1770 via pyloudnorm), true peak (4× oversampled), clipping (a sample ≥ 0.999), longest gap
  (< −50 dBFS RMS, away from the first and last 2 s), contrast (90th − 10th percentile of 2 s window RMS in dB,
  away from the ends);
* mono — the Pearson correlation of left and right over the whole track, and the dB lost when a mono speaker sums
  them: the power of (L+R)/2 against the mean of the two channels' powers (0 dB for identical channels, 3 dB for
  uncorrelated ones of equal power, everything for a signal in anti-phase);
* stems and sections (for ``bench/craft.py``): a stem's level against the lead's over the 50 ms frames where both
  play, a drop's loudness over its breakdown, a stem's sample peak, and the shape of an ending after its final
  onset (a decay, or a held chord a fade pulls down).

The harmonic/percussive split is librosa's (kernel 31, power 2, soft masks), with its two median filters computed
by sorting sliding windows in memory order: the same numbers as ``scipy.ndimage.median_filter``, ten times faster,
which is what lets the whole prompt set run in a few minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Analysis", "Ending", "analyse", "check", "chroma_sequence", "drop_lift_db", "ending_shape",
           "estimate_key", "level_against_lead_db", "mono_measures", "percussive", "stem_peak", "KEY_NAMES"]

KEY_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_PITCH = {"C": 0, "C#": 1, "DB": 1, "D": 2, "D#": 3, "EB": 3, "E": 4, "F": 5, "F#": 6, "GB": 6, "G": 7,
          "G#": 8, "AB": 8, "A": 9, "A#": 10, "BB": 10, "B": 11}
# Krumhansl & Kessler (1982) probe-tone profiles
_KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_ANALYSIS_RATE = 22_050
_HOP = 256
_HPSS_KERNEL = 31
#: Stem frames quieter than this (dBFS) or this far under the stem's loudest frame are silence or a tail.
_ACTIVE_DB, _ACTIVE_RANGE_DB = -60.0, 40.0
_FRAME_S = 0.05
#: A mono sum that cancels completely loses "everything": a finite number the printed tables can hold.
MONO_LOSS_CAP_DB = 120.0


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
    stereo_corr: float = 1.0
    mono_loss_db: float = 0.0
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


def mono_measures(audio: np.ndarray) -> tuple[float, float]:
    """(Pearson correlation of left and right, dB lost summing them to mono) of a (frames, channels) signal.

    Mono input is its own mono sum (1.0, 0 dB). A silent or constant channel has no correlation to speak of: it
    reads 1.0 when both channels are the same, else 0.0.
    """
    audio = np.asarray(audio, dtype=np.float64)
    if audio.ndim == 1 or audio.shape[1] == 1 or audio.shape[0] == 0:
        return 1.0, 0.0
    left, right = audio[:, 0], audio[:, 1]
    dl, dr = left - left.mean(), right - right.mean()
    denom = math.sqrt(float(np.dot(dl, dl)) * float(np.dot(dr, dr)))
    if denom > 0:
        corr = float(np.dot(dl, dr)) / denom
    else:
        corr = 1.0 if np.array_equal(left, right) else 0.0
    channel_power = (float(np.dot(left, left)) + float(np.dot(right, right))) / 2
    mid = (left + right) / 2
    mono_power = float(np.dot(mid, mid))
    if channel_power <= 0:
        return corr, 0.0
    if mono_power <= channel_power * 10 ** (-MONO_LOSS_CAP_DB / 10):
        return corr, MONO_LOSS_CAP_DB
    return corr, max(0.0, 10 * math.log10(channel_power / mono_power))  # never a gain: (L+R)/2 ≤ the mean


def _median_filter(values: np.ndarray, size: int, axis: int) -> np.ndarray:
    """``scipy.ndimage.median_filter(values, size along axis, mode="reflect")`` for an odd ``size`` and a 2-D array,
    a block of rows at a time so the sorted windows stay in cache."""
    from numpy.lib.stride_tricks import sliding_window_view

    rows = np.ascontiguousarray(np.moveaxis(values, axis, -1))
    half = size // 2
    padded = np.pad(rows, [(0, 0), (half, half)], mode="symmetric")
    out = np.empty_like(rows)
    for start in range(0, rows.shape[0], 32):
        windows = sliding_window_view(padded[start:start + 32], size, axis=-1)
        out[start:start + 32] = np.partition(windows, half, axis=-1)[..., half]
    return np.moveaxis(out, -1, axis)


def percussive(y: np.ndarray) -> np.ndarray:
    """The percussive part of ``y``, as ``librosa.effects.percussive(y)`` computes it (default STFT, kernel 31,
    power 2, margin 1: a soft mask P²/(P²+H²), one half where both medians are zero)."""
    import librosa

    spectrum = librosa.stft(y)
    magnitude = np.abs(spectrum)
    harm = _median_filter(magnitude, _HPSS_KERNEL, axis=-1)  # along time: what holds is harmonic
    perc = _median_filter(magnitude, _HPSS_KERNEL, axis=-2)  # along frequency: what is broadband is percussive
    scale = np.maximum(perc, harm)
    silent = scale < np.finfo(scale.dtype).tiny
    scale[silent] = 1.0
    perc /= scale
    harm /= scale
    perc *= perc
    harm *= harm
    harm += perc
    harm[silent] = 1.0
    mask = perc / harm
    mask[silent] = 0.5
    return librosa.istft(spectrum * mask, dtype=y.dtype, length=y.shape[-1])


def analyse(audio: np.ndarray, sample_rate: int) -> Analysis:
    import librosa
    import pyloudnorm
    from scipy.signal import resample_poly

    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[:, None]
    stereo_mono = audio.mean(axis=1)
    corr, mono_loss = mono_measures(audio)
    lufs = float(pyloudnorm.Meter(sample_rate).integrated_loudness(audio))
    peak = float(np.abs(resample_poly(np.ascontiguousarray(audio.T), 4, 1, axis=1)).max())
    inner = stereo_mono[2 * sample_rate : max(2 * sample_rate, len(stereo_mono) - 2 * sample_rate)]
    windows = _windows_db(inner, sample_rate, 2.0)
    contrast = float(np.percentile(windows, 90) - np.percentile(windows, 10)) if windows.size else 0.0

    y = librosa.resample(stereo_mono, orig_sr=sample_rate, target_sr=_ANALYSIS_RATE)
    drums = percussive(y)
    share = float(np.sum(drums**2) / max(np.sum(y**2), 1e-20))
    tempo, _ = librosa.beat.beat_track(y=drums, sr=_ANALYSIS_RATE, hop_length=_HOP)
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
        stereo_corr=corr,
        mono_loss_db=mono_loss,
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
    if "min_stereo_corr" in expect:
        checks["stereo_corr"] = analysis.stereo_corr >= expect["min_stereo_corr"]
    if "max_mono_loss_db" in expect:
        checks["mono_loss"] = analysis.mono_loss_db <= expect["max_mono_loss_db"]
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


# -- stems and endings ----------------------------------------------------------------------------------------------

def _as_float(audio: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio)
    if audio.dtype == np.int16:
        return audio.astype(np.float32) / 32768.0
    return audio.astype(np.float32, copy=False)


def _frame_power(audio: np.ndarray, sr: int, frame_s: float = _FRAME_S) -> np.ndarray:
    """Mean power per frame over all channels."""
    audio = _as_float(audio)
    if audio.ndim == 1:
        audio = audio[:, None]
    size = max(1, int(frame_s * sr))
    n = audio.shape[0] // size
    frames = np.ascontiguousarray(audio[: n * size]).reshape(n, size * audio.shape[1])
    return np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / frames.shape[1]


def _db(power: Any) -> Any:
    return 10 * np.log10(np.maximum(power, 1e-20))


def stem_peak(stem: np.ndarray) -> float:
    """Sample peak, full scale 1.0 (int16 stems are read as /32768)."""
    stem = np.asarray(stem)
    if not stem.size:
        return 0.0
    if stem.dtype == np.int16:
        return max(int(stem.max()), -int(stem.min())) / 32768.0
    return float(np.abs(stem).max())


def level_against_lead_db(stem: np.ndarray, lead: np.ndarray, sr: int) -> float | None:
    """RMS of ``stem`` minus RMS of ``lead`` in dB, over the 50 ms frames where both are playing."""
    a, b = _frame_power(stem, sr), _frame_power(lead, sr)
    n = min(a.size, b.size)
    a, b = a[:n], b[:n]

    def active(p: np.ndarray) -> np.ndarray:
        db = _db(p)
        return (db > _ACTIVE_DB) & (db > db.max(initial=-200.0) - _ACTIVE_RANGE_DB)

    both = active(a) & active(b)
    if not both.any():
        return None
    return float(_db(a[both].mean()) - _db(b[both].mean()))


def drop_lift_db(audio: np.ndarray, sr: int, drops: Sequence[tuple[float, float]],
                 breakdowns: Sequence[tuple[float, float]]) -> float | None:
    """Loudness of the drop sections over the breakdown sections: RMS in dB over each set of (start, end) seconds."""
    power = _frame_power(audio, sr)

    def mean(spans: Sequence[tuple[float, float]]) -> float | None:
        chosen = [power[int(s / _FRAME_S): int(e / _FRAME_S)] for s, e in spans]
        chosen = [c for c in chosen if c.size]
        return float(np.concatenate(chosen).mean()) if chosen else None

    drop, breakdown = mean(drops), mean(breakdowns)
    if drop is None or breakdown is None:
        return None
    return float(_db(drop) - _db(breakdown))


#: A natural ending has died away by this much (dB under its loudest moment after the final onset) before the
#: last second; a held chord measured 0-9 dB on the composer's endings, struck and released ones 12-45 dB.
ENDING_DECAY_DB = 10.0
#: This far down, what is left is a tail or a noise floor (vinyl, tape hiss): the last second need not fall.
ENDING_SILENT_DB = 30.0


@dataclass(frozen=True)
class Ending:
    last_second_db: tuple[float, ...]  #: RMS of the four 250 ms windows of the last second
    #: Loudest 250 ms in the first 0.75 s after the final onset, minus the 250 ms just before the last second;
    #: None when the final onset leaves no room for both.
    decay_db: float | None
    #: The fall before the last second steepens as a linear fade's does (see :func:`_is_ramp`).
    ramp: bool = False
    loudest_db: float = 0.0  #: the loudest 250 ms after the final onset

    @property
    def falls(self) -> bool:
        """The last second falls window by window."""
        return all(b < a for a, b in zip(self.last_second_db, self.last_second_db[1:]))

    @property
    def decays(self) -> bool:
        """Died away before the last second, not along a linear fade, and falling through it (unless already
        down among a noise floor such as vinyl crackle)."""
        if self.decay_db is None or self.decay_db < ENDING_DECAY_DB or self.ramp:
            return False
        return self.falls or max(self.last_second_db) <= self.loudest_db - ENDING_SILENT_DB


def _is_ramp(db: np.ndarray) -> bool:
    """Whether a fall (dB per 250 ms window, from its loudest) steepens as a linear fade does: past 10 dB down, a
    linear gain ramp loses ever more dB per window (20·log10 of a line nearing zero), where a struck or released
    sound loses them at a steady rate (exponential decay) or a slowing one (a reverb's tail)."""
    below = np.flatnonzero(db <= db[0] - 10.0)
    if below.size == 0:
        return False
    drops = -np.diff(db[below[0]:])
    if drops.size < 4:
        return False
    slope, first = np.polyfit(np.arange(drops.size), drops, 1)
    last = first + slope * (drops.size - 1)
    # steepening gradually, window after window; a held level that a release cuts off is a knee instead (small
    # drops, then a jump to big steady ones)
    steps = np.diff(drops)
    return bool(np.mean(steps > 0) >= 0.75 and steps.max() <= 3.0 and last >= 1.5 * max(first, 0.1))


def ending_shape(audio: np.ndarray, sr: int, final_onset: float) -> Ending | None:
    """How a piece ends after its final onset (seconds). A struck or released final chord has died away before
    the last second begins, at a steady or slowing rate in dB; a held chord is still near its level there, and a
    linear fade pulls it down at a rate that keeps steepening. The last second itself (where a master's short
    closing fade works whatever came before) must fall window by window."""
    window = int(0.25 * sr)
    skip = len(audio) % window  # windows counted back from the end
    power = _frame_power(audio[skip:], sr, 0.25)
    if power.size < 4:
        return None
    db = _db(power)
    first = max(0, int(math.ceil((final_onset * sr - skip) / window)))
    before = power.size - 5  # the window just before the last second
    if before <= first:
        return Ending(tuple(float(x) for x in db[-4:]), None)
    loudest = first + int(np.argmax(db[first:min(first + 3, before)]))
    return Ending(tuple(float(x) for x in db[-4:]), float(db[loudest] - db[before]),
                  _is_ramp(db[loudest:before + 1]), float(db[loudest]))
