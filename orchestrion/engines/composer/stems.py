"""Stems held compactly: one track's audio as int16 samples with a scale per block of frames.

A three-minute stereo stem is 69 MB as float32; a nine-track piece would hold 620 MB of them. Block floating
point halves that and loses nothing a listener could hear: every block of :data:`STEM_BLOCK` frames (~0.34 s)
is scaled so its peak uses the full 16 bits, so quiet passages keep their resolution. When the master's gain is
known, :meth:`Stem.to_pcm16` turns the stem in place into plain full-scale int16 — the form the encoder writes.

A stem alone at the master's gain can exceed full scale (the master's limiter holds the mix, not a stem), so
:func:`stem_gain` gives all the stems of a piece one gain that keeps each of them under :data:`STEM_CEILING_DB`.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

__all__ = ["STEM_BLOCK", "STEM_CEILING_DB", "Stem", "stem_gain", "zeroed"]

STEM_BLOCK = 1 << 14
_FULL = 32767.0
#: Highest sample peak a stem file may reach (dBFS).
STEM_CEILING_DB = -1.0


def stem_gain(stems: Iterable[Stem], gain: float, ceiling_db: float = STEM_CEILING_DB) -> float:
    """The common gain for a set of stems: the master's ``gain`` (their sum is then the mix as it entered the
    master's dynamics, at the track's loudness), lowered as far as it takes to keep the loudest stem's peak at
    ``ceiling_db``. One gain for all, so the stems still sum to that mix, only quieter."""
    peak = max((stem.peak for stem in stems), default=0.0)
    ceiling = 10 ** (ceiling_db / 20)
    if peak * gain <= ceiling or peak == 0.0:
        return gain
    return ceiling / peak


def zeroed(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """``np.zeros``, but fast to fill: numpy backs large ``np.empty`` arrays with huge pages and ``np.zeros``
    not, and first writes to 4 KB pages cost ~8 µs each here — 0.7 s for the stems of a three-minute piece."""
    out = np.empty(shape, dtype=dtype)
    out.fill(0)
    return out


class Stem:
    """One track's stereo audio: ``planar`` int16 (2, frames) times ``scales[k]`` for the k-th block of frames.

    Planar, because the renderer hands out each channel as its own row; :attr:`pcm` is the (frames, 2) view.
    """

    def __init__(self, planar: np.ndarray, scales: np.ndarray) -> None:
        self.planar = planar
        self.scales = scales

    @classmethod
    def zeros(cls, frames: int) -> "Stem":
        return cls(zeroed((2, frames), np.int16), np.ones(-(-frames // STEM_BLOCK), dtype=np.float64))

    @property
    def pcm(self) -> np.ndarray:
        """The samples as (frames, 2) int16, each times its block's scale."""
        return self.planar.T

    @property
    def shape(self) -> tuple[int, int]:
        return self.pcm.shape

    def store(self, block: int, audio: np.ndarray) -> None:
        """Keep ``audio`` (float, (2, frames) planar, at most one block) as block ``block``."""
        start = block * STEM_BLOCK
        stop = min(start + audio.shape[1], self.planar.shape[1])
        if stop <= start:
            return
        audio = audio[:, : stop - start]
        peak = max(float(audio.max()), -float(audio.min()))
        if not peak > 1e-30:  # silence (or what 16 bits could not tell from it)
            self.scales[block] = 1.0
            self.planar[:, start:stop] = 0
            return
        scale = peak / _FULL
        self.scales[block] = scale
        scaled = audio * np.float32(1.0 / scale)
        np.rint(scaled, out=scaled)
        self.planar[:, start:stop] = scaled

    @property
    def peak(self) -> float:
        """Largest absolute sample."""
        best = 0.0
        for block, scale in enumerate(self.scales):
            part = self.planar[:, block * STEM_BLOCK : (block + 1) * STEM_BLOCK]
            if part.size:
                best = max(best, max(int(part.max()), -int(part.min())) * float(scale))
        return best

    def audio(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Frames ``start:stop`` as float32 (frames, 2)."""
        stop = self.planar.shape[1] if stop is None else min(stop, self.planar.shape[1])
        out = self.pcm[start:stop].astype(np.float32, order="C")
        for block in range(start // STEM_BLOCK, -(-stop // STEM_BLOCK)):
            lo, hi = max(block * STEM_BLOCK, start) - start, min((block + 1) * STEM_BLOCK, stop) - start
            out[lo:hi] *= np.float32(self.scales[block])
        return out

    def fold(self, length: int) -> None:
        """Add everything past ``length`` onto the start, piece by piece, and keep the first ``length`` frames."""
        total = self.planar.shape[1]
        if total <= length:
            return
        head = self.audio(0, min(length, total - length))
        for start in range(length, total, length):
            piece = self.audio(start, start + length)
            head[: piece.shape[0]] += piece
        self.planar = self.planar[:, :length]
        for block in range(-(-head.shape[0] // STEM_BLOCK)):
            lo, hi = block * STEM_BLOCK, min((block + 1) * STEM_BLOCK, head.shape[0])
            if hi - lo < STEM_BLOCK and hi < length:  # a block only partly refolded keeps its other frames
                rest = self.audio(hi, min((block + 1) * STEM_BLOCK, length))
                self.store(block, np.concatenate([head[lo:hi], rest]).T)
            else:
                self.store(block, head[lo:hi].T)
        self.scales = self.scales[: -(-length // STEM_BLOCK)]

    def to_pcm16(self, gain: float) -> np.ndarray:
        """The stem times ``gain`` as full-scale int16 (32768 is 1.0), clipped as the 16-bit encoder would.

        Converts in place, block by block, so no float copy of the whole stem is ever made; the stem is spent.
        """
        for block, scale in enumerate(self.scales):
            part = self.planar[:, block * STEM_BLOCK : (block + 1) * STEM_BLOCK]
            factor = np.float32(scale * gain * 32768.0)
            if factor != 1.0:
                scaled = part * factor
                np.rint(scaled, out=scaled)
                part[:] = np.clip(scaled, -32768, 32767)
        self.scales = np.full_like(self.scales, 1.0 / 32768.0)
        return self.pcm
