"""How well the composer keeps the public prompt set's promises (printed figures, not a test).

    .venv/bin/python bench/quality.py [PROMPTS.jsonl] [--only ID ...] [--seeds 10] [--variety-prompt ID]

Runs every prompt of ``../shared/eval/prompts.jsonl`` (relative to the repository; or the file given) through the
composer engine, analyses each track as ``shared/eval/README.md`` says (see ``bench/analysis.py``) and prints the
per-prompt checks, the mean score and each category's pass rate against issue 3's targets. From the scores it
prints the share of melody notes in key; and it renders ten seeds of one prompt and prints their pairwise chroma
distance, so variety is visible.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analysis import KEY_NAMES, analyse, check, chroma_sequence  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PROMPTS = REPO / ".." / "shared" / "eval" / "prompts.jsonl"
#: Issue 3's targets: the mean score, and the pass rate per category.
TARGETS = {"mean": 0.95, "tempo": 0.95, "key": 0.90, "drums": 0.90, "loudness": 1.0, "true_peak": 1.0,
           "no_clipping": 1.0, "gap": 1.0}
#: Pairs closer than this share key and chords (a relative key or a different progression already gives ~0.13).
VARIETY_CLOSE = 0.1
_TONAL_EXCEPTIONS = {"ambient", "drone", "techno", "trap", "chiptune"}


def _request(item: dict, seed: int | None = None):
    from orchestrion.engines.base import GenerationRequest

    return GenerationRequest(prompt=item["prompt"], negative_prompt=item.get("negative_prompt", ""),
                             seed=item.get("seed", 1) if seed is None else seed, duration=30.0,
                             params={"stems": False})


def _melody_in_key(item: dict) -> tuple[float | None, str]:
    """Share of melody-role notes whose pitch class is in the score's scale, and the score's style."""
    from orchestrion.engines.composer.compose import compose
    from orchestrion.engines.composer.interpret import interpret
    from orchestrion.engines.composer.theory import MODES

    brief = interpret(item["prompt"], item.get("negative_prompt", ""), {"duration": 30.0})
    score = compose(brief, item.get("seed", 1))
    scale = {(score.key_tonic + s) % 12 for s in MODES.get(score.key_mode, MODES["major"])}
    pitches = [n.pitch for t in score.tracks if t.role == "melody" for n in t.notes]
    return (sum(p % 12 in scale for p in pitches) / len(pitches) if pitches else None), brief.style


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prompts", nargs="?", default=str(DEFAULT_PROMPTS))
    parser.add_argument("--only", nargs="*", help="run only these prompt ids")
    parser.add_argument("--seeds", type=int, default=10, help="seeds for the variety measure (0 to skip)")
    parser.add_argument("--variety-prompt", default="lofi-study")
    args = parser.parse_args()

    from orchestrion.engines.composer import ComposerEngine

    items = [json.loads(line) for line in Path(args.prompts).read_text().splitlines() if line.strip()]
    if args.only:
        items = [i for i in items if i["id"] in args.only]
    engine = ComposerEngine({"stems": False})
    engine.load()

    scores: list[float] = []
    category: dict[str, list[bool]] = {}
    in_key: list[tuple[str, float]] = []
    started = time.perf_counter()
    for item in items:
        [result] = engine.generate([_request(item)], lambda i, f: None)
        if isinstance(result, BaseException):
            print(f"{item['id']:<24} ERROR {result}")
            scores.append(0.0)
            continue
        analysis = analyse(result.audio, result.sample_rate)
        checks = check(analysis, item["expect"])
        score = sum(checks.values()) / len(checks)
        scores.append(score)
        for name, ok in checks.items():
            category.setdefault(name, []).append(ok)
        share, style = _melody_in_key(item)
        if share is not None and style not in _TONAL_EXCEPTIONS:
            in_key.append((item["id"], share))
        failed = [name for name, ok in checks.items() if not ok]
        expect = item["expect"]
        stated = []
        if "bpm" in expect or "bpm_range" in expect:
            stated.append(f"bpm {expect.get('bpm', expect.get('bpm_range'))}")
        if "key" in expect:
            stated.append(f"key {expect['key']} {expect.get('mode', '')}")
        print(f"{item['id']:<24} score {score:4.2f}  {result.info['style']:<14} "
              f"tempo {analysis.tempo:6.1f} (score {result.info['bpm']:g})  "
              f"key {KEY_NAMES[analysis.key[0]]} {analysis.key[1]:<5} (score {result.info['key']})  "
              f"perc {analysis.percussive_share:.3f}  {analysis.lufs:6.2f} LUFS  {analysis.true_peak_db:5.2f} dBTP  "
              f"gap {analysis.max_gap_s:.2f}s  contrast {analysis.contrast_db:4.1f} dB  "
              f"melody in key {'-' if share is None else f'{share:.2f}'}"
              + (f"  FAILED {', '.join(failed)} [{'; '.join(stated)}]" if failed else ""))
    elapsed = time.perf_counter() - started

    mean = statistics.mean(scores) if scores else 0.0
    print()
    print(f"{len(items)} prompts in {elapsed:.0f} s; mean score {mean:.3f} (target >= {TARGETS['mean']})")
    for name, results in sorted(category.items()):
        rate = sum(results) / len(results)
        target = TARGETS.get(name)
        verdict = "" if target is None else ("  ok" if rate >= target else f"  BELOW target {target:.0%}")
        print(f"  {name:<12} {rate:6.1%} of {len(results):2d}{verdict}")
    if in_key:
        shares = [s for _, s in in_key]
        low = [f"{i} {s:.2f}" for i, s in in_key if s < 0.95]
        print(f"melody notes in key (tonal styles): mean {statistics.mean(shares):.3f}, min {min(shares):.3f}"
              + (f"; under 0.95: {', '.join(low)}" if low else ""))

    if args.seeds > 1:
        [item] = [i for i in items if i["id"] == args.variety_prompt] or items[:1]
        chromas, keys = [], []
        for seed in range(1, args.seeds + 1):
            [result] = engine.generate([_request(item, seed)], lambda i, f: None)
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
    engine.close()


if __name__ == "__main__":
    main()
