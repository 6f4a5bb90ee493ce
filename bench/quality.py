"""How well the composer keeps the prompt set's promises, and its craft, per style (printed figures, not a test).

    .venv/bin/python bench/quality.py [PROMPTS.jsonl] [--only ID ...] [--styles STYLE ...] [--no-audio]
                                      [--seeds 10] [--variety-prompt ID]

Runs every prompt of ``bench/prompts.jsonl`` (else ``../shared/eval/prompts.jsonl``, or the file given) through the
composer engine with stems, analyses each track once as ``shared/eval/README.md`` says (``bench/analysis.py``) and
measures its MIDI, info and stems (``bench/craft.py``). Prints, per prompt, the checks (mono included) and the craft
figures; per style, the craft figures against their targets; then the set's totals: the mean score, each hard
check's pass rate (loudness, true peak, clipping, gap, mono), tempo, key and drums, every craft target across the
set, the share of melody notes in key, the routing table's hit rate (``tests/unit/composer/data/routing.tsv``),
whether named instruments play and negated ones stay silent (the set's prompts and :data:`NAMING_PROMPTS`), and
the chroma distance between seeds of one prompt.

``--no-audio`` composes without rendering: the MIDI and score measures only, in seconds. Then the info is built
from the score as the engine reports it, plus the score's chord spans. ``--only`` and ``--styles`` narrow the set
(a prompt's ``style`` field, else the style it routes to) and skip the routing and naming figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import itertools
import json
import statistics
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import craft  # noqa: E402
from analysis import ENDING_DECAY_DB, KEY_NAMES, analyse, check, chroma_sequence  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
_OWN_PROMPTS = REPO / "bench" / "prompts.jsonl"
DEFAULT_PROMPTS = _OWN_PROMPTS if _OWN_PROMPTS.exists() else REPO / ".." / "shared" / "eval" / "prompts.jsonl"
ROUTING = REPO / "tests" / "unit" / "composer" / "data" / "routing.tsv"
#: Pairs closer than this share key and chords (a relative key or a different progression already gives ~0.13).
VARIETY_CLOSE = 0.1
_DURATION = 30.0
#: Issue targets: the mean score and each prompt check's pass rate; the hard checks must always hold.
TARGETS = {"mean": 0.95, "tempo": 0.95, "key": 0.90, "drums": 0.90, "loudness": 1.0, "true_peak": 1.0,
           "no_clipping": 1.0, "gap": 1.0, "stereo_corr": 1.0, "mono_loss": 1.0, "routing": 0.98, "named": 0.98,
           "avoided": 1.0}
HARD = ("loudness", "true_peak", "no_clipping", "gap", "stereo_corr", "mono_loss")
_TONAL_EXCEPTIONS = {"ambient", "drone", "techno", "trap", "chiptune"}
#: Prompts that name (or negate) instruments, beside the set's own: does every named one play?
NAMING_PROMPTS = (
    "a duet for shakuhachi and koto",
    "jazz with vibraphone and muted trumpet",
    "folk with banjo, mandolin and fiddle",
    "orchestral piece with harp, celesta, clarinet, bassoon and timpani",
    "a calm piece with no keyboards",
    "ambient without synths",
    "solo cello lament",
    "bossa nova with nylon guitar and flute",
    "rock song with distorted guitar, bass and drums, no keyboards",
    "lullaby on music box and harp",
    "tango with bandoneon, violin and piano",
    "reggae with organ and trumpet",
    "a string quartet for two violins, viola and cello",
    "sea shanty with accordion and fiddle",
    "celtic air on tin whistle and bagpipes",
    "smooth jazz with alto sax and fretless bass",
    "baroque piece for harpsichord and recorder",
    "indian fusion with sitar and tabla",
    "playful tune on marimba and xylophone",
    "calypso with steel drums",
    "brass band march with tuba, trombones and snare drum",
    "church hymn on pipe organ with choir",
    "kalimba lullaby",
    "salsa with piano, congas, timbales and trumpets",
    "flamenco guitar with palmas and cajon",
    "spaghetti western with whistling, trumpet and twangy guitar",
    "synthwave with saw lead, arpeggiated synth and gated drums",
    "trap beat with 808 bass and hi-hat rolls, no piano",
    "folk song with acoustic guitar and harmonica",
    "klezmer dance for clarinet and accordion",
    "pastoral for oboe and english horn",
    "epic trailer with choir, taiko drums and brass",
    "lofi beat with rhodes and vinyl crackle, no drums",
    "a duet for piano and cello",
    "funk with slap bass, clavinet and horns",
    "big band swing with tenor sax, trombone and trumpets",
    "ocarina melody over pan flute",
    "christmas music on glockenspiel and celesta",
    "country song with pedal steel, banjo and fiddle, no drums",
    "meditation music with singing bowls and flute, without percussion",
    "orchestral music without brass",
    "pop song without guitars",
    "soul ballad with hammond organ, electric piano and tenor saxophone",
    "chiptune with square lead and no bass",
)


@dataclasses.dataclass
class Run:
    """One prompt's result, measured."""

    item: dict
    style: str = ""  #: the style the engine played
    info: dict = dataclasses.field(default_factory=dict)
    analysis: Any = None
    checks: dict = dataclasses.field(default_factory=dict)
    figures: dict = dataclasses.field(default_factory=dict)
    passes: dict = dataclasses.field(default_factory=dict)
    in_key: float | None = None
    error: str = ""  #: the engine failed: the prompt scores 0
    craft_error: str = ""  #: the craft measures failed on this result: its figures are missing

    @property
    def group(self) -> str:
        return self.item.get("style") or self.style or "?"

    @property
    def score(self) -> float | None:
        if self.error:
            return 0.0
        return sum(self.checks.values()) / len(self.checks) if self.checks else None


