"""Master stage: rendered audio becomes a finished track at streaming loudness.

The chain: a high-pass at 30 Hz, colouring the production hints ask for ("lofi", "vinyl", "tape", "warm"), glue
compression, a room where the render has none (or a hall on top when asked), then a gain to −14 LUFS integrated
(ITU-R BS.1770 through pyloudnorm) and a true-peak brickwall limiter that holds the 4× oversampled signal at or
below −1 dBTP.

Ends: a piece ends as the render leaves it — its last hit and the room decaying — with only a few milliseconds of
taper at either edge so the file starts and stops without a click; with ``fade_out`` it fades over its last few
seconds instead. A loop is processed as a circle, so its end flows into its start.

Silence stays silence and audio shorter than a loudness block is measured as if repeated; nothing here raises on
odd input.

Memory: everything runs in chunks of :data:`_CHUNK` frames, and with ``in_place`` the track is mastered in the
buffer it arrived in, so mastering a three-minute track holds no full-length copy of it (the limiter's trials are
measured chunk by chunk as they are computed, and only the last is written).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from .loudness import LoudnessMeter, block_true_peaks, integrated_loudness, true_peak_db

__all__ = ["Mastered", "TARGET_LUFS", "TRUE_PEAK_CEILING_DB", "chain", "master"]

TARGET_LUFS = -14.0
TRUE_PEAK_CEILING_DB = -1.0
#: The limiter aims a little under the ceiling so measurement differences between oversamplers never cross it.
_LIMITER_CEILING_DB = -1.25
#: The limiter's gain moves in steps of this many frames (1/3 ms), interpolated linearly in between: its curve is
#: computed on 16× fewer points, which keeps a 3-minute track's limiter fast and small.
_BLOCK = 16
_ATTACK_DB_PER_MS = 3.0
_RELEASE_DB_PER_S = 40.0
_SMOOTH_BLOCKS = 2
#: Most gain added to make up for loudness the limiter takes away; beyond it a track is left a little quiet
#: rather than crushed.
_MAX_EXTRA_GAIN_DB = 20.0
#: Deepest gain reduction left to the limiter; transients beyond it are soft-clipped first (a limiter that deep
#: would pump).
_LIMITER_RANGE_DB = 6.0
_LOOP_WARMUP_S = 3.0
_HEADROOM_DB = 5.0
#: Edge tapers (s) that keep a file from starting or stopping on a click.
_TAPER_IN_S, _TAPER_OUT_S = 0.003, 0.03
#: A fade-out lasts this share of the piece, within these bounds (s).
_FADE_SHARE, _FADE_MIN_S, _FADE_MAX_S = 0.12, 2.0, 6.0
#: Frames processed at a time (whole-track float64 temporaries of a 3-minute track would be 138 MB each).
_CHUNK = 1 << 16


@dataclass
class Mastered:
    audio: np.ndarray  #: float32 (frames, 2)
    #: Gain (dB) applied before dynamics to reach the target loudness; stems scaled by it sum to the pre-master mix.
    gain_db: float
    lufs: float  #: integrated loudness of the result (−inf for silence)
    true_peak_db: float  #: 4× oversampled peak of the result in dBTP
    limited_db: float  #: deepest gain reduction the limiter applied (≤ 0)
    #: The two gains themselves (``gain_db`` is their sum): what :func:`master`'s ``gains`` takes to master
    #: another render of the same piece (an extension) exactly as this one.
    gains: tuple[float, float] = (0.0, 0.0)


def _limiter_curve_db(need_db: np.ndarray, sample_rate: int, *, wrap: bool) -> np.ndarray:
    """A smooth per-block gain curve (dB, ≤ 0) never above ``need_db``: lookahead attack, linear release."""
    if wrap:  # a loop's gain curve must join up: compute it on three turns and keep the middle one
        n = need_db.shape[0]
        return _limiter_curve_db(np.tile(need_db, 3), sample_rate, wrap=False)[n : 2 * n]
    k = np.arange(need_db.shape[0], dtype=np.float64)
    attack = _ATTACK_DB_PER_MS * 1000.0 / sample_rate * _BLOCK
    release = _RELEASE_DB_PER_S / sample_rate * _BLOCK
    # min over later blocks of need + distance*attack: the gain starts falling ahead of a peak
    ahead = np.minimum.accumulate((need_db + attack * k)[::-1])[::-1] - attack * k
    # min over earlier blocks of ahead + distance*release: after a peak it recovers at `release` dB per block
    gain = np.minimum.accumulate(ahead - release * k) + release * k
    width = 2 * _SMOOTH_BLOCKS + 1
    # a moving average of a running minimum of the same width stays at or below every block it covers
    gain = uniform_filter1d(minimum_filter1d(gain, width, mode="nearest"), width, mode="nearest")
    # interpolating between neighbours' minimum keeps every frame of a block under that block's own value
    return minimum_filter1d(gain, 3, mode="wrap" if wrap else "nearest")


class _Limiter:
    """Per-block true-peak envelope of a signal and the gain that holds ``signal * gain`` under the ceiling."""

    def __init__(self, audio: np.ndarray, sample_rate: int, max_gain_db: float, *, wrap: bool) -> None:
        self.audio, self.sample_rate, self.wrap = audio, sample_rate, wrap
        self.max_gain_db = max_gain_db
        floor = 10 ** ((_LIMITER_CEILING_DB - max_gain_db) / 20)  # quieter blocks can never reach the ceiling
        self.env = block_true_peaks(audio, _BLOCK, floor, wrap=wrap)
        frames = audio.shape[0]
        self.energy = np.zeros(self.env.shape[0], dtype=np.float64)
        step = (1 << 18) // _BLOCK * _BLOCK
        for start in range(0, frames, step):  # chunked: no full-length float64 temporaries
            part = np.square(audio[start : start + step], dtype=np.float64).sum(axis=1)
            part = np.concatenate([part, np.zeros(-part.shape[0] % _BLOCK)])
            self.energy[start // _BLOCK : start // _BLOCK + part.shape[0] // _BLOCK] = part.reshape(-1, _BLOCK).sum(1)

    def curve_db(self, gain_db: float) -> np.ndarray:
        ceiling = 10 ** (_LIMITER_CEILING_DB / 20)
        level = self.env * 10 ** (gain_db / 20)
        need = np.zeros(self.env.shape[0], dtype=np.float64)
        over = level > ceiling
        if not over.any():
            return need
        need[over] = 20 * np.log10(ceiling / level[over])
        return _limiter_curve_db(need, self.sample_rate, wrap=self.wrap)

    def loss_db(self, curve_db: np.ndarray) -> float:
        """Predicted loudness the curve takes away, from the energy it removes."""
        total = float(self.energy.sum()) or 1.0
        return 10 * math.log10(max(float((self.energy * 10 ** (curve_db / 10)).sum()) / total, 1e-12))

    def apply(self, gain_db: float, curve_db: np.ndarray, *, fade: tuple[int, int] | None,
              out: np.ndarray | None = None, measure: bool = True) -> float:
        """``audio * gain * limiter`` (its ends shaped by ``fade``: frames of fade-in and fade-out, None for a
        loop), chunk by chunk: written into ``out`` unless it is None, and measured unless ``measure`` is false —
        its integrated loudness is returned (NaN when not measured)."""
        frames = self.audio.shape[0]
        if not measure and out is None:
            return math.nan
        if frames < int(0.4 * self.sample_rate) + 1 and out is None:
            # too short for one loudness block: the meter must see all of it, repeated
            out = np.empty_like(self.audio)
            self.apply(gain_db, curve_db, fade=fade, out=out)
            return integrated_loudness(out, self.sample_rate)
        meter = LoudnessMeter(frames, self.sample_rate, self.audio.shape[1])
        centres = np.arange(curve_db.shape[0], dtype=np.float64) * _BLOCK + (_BLOCK - 1) / 2
        linear = 10 ** ((curve_db + gain_db) / 20)
        for start in range(0, frames, _CHUNK):
            stop = min(start + _CHUNK, frames)
            gain = np.interp(np.arange(start, stop, dtype=np.float64), centres, linear).astype(np.float32)
            if fade is not None:
                _fade(gain, start, frames, *fade)
            chunk = self.audio[start:stop] * gain[:, None]
            if measure:
                meter.feed(chunk)
            if out is not None:
                out[start:stop] = chunk
        if not measure:
            return math.nan
        return meter.result() if frames >= int(0.4 * self.sample_rate) + 1 else integrated_loudness(out, self.sample_rate)


def chain(production: frozenset[str], add_room: bool) -> Any:
    """The master's processing before the level (a pedalboard): high-pass, the colouring the production hints ask
    for, glue compression and, where the render has none, a room. Causal: a stream runs it piece by piece."""
    import pedalboard as pb

    plugins: list = [pb.HighpassFilter(cutoff_frequency_hz=30.0)]
    if "lofi" in production:
        plugins += [pb.HighpassFilter(cutoff_frequency_hz=70.0), pb.LowpassFilter(cutoff_frequency_hz=6500.0),
                    pb.Distortion(drive_db=6.0)]
    elif "tape" in production:  # head bump, softly rounded peaks, the top end rolled off
        plugins += [pb.LowShelfFilter(cutoff_frequency_hz=90.0, gain_db=1.5), pb.Distortion(drive_db=2.0),
                    pb.LowpassFilter(cutoff_frequency_hz=14000.0)]
    if "warm" in production:
        plugins += [pb.LowShelfFilter(cutoff_frequency_hz=250.0, gain_db=2.0),
                    pb.HighShelfFilter(cutoff_frequency_hz=6000.0, gain_db=-2.5)]
    plugins.append(pb.Compressor(threshold_db=-18.0, ratio=2.0, attack_ms=25.0, release_ms=220.0))
    if add_room and "dry" not in production:  # the render's own rooms ("hall" among them) otherwise suffice
        plugins.append(pb.Reverb(room_size=0.8 if "hall" in production else 0.55, damping=0.4, wet_level=0.22,
                                 dry_level=0.89, width=1.0))
    return pb.Pedalboard(plugins)


def _colour_and_dynamics(audio: np.ndarray, sample_rate: int, pre: float, production: frozenset[str],
                         add_room: bool, seed: int, loop: bool) -> None:
    """Pre-gain, high-pass, colour, compress (and add a room) in place, chunk by chunk; a loop first runs its
    own end through the chain, so the effects' state at its start is what its end leaves behind."""
    board = chain(production, add_room)
    frames = audio.shape[0]
    gain = np.float32(pre)
    reset = True
    if loop:
        warm = min(frames, int(_LOOP_WARMUP_S * sample_rate))
        for start in _chunk_starts(frames - warm, frames):
            board(audio[start : _chunk_stop(start, frames - warm, frames)] * gain, sample_rate, reset=reset)
            reset = False
    energy = 0.0
    for start in _chunk_starts(0, frames):
        stop = _chunk_stop(start, 0, frames)
        out = board(audio[start:stop] * gain, sample_rate, reset=reset)
        reset = False
        audio[start:stop] = out
        energy += float(np.square(out, dtype=np.float64).sum())
    if "vinyl" in production:
        rms = math.sqrt(energy / max(audio.size, 1)) + 1e-9
        _add_vinyl_noise(audio, sample_rate, seed, rms)


