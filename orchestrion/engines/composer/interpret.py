"""Interpret: a prompt (and a negative prompt) becomes a :class:`.brief.Brief`.

Numbers the user states win over anything guessed (:mod:`.numbers`: tempo, key, metre, duration); then API
overrides win over the text. The words are read against the lexicon (:mod:`.reading`), the style is routed by
specificity (:mod:`.routing`), and the brief is filled by the steps in :data:`_STEPS`, one field group each, in
order — a new feature of the brief is one more step. Negated instruments, styles and drums are removed (a
category word such as "keyboards" or "horns" removes every member); negated moods push the mood the other way.
Calm, solemn, sparse, sacred and contemplative prompts get no drum kit unless they ask for one. Whatever the
text — any language, emoji, five thousand characters — a brief comes out.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .brief import Brief
from .instruments import INSTRUMENTS, PERCUSSION
from .chords import key_of, parse_progression
from .numbers import (MAX_BPM, MAX_DURATION, MIN_BPM, MIN_DURATION, find_bpm, find_duration, find_key, find_metre,
                      parse_key, parse_time_signature)
from .reading import Mention, Reading, read
from .routing import route
from .styles import STYLES, Style
from .text import fold

__all__ = ["MAX_BPM", "MAX_DURATION", "MIN_BPM", "MIN_DURATION", "interpret", "parse_key"]

MAX_PROMPT_CHARS = 5000
#: Most named instruments given a part of their own; more are read but only the first eight are arranged.
MAX_NAMED = 8
#: The tonic a brief holds until the seed draws the key the prompt left open (C major, A minor).
_PLACEHOLDER_TONIC = {"major": 0, "minor": 9}
#: Families whose beat is the genre: a calm word does not take their kit away.
_BEAT_FAMILIES = frozenset({"electronic", "urban", "latin", "african"})


@dataclass
class _Ask:
    """What the prompt says, read once; the steps fill :attr:`fields` from it."""

    prompt: str
    folded: str
    reading: Reading
    overrides: Mapping[str, Any]
    fields: dict[str, Any] = field(default_factory=dict)
    explicit: set[str] = field(default_factory=set)
    word_valence: float | None = None
    word_energy: float | None = None
    style: Style | None = None
    routed_by: str = ""  #: how the style was chosen: "genre", "fuzzy" or "nearest"

    @property
    def positive(self) -> list[Mention]:
        return self.reading.positive

    @property
    def negative(self) -> list[Mention]:
        return self.reading.negative


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _words_mood(ask: _Ask) -> None:
    ask.word_valence = _mean([m.sense.valence for m in ask.positive if m.sense.valence is not None])
    ask.word_energy = _mean([m.sense.energy for m in ask.positive if m.sense.energy is not None])


def _specific_instruments(ask: _Ask) -> tuple[str, ...]:
    return tuple(m.sense.instruments[0] for m in ask.positive
                 if len(m.sense.instruments) == 1 and not m.sense.removes)


def _stated_metre(ask: _Ask) -> tuple[int, int] | None:
    """The request's time signature, else one written in the prompt."""
    stated = ask.overrides.get("time_signature")
    metre = parse_time_signature(stated) if isinstance(stated, str) else tuple(stated) if stated else None
    return metre or find_metre(ask.prompt)  # type: ignore[return-value]


def _style(ask: _Ask) -> None:
    stated_bpm = ask.overrides.get("bpm") or find_bpm(ask.folded)
    drum_votes = [m.sense.drums for m in ask.positive if m.sense.drums is not None]
    chosen = route(ask.reading, valence=ask.word_valence, energy=ask.word_energy,
                   bpm=float(stated_bpm) if stated_bpm else None, metre=_stated_metre(ask),
                   drums=False if False in drum_votes or ask.reading.solo_beside else True if True in drum_votes else None,
                   instruments=_specific_instruments(ask))
    ask.style = STYLES[chosen.style]
    ask.routed_by = chosen.by
    ask.fields.update(style=chosen.style, style_weights=chosen.weights)


def _mood(ask: _Ask) -> None:
    spec = ask.style
    assert spec is not None
    valence = spec.valence if ask.word_valence is None else 0.75 * ask.word_valence + 0.25 * spec.valence
    energy = spec.energy if ask.word_energy is None else 0.7 * ask.word_energy + 0.3 * spec.energy
    anti_valence = _mean([m.sense.valence for m in ask.negative if m.sense.valence is not None])
    anti_energy = _mean([m.sense.energy for m in ask.negative if m.sense.energy is not None])
    if anti_valence is not None:
        valence -= 0.5 * anti_valence
    if anti_energy is not None:
        energy -= 0.4 * (anti_energy - 0.5)
    ask.fields.update(valence=min(max(valence, -1.0), 1.0), energy=min(max(energy, 0.0), 1.0))


def _metre(ask: _Ask) -> None:
    metre = _stated_metre(ask)
    if metre is not None:
        ask.explicit.add("metre")
    else:
        metre = next((m.sense.metre for m in ask.positive if m.sense.metre is not None), ask.style.metre)
    ask.fields["metre"] = metre