def _request(item: dict, seed: int | None = None, stems: bool = True):
    from orchestrion.engines.base import GenerationRequest

    return GenerationRequest(prompt=item["prompt"], negative_prompt=item.get("negative_prompt", ""),
                             seed=item.get("seed", 1) if seed is None else seed, duration=_DURATION,
                             params={"stems": stems})


def _style(name: str) -> Any:
    from orchestrion.engines.composer.styles import STYLES

    return STYLES.get(name)


def _catalogue() -> dict:
    from orchestrion.engines.composer import instruments

    return {**getattr(instruments, "PERCUSSION", {}), **instruments.INSTRUMENTS}


def compose_only(item: dict) -> tuple[dict, bytes]:
    """(info, MIDI bytes) as the engine would return them for ``item``, without rendering: the request's overrides
    read as the engine reads them, the brief settled by the seed, the score composed, its tracks and sections
    reported as the engine's info does, plus the score's chord spans."""
    from orchestrion.engines.composer import ComposerEngine
    from orchestrion.engines.composer.compose import compose
    from orchestrion.engines.composer.interpret import interpret
    from orchestrion.engines.composer.midi import score_to_midi
    from orchestrion.engines.composer.theory import pitch_class_name
    from orchestrion.engines.composer.variation import settle

    request = _request(item)
    engine = ComposerEngine({"stems": False})  # cheap: nothing is loaded
    brief = interpret(request.prompt, request.negative_prompt, engine._overrides(request))
    duration = min(max(brief.duration, engine.min_duration), engine.max_duration)
    brief = settle(dataclasses.replace(brief, duration=duration), request.seed)
    seed = request.seed
    score = compose(brief, seed)
    info = {
        "brief": brief.to_dict(), "style": brief.style, "bpm": round(score.bpm_at(0.0), 2),
        "key": f"{pitch_class_name(score.key_tonic)} {score.key_mode}",
        "metre": f"{score.time_signature[0]}/{score.time_signature[1]}", "seed": seed,
        "duration": round(getattr(score, "duration_seconds", score.seconds_at(score.length_beats)), 3),
        "tracks": [{"name": t.name, "role": t.role, "program": t.program, "drums": t.is_drums,
                    "instrument": getattr(t, "instrument", ""), "named": getattr(t, "named", None),
                    "featured": getattr(t, "featured", None)} for t in score.tracks],
        "sections": [{"name": s.name, "start": s.start, "length": s.length} for s in score.sections],
        "chords": [{"start": c.start, "length": c.length, "root": c.root, "symbol": c.symbol}
                   for c in getattr(score, "chords", [])],
    }
    return info, score_to_midi(score)


def _with_score_chords(item: dict, info: dict, midi_bytes: bytes) -> dict:
    """``info`` with the score's chord spans when the engine does not list them: composing the prompt again is
    deterministic, and when its MIDI is byte for byte the engine's, so are its chords."""
    try:
        composed, midi = compose_only(item)
    except Exception:  # the plan's approximation stays
        return info
    return {**info, "chords": composed["chords"]} if midi == midi_bytes and composed["chords"] else info