def _chunk_starts(begin: int, end: int) -> range:
    return range(begin, end, _CHUNK)


def _chunk_stop(start: int, begin: int, end: int) -> int:
    """End of the chunk at ``start``; a last chunk of only a few frames joins the one before it (a chunk of two
    frames would read as two channels of two frames)."""
    stop = min(start + _CHUNK, end)
    if end - stop < 64:
        stop = end
    return stop


def _add_vinyl_noise(audio: np.ndarray, sample_rate: int, seed: int, rms: float) -> None:
    """Surface hiss and crackle, seeded, at levels relative to the music so it colours without covering; added in
    place chunk by chunk (each chunk its own seeded generator, a crackle's decay carried into the next)."""
    decay = np.exp(-np.arange(48) / 6.0).astype(np.float32)
    carry = np.zeros((decay.shape[0], 2), dtype=np.float32)
    frames = audio.shape[0]
    for index, start in enumerate(range(0, frames, _CHUNK)):
        stop = min(start + _CHUNK, frames)
        n = stop - start
        rng = np.random.default_rng([seed & 0xFFFFFFFF, 0x5EED, index])
        hiss = rng.standard_normal((n, 2), dtype=np.float32)
        hiss = uniform_filter1d(hiss, 3, axis=0) * np.float32(rms * 0.02)  # soft, dull hiss ~ −34 dB under
        count = int(n / sample_rate * 6)  # about six pops a second
        crackle = np.zeros((n + decay.shape[0], 2), dtype=np.float32)
        crackle[: carry.shape[0]] += carry
        if count:
            at = rng.integers(0, n, count)
            amp = (rng.pareto(3.0, count) + 0.3).astype(np.float32) * np.float32(rms * 0.5)
            for ch in range(2):  # each pop: a click that dies away over a millisecond
                sign = rng.choice([-1.0, 1.0], count).astype(np.float32)
                for position, size in zip(at.tolist(), (amp * sign).tolist()):
                    crackle[position : position + decay.shape[0], ch] += decay * np.float32(size)
        carry = crackle[n:].copy()
        audio[start:stop] += hiss + crackle[:n]