def _tempo(ask: _Ask) -> None:
    """Stated numbers (counted in the metre's beat), then an Italian mark, then the style's range by mood."""
    spec = ask.style
    metre = ask.fields["metre"]
    compound = metre[1] == 8 and metre[0] % 3 == 0
    bpm = ask.overrides.get("bpm")
    if bpm is None:
        bpm = find_bpm(ask.folded)
    if bpm is not None:
        ask.explicit.add("bpm")
        bpm = float(bpm) * (1.5 if compound else 1.0)  # a stated 6/8 tempo counts dotted quarters
    else:
        marked = next((m.sense.bpm for m in ask.positive if m.sense.bpm is not None), None)
        if marked is not None:
            bpm = marked
            ask.explicit.add("tempo")
        else:
            nudge = sum(m.sense.tempo for m in ask.positive if m.sense.tempo is not None)
            position = 0.5 + 0.6 * (ask.fields["energy"] - spec.energy) + nudge  # the seed spreads it (variation.py)
            position = min(max(position, 0.0), 1.0)
            low, high = spec.tempo
            factor = 1.5 if compound and spec.compound else 1.0  # the style counts its own metre's beat
            bpm = float(round(low + (high - low) * position)) * factor
    ask.fields["bpm"] = min(max(float(bpm), MIN_BPM), MAX_BPM)


def _key(ask: _Ask) -> None:
    spec = ask.style
    tonic: int | None = None
    mode: str | None = None
    stated = parse_key(str(ask.overrides["key"])) if ask.overrides.get("key") else None
    from_chords = key_of(ask.fields["chords"]) if ask.fields["chords"] else None
    if stated is not None:
        tonic, mode = stated
        ask.explicit.update({"key", "mode"})
    elif from_chords is not None:  # chord symbols name their own key
        tonic, mode = from_chords
        ask.explicit.update({"key", "mode"})
    else:
        found = find_key(ask.prompt)
        if found is not None:
            tonic, mode = found
            ask.explicit.add("key")
            if mode is not None:
                ask.explicit.add("mode")
    if mode is None:
        if spec.mode != "either" and (ask.word_valence is None or abs(ask.word_valence) < 0.5):
            mode = spec.mode  # the style's usual mode unless the words are clearly happy or sad
        else:
            mode = "major" if ask.fields["valence"] >= 0.0 else "minor"
    if tonic is None:  # a placeholder: the seed draws the key the prompt left open (variation.py)
        tonic = _PLACEHOLDER_TONIC["minor" if mode not in ("major", "lydian", "mixolydian") else "major"]
    ask.fields.update(tonic=tonic, mode=mode)


def _chords(ask: _Ask) -> None:
    """The request's progression (validated by the engine; a malformed one here is ignored, never raised)."""
    chords: tuple[str, ...] = ()
    written = ask.overrides.get("chords")
    if written:
        try:
            chords = parse_progression(written) if isinstance(written, str) else tuple(written)
        except ValueError:
            chords = ()
    bars = ask.overrides.get("bars_per_chord")
    ask.fields.update(chords=chords, bars_per_chord=min(max(int(bars), 1), 8) if bars else 1)


def _requested_ensemble(ask: _Ask) -> tuple[tuple[str, str], ...]:
    from .instruments import find_instrument

    listed: list[tuple[str, str]] = []
    for item in ask.overrides.get("instruments") or ():
        name, role = (item.get("name"), item.get("role") or "") if isinstance(item, Mapping) else (item, "")
        found = find_instrument(name) if isinstance(name, str) else None
        if found is not None and (found, role) not in listed:
            listed.append((found, str(role)))
    return tuple(listed[:MAX_NAMED])


def _pick(options: tuple[str, ...], style: Style, avoid: set[str]) -> str | None:
    """One instrument for a word that names several: the style's own kind when it has one."""
    usable = [i for i in options if i not in avoid]
    if not usable:
        return None
    own = style.instruments() | frozenset(style.hand)
    return next((i for i in usable if i in own), usable[0])


def _instruments(ask: _Ask) -> None:
    spec = ask.style
    # a category negated ("without percussion") removes its members, except an instrument the prompt names itself
    # ("with singing bowls, without percussion"); an instrument negated by name is always removed
    spoken = {m.sense.instruments[0] for m in ask.positive if len(m.sense.instruments) == 1}
    avoid = {i for m in ask.negative if not m.sense.removes for i in m.sense.instruments}
    avoid |= {i for m in ask.negative for i in m.sense.removes if i not in spoken}
    named: list[str] = []
    featured: list[str] = []
    for mention in ask.positive:
        if not mention.sense.instruments:
            continue
        chosen = _pick(mention.sense.instruments, spec, avoid)
        if chosen is None:
            continue
        if chosen not in named:
            named.append(chosen)
        if mention.featured and chosen not in featured:
            featured.append(chosen)
    known = set(INSTRUMENTS) | set(PERCUSSION)
    named = [i for i in named if i in known][:MAX_NAMED]
    ensemble = _requested_ensemble(ask)
    if ensemble:  # the request's list is the band: the prompt's instrument words no longer choose it
        named = list(dict.fromkeys(i for i, _ in ensemble))
        featured = [i for i, role in ensemble if role == "melody"] or [i for i in featured if i in named]
        avoid = {i for i in avoid if i not in named}
        ask.explicit.add("instruments")
    ask.fields.update(instruments=tuple(named), featured=tuple(i for i in featured if i in named),
                      avoid=frozenset(avoid), ensemble=ensemble)