def _melody_in_key(piece: craft.Piece, key: str) -> float | None:
    """Share of melody-role notes whose pitch class is in the reported key's scale."""
    from orchestrion.engines.composer.theory import MODES

    tonic_name, _, mode = (key or "").partition(" ")
    tonic = craft.parse_root(tonic_name)
    pitches = [n.pitch for p in piece.by_role("melody") for n in p.notes]
    if tonic is None or not pitches:
        return None
    scale = {(tonic + s) % 12 for s in MODES.get(mode.strip(), MODES["major"])}
    return sum(p % 12 in scale for p in pitches) / len(pitches)


def _ending_expected(item: dict, info: dict) -> bool:
    """A looped piece has no ending, and one the prompt asks to fade is meant to fade."""
    brief = info.get("brief") or {}
    return not brief.get("loop") and "fade" not in item.get("prompt", "").lower()


def run_prompt(engine: Any, item: dict, audio: bool) -> Run:
    import mido

    run = Run(item)
    if audio:
        [result] = engine.generate([_request(item)], lambda i, f: None)
        if isinstance(result, BaseException):
            run.error = str(result)
            return run
        info, sr = result.info, result.sample_rate
        midi_bytes = next((x.data for x in result.extras if x.name == "score.mid"), None)
        stems = {x.name.split("/", 1)[1]: x.audio for x in result.extras
                 if x.name.startswith("stems/") and x.audio is not None}
        run.analysis = analyse(result.audio, sr)
        run.checks = check(run.analysis, item.get("expect", {}))
        mix = result.audio
        if "chords" not in info and midi_bytes is not None:
            info = _with_score_chords(item, info, midi_bytes)
    else:
        try:
            info, midi_bytes = compose_only(item)
        except Exception as exc:  # one broken prompt must not stop the bench
            run.error = f"{type(exc).__name__}: {exc}"
            return run
        stems, mix, sr = None, None, 48_000
    run.info, run.style = info, info.get("style", "")
    if midi_bytes is None:
        run.craft_error = "the result carries no score.mid"
        return run
    midi = mido.MidiFile(file=io.BytesIO(midi_bytes))
    try:
        run.figures, run.passes = craft.measure(info, midi, style=_style(run.style), stems=stems, audio=mix,
                                                sample_rate=sr, catalogue=_catalogue(),
                                                ending_expected=_ending_expected(item, info))
        run.in_key = _melody_in_key(craft.read_midi(midi, info.get("tracks") or []), info.get("key", ""))
    except Exception as exc:  # an info field of an unexpected shape: say so, and keep the audio checks
        run.craft_error = f"{type(exc).__name__}: {exc}"
    return run


def routing(path: Path = ROUTING) -> tuple[int, list[tuple[str, str, str]]] | None:
    """(phrases, misses as (phrase, expected, got)) of the routing table, or None when it does not exist."""
    from orchestrion.engines.composer.interpret import interpret

    if not path.exists():
        return None
    total, misses = 0, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#") or "\t" not in line:
            continue
        phrase, expected = (c.strip() for c in line.split("\t")[:2])
        if expected.lower() == "style" and phrase.lower() == "phrase":
            continue  # the header
        total += 1
        got = interpret(phrase).style
        if got != expected:
            misses.append((phrase, expected, got))
    return total, misses


def naming(runs: list[Run], extra: list[str]) -> list[tuple[str, craft.Instruments]]:
    """Named and negated instruments of the set's results and of ``extra`` prompts (composed, not rendered)."""
    import mido

    out = [(r.item["id"], r.figures["instruments"]) for r in runs if "instruments" in r.figures]
    for prompt in extra:
        info, midi = compose_only({"prompt": prompt})
        piece = craft.read_midi(mido.MidiFile(file=io.BytesIO(midi)), info["tracks"])
        out.append((prompt, craft.named_instruments(piece, info["brief"], _catalogue())))
    return out


def variety(engine: Any, item: dict, seeds: int) -> None:
    chromas, keys = [], []
    for seed in range(1, seeds + 1):
        [result] = engine.generate([_request(item, seed, stems=False)], lambda i, f: None)
        if not isinstance(result, BaseException):
            chromas.append(chroma_sequence(result.audio, result.sample_rate))
            keys.append(f"{seed}: {result.info['key']} {result.info['bpm']:g}")
    distances = []
    for a, b in itertools.combinations(chromas, 2):
        n = min(a.shape[1], b.shape[1])
        distances.append(float(np.mean(1.0 - np.sum(a[:, :n] * b[:, :n], axis=0))))
    if distances:
        close = sum(d < VARIETY_CLOSE for d in distances)
        print(f"variety, {len(chromas)} seeds of {item['id']!r}: pairwise chroma distance (1 - cosine, per "
              f"second) mean {statistics.mean(distances):.3f}, min {min(distances):.3f}, "
              f"max {max(distances):.3f}; {close} of {len(distances)} pairs under {VARIETY_CLOSE} "
              f"(the same key and chords)")
        print(f"  seeds (key, BPM): {'; '.join(keys)}")


