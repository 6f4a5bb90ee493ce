"""The brief: everything the compose stage needs to know about a prompt, and nothing about its wording.

:func:`.interpret.interpret` writes it; :func:`.compose.compose` reads it with a seed. It is frozen and hashable so
the same request always composes the same score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .theory import Key, pitch_class_name

__all__ = ["Brief"]


@dataclass(frozen=True)
class Brief:
    style: str  #: the primary style, a key of :data:`.styles.STYLES`
    bpm: float  #: quarter-note beats per minute
    tonic: int  #: pitch class 0-11
    mode: str  #: "major", "minor" or a church mode
    metre: tuple[int, int] = (4, 4)
    #: Every style the prompt evoked, strongest first, weights summing to 1.
    style_weights: tuple[tuple[str, float], ...] = ()
    valence: float = 0.0  #: -1 sad .. 1 happy
    energy: float = 0.5  #: 0 calm .. 1 intense
    #: Instruments the prompt asked for (catalogue ids, in the prompt's order).
    instruments: tuple[str, ...] = ()
    #: Named instruments the prompt puts in front ("featuring", "prominent", "solo", "led by"), in its order.
    featured: tuple[str, ...] = ()
    #: Instruments never to use (negated in the prompt or named in the negative prompt).
    avoid: frozenset[str] = frozenset()
    #: Production hints for render and master: "lofi", "vinyl", "hall", "dry", "live", "gated", "warm".
    production: frozenset[str] = frozenset()
    duration: float = 30.0  #: seconds of audio wanted
    loop: bool = False
    drums: bool = True  #: a drum kit may play
    bass: bool = True  #: a bass part may play
    #: Swing ratio asked for (0.5 straight .. 0.67 triplet); None leaves it to the style.
    swing: float | None = None
    #: Arrangement hints: "solo", "small", "build", "flat", "fade".
    hints: frozenset[str] = frozenset()
    #: A stable number drawn from the prompt's text: with the seed it seeds the composer's choices, so two prompts
    #: with one seed differ. It decides nothing the words state.
    variation: int = 0
    #: Which fields the user stated rather than the interpreter guessed: "bpm", "key", "mode", "metre", ...
    #: ("tempo" when a tempo word such as "allegro" set the BPM).
    explicit: frozenset[str] = field(default_factory=frozenset)
    #: A progression the request wrote (:mod:`.chords` tokens: chord symbols or Roman numerals against the key),
    #: played exactly, one chord every :attr:`bars_per_chord` bars, looped over the form; empty: the style's own.
    chords: tuple[str, ...] = ()
    bars_per_chord: int = 1
    #: The ensemble the request listed, as ``(instrument or hand-percussion id, role or "")``: exactly these play
    #: (a drum kit or hand percussion only when listed); empty: the style's ensemble with the named instruments.
    ensemble: tuple[tuple[str, str], ...] = ()
    #: False while the key and tempo are the interpreter's placeholders, for :func:`.variation.settle` to draw
    #: from the seed where the prompt stated none; a brief built by hand says what it means.
    settled: bool = True

    @property
    def key(self) -> Key:
        return Key(self.tonic, self.mode)

    @property
    def beats_per_bar(self) -> float:
        """Bar length in quarter notes: 4 for 4/4, 3 for 6/8, 6 for 12/8."""
        numerator, denominator = self.metre
        return numerator * 4.0 / denominator

    def to_dict(self) -> dict[str, Any]:
        return {
            "style": self.style,
            "style_weights": {name: round(weight, 3) for name, weight in self.style_weights},
            "bpm": round(self.bpm, 2),
            "key": f"{pitch_class_name(self.tonic)} {self.mode}",
            "metre": f"{self.metre[0]}/{self.metre[1]}",
            "valence": round(self.valence, 3),
            "energy": round(self.energy, 3),
            "instruments": list(self.instruments),
            "featured": list(self.featured),
            "avoid": sorted(self.avoid),
            "production": sorted(self.production),
            "duration": self.duration,
            "loop": self.loop,
            "drums": self.drums,
            "bass": self.bass,
            "swing": self.swing,
            "hints": sorted(self.hints),
            "explicit": sorted(self.explicit),
            "chords": list(self.chords),
            "bars_per_chord": self.bars_per_chord,
            "ensemble": [{"name": name, "role": role or None} for name, role in self.ensemble],
        }
