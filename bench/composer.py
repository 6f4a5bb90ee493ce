"""Speed and memory of the composer beside bare FluidSynth rendering the same MIDI (printed figures, not a test).

    .venv/bin/python bench/composer.py [--prompt TEXT] [--durations 30 180] [--repeat 3] [--no-pin]

Each measurement runs in its own child process pinned to one core or to two (so peak RSS is that configuration's
alone), after a warm-up generation. For each duration it composes the score once, writes its MIDI, and times:

* ``fluidsynth (pyfluidsynth)`` — every track on its own channel in one pass through one synthesizer, events
  played from the score, float output, on one core: the floor any FluidSynth renderer of this MIDI pays;
* ``fluidsynth -F (CLI)`` — Debian's command-line renderer on the MIDI file, SoundFont loading included;
* ``composer, track`` — the whole engine as the hosted request runs it: interpret, compose, render (two passes on
  two threads), the streaming master, MIDI and score; on two cores (as a worker has them) and on one;
* ``composer, stems and sheet music`` — the same with the extras a request may ask for, on two cores.

Targets: the composer's track on two cores within 1.3× of bare FluidSynth on one (issue 15); a 30 s track ≤ 1.0 s
wall; a 3-minute track ≤ 6 s; worker RSS ≤ 600 MB with the default SoundFont (issue 3).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_PROMPT = (
    "Majestic orchestral film score, soaring strings, prominent French horns and timpani, dramatic and cinematic"
)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _request(prompt: str, duration: float, extras: bool = False):
    from orchestrion.engines.base import GenerationRequest

    return GenerationRequest(prompt=prompt, seed=1, duration=duration,
                             params={"stems": extras, "sheet_music": extras})


def _score(prompt: str, duration: float):
    from orchestrion.engines.composer.compose import compose
    from orchestrion.engines.composer.interpret import interpret

    return compose(interpret(prompt, "", {"duration": duration}), 1)


def _bare_render(score, soundfont) -> None:
    """All tracks at once, each on its MIDI channel, one pass, float output: FluidSynth's own cost."""
    import numpy as np

    from orchestrion.engines.composer.midi import allocate_channels
    from orchestrion.engines.composer.render import _track_events, beats_to_seconds, stem_settings
    from orchestrion.engines.composer.soundfont import SAMPLE_RATE

    events = []
    with soundfont.synth() as synth:
        synth.reset()
        for track, place in zip(score.tracks, allocate_channels(score)):
            ch = place.channel  # bare rendering has 16 channels: ports fold onto them, as a GM player would
            s = stem_settings(track, score.production)
            synth.program(ch, s.bank, s.program)
            for cc, value in ((7, s.volume), (10, s.pan), (91, s.reverb), (93, s.chorus)):
                synth.cc(ch, cc, value)
            frames, evs = _track_events(score, track, ch)
            events += [(int(f), kind, ch, a, b) for f, (kind, a, b) in zip(frames, evs)]
        events.sort()
        total = int(round(beats_to_seconds(score, np.array([score.length_beats]))[0] * SAMPLE_RATE))
        total += int(score.tail_seconds * SAMPLE_RATE)
        out = np.empty((total, 2), np.float32)  # huge pages, as the composer's buffers
        out.fill(0.0)
        pos = 0
        for frame, kind, ch, a, b in events:
            frame = min(frame, total)
            if frame > pos:
                synth.write(out[pos:frame])
                pos = frame
            if kind == 2:
                synth.note_on(ch, a, b)
            elif kind == 1:
                synth.note_off(ch, a)
            elif kind == 3:  # pitch bend, 0-16383
                synth.pitch_bend(ch, a)
            else:  # controllers, sends included
                synth.cc(ch, a, b)
        synth.write(out[pos:])