# -- printing -----------------------------------------------------------------------------------------------------

def _mark(text: str, ok: bool | None) -> str:
    """A figure, with "!" where it misses its target."""
    return text + ("!" if ok is False else "")


def _pct(num: float, den: float) -> str:
    return f"{num / den:.0%}" if den else "n/a"


def _ending_word(ending: Any) -> str:
    """decays; late (the final onset too close to the end to judge); fade (a linear ramp); held (still within
    10 dB of its level when the last second begins); cut (the last second does not fall); no final onset."""
    if ending is None:
        return "n/a"
    shape, in_final_bar = ending
    if not in_final_bar:
        return "no final onset"
    if shape.decays:
        return "decays"
    if shape.decay_db is None:
        return "late"
    if shape.ramp:
        return "fade"
    return "held" if shape.decay_db < ENDING_DECAY_DB else "cut"


def _craft_cells(f: dict, ok: dict) -> list[str]:
    cells = []
    kb = f.get("kick_bass_ms")
    cells.append(_mark(f"kick-bass {kb[0]:.1f}/{kb[1]:.1f} ms" if kb else "kick-bass n/a", ok.get("kick_bass_ms")))
    curved, sustained = f.get("expression", (0, 0))
    cells.append(_mark(f"expr {curved}/{sustained}", ok.get("expression")))
    wanted, bending = f.get("bends", ([], []))
    cells.append(_mark(f"bends {len(bending)}" + (f" ({'+'.join(wanted)})" if wanted else ""), ok.get("bends")))
    c = f.get("clashes")
    cells.append(_mark(f"clash {c[0]}/{c[2]}" if c else "clash n/a", ok.get("clashes")))
    r = f.get("rhythms")
    cells.append(_mark(f"rhythms {r[0]}/{r[1]}" if r else "rhythms n/a", ok.get("rhythms")))
    cr = f.get("crashes_off")
    cells.append(_mark(f"crash off {cr[0]}/{cr[1]} {cr[2]:.1f}/min" if cr else "crash n/a", ok.get("crashes_off")))
    o = f.get("off_root")
    cells.append(_mark(f"off-root {o[0]}/{o[1]}{'' if o[2] else '~'}" if o else "off-root n/a", ok.get("off_root")))
    vj = f.get("velocity_jump")
    cells.append(_mark(f"vel-jump {vj:.1f}" if vj is not None else "vel-jump n/a", ok.get("velocity_jump")))
    peak, energy = f.get("calm_peak", (None, None))
    cells.append(_mark(f"peak {peak if peak is not None else 'n/a'} (energy {energy if energy is not None else '?'})",
                       ok.get("calm_peak")))
    inst = f.get("instruments")
    if inst is not None:
        cells.append(_mark(f"named play {len(inst.named) - len(inst.silent)}/{len(inst.named)}", not inst.silent)
                     + (f" silent {','.join(inst.silent)}" if inst.silent else ""))
        if inst.avoided:
            cells.append(_mark(f"negated silent {len(inst.avoided) - len(inst.playing_avoided)}/{len(inst.avoided)}",
                               not inst.playing_avoided))
    levels = f.get("named_level")
    if levels:
        cells.append("level " + ",".join(_mark(f"{k} {v:+.1f}", abs(v) <= 6.0) for k, v in levels.items()))
    if f.get("drop_db") is not None:
        cells.append(_mark(f"drop {f['drop_db']:+.1f} dB", ok.get("drop_db")))
    if f.get("ending") is not None:
        shape = f["ending"][0]
        detail = f" {shape.decay_db:.0f} dB" if shape.decay_db is not None else ""
        cells.append(_mark(f"ending {_ending_word(f['ending'])}{detail}", ok.get("ending")))
    peaks = f.get("stem_peak")
    if peaks:
        cells.append(_mark(f"stem peak {max(peaks.values()):.3f}", ok.get("stem_peak")))
    return cells