def _drums(ask: _Ask) -> None:
    spec = ask.style
    avoid = set(ask.fields["avoid"])
    votes = [m.sense.drums for m in ask.positive if m.sense.drums is not None]
    negated = any(m.sense.drums for m in ask.negative)
    calm = any(m.sense.calm for m in ask.positive) or ask.reading.solo_beside
    named_percussion = [i for i in ask.fields["instruments"] if i in PERCUSSION]
    if negated:
        avoid.update(i.id for i in INSTRUMENTS.values() if i.is_drums)
        avoid.update(p for p in PERCUSSION if p not in named_percussion)
        drums = False
    elif False in votes:
        drums = False
    elif any(m.sense.drums and (not m.sense.instruments or any(INSTRUMENTS[i].is_drums for i in m.sense.instruments
                                                               if i in INSTRUMENTS)) for m in ask.positive):
        drums = True  # the kit itself was asked for ("drums", "beat", "percussion", "brushes")
    elif calm and (ask.routed_by != "genre" or spec.family not in _BEAT_FAMILIES and not spec.electronic):
        drums = False  # a calm prompt keeps a kit only when it names a genre whose beat is the genre
    else:
        drums = spec.drums is not None
    if ask.fields["ensemble"]:  # a listed band has drums exactly when it lists a kit or hand percussion
        drums = any(i in PERCUSSION or INSTRUMENTS[i].is_drums for i, _ in ask.fields["ensemble"])
    general_bass = [m for m in ask.negative if sum(INSTRUMENTS[i].family == "bass" for i in m.sense.instruments
                                                   if i in INSTRUMENTS) >= 3]
    ask.fields.update(drums=drums, bass=not general_bass, avoid=frozenset(avoid))


def _production(ask: _Ask) -> None:
    production = {p for m in ask.positive for p in m.sense.production} | set(ask.style.production)
    production -= {p for m in ask.negative for p in m.sense.production}
    ask.fields["production"] = frozenset(production)


def _duration(ask: _Ask) -> None:
    duration = ask.overrides.get("duration")
    if duration is None:
        duration = find_duration(ask.folded)
        if duration is not None:
            ask.explicit.add("duration")
    else:
        ask.explicit.add("duration")
    if duration is None:
        duration = ask.style.seconds or 30.0
    ask.fields["duration"] = min(max(float(duration), 1.0), 600.0)


def _arrangement(ask: _Ask) -> None:
    hints = {h for m in ask.positive for h in m.sense.hints}
    if ask.reading.solo_beside and (ask.style.drums is None or not ask.fields["drums"]):
        hints.add("solo")
    if "solo" in hints and len(ask.fields["instruments"]) > 1:
        hints.discard("solo")  # "solo" beside one of several instruments features it; it does not strip the band
    loop = bool(ask.overrides["loop"]) if ask.overrides.get("loop") is not None else "loop" in hints
    swing = 0.64 if "swing" in hints else 0.5 if "straight" in hints else None
    ask.fields.update(loop=loop, swing=swing, hints=frozenset(hints - {"swing", "straight", "loop"}))


_STEPS: tuple[Callable[[_Ask], None], ...] = (
    _words_mood, _style, _mood, _metre, _tempo, _chords, _key, _instruments, _drums, _production, _duration, _arrangement,
)


def interpret(prompt: str, negative_prompt: str = "", overrides: Mapping[str, Any] | None = None) -> Brief:
    """Read ``prompt`` and ``negative_prompt`` into a :class:`Brief`; ``overrides`` (``bpm``, ``key``,
    ``duration``, ``loop``, ``time_signature``, ``chords``, ``bars_per_chord``, ``instruments``) are validated API
    parameters and win over the text. Never raises on any text."""
    prompt = (prompt if isinstance(prompt, str) else "")[:MAX_PROMPT_CHARS]
    negative_prompt = (negative_prompt if isinstance(negative_prompt, str) else "")[:MAX_PROMPT_CHARS]
    reading = Reading()
    read(prompt, reading, negate_all=False)
    read(negative_prompt, reading, negate_all=True)
    ask = _Ask(prompt, fold(prompt), reading, overrides or {})
    # a stable number drawn from the prompt's text: it seeds the composer's choices with the request's seed, so two
    # prompts with one seed differ (it decides nothing the words state)
    ask.fields["variation"] = zlib.crc32(prompt.strip().lower().encode("utf-8", "replace"))
    for step in _STEPS:
        step(ask)
    return Brief(**ask.fields, explicit=frozenset(ask.explicit), settled=False)
