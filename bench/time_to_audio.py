"""Time to audio: the hosted API's own request, from POST to `completed` visible, on an idle server (prints
figures; not a test).

    .venv/bin/python bench/time_to_audio.py [--requests 12] [--workers 2]

Starts `orchestrion serve --workers N` on loopback with the test configuration, sends one warm-up request per
worker, then sends the hosted API's request (`google/lyria2`, a prompt and a seed: default parameters, so the track
comes with its MIDI, stems and sheet music) one at a time — the server idle between them — and polls the
generation every 10 ms until it is `completed`. The same requests with `stems: false, sheet_music: false` run
interleaved with them, so the two columns share the machine's state: what the extras the hosted client never asks
for cost on its path. Prints p50 and p95 of each and their ratio, against issue 15's target (p50 ≤ 0.6 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.server import ServerProcess  # noqa: E402

PROMPTS = [
    "warm lo-fi hip hop with soft piano, rainy night",
    "epic orchestral trailer with choir and big drums",
    "bright acoustic folk with guitar and fiddle",
    "dark ambient synth pads, slow and spacious",
]
TARGET_P50 = 0.6


def time_one(client: httpx.Client, body: dict) -> float:
    """Seconds from the POST until a poll sees the generation completed."""
    started = time.perf_counter()
    created = client.post("/v2/generate/audio", json=body)
    created.raise_for_status()
    generation_id = created.json()["id"]
    while True:
        answer = client.get("/v2/generate/audio", params={"generation_id": generation_id}).json()
        if answer["status"] == "completed":
            return time.perf_counter() - started
        if answer["status"] in ("error", "canceled"):
            raise RuntimeError(f"generation ended {answer['status']}: {answer.get('error')}")
        time.sleep(0.01)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=12, help="timed requests of each kind")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    kinds = {"hosted request (all extras)": {}, "track only (no stems, no sheet music)":
             {"stems": False, "sheet_music": False}}
    times: dict[str, list[float]] = {name: [] for name in kinds}
    with ServerProcess(Path(tempfile.mkdtemp(prefix="orchestrion-tta-")), workers=args.workers) as server:
        headers = {"Authorization": f"Bearer {server.api_key}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as client:
            for warm in range(args.workers * 2):  # every worker's engine makes its first track once
                time_one(client, {"model": "google/lyria2", "prompt": PROMPTS[warm % len(PROMPTS)], "seed": warm})
            for index in range(args.requests):
                for name, extra in kinds.items():
                    body = {"model": "google/lyria2", "prompt": PROMPTS[index % len(PROMPTS)], "seed": 100 + index,
                            **extra}
                    times[name].append(time_one(client, body))
                    time.sleep(0.3)  # idle between requests
    print(f"time to audio, POST → completed visible, {args.requests} requests each, {args.workers} workers, "
          f"30 s tracks (target p50 ≤ {TARGET_P50} s)")
    for name, values in times.items():
        print(f"  {name:40} p50 {statistics.median(values):.3f} s  p95 {percentile(values, 0.95):.3f} s  "
              f"min {min(values):.3f} s")
    full, bare = (statistics.median(v) for v in times.values())
    print(f"  extras' share of the hosted request's p50: {full / bare:.2f}×")


if __name__ == "__main__":
    main()