def print_prompt(run: Run) -> None:
    item = run.item
    if run.error:
        print(f"{item['id']:<24} ERROR {run.error}")
        return
    info = run.info
    routed = "" if not item.get("style") or item["style"] == run.style else f" (set says {item['style']})"
    key_share = "-" if run.in_key is None else f"{run.in_key:.2f}"
    if run.analysis is None:
        print(f"{item['id']:<24} {run.style:<14}{routed} bpm {info.get('bpm')} key {info.get('key')}  "
              f"melody in key {key_share}")
    else:
        a, expect = run.analysis, item.get("expect", {})
        failed = [name for name, ok in run.checks.items() if not ok]
        stated = []
        if "bpm" in expect or "bpm_range" in expect:
            stated.append(f"bpm {expect.get('bpm', expect.get('bpm_range'))}")
        if "key" in expect:
            stated.append(f"key {expect['key']} {expect.get('mode', '')}")
        print(f"{item['id']:<24} score {run.score or 0:4.2f}  {run.style:<14}{routed} "
              f"tempo {a.tempo:6.1f} (score {info.get('bpm', 0):g})  "
              f"key {KEY_NAMES[a.key[0]]} {a.key[1]:<5} (score {info.get('key')})  "
              f"perc {a.percussive_share:.3f}  {a.lufs:6.2f} LUFS  {a.true_peak_db:5.2f} dBTP  "
              f"gap {a.max_gap_s:.2f}s  contrast {a.contrast_db:4.1f} dB  "
              f"L/R corr {a.stereo_corr:+.2f}  mono loss {a.mono_loss_db:4.1f} dB  melody in key {key_share}"
              + (f"  FAILED {', '.join(failed)}" + (f" [{'; '.join(stated)}]" if stated else "") if failed else ""))
    instruments = item.get("instruments")
    if run.craft_error:
        print(f"    CRAFT MEASURES FAILED: {run.craft_error}")
        return
    print("    " + "  ".join(_craft_cells(run.figures, run.passes))
          + (f"  [set names: {', '.join(instruments)}]" if instruments else ""))


def _any_fail(runs: list[Run], key: str) -> bool | None:
    judged = [r.passes.get(key) for r in runs if r.passes.get(key) is not None]
    return None if not judged else all(judged)


def _style_cells(runs: list[Run]) -> list[str]:
    def figs(key: str) -> list:
        return [r.figures[key] for r in runs if r.figures.get(key) is not None]

    scores = [r.score for r in runs if r.score is not None and r.analysis is not None]
    mono = [r.checks.get("stereo_corr", True) and r.checks.get("mono_loss", True) for r in runs if r.checks]
    kb = figs("kick_bass_ms")
    expr = figs("expression")
    wanted = [r for r in runs if r.passes.get("bends") is not None]
    clashes = figs("clashes")
    rhythms = figs("rhythms")
    crashes = figs("crashes_off")
    roots = figs("off_root")
    jumps = figs("velocity_jump")
    peaks = [f[0] for f in figs("calm_peak") if f[0] is not None]
    levels = [v for f in figs("named_level") for v in f.values()]
    drops = figs("drop_db")
    endings = [r.passes["ending"] for r in runs if r.passes.get("ending") is not None]
    stems = [max(f.values()) for f in figs("stem_peak") if f]
    return [
        f"{len(runs):>2}",
        f"{statistics.mean(scores):.2f}" if scores else " -  ",
        _mark(f"{sum(mono)}/{len(mono)}", all(mono) if mono else None) if mono else "-",
        _mark(f"{statistics.mean(k[0] for k in kb):.1f}/{max(k[1] for k in kb):.0f}", _any_fail(runs, "kick_bass_ms"))
        if kb else "n/a",
        _mark(_pct(sum(e[0] for e in expr), sum(e[1] for e in expr)), _any_fail(runs, "expression"))
        if any(e[1] for e in expr) else "n/a",
        _mark(f"{sum(bool(r.passes['bends']) for r in wanted)}/{len(wanted)}", _any_fail(runs, "bends"))
        if wanted else "-",
        _mark(f"{sum(c[0] for c in clashes) / sum(c[2] for c in clashes):.1%}", _any_fail(runs, "clashes"))
        if clashes else "n/a",
        _mark(f"{statistics.mean(d / b for d, b in rhythms):.0%}", _any_fail(runs, "rhythms")) if rhythms else "n/a",
        _mark(f"{sum(c[0] for c in crashes)} {statistics.mean(c[2] for c in crashes):.1f}",
              _any_fail(runs, "crashes_off")) if crashes else "n/a",
        _mark(_pct(sum(o[0] for o in roots), sum(o[1] for o in roots)) + ("" if all(o[2] for o in roots) else "~"),
              _any_fail(runs, "off_root")) if roots else "n/a",
        _mark(f"{max(jumps):.1f}", _any_fail(runs, "velocity_jump")) if jumps else "n/a",
        _mark(f"{max(peaks)}", _any_fail(runs, "calm_peak")) if peaks else "n/a",
        _mark(f"{max(levels, key=abs):+.1f}", _any_fail(runs, "named_level")) if levels else "-",
        _mark(f"{min(drops):+.1f}", _any_fail(runs, "drop_db")) if drops else "-",
        _mark(f"{sum(endings)}/{len(endings)}", _any_fail(runs, "ending")) if endings else "-",
        _mark(f"{max(stems):.2f}", _any_fail(runs, "stem_peak")) if stems else "-",
    ]


