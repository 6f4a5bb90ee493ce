"""Sheet music over a prompt set: every lead sheet and full score must read back in music21 and engrave in Verovio.

    .venv/bin/python bench/sheet_music.py [--prompts /work/shared/eval/prompts.jsonl] [--limit N]

For each prompt it composes the score (no audio), writes both MusicXML files, parses each with music21, engraves
each with Verovio, and prints a summary: files parsed and engraved (OK / failed), pages, and the time per score of
``musicxml()`` and ``engrave()`` (median, max). Exits 1 if any file failed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import traceback
import warnings
from pathlib import Path

DEFAULT_PROMPTS = Path("/work/shared/eval/prompts.jsonl")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=Path, default=DEFAULT_PROMPTS)
    parser.add_argument("--limit", type=int, default=0, help="only the first N prompts (0: all)")
    args = parser.parse_args(argv)

    import music21

    from orchestrion.engines.composer.compose import compose
    from orchestrion.engines.composer.interpret import interpret
    from orchestrion.engines.composer.notation import engrave, musicxml

    rows = [json.loads(line) for line in args.prompts.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.limit:
        rows = rows[: args.limit]
    counts = dict.fromkeys(("parsed_ok", "parsed_failed", "engraved_ok", "engraved_failed", "pages"), 0)
    xml_times: list[float] = []  # seconds per score: both files
    engrave_times: list[float] = []
    failures: list[str] = []
    for row in rows:
        name = row.get("id") or row["prompt"][:40]
        overrides = {"duration": float(row["duration"])} if row.get("duration") else {}
        score = compose(interpret(row["prompt"], "", overrides), seed=int(row.get("seed", 1)))
        xml_time = engrave_time = 0.0
        pages = {}
        for lead_sheet in (True, False):
            kind = "lead_sheet" if lead_sheet else "score"
            started = time.perf_counter()
            xml = musicxml(score, lead_sheet=lead_sheet)
            xml_time += time.perf_counter() - started
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    parsed = music21.converter.parse(xml, format="musicxml")
                if not parsed.parts:
                    raise ValueError("no parts")
                counts["parsed_ok"] += 1
            except Exception:
                counts["parsed_failed"] += 1
                failures.append(f"{name} {kind}: music21: {traceback.format_exc(limit=1).strip()}")
            started = time.perf_counter()
            try:
                svgs = engrave(xml)
                if not svgs or not all("<svg" in s for s in svgs):
                    raise ValueError("no SVG page")
                counts["engraved_ok"] += 1
                counts["pages"] += len(svgs)
                pages[kind] = len(svgs)
            except Exception:
                counts["engraved_failed"] += 1
                failures.append(f"{name} {kind}: verovio: {traceback.format_exc(limit=1).strip()}")
            engrave_time += time.perf_counter() - started
        xml_times.append(xml_time)
        engrave_times.append(engrave_time)
        print(f"{name:24} {score.time_signature[0]}/{score.time_signature[1]} {score.length_beats:5.0f} beats "
              f"{score.seconds_at(score.length_beats):5.1f} s  parts {sum(bool(t.notes) for t in score.tracks)}  "
              f"pages {pages.get('lead_sheet', '-')}+{pages.get('score', '-')}  musicxml {xml_time * 1000:6.1f} ms  "
              f"engrave {engrave_time * 1000:6.1f} ms", flush=True)

    print()
    print(f"prompts {len(rows)}; files parsed OK {counts['parsed_ok']} / failed {counts['parsed_failed']}; "
          f"engraved OK {counts['engraved_ok']} / failed {counts['engraved_failed']}; pages {counts['pages']}")
    if rows:
        for label, times in (("musicxml()", xml_times), ("engrave()", engrave_times)):
            print(f"{label:11} per score (lead sheet + full score): median {statistics.median(times) * 1000:.1f} ms, "
                  f"max {max(times) * 1000:.1f} ms")
    for failure in failures:
        print("FAILED", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
