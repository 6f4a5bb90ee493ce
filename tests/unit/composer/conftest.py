"""Fixtures for the composer's stage tests: one SoundFont per test session and small hand-made scores."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

from orchestrion.engines.composer.score import Control, Note, Score, Section, TempoChange, Track
from orchestrion.engines.composer.soundfont import SoundFont

_CHORDS = ((0, 4, 7), (9, 12, 16), (5, 9, 12), (7, 11, 14))  # I vi IV V in C


@pytest.fixture(scope="session")
def soundfont() -> SoundFont:
    """The default SoundFont, loaded once: it is ~150 MB and a missing install must fail, not skip."""
    font = SoundFont()
    yield font
    font.close()


def make_score(
    bars: int = 4,
    bpm: float = 120.0,
    *,
    seed: int = 0,
    extra_tracks: int = 0,
    loop: bool = False,
    production: frozenset[str] = frozenset(),
    tail_seconds: float = 1.5,
) -> Score:
    """A short four-part pop loop (melody, strings pad, bass, drums) in C major, 4/4."""
    rng = np.random.default_rng(seed)
    melody = Track("melody", "melody", 73, pan=0.2, reverb=0.35)
    pad = Track("strings", "pad", 48, pan=-0.3, reverb=0.5, chorus=0.3, volume=0.7)
    bass = Track("bass", "bass", 33, reverb=0.1)
    drums = Track("drums", "drums", 0, is_drums=True, reverb=0.2)
    scale = (0, 2, 4, 5, 7, 9, 11)
    for bar in range(bars):
        chord, b0 = _CHORDS[bar % 4], bar * 4.0
        pad.notes += [Note(b0, 4.0, 60 + p, 70) for p in chord]
        bass.notes += [Note(b0, 1.9, 36 + chord[0], 95), Note(b0 + 2, 1.9, 43 + chord[0], 90)]
        for k in range(8):
            drums.notes.append(Note(b0 + k * 0.5, 0.25, 42, int(rng.integers(60, 90))))
        for k in range(4):
            drums.notes.append(Note(b0 + k, 0.25, 36 if k % 2 == 0 else 38, 105))
            melody.notes.append(Note(b0 + k, 0.9, 72 + scale[int(rng.integers(0, 7))], int(rng.integers(70, 100))))
    pad.controls = [Control(0.0, 11, 90), Control(bars * 2.0, 11, 120)]
    tracks = [melody, pad, bass, drums]
    for k in range(extra_tracks):
        track = Track(f"extra-{k}", "counter", (k * 7) % 100, pan=((k % 5) - 2) / 2.0, volume=0.5)
        track.notes = [Note(bar * 4.0 + k % 4, 1.0, 60 + _CHORDS[bar % 4][k % 3], 60) for bar in range(bars)]
        tracks.append(track)
    return Score(
        tempo=[TempoChange(0.0, bpm)],
        time_signature=(4, 4),
        key_tonic=0,
        key_mode="major",
        tracks=tracks,
        sections=[Section("verse", 0.0, bars * 4.0, 0.6)],
        length_beats=bars * 4.0,
        tail_seconds=tail_seconds,
        loop=loop,
        production=production,
    )


@pytest.fixture
def score_factory() -> Callable[..., Score]:
    return make_score