_STYLE_HEADER = ("n", "score", "mono", "kick-bass", "expr", "bends", "clash", "rhythms", "crashes", "off-root",
                 "vel-jump", "vel-peak", "named-dB", "drop-dB", "endings", "stem-peak")
_WIDTHS = (2, 5, 5, 10, 5, 5, 6, 7, 8, 8, 8, 8, 8, 7, 7, 9)


def print_styles(runs: list[Run]) -> None:
    print("per style (a '!' marks a figure where some prompt of the style misses its target; n/a: nothing to judge)")
    print(textwrap.fill(
        "targets: mono = prompts whose L/R correlation and mono loss hold; kick-bass mean < 3 ms (mean/max ms); "
        "expr: sustained parts with CC1/CC11 curves >= 80 %; bends: prompts that bend / prompts whose style bends "
        "= all; clash: melody notes on a beat a m2 or m9 against another part < 3 %; rhythms: distinct bar "
        "rhythms / melody bars >= 40 %; crashes: count off section downbeats = 0, then crashes per minute; "
        "off-root: bars whose bass leaves the chord's root >= 15 % where the style inverts; vel-jump <= 12 between "
        f"adjacent bars of a part; vel-peak <= {craft.CALM_PEAK} when the brief's energy <= {craft.CALM_ENERGY}; "
        "named-dB: the named stem furthest from the lead, within 6 dB; drop-dB: the drop over its breakdown "
        ">= 6 dB; endings that decay; stem-peak < 0.999.", width=118, initial_indent="  ", subsequent_indent="    "))
    header = f"  {'style':<16}" + " ".join(f"{h:>{w}}" for h, w in zip(_STYLE_HEADER, _WIDTHS))
    print(header)
    print("  " + "-" * (len(header) - 2))
    groups: dict[str, list[Run]] = {}
    for run in runs:
        if not run.error:
            groups.setdefault(run.group, []).append(run)
    for style in sorted(groups):
        cells = _style_cells(groups[style])
        print(f"  {style:<16}" + " ".join(f"{c:>{w}}" for c, w in zip(cells, _WIDTHS)))


def _rate_line(name: str, results: list[bool], target: float | None) -> str:
    rate = sum(results) / len(results)
    verdict = "" if target is None else ("  ok" if rate >= target else f"  BELOW target {target:.0%}")
    return f"  {name:<14} {rate:6.1%} of {len(results):3d}{verdict}"


def _craft_total(runs: list[Run], key: str, label: str, pooled: str) -> str:
    judged = [r.passes[key] for r in runs if r.passes.get(key) is not None]
    failing = [r.item["id"] for r in runs if r.passes.get(key) is False]
    if not judged:
        return f"  {label:<44} n/a"
    line = f"  {label:<44} {sum(judged):3d}/{len(judged):<3d} prompts pass; {pooled}"
    if failing and len(failing) <= 8:
        line += f"; missing: {', '.join(failing)}"
    return line


