"""A composed track's score as a file (``score.json``): what extend, repaint and remix read back.

The file holds the :class:`.score.Score` as rendered (after the performance layer), the :class:`.brief.Brief` it
was composed from, the seed, and the two gains the master applied (:class:`Mastering`), so that a later edit can
compose the same piece further and master its new bars exactly as the source's were. The format is versioned;
a file of another version is refused with a sentence saying so.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from .brief import Brief
from .score import Bend, ChordSpan, Control, KeyChange, Note, Score, Section, TempoChange, Track

__all__ = ["FORMAT_VERSION", "Mastering", "ScoreFileError", "StoredScore", "dump_score", "load_score"]

FORMAT_VERSION = 1


class ScoreFileError(ValueError):
    """A ``score.json`` that cannot be read (another version, or not one at all)."""


@dataclass(frozen=True)
class Mastering:
    """The gains the master applied: ``pre_db`` before the compressor, ``gain_db`` before the limiter."""

    pre_db: float
    gain_db: float


@dataclass
class StoredScore:
    score: Score
    brief: Brief
    seed: int
    mastering: Mastering | None
    sample_rate: int = 48_000


def _notes(notes: list[Note]) -> list[list[float]]:
    return [[n.start, n.duration, n.pitch, n.velocity] for n in notes]


def _track(track: Track) -> dict[str, Any]:
    out = {f.name: getattr(track, f.name) for f in dataclasses.fields(Track)
           if f.name not in ("notes", "controls", "bends")}
    out["notes"] = _notes(track.notes)
    out["controls"] = [[c.time, c.controller, c.value] for c in track.controls]
    out["bends"] = [[b.time, b.value] for b in track.bends]
    return out


def _brief(brief: Brief) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(Brief):
        value = getattr(brief, f.name)
        if isinstance(value, frozenset):
            value = sorted(value)
        elif isinstance(value, tuple):
            value = [list(v) if isinstance(v, tuple) else v for v in value]
        out[f.name] = value
    return out


def dump_score(stored: StoredScore) -> bytes:
    score = stored.score
    body = {
        "format": "orchestrion-score",
        "version": FORMAT_VERSION,
        "seed": stored.seed,
        "sample_rate": stored.sample_rate,
        "mastering": dataclasses.asdict(stored.mastering) if stored.mastering else None,
        "brief": _brief(stored.brief),
        "score": {
            "tempo": [[t.beat, t.bpm] for t in score.tempo],
            "time_signature": list(score.time_signature),
            "key_tonic": score.key_tonic,
            "key_mode": score.key_mode,
            "tracks": [_track(t) for t in score.tracks],
            "sections": [[s.name, s.start, s.length, s.energy] for s in score.sections],
            "length_beats": score.length_beats,
            "tail_seconds": score.tail_seconds,
            "production": sorted(score.production),
            "loop": score.loop,
            "chords": [[c.start, c.length, c.root, c.bass, list(c.pitch_classes), c.symbol, c.numeral]
                       for c in score.chords],
            "keys": [[k.beat, k.tonic, k.mode] for k in score.keys],
            "style": score.style,
            "energy": score.energy,
            "fade_out": score.fade_out,
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


_BRIEF_TUPLES = {"metre": tuple, "style_weights": lambda v: tuple(tuple(x) for x in v),
                 "instruments": tuple, "featured": tuple, "chords": tuple,
                 "ensemble": lambda v: tuple(tuple(x) for x in v)}
_BRIEF_SETS = ("avoid", "production", "hints", "explicit")


def _read_brief(raw: dict[str, Any]) -> Brief:
    known = {f.name for f in dataclasses.fields(Brief)}
    fields = {}
    for name, value in raw.items():
        if name not in known:
            continue
        if name in _BRIEF_TUPLES:
            value = _BRIEF_TUPLES[name](value)
        elif name in _BRIEF_SETS:
            value = frozenset(value)
        fields[name] = value
    return Brief(**fields)


def _read_track(raw: dict[str, Any]) -> Track:
    fields = {k: v for k, v in raw.items() if k not in ("notes", "controls", "bends")}
    track = Track(**fields)
    track.notes = [Note(float(s), float(d), int(p), int(v)) for s, d, p, v in raw["notes"]]
    track.controls = [Control(float(t), int(c), int(v)) for t, c, v in raw["controls"]]
    track.bends = [Bend(float(t), int(v)) for t, v in raw["bends"]]
    return track


def load_score(data: bytes) -> StoredScore:
    """Read a ``score.json``; raises :class:`ScoreFileError` for anything else."""
    try:
        body = json.loads(data)
        if not isinstance(body, dict) or body.get("format") != "orchestrion-score":
            raise ScoreFileError("not a composer score file")
        if body.get("version") != FORMAT_VERSION:
            raise ScoreFileError(f"a score file of version {body.get('version')!r}; this server reads version "
                                 f"{FORMAT_VERSION}")
        raw = body["score"]
        score = Score(
            tempo=[TempoChange(float(b), float(bpm)) for b, bpm in raw["tempo"]],
            time_signature=(int(raw["time_signature"][0]), int(raw["time_signature"][1])),
            key_tonic=int(raw["key_tonic"]),
            key_mode=str(raw["key_mode"]),
            tracks=[_read_track(t) for t in raw["tracks"]],
            sections=[Section(str(n), float(s), float(length), float(e)) for n, s, length, e in raw["sections"]],
            length_beats=float(raw["length_beats"]),
            tail_seconds=float(raw["tail_seconds"]),
            production=frozenset(raw["production"]),
            loop=bool(raw["loop"]),
            chords=[ChordSpan(float(s), float(length), int(r), int(b), tuple(pcs), str(sym), str(num))
                    for s, length, r, b, pcs, sym, num in raw["chords"]],
            keys=[KeyChange(float(b), int(t), str(m)) for b, t, m in raw["keys"]],
            style=str(raw["style"]),
            energy=float(raw["energy"]),
            fade_out=bool(raw["fade_out"]),
        )
        mastering = body.get("mastering")
        return StoredScore(score=score, brief=_read_brief(body["brief"]), seed=int(body["seed"]),
                           mastering=Mastering(**mastering) if mastering else None,
                           sample_rate=int(body.get("sample_rate", 48_000)))
    except ScoreFileError:
        raise
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise ScoreFileError(f"the score file cannot be read ({type(exc).__name__})") from None
