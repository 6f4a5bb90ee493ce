"""Interpret: a prompt (and a negative prompt) becomes a :class:`.brief.Brief`.

Numbers the user states win over anything guessed: tempo ("128 BPM", "♩=90"), key ("in E-flat major", "F#m",
"ré mineur", "a-Moll"), metre ("3/4"), duration ("90 seconds", "2 minutes"); then API overrides win over the text.
Words are looked up in the curated :mod:`.lexicon`, longest phrase first; a negator ("no", "without", "sans",
"ohne" ...) reaches the terms after it in its clause, and every term of the negative prompt is negated. Negated
instruments, styles and drums are removed; negated moods push the mood the other way. Whatever the text — any
language, emoji, five thousand characters — a brief comes out: unknown words fall back on the mood and on a
stable hash of the text.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from typing import Any, Mapping

from .brief import Brief
from .instruments import INSTRUMENTS
from .lexicon import LEXICON, NEGATORS, SCOPE_BREAKERS, SOFT_BREAKERS, Sense
from .styles import DEFAULT_STYLE, STYLES

__all__ = ["interpret", "parse_key"]

MAX_PROMPT_CHARS = 5000
MIN_DURATION, MAX_DURATION = 5.0, 300.0
MIN_BPM, MAX_BPM = 40.0, 240.0

_LETTERS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_SOLFEGE = {"do": 0, "ut": 0, "re": 2, "mi": 4, "fa": 5, "sol": 7, "la": 9, "si": 11}
_MODE_WORDS = {
    "m": "minor", "min": "minor", "minor": "minor", "mineur": "minor", "menor": "minor", "moll": "minor",
    "minore": "minor", "aeolian": "minor", "maj": "major", "major": "major", "majeur": "major", "mayor": "major",
    "dur": "major", "maggiore": "major", "ionian": "major", "dorian": "dorian", "phrygian": "phrygian",
    "lydian": "lydian", "mixolydian": "mixolydian", "locrian": "locrian",
}
_MODE_RE = "|".join(sorted(_MODE_WORDS, key=len, reverse=True))
_ACCIDENTAL_RE = r"(?:\s*(?:#|♯|sharp|diese|sostenido)|\s*(?:♭|flat|bemol)|b(?![a-z])|is(?=[\s-])|es(?=[\s-]))"


def _accidental(text: str | None) -> int:
    if not text:
        return 0
    text = text.strip().lower()
    if text in ("#", "♯", "sharp", "diese", "sostenido", "is"):
        return 1
    return -1  # every other accidental the patterns accept is a flat


# --- keys ---------------------------------------------------------------------------------------------------------
_KEY_ALONE_RE = re.compile(
    rf"^(?:(?P<letter>[a-g])|(?P<solfege>do|re|mi|fa|sol|la|si|ut))\s*-?\s*(?P<acc>{_ACCIDENTAL_RE})?"
    rf"\s*-?\s*(?P<mode>{_MODE_RE})?$"
)


def parse_key(text: str) -> tuple[int, str] | None:
    """``"E-flat major"`` → ``(3, "major")``, ``"F#m"`` → ``(6, "minor")``, ``"D dorian"`` → ``(2, "dorian")``.

    A bare note name is major. Returns None for anything that is not a key.
    """
    if not isinstance(text, str) or len(text) > 40:
        return None
    folded = _fold(text).strip().replace("key of ", "").replace(" key", "").strip()
    match = _KEY_ALONE_RE.match(folded)
    if match is None:
        return None
    base = _LETTERS[match["letter"]] if match["letter"] else _SOLFEGE[match["solfege"]]
    mode = _MODE_WORDS[match["mode"]] if match["mode"] else "major"
    return (base + _accidental(match["acc"])) % 12, mode


# Keys inside a prompt: a note name followed by a mode word; "in A" / "key of Bb"; a chord symbol like "F#m".
_KEY_WITH_MODE_RE = re.compile(
    rf"(?<![\w#♯♭])(?P<letter>[A-Ga-g]|do|re|mi|fa|sol|la|si)[\s-]*(?P<acc>{_ACCIDENTAL_RE})?[\s-]*"
    rf"(?P<mode>{'|'.join(w for w in sorted(_MODE_WORDS, key=len, reverse=True) if w != 'm')})(?![\w])",
    re.IGNORECASE,
)
_KEY_AFTER_IN_RE = re.compile(
    r"\b(?:in|key of|key|tonality|en|tonart|tonalidad)\s*:?\s+(?P<letter>[A-G])(?P<acc>#|♯|♭|b|-flat|-sharp| flat| sharp)?"
    r"(?![\w#♯])"
)
_CHORD_SYMBOL_RE = re.compile(r"(?<![\w#♯♭])(?P<letter>[A-G])(?P<acc>#|♯|♭|b)?m(?![\w#])")


def _find_key(text: str) -> tuple[int, str | None] | None:
    folded = _strip_accents(text)
    for match in _KEY_WITH_MODE_RE.finditer(folded):
        word = match["letter"].lower()
        # a lone lower-case letter is a note name only after "in" or "key of" ("in a minor" yes, "a major label" no)
        before = folded[max(match.start() - 7, 0) : match.start()].lower()
        if len(word) == 1 and match["letter"].islower() and not before.endswith(("in ", "of ", "key ", "en ")):
            continue
        base = _LETTERS[word] if word in _LETTERS else _SOLFEGE[word]
        return (base + _accidental(match["acc"])) % 12, _MODE_WORDS[match["mode"].lower()]
    for pattern, mode in ((_CHORD_SYMBOL_RE, "minor"), (_KEY_AFTER_IN_RE, None)):
        found = pattern.search(folded)
        if found is not None:
            return (_LETTERS[found["letter"].lower()] + _accidental(found["acc"])) % 12, mode
    return None


# --- tempo, metre, duration ---------------------------------------------------------------------------------------
_BPM_RES = (
    re.compile(r"(\d{2,3}(?:[.,]\d+)?)\s*-?\s*(?:bpm|b\.p\.m|beats per minute|beats a minute|ppm|lpm|schlage)"),
    re.compile(r"(?:tempo|bpm|♩|quarter note|crotchet)\s*(?:of|=|:|at)?\s*(\d{2,3}(?:[.,]\d+)?)\b"),
)
_METRE_RE = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(2|4|8|16)(?![\d/])")
_DURATION_RE = re.compile(
    r"(\d+(?:[.,]\d+)?|one|two|three|four|five|half a|a)\s*-?\s*"
    r"(seconds?|secs?|segundos?|secondes?|sekunden|secondi|minutes?|mins?|minutos?|minuten|minuti)\b"
)
_CLOCK_RE = re.compile(r"\b(\d{1,2}):([0-5]\d)\s*(?:min|minutes|long|duration|length)")
_NUMBER_WORDS = {"one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "half a": 0.5, "a": 1.0}


def _find_bpm(text: str) -> float | None:
    for pattern in _BPM_RES:
        for match in pattern.finditer(text):
            bpm = float(match.group(1).replace(",", "."))
            if 20.0 <= bpm <= 400.0:
                return min(max(bpm, MIN_BPM), MAX_BPM)
    return None


def _find_metre(text: str) -> tuple[int, int] | None:
    for match in _METRE_RE.finditer(text):
        numerator, denominator = int(match.group(1)), int(match.group(2))
        if 2 <= numerator <= 15:
            return numerator, denominator
    return None


def _find_duration(text: str) -> float | None:
    match = _DURATION_RE.search(text)
    if match is not None:
        amount = match.group(1)
        value = _NUMBER_WORDS.get(amount) or float(amount.replace(",", "."))
        seconds = value * (60.0 if match.group(2).startswith("min") else 1.0)
        return min(max(seconds, MIN_DURATION), MAX_DURATION)
    clock = _CLOCK_RE.search(text)
    if clock is not None:
        return min(max(int(clock.group(1)) * 60.0 + int(clock.group(2)), MIN_DURATION), MAX_DURATION)
    return None


# --- words --------------------------------------------------------------------------------------------------------
def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\ufe0f", "")


def _fold(text: str) -> str:
    return _strip_accents(text).lower()


_TOKEN_RE = re.compile(r"[\w&#']+|[^\w\s]")
_CLAUSE_END = frozenset(",.;:!?()[]{}—–|\"«»“”…")
_MAX_PHRASE = 4
#: CJK and emoji entries, folded the way prompts are (folding splits kana such as "ピ" into base and mark).
_NON_ASCII_PHRASES: dict[str, Sense] = {}
_NEGATION_REACH = 4  # words a negator reaches past before it lapses


_NON_ASCII_PHRASES.update((_fold(p), sense) for p, sense in LEXICON.items() if not p.isascii())


@dataclass
class _Reading:
    positive: list[Sense] = field(default_factory=list)
    negative: list[Sense] = field(default_factory=list)
    negated_words: set[str] = field(default_factory=set)


def _lookup(tokens: list[str], i: int) -> tuple[str, int] | None:
    for n in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
        words = tokens[i : i + n]
        phrase = " ".join(words)
        if phrase in LEXICON:
            return phrase, n
        last = words[-1]
        for suffix in ("es", "s"):
            if len(last) > len(suffix) + 2 and last.endswith(suffix):
                stem = " ".join(words[:-1] + [last[: -len(suffix)]])
                if stem in LEXICON:
                    return stem, n
    return None


def _read(text: str, reading: _Reading, negate_all: bool) -> None:
    folded = _fold(text).replace("-", " ").replace("_", " ").replace("/", " ")
    for phrase, sense in _NON_ASCII_PHRASES.items():  # CJK and emoji carry no word boundaries
        if phrase in folded:
            (reading.negative if negate_all else reading.positive).append(sense)
    tokens = _TOKEN_RE.findall(folded)
    negating, took_object, reach = negate_all, False, 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in _CLAUSE_END:
            negating, took_object = negate_all, False
            i += 1
            continue
        found = _lookup(tokens, i)
        if found is not None and token not in NEGATORS:
            phrase, n = found
            if negating:
                reading.negative.append(LEXICON[phrase])
                reading.negated_words.add(phrase)
            else:
                reading.positive.append(LEXICON[phrase])
            took_object, reach = True, 0
            i += n
            continue
        if not negate_all:
            if token in NEGATORS:
                negating, took_object, reach = True, False, 0
            elif token in SCOPE_BREAKERS or (took_object and token in SOFT_BREAKERS):
                negating = False
            elif negating:
                reach += 1
                if reach > _NEGATION_REACH:
                    negating = False
        i += 1


def _stable_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8", "replace"))


# --- the brief ----------------------------------------------------------------------------------------------------
_FALLBACK_BY_MOOD = {
    # (sad?, calm?) -> styles to fall back on, picked by the text's hash
    (True, True): ("ballad", "ambient", "romantic_piano", "lofi"),
    (True, False): ("orchestral", "synthwave", "trap", "rock"),
    (False, True): ("ambient", "lofi", "bossa", "folk", "romantic_piano"),
    (False, False): ("pop", "house", "funk", "rock", "orchestral", "indie", "synthwave", "jazz"),
}
_KEYS_BY_MODE = {"major": (0, 7, 2, 9, 4, 5, 10, 3), "minor": (9, 4, 2, 7, 0, 5, 11, 6)}


def interpret(prompt: str, negative_prompt: str = "", overrides: Mapping[str, Any] | None = None) -> Brief:
    """Read ``prompt`` and ``negative_prompt`` into a :class:`Brief`; ``overrides`` (``bpm``, ``key``,
    ``duration``, ``loop``) are validated API parameters and win over the text. Never raises on any text."""
    prompt = (prompt if isinstance(prompt, str) else "")[:MAX_PROMPT_CHARS]
    negative_prompt = (negative_prompt if isinstance(negative_prompt, str) else "")[:MAX_PROMPT_CHARS]
    overrides = overrides or {}
    folded = _fold(prompt)
    variation = _stable_hash(prompt.strip().lower())

    reading = _Reading()
    _read(prompt, reading, negate_all=False)
    _read(negative_prompt, reading, negate_all=True)
    positive, negative = reading.positive, reading.negative
    hints = {h for s in positive for h in s.hints}
    explicit: set[str] = set()

    # styles
    banned = {name for s in negative for name, _ in s.styles}
    scores: dict[str, float] = {}
    for sense in positive:
        for name, weight in sense.styles:
            if name not in banned:
                scores[name] = scores.get(name, 0.0) + weight

    # mood: the words' average, pulled away from negated moods, blended with the style's own
    valences = [s.valence for s in positive if s.valence is not None]
    energies = [s.energy for s in positive if s.energy is not None]
    anti_valence = [s.valence for s in negative if s.valence is not None]
    anti_energy = [s.energy for s in negative if s.energy is not None]
    word_valence = sum(valences) / len(valences) if valences else None
    word_energy = sum(energies) / len(energies) if energies else None

    if scores:
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        style = ranked[0][0]
    else:
        sad = (word_valence if word_valence is not None else 0.0) < -0.2
        calm = (word_energy if word_energy is not None else 0.5) < 0.45
        pool = [s for s in _FALLBACK_BY_MOOD[(sad, calm)] if s not in banned] or [DEFAULT_STYLE]
        style = pool[variation % len(pool)]
        ranked = [(style, 1.0)]
    total = sum(weight for _, weight in ranked)
    style_weights = tuple((name, weight / total) for name, weight in ranked[:6])
    spec = STYLES[style]

    valence = spec.valence if word_valence is None else 0.75 * word_valence + 0.25 * spec.valence
    energy = spec.energy if word_energy is None else 0.7 * word_energy + 0.3 * spec.energy
    if anti_valence:
        valence -= 0.5 * sum(anti_valence) / len(anti_valence)
    if anti_energy:
        energy -= 0.4 * (sum(anti_energy) / len(anti_energy) - 0.5)
    valence = min(max(valence, -1.0), 1.0)
    energy = min(max(energy, 0.0), 1.0)

    # metre
    metre = _find_metre(prompt)
    if metre is not None:
        explicit.add("metre")
    else:
        metre = next((s.metre for s in positive if s.metre is not None), spec.metre)
    compound = metre[1] == 8 and metre[0] % 3 == 0

    # tempo: stated numbers, then an Italian mark, then the style's range nudged by mood and tempo words
    bpm = overrides.get("bpm")
    if bpm is None:
        bpm = _find_bpm(folded)
    if bpm is not None:
        explicit.add("bpm")
        bpm = float(bpm) * (1.5 if compound else 1.0)  # a stated 6/8 tempo counts dotted quarters
    else:
        marked = next((s.bpm for s in positive if s.bpm is not None), None)
        if marked is not None:
            bpm = marked
            explicit.add("tempo")
        else:
            nudge = sum(s.tempo for s in positive if s.tempo is not None)
            position = 0.5 + 0.6 * (energy - spec.energy) + nudge + ((variation >> 8) % 21 - 10) / 100.0
            position = min(max(position, 0.0), 1.0)
            low, high = spec.tempo
            bpm = float(round(low + (high - low) * position))
    bpm = min(max(float(bpm), MIN_BPM), MAX_BPM)

    # key: stated, then the style's mode (or the mood's), tonic by the text's hash
    tonic: int | None = None
    mode: str | None = None
    stated = parse_key(str(overrides["key"])) if overrides.get("key") else None
    if stated is not None:
        tonic, mode = stated
        explicit.update({"key", "mode"})
    else:
        found = _find_key(prompt)
        if found is not None:
            tonic, mode = found
            explicit.add("key")
            if mode is not None:
                explicit.add("mode")
    if mode is None:
        if spec.mode != "either" and (word_valence is None or abs(word_valence) < 0.5):
            mode = spec.mode  # the style's usual mode unless the words are clearly happy or sad
        else:
            mode = "major" if valence >= 0.0 else "minor"
    if tonic is None:
        choices = _KEYS_BY_MODE["minor" if mode in ("minor", "dorian", "phrygian", "locrian") else "major"]
        tonic = choices[(variation >> 4) % len(choices)]

    # instruments
    avoid: set[str] = {inst for s in negative for inst in s.instruments}
    wanted: list[str] = []
    in_style = {inst for options in spec.ensemble.values() for inst in options}
    for sense in positive:
        options = [inst for inst in sense.instruments if inst not in avoid]
        if options:  # a general word ("bass", "synth") takes the style's own kind when it has one
            inst = next((i for i in options if i in in_style), options[0]) if len(options) > 1 else options[0]
            if inst not in wanted:
                wanted.append(inst)
    drum_votes = [s.drums for s in positive if s.drums is not None]
    drums_negated = any(s.drums for s in negative)
    if drums_negated:
        avoid.update(i.id for i in INSTRUMENTS.values() if i.percussive)
    if drums_negated or False in drum_votes:
        drums = False
    elif True in drum_votes:
        drums = True
    else:
        drums = spec.drums is not None
    bass = not any("electric_bass" in s.instruments and len(s.instruments) > 5 for s in negative)

    production = {p for s in positive for p in s.production} | set(spec.production)
    production -= {p for s in negative for p in s.production}

    duration = overrides.get("duration")
    if duration is None:
        duration = _find_duration(folded)
        if duration is not None:
            explicit.add("duration")
    else:
        explicit.add("duration")
    duration = min(max(float(duration if duration is not None else 30.0), 1.0), 600.0)

    loop = bool(overrides["loop"]) if overrides.get("loop") is not None else "loop" in hints
    swing = 0.64 if "swing" in hints else 0.5 if "straight" in hints else None

    return Brief(
        style=style,
        bpm=bpm,
        tonic=tonic,
        mode=mode,
        metre=metre,
        style_weights=style_weights,
        valence=valence,
        energy=energy,
        instruments=tuple(wanted),
        avoid=frozenset(avoid),
        production=frozenset(production),
        duration=duration,
        loop=loop,
        drums=drums,
        bass=bass,
        swing=swing,
        hints=frozenset(hints - {"swing", "straight", "loop"}),
        variation=variation,
        explicit=frozenset(explicit),
        settled=False,
    )