def _child(kind: str, prompt: str, duration: float, repeat: int, cores: int) -> dict:
    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:cores]))
    from orchestrion.engines.composer import ComposerEngine

    engine = ComposerEngine()
    engine.load()
    times: list[float] = []
    if kind.startswith("composer"):
        request = _request(prompt, duration, extras=kind == "composer-extras")
        engine.generate([_request(prompt, 10.0)], lambda i, f: None)  # warm-up: imports, caches, first voices
        for _ in range(repeat):
            start = time.perf_counter()
            [result] = engine.generate([request], lambda i, f: None)
            times.append(time.perf_counter() - start)
            if isinstance(result, BaseException):
                raise result
            del result
    else:
        score = _score(prompt, duration)
        _bare_render(_score(prompt, 10.0), engine._soundfont)
        for _ in range(repeat):
            start = time.perf_counter()
            _bare_render(score, engine._soundfont)
            times.append(time.perf_counter() - start)
    return {"wall": statistics.median(times), "rss": _rss_mb()}


def _cli(prompt: str, duration: float, repeat: int, pin: bool) -> dict | None:
    exe = shutil.which("fluidsynth")
    if exe is None:
        return None
    from orchestrion.engines.composer.midi import score_to_midi
    from orchestrion.engines.composer.soundfont import DEFAULT_SOUNDFONT

    with tempfile.TemporaryDirectory() as tmp:
        midi = Path(tmp) / "score.mid"
        midi.write_bytes(score_to_midi(_score(prompt, duration)))
        cmd = [exe, "-ni", "-q", "-r", "48000", "-g", "0.5", "-T", "raw", "-O", "float", "-F",
               str(Path(tmp) / "out.raw"), str(DEFAULT_SOUNDFONT), str(midi)]
        if pin and shutil.which("taskset"):
            cmd = ["taskset", "-c", str(sorted(os.sched_getaffinity(0))[0])] + cmd
        times = []
        for _ in range(repeat + 1):  # the first run warms the page cache
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        return {"wall": statistics.median(times[1:]), "rss": None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompt", default=DEFAULT_PROMPT)
    parser.add_argument("--durations", type=float, nargs="+", default=[30.0, 180.0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pin", action="store_true", help="do not pin the measured processes to cores")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DURATION", "CORES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    pin = not args.no_pin
    if args.child:
        print(json.dumps(_child(args.child[0], args.prompt, float(args.child[1]), args.repeat, int(args.child[2]))))
        return

    def run_child(kind: str, duration: float, cores: int = 1) -> dict:
        cmd = [sys.executable, __file__, "--child", kind, str(duration), str(cores if pin else 0),
               "--prompt", args.prompt, "--repeat", str(args.repeat)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    print(f"prompt: {args.prompt!r}; median of {args.repeat} after warm-up; "
          f"{'pinned to the cores named' if pin else 'unpinned'}; load average {os.getloadavg()[0]:.2f}")
    header = f"{'duration':>8}  {'renderer':<34} {'wall s':>8} {'x real time':>11} {'vs bare':>8} {'peak RSS MB':>11}"
    print(header)
    print("-" * len(header))
    for duration in args.durations:
        bare = run_child("bare", duration)
        rows = [("fluidsynth (pyfluidsynth), 1 core", bare),
                ("fluidsynth -F (CLI), 1 core", _cli(args.prompt, duration, args.repeat, pin))]
        rows += [("composer, track, 2 cores", run_child("composer", duration, 2)),
                 ("composer, track, 1 core", run_child("composer", duration, 1)),
                 ("composer, +stems+sheet, 2 cores", run_child("composer-extras", duration, 2))]
        for name, row in rows:
            if row is None:
                print(f"{duration:>7.0f}s  {name:<34} {'(fluidsynth CLI not installed)':>30}")
                continue
            rss = f"{row['rss']:.0f}" if row["rss"] else "-"
            print(f"{duration:>7.0f}s  {name:<34} {row['wall']:>8.3f} {duration / row['wall']:>10.1f}x "
                  f"{row['wall'] / bare['wall']:>7.2f}x {rss:>11}")
    print("targets: the composer's track on 2 cores <= 1.3x bare on 1; 30 s track <= 1.0 s; 180 s track <= 6 s; "
          "RSS <= 600 MB")


if __name__ == "__main__":
    main()