def print_totals(runs: list[Run], routed: tuple | None, named: list, audio: bool, narrowed: bool) -> None:
    ok = [r for r in runs if not r.error]
    errors = [r.item["id"] for r in runs if r.error]
    if errors:
        print(f"errors: {', '.join(errors)}")
    craft_errors = [r.item["id"] for r in runs if r.craft_error]
    if craft_errors:
        print(f"craft measures failed (figures missing): {', '.join(craft_errors)}")
    if audio:
        scores = [r.score for r in runs if r.score is not None]
        mean = statistics.mean(scores) if scores else 0.0
        print(f"mean score {mean:.3f} (target >= {TARGETS['mean']})")
        category: dict[str, list[bool]] = {}
        for run in ok:
            for name, passed in run.checks.items():
                category.setdefault(name, []).append(passed)
        print("hard checks (target 100 %):")
        for name in HARD:
            if name in category:
                print(_rate_line(name, category[name], 1.0))
        print("prompt checks:")
        for name in sorted(set(category) - set(HARD)):
            print(_rate_line(name, category[name], TARGETS.get(name)))

    def figs(key: str) -> list:
        return [r.figures[key] for r in ok if r.figures.get(key) is not None]

    print("craft across the set (prompts passing / judged; pooled figure):")
    kb = figs("kick_bass_ms")
    print(_craft_total(ok, "kick_bass_ms", "kick-bass onset spread < 3 ms",
                       f"mean {statistics.mean(k[0] for k in kb):.1f} ms, max {max(k[1] for k in kb):.1f} ms"
                       if kb else "no shared beats"))
    expr = figs("expression")
    print(_craft_total(ok, "expression", "sustained parts with expression >= 80 %",
                       f"{sum(e[0] for e in expr)} of {sum(e[1] for e in expr)} parts "
                       f"({_pct(sum(e[0] for e in expr), sum(e[1] for e in expr))})"))
    bends = [r for r in ok if r.passes.get("bends") is not None]
    print(_craft_total(ok, "bends", "pitch bends where the style bends = 100 %",
                       f"{sum(bool(r.passes['bends']) for r in bends)} of {len(bends)} bending-style prompts bend"))
    clashes = figs("clashes")
    print(_craft_total(ok, "clashes", "on-beat m2/m9 clashes < 3 % of melody notes",
                       f"{sum(c[0] for c in clashes)} of {sum(c[2] for c in clashes)} melody notes "
                       f"({_pct(sum(c[0] for c in clashes), sum(c[2] for c in clashes))})"))
    rhythms = figs("rhythms")
    print(_craft_total(ok, "rhythms", "distinct bar rhythms >= 40 % of melody bars",
                       f"mean {statistics.mean(d / b for d, b in rhythms):.0%}" if rhythms else "no melody"))
    crashes = figs("crashes_off")
    print(_craft_total(ok, "crashes_off", "crashes only on section downbeats",
                       f"{sum(c[0] for c in crashes)} of {sum(c[1] for c in crashes)} crashes off; "
                       f"mean {statistics.mean(c[2] for c in crashes):.1f}/min" if crashes else "no sections"))
    roots = figs("off_root")
    print(_craft_total(ok, "off_root", "bass off the root >= 15 % (inverting styles)",
                       f"{_pct(sum(o[0] for o in roots), sum(o[1] for o in roots))} of bars off the root"
                       if roots else "no chords reported (info 'chords' or 'plan')"))
    jumps = figs("velocity_jump")
    print(_craft_total(ok, "velocity_jump", "velocity jump between adjacent bars <= 12",
                       f"median of prompts' largest {statistics.median(jumps):.0f}" if jumps else "no parts"))
    peaks = [(f[0], f[1]) for f in figs("calm_peak") if f[0] is not None and f[1] is not None]
    calm = [p for p, e in peaks if e <= craft.CALM_ENERGY]
    loud = [p for p, e in peaks if e >= 0.7]
    print(_craft_total(ok, "calm_peak", f"calm prompts peak <= {craft.CALM_PEAK}",
                       f"mean peak {statistics.mean(calm):.0f} calm vs {statistics.mean(loud):.0f} at energy >= 0.7"
                       if calm and loud else "few calm or loud prompts"))
    if audio:
        levels = [v for f in figs("named_level") for v in f.values()]
        print(_craft_total(ok, "named_level", "named stems within 6 dB of the lead",
                           f"{sum(abs(v) <= 6 for v in levels)} of {len(levels)} named stems"
                           if levels else "no named stems beside the lead"))
        drops = figs("drop_db")
        print(_craft_total(ok, "drop_db", "drop >= 6 dB over the breakdown",
                           f"min {min(drops):+.1f} dB" if drops else "no drop with a breakdown"))
        endings = [r.figures["ending"] for r in ok if r.passes.get("ending") is not None]
        words = [_ending_word(e) for e in endings]
        print(_craft_total(ok, "ending", "endings decay (not held, not a linear fade)",
                           ", ".join(f"{words.count(w)} {w}" for w in sorted(set(words))) or "none judged"))
        stems = [(name, peak) for f in figs("stem_peak") for name, peak in f.items()]
        print(_craft_total(ok, "stem_peak", "stems without clipping (peak < 0.999)",
                           f"{sum(p >= 0.999 for _, p in stems)} of {len(stems)} stems clip, "
                           f"max {max(p for _, p in stems):.3f}"
                           if stems else "no stems"))
    in_key = [(r.item["id"], r.in_key) for r in ok if r.in_key is not None and r.style not in _TONAL_EXCEPTIONS]
    if in_key:
        shares = [s for _, s in in_key]
        low = [f"{i} {s:.2f}" for i, s in in_key if s < 0.95]
        print(f"melody notes in key (tonal styles): mean {statistics.mean(shares):.3f}, min {min(shares):.3f}"
              + (f"; under 0.95: {', '.join(low)}" if low else ""))

    if routed is None:
        print("routing: " + ("skipped (the set was narrowed)" if narrowed else f"n/a ({ROUTING} not found)"))
    else:
        total, misses = routed
        rate = 1 - len(misses) / total if total else 0.0
        print(f"routing: {rate:.1%} of {total} phrases route to the expected style (target >= {TARGETS['routing']:.0%})"
              + (f"; {len(misses)} misses:" if misses else ""))
        for phrase, expected, got in misses:
            print(f"    {phrase[:70]!r:<74} -> {got} (expected {expected})")

    named_total = sum(len(i.named) for _, i in named)
    silent = [(who, i.silent) for who, i in named if i.silent]
    avoided_total = sum(len(i.avoided) for _, i in named)
    playing = [(who, i.playing_avoided) for who, i in named if i.playing_avoided]
    extra = "" if narrowed else f" and {len(NAMING_PROMPTS)} naming prompts"
    if named_total:
        share = 1 - sum(len(s) for _, s in silent) / named_total
        print(f"named instruments ({len(ok)} results{extra}): {share:.1%} of {named_total} play >= 8 notes "
              f"(target >= {TARGETS['named']:.0%})")
        for who, which in silent:
            print(f"    silent: {who[:60]!r}: {', '.join(which)}")
    if avoided_total:
        share = 1 - sum(len(p) for _, p in playing) / avoided_total
        print(f"negated instruments: {share:.1%} of {avoided_total} stay silent (target 100%)")
        for who, which in playing:
            print(f"    playing: {who[:60]!r}: {', '.join(which)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prompts", nargs="?", default=str(DEFAULT_PROMPTS))
    parser.add_argument("--only", nargs="*", help="run only these prompt ids")
    parser.add_argument("--styles", nargs="*", help="run only prompts of these styles")
    parser.add_argument("--no-audio", action="store_true", help="compose only: MIDI and score measures, fast")
    parser.add_argument("--seeds", type=int, default=10, help="seeds for the variety measure (0 to skip)")
    parser.add_argument("--variety-prompt", default="lofi-study")
    args = parser.parse_args()

    from orchestrion.engines.composer import ComposerEngine
    from orchestrion.engines.composer.interpret import interpret

    items = [json.loads(line) for line in Path(args.prompts).read_text().splitlines() if line.strip()]
    narrowed = bool(args.only or args.styles)
    if args.only:
        items = [i for i in items if i["id"] in args.only]
    if args.styles:
        items = [i for i in items
                 if (i.get("style") or interpret(i["prompt"], i.get("negative_prompt", "")).style) in args.styles]
    engine = None
    if not args.no_audio:
        engine = ComposerEngine({"stems": True})
        engine.load()

    runs: list[Run] = []
    started = time.perf_counter()
    for item in items:
        run = run_prompt(engine, item, audio=not args.no_audio)
        runs.append(run)
        print_prompt(run)
    elapsed = time.perf_counter() - started

    print()
    print_styles(runs)
    print()
    print(f"{len(items)} prompts in {elapsed:.0f} s ({'composed only' if args.no_audio else 'rendered with stems'})")
    routed = None if narrowed else routing()
    named = naming(runs, [] if narrowed else list(NAMING_PROMPTS))
    print_totals(runs, routed, named, audio=not args.no_audio, narrowed=narrowed)

    if engine is not None and args.seeds > 1 and items:
        [item] = [i for i in items if i["id"] == args.variety_prompt] or items[:1]
        variety(engine, item, args.seeds)
    if engine is not None:
        engine.close()


if __name__ == "__main__":
    main()
