"""What the composer's render costs, prompt by prompt: the released voices' ends against FluidSynth's whole
releases, side by side in one process (printed figures, not a test).

    .venv/bin/python bench/render.py [../shared/eval/prompts.jsonl] [--rounds 3]

Composes every prompt of the file (its seed), renders each once to warm up, then renders the whole set ``--rounds``
times each way, alternating: as the engine renders (a released voice ended 60 dB under where its release began)
and as FluidSynth alone would (every release to its end). For each way it prints the CPU seconds of the process,
those spent inside FluidSynth (``fluid_synth_process``, both render threads), the wall time, and the voice-seconds
FluidSynth rendered (its active voices counted block by block): minimum, median and maximum over the rounds, and the
median of each round's ratio (the two ways of one round ran back to back: this machine's speed drifts by ±15 %
over minutes, so the paired ratio is the figure to read).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestrion.engines.composer import render as render_module  # noqa: E402
from orchestrion.engines.composer.compose import compose  # noqa: E402
from orchestrion.engines.composer.interpret import interpret  # noqa: E402
from orchestrion.engines.composer.soundfont import SAMPLE_RATE, SoundFont, Synth  # noqa: E402

DEFAULT_PROMPTS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "prompts.jsonl"


class _Meter:
    """CPU seconds and voice-seconds inside FluidSynth, from every thread that renders."""

    def __init__(self) -> None:
        self.cpu = self.voice_seconds = 0.0
        self.lock = threading.Lock()
        process = Synth.process
        meter = self

        def measured(synth: Synth, frames: int, *args: int) -> None:
            voices = synth.active_voices
            started = time.thread_time()
            process(synth, frames, *args)
            spent = time.thread_time() - started
            with meter.lock:
                meter.cpu += spent
                meter.voice_seconds += voices * frames / SAMPLE_RATE

        Synth.process = measured  # type: ignore[method-assign]

    def reset(self) -> None:
        self.cpu = self.voice_seconds = 0.0


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _render_all(scores: list, soundfont: SoundFont, meter: _Meter, whole: bool) -> dict[str, float]:
    saved = render_module._Tails._WORTH_S
    render_module._Tails._WORTH_S = float("inf") if whole else saved  # no channel followed: every release whole
    try:
        meter.reset()
        cpu, wall = _process_cpu(), time.perf_counter()
        for score in scores:
            render_module.render(score, soundfont, stems=False)
        return {"wall": time.perf_counter() - wall, "cpu": _process_cpu() - cpu, "fluidsynth": meter.cpu,
                "voice-s": meter.voice_seconds}
    finally:
        render_module._Tails._WORTH_S = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prompts", nargs="?", default=str(DEFAULT_PROMPTS), help="a prompts.jsonl")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items = [json.loads(line) for line in Path(args.prompts).read_text().splitlines() if line.strip()]
    soundfont = SoundFont()
    meter = _Meter()
    scores = [compose(interpret(item["prompt"], item.get("negative_prompt", ""), {}), int(item.get("seed", 0)))
              for item in items]
    _render_all(scores, soundfont, meter, whole=False)  # warm-up: imports, measured patches, page cache
    runs: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    for round_ in range(args.rounds):
        for whole in ((True, False) if round_ % 2 == 0 else (False, True)):  # each way first in every other round
            runs[whole].append(_render_all(scores, soundfont, meter, whole))
    print(f"render, {len(scores)} prompts of {Path(args.prompts).name}, {args.rounds} alternating rounds, stems off "
          f"(min / median / max over the rounds; the ratio is the median of each round's ended / whole)")
    for key in ("wall", "cpu", "fluidsynth", "voice-s"):
        unit = "" if key == "voice-s" else " s"
        spread = {whole: sorted(r[key] for r in runs[whole]) for whole in runs}
        ratio = statistics.median(e[key] / w[key] for e, w in zip(runs[False], runs[True]))
        shown = {whole: f"{v[0]:.2f} / {statistics.median(v):.2f} / {v[-1]:.2f}{unit}" for whole, v in spread.items()}
        print(f"  {key:10s} whole releases {shown[True]:28s} ended 60 dB down {shown[False]:28s} ratio {ratio:.3f}")
    soundfont.close()


if __name__ == "__main__":
    main()
