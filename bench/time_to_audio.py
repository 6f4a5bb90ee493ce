"""Time to audio: the hosted API's own request, from POST to `completed` visible, and to the first streamed audio,
on an idle server (prints figures; not a test).

    .venv/bin/python bench/time_to_audio.py [--requests 12] [--workers 2] [--fresh 3]

Starts `orchestrion serve --workers N` on loopback with the test configuration, sends warm-up requests (each prompt
once per worker, at once, so every worker's engine has met every prompt: a fresh engine process imports the
composer's libraries on its first job, about 2 s here), then sends the hosted API's request (`google/lyria2`, a
prompt and a seed: default parameters, so the track comes with its MIDI and score, not stems or sheet music) one at
a time — the server idle between them — and polls the generation every 50 ms until it is `completed` (so each figure
is at most 50 ms late: a poll costs the API and this client CPU on the same cores, and polling every 10 ms slowed
the track itself by ~0.06 s). Interleaved with them, so all share the machine's state: the same request streamed
(`GET /v2/generate/audio/stream` right after the POST: the time to the first audio bytes past the WAV header), and
the request with `stems: true, sheet_music: true` (what the extras cost when asked for). Prints p50 and p95 of each
against issue 15's targets (completed p50 ≤ 0.6 s, first audio p50 ≤ 0.3 s), and, for scale, what bare FluidSynth
takes to render the same scores on one core.

With ``--fresh N`` it first measures the first request a freshly started server gets (ready, then idle for
``FRESH_IDLE_S`` as a person takes to send it), N servers with the composer's warm-up and N without, alternating.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tests.support.server import ServerProcess  # noqa: E402

PROMPTS = [
    "warm lo-fi hip hop with soft piano, rainy night",
    "epic orchestral trailer with choir and big drums",
    "bright acoustic folk with guitar and fiddle",
    "dark ambient synth pads, slow and spacious",
]
TARGET_P50 = 0.6
POLL_SECONDS = 0.05
TARGET_FIRST = 0.3
FRESH_IDLE_S = 3.0


def time_one(client: httpx.Client, body: dict) -> float:
    """Seconds from the POST until a poll sees the generation completed."""
    started = time.perf_counter()
    created = client.post("/v2/generate/audio", json=body)
    created.raise_for_status()
    return wait_completed(client, created.json()["id"], started)


def wait_completed(client: httpx.Client, generation_id: str, started: float) -> float:
    while True:
        answer = client.get("/v2/generate/audio", params={"generation_id": generation_id}).json()
        if answer["status"] == "completed":
            return time.perf_counter() - started
        if answer["status"] in ("error", "canceled"):
            raise RuntimeError(f"generation ended {answer['status']}: {answer.get('error')}")
        time.sleep(POLL_SECONDS)


def time_first_audio(client: httpx.Client, body: dict) -> float:
    """Seconds from the POST until the stream has handed over its first audio (bytes past the WAV header)."""
    started = time.perf_counter()
    created = client.post("/v2/generate/audio", json=body)
    created.raise_for_status()
    generation_id = created.json()["id"]
    first = None
    received = 0
    with client.stream("GET", "/v2/generate/audio/stream", params={"generation_id": generation_id}) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_raw():
            received += len(chunk)
            if first is None and received > 44:
                first = time.perf_counter() - started
    wait_completed(client, generation_id, started)
    assert first is not None
    return first


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=12, help="timed requests of each kind (0: none)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fresh", type=int, default=0, help="fresh servers each way for the first request")
    args = parser.parse_args()
    if args.fresh:
        first_request(args.fresh, args.workers)
    if args.requests < 1:
        return
    kinds = {"hosted request → completed": ("completed", {}),
             "hosted request → first streamed audio": ("stream", {}),
             "with stems and sheet music → completed": ("completed", {"stems": True, "sheet_music": True})}
    times: dict[str, list[float]] = {name: [] for name in kinds}
    with ServerProcess(Path(tempfile.mkdtemp(prefix="orchestrion-tta-")), workers=args.workers) as server:
        headers = {"Authorization": f"Bearer {server.api_key}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as client:
            for index, prompt in enumerate(PROMPTS):  # every worker's engine meets every prompt (its imports, its
                # patches): one request per worker at once, so each idle worker claims one
                started = time.perf_counter()
                ids = [client.post("/v2/generate/audio", json={"model": "google/lyria2", "prompt": prompt,
                                                                "seed": index * args.workers + w}).json()["id"]
                       for w in range(args.workers)]
                for generation_id in ids:
                    wait_completed(client, generation_id, started)
            for index in range(args.requests):
                for name, (measure, extra) in kinds.items():
                    body = {"model": "google/lyria2", "prompt": PROMPTS[index % len(PROMPTS)], "seed": 100 + index,
                            **extra}
                    times[name].append((time_first_audio if measure == "stream" else time_one)(client, body))
                    time.sleep(0.3)  # idle between requests
    print(f"time to audio, {args.requests} requests each, {args.workers} workers, 30 s tracks "
          f"(targets: completed p50 ≤ {TARGET_P50} s, first streamed audio p50 ≤ {TARGET_FIRST} s)")
    for name, values in times.items():
        print(f"  {name:42} p50 {statistics.median(values):.3f} s  p95 {percentile(values, 0.95):.3f} s  "
              f"min {min(values):.3f} s")
    plain, _, extras = (statistics.median(v) for v in times.values())
    print(f"  stems and sheet music, when asked for, cost {extras / plain:.2f}× the hosted request's p50")
    from orchestrion.engines.composer import ComposerEngine

    engine = ComposerEngine()
    engine.load()
    floor = [bare_seconds(engine, PROMPTS[index % len(PROMPTS)], 100 + index) for index in range(args.requests)]
    print(f"  FluidSynth alone rendering the same scores on one core: p50 {statistics.median(floor):.3f} s "
          f"(min {min(floor):.3f}, max {max(floor):.3f}); on two cores at best half that, "
          f"{statistics.median(floor) / 2:.3f} s, before composing, mastering, storing and polling")


def first_request(servers: int, workers: int) -> None:
    """The first hosted request of freshly started servers, with the composer's warm-up and without it."""
    from tests.support.server import TEST_CONFIG

    times: dict[bool, list[float]] = {True: [], False: []}
    for index in range(servers):
        for warm in (True, False) if index % 2 == 0 else (False, True):
            config = TEST_CONFIG.replace("warm_up = false", f"warm_up = {str(warm).lower()}")
            with ServerProcess(Path(tempfile.mkdtemp(prefix="orchestrion-tta-")), workers=workers,
                               config=config) as server:
                time.sleep(FRESH_IDLE_S)
                with httpx.Client(base_url=server.base_url, timeout=120,
                                  headers={"Authorization": f"Bearer {server.api_key}"}) as client:
                    times[warm].append(time_one(client, {"model": "google/lyria2", "prompt": PROMPTS[0],
                                                         "seed": 500 + index}))
    print(f"first request of a fresh server ({servers} servers each way, {workers} workers, sent {FRESH_IDLE_S:g} s "
          f"after ready)")
    for warm, values in times.items():
        print(f"  {'with the warm-up' if warm else 'without it':42} median {statistics.median(values):.3f} s  "
              f"min {min(values):.3f} s  max {max(values):.3f} s")


def bare_seconds(engine, prompt: str, seed: int) -> float:
    """Seconds bare FluidSynth takes, on this process's one thread, to render the score the composer writes for
    ``prompt`` and ``seed`` (every track on its channel, one pass: the floor any renderer of that score pays)."""
    from composer import _bare_render  # bench/composer.py

    from orchestrion.engines.base import GenerationRequest

    score = engine._composition(GenerationRequest(prompt=prompt, seed=seed)).score
    _bare_render(score, engine._soundfont)  # the patches' samples loaded
    started = time.perf_counter()
    _bare_render(score, engine._soundfont)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