def _ends(frames: int, sample_rate: int, loop: bool, fade_out: bool) -> tuple[int, int] | None:
    """Frames of fade-in and fade-out for a piece of ``frames`` frames (None: a loop has no ends)."""
    if loop:
        return None
    fade_in = min(int(_TAPER_IN_S * sample_rate), frames // 4)
    if fade_out:
        seconds = min(max(_FADE_SHARE * frames / sample_rate, _FADE_MIN_S), _FADE_MAX_S)
        out = min(int(seconds * sample_rate), frames // 3)
    else:
        out = min(int(_TAPER_OUT_S * sample_rate), frames // 10)
    return fade_in, out


def _fade(gain: np.ndarray, start: int, frames: int, fade_in: int, fade_out: int) -> None:
    """Shape the per-frame ``gain`` of frames ``start:start+len(gain)`` of a ``frames``-long piece, in place: in
    over ``fade_in`` frames, out (a raised cosine) over the last ``fade_out``."""
    stop = start + gain.shape[0]
    if fade_in and start < fade_in:
        k = np.arange(start, min(stop, fade_in))
        gain[: k.shape[0]] *= (k / fade_in).astype(np.float32)
    begin = frames - fade_out
    if fade_out and stop > begin:
        k = np.arange(max(start, begin), stop) - begin
        ramp = 0.5 * (1 + np.cos(np.pi * k / max(fade_out - 1, 1)))
        gain[gain.shape[0] - k.shape[0] :] *= ramp.astype(np.float32)


def _soft_clip(audio: np.ndarray, level: float) -> np.ndarray:
    """Round off whatever rises above half of ``level`` so that nothing reaches ``level`` (tanh knee)."""
    knee = np.float32(0.5 * level)
    magnitude = np.abs(audio)
    over = magnitude > knee
    if not over.any():
        return audio
    out = audio.copy()
    out[over] = np.sign(audio[over]) * (knee + knee * np.tanh((magnitude[over] - knee) / knee))
    return out


def _fixed_level(shaped: np.ndarray, gain_db: float, sample_rate: int, loop: bool,
                 fade: tuple[int, int] | None) -> tuple[float, float, float]:
    """:func:`_level` at a gain found before (another render of the same piece): the limiter and the soft clipper
    act as they did there, so the bars both renders share come out the same."""
    limiter = _Limiter(shaped, sample_rate, gain_db + _HEADROOM_DB, wrap=loop)
    curve = limiter.curve_db(gain_db)
    if float(curve.min()) < -_LIMITER_RANGE_DB:
        level = 10 ** (_LIMITER_CEILING_DB / 20) * 10 ** ((_LIMITER_RANGE_DB - gain_db) / 20)
        limiter = _Limiter(_soft_clip(shaped, level), sample_rate, gain_db + _HEADROOM_DB, wrap=loop)
        curve = limiter.curve_db(gain_db)
    measured = limiter.apply(gain_db, curve, fade=fade, out=shaped)
    return gain_db, float(curve.min()), measured


def _level(shaped: np.ndarray, lufs: float, sample_rate: int, loop: bool,
           fade: tuple[int, int] | None) -> tuple[float, float, float]:
    """Gain ``shaped`` to the target loudness under the true-peak ceiling, in place: (gain dB, deepest GR dB,
    LUFS).

    Limiting lowers loudness: the gain is raised to match, first by predicting the loss from the energy the
    limiter removes (cheap), then by measuring. Transients more than :data:`_LIMITER_RANGE_DB` over the ceiling
    (a drum stem alone) are soft-clipped first, and the gain then starts again from the plain loudness match.
    """
    ceiling = 10 ** (_LIMITER_CEILING_DB / 20)
    base_db = TARGET_LUFS - lufs
    top_db = base_db + _MAX_EXTRA_GAIN_DB
    # The envelope is exact only where a gain up to max_gain_db could push it over: start with a few dB of
    # headroom (most music) and widen it if the gain has to climb further.
    limiter = _Limiter(shaped, sample_rate, base_db + _HEADROOM_DB, wrap=loop)
    gain_db = base_db
    for _ in range(4):
        if gain_db > limiter.max_gain_db:
            limiter = _Limiter(shaped, sample_rate, min(gain_db + _HEADROOM_DB, top_db), wrap=loop)
        curve = limiter.curve_db(gain_db)
        error_db = TARGET_LUFS - (lufs + gain_db + limiter.loss_db(curve))
        if abs(error_db) < 0.05 or gain_db >= top_db:
            break
        gain_db = min(gain_db + error_db, top_db)
    if gain_db > limiter.max_gain_db:
        limiter = _Limiter(shaped, sample_rate, min(gain_db + _HEADROOM_DB, top_db), wrap=loop)
    curve = limiter.curve_db(gain_db)
    clipped = False
    measured = lufs
    for attempt in range(5):
        if not clipped and float(curve.min()) < -_LIMITER_RANGE_DB:
            clipped, gain_db = True, base_db
            level = ceiling * 10 ** ((_LIMITER_RANGE_DB - gain_db) / 20)
            limiter = _Limiter(_soft_clip(shaped, level), sample_rate, gain_db, wrap=loop)
            curve = limiter.curve_db(gain_db)
        # trials are only measured; the one that is kept is written over the input at the end
        measured = limiter.apply(gain_db, curve, fade=fade)
        error_db = TARGET_LUFS - measured
        if not math.isfinite(measured) or abs(error_db) <= 0.2 or gain_db >= top_db or attempt == 4:
            break
        gain_db = min(gain_db + error_db * 1.2, top_db)  # limiting takes back part of any raise: overshoot
        if clipped:  # the clipper's level follows the gain
            level = ceiling * 10 ** ((_LIMITER_RANGE_DB - gain_db) / 20)
            limiter = _Limiter(_soft_clip(shaped, level), sample_rate, gain_db, wrap=loop)
        elif gain_db > limiter.max_gain_db:
            limiter = _Limiter(shaped, sample_rate, min(gain_db + _HEADROOM_DB, top_db), wrap=loop)
        curve = limiter.curve_db(gain_db)
    limiter.apply(gain_db, curve, fade=fade, out=shaped, measure=False)  # as measured in the last trial
    return gain_db, float(curve.min()), measured


def master(
    audio: np.ndarray,
    sample_rate: int,
    *,
    production: frozenset[str] = frozenset(),
    loop: bool = False,
    has_reverb: bool = True,
    seed: int = 0,
    in_place: bool = False,
    fade_out: bool = False,
    gains: tuple[float, float] | None = None,
) -> Mastered:
    """Master ``audio`` (float (frames, 2)) to −14 LUFS and ≤ −1 dBTP.

    ``has_reverb`` says whether the render already placed the music in a room; ``seed`` drives the vinyl noise;
    ``fade_out`` fades the end (otherwise it ends as it was rendered). ``gains`` (a :attr:`Mastered.gains`)
    masters at the gains of an earlier master of the same piece instead of measuring this audio's loudness.
    With ``in_place`` a writable C-contiguous float32 ``audio`` becomes the result (saving a copy of the track).
    """
    audio = np.asarray(audio)
    if audio.ndim != 2 or audio.shape[1] != 2:
        raise ValueError(f"audio must have shape (frames, 2), got {audio.shape}")
    usable = in_place and audio.dtype == np.float32 and audio.flags.c_contiguous and audio.flags.writeable
    audio = audio if usable else np.array(audio, dtype=np.float32, order="C")
    frames = audio.shape[0]
    # Bring the mix to a known level first so the compressor's threshold means the same for every render.
    energy = 0.0
    for start in range(0, frames, _CHUNK):
        chunk = audio[start : start + _CHUNK]
        if not np.isfinite(chunk).all():
            np.nan_to_num(chunk, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        energy += float(np.square(chunk, dtype=np.float64).sum())
    if frames == 0 or energy == 0.0:
        return Mastered(audio, 0.0, -math.inf, -math.inf, 0.0)
    rms = math.sqrt(energy / audio.size)
    pre_db = -20.0 - 20 * math.log10(max(rms, 1e-9)) if gains is None else gains[0]
    _colour_and_dynamics(audio, sample_rate, 10 ** (pre_db / 20), production, not has_reverb, seed, loop)
    shaped = audio

    lufs = integrated_loudness(shaped, sample_rate)
    if not math.isfinite(lufs):  # below BS.1770's absolute gate: too quiet to judge, keep the level
        mean_square = sum(float(np.square(shaped[s : s + _CHUNK], dtype=np.float64).sum())
                          for s in range(0, frames, _CHUNK)) / shaped.size
        lufs = 10 * math.log10(max(mean_square, 1e-18))
    ends = _ends(frames, sample_rate, loop, fade_out)
    if gains is None:
        gain_db, limited_db, measured = _level(shaped, lufs, sample_rate, loop, ends)
    else:
        gain_db, limited_db, measured = _fixed_level(shaped, gains[1], sample_rate, loop, ends)
    out = shaped
    peak_db = true_peak_db(out, wrap=loop)
    ceiling_db = _LIMITER_CEILING_DB + 0.1
    if peak_db > ceiling_db:  # the per-frame gain moved a peak between samples: trim the whole track
        trim = np.float32(10 ** ((ceiling_db - peak_db) / 20))
        for start in range(0, frames, _CHUNK):
            out[start : start + _CHUNK] *= trim
        peak_db = true_peak_db(out, wrap=loop)
        measured = integrated_loudness(out, sample_rate)
    return Mastered(
        audio=out,
        gain_db=pre_db + gain_db,
        lufs=measured,
        true_peak_db=peak_db,
        limited_db=limited_db,
        gains=(pre_db, gain_db),
    )
