"""How many live sessions (``/v1/live``) one server keeps in real time, and how fast a control takes effect.

Starts a real ``orchestrion serve`` (API only, no workers) on a loopback port, then opens live sessions in rounds of
growing size. Every session plays a different style and, mid-round, changes its prompt; a round passes when no
session's chunk arrived after its real-time due time (the server's own underrun counter stays put and every
client received at least the wall time less the lead). It prints, per round, the sessions, the underruns, the CPU
the server used, and the control latency: from sending a prompt change to the bar line where it took effect, in
music time past the audio the server had sent by then (its worst excess over the session's bar length is
``control_over_one_bar_s``, target at most 0.2 s; medians beside it), and the same on the listener's clock
(``control_heard_s``: that adds the audio already buffered ahead of the listener, up to ``live_lead_seconds``).

    python bench/live.py                    # rounds of 4, 8, 12, 16 ... sessions, 60 s each
    python bench/live.py --seconds 20 --start 8 --step 8 --max 32
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.server import ServerProcess  # noqa: E402

STYLES = ["warm jazz piano trio", "drum and bass", "string quartet", "synthwave", "lofi hip hop", "heavy metal",
          "bossa nova guitar", "epic orchestral trailer", "deep house", "reggae", "country ballad", "ambient pads",
          "funky disco", "celtic folk", "trap beat", "baroque harpsichord"]
CHUNK = 0.2


def metric(server: ServerProcess, name: str) -> float:
    text = httpx.get(server.base_url + "/metrics", timeout=10).text
    return float(next(line.split()[-1] for line in text.splitlines() if line.startswith(name + " ")))


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def session(server: ServerProcess, index: int, seconds: float, result: dict) -> None:
    from websockets.sync.client import connect

    url = f"ws://127.0.0.1:{server.port}/v1/live"
    with connect(url, additional_headers={"Authorization": f"Bearer {server.api_key}"}) as ws:
        ws.send(json.dumps({"setup": {"seed": index}}))
        json.loads(ws.recv(timeout=30))
        ws.send(json.dumps({"prompts": [{"text": STYLES[index % len(STYLES)], "weight": 1.0}]}))
        ws.send(json.dumps({"play": {}}))
        first = None
        audio = 0.0
        change_at = seconds / 2
        sent_change: tuple[float, float] | None = None  # (wall time, audio received then)
        latency = None
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                frame = ws.recv(timeout=left)
            except TimeoutError:
                break
            now = time.monotonic()
            if isinstance(frame, bytes):
                first = first or now
                audio += CHUNK
                if sent_change is None and now - first >= change_at:
                    text = STYLES[(index + 5) % len(STYLES)]
                    ws.send(json.dumps({"prompts": [{"text": text, "weight": 1.0}]}))
                    sent_change = (now, audio)
            elif sent_change is not None and latency is None:
                state = json.loads(frame).get("state")
                if state and "prompts" in state["applied"] and state["bar"] > 0:
                    bar = 4 * 60.0 / state["bpm"]  # every style here plays in 4/4 or its bars are shorter
                    # music time past what had been sent, and the listener's wait (its buffer ahead included)
                    played = sent_change[0] - first
                    latency = (state["seconds"] - sent_change[1], state["seconds"] - played, bar)
        result[index] = {"audio": audio, "elapsed": time.monotonic() - (first or time.monotonic()),
                         "latency": latency}


def round_of(server: ServerProcess, count: int, seconds: float) -> dict:
    underruns = metric(server, "orchestrion_live_underruns_total")
    cpu = server_cpu(server.process.pid)
    wall = time.monotonic()
    results: dict[int, dict] = {}
    threads = [threading.Thread(target=session, args=(server, i, seconds, results)) for i in range(count)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    wall = time.monotonic() - wall
    cpu = server_cpu(server.process.pid) - cpu
    late = metric(server, "orchestrion_live_underruns_total") - underruns
    behind = max(r["elapsed"] - r["audio"] for r in results.values())
    latencies = [r["latency"] for r in results.values() if r["latency"]]
    return {"sessions": count, "underruns": int(late), "most_behind_s": round(behind, 2),
            "server_cpu_share": round(cpu / wall / (os.cpu_count() or 1), 3),
            "ok": late == 0 and behind <= 2.0,
            # worst of (bar line where the change applied − audio sent when it was asked) − that session's bar
            "control_over_one_bar_s": round(max(l[0] - l[2] for l in latencies), 3) if latencies else None,
            "control_past_sent_s": round(statistics.median(l[0] for l in latencies), 3) if latencies else None,
            "control_heard_s": round(statistics.median(l[1] for l in latencies), 3) if latencies else None,
            "bar_s": round(statistics.median(l[2] for l in latencies), 3) if latencies else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each round (default 60)")
    parser.add_argument("--start", type=int, default=4)
    parser.add_argument("--step", type=int, default=4)
    parser.add_argument("--max", type=int, default=32)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as data:
        server = ServerProcess(Path(data), workers=0, env={"ORCHESTRION_LIVE_MAX_SESSIONS_PER_KEY": "64",
                                                           "ORCHESTRION_LIVE_MAX_SESSIONS": "64"})
        server.start(ready_path="/health")
        try:
            best = 0
            for count in range(args.start, args.max + 1, args.step):
                row = round_of(server, count, args.seconds)
                print(json.dumps(row), flush=True)
                if not row["ok"]:
                    break
                best = count
            print(f"{best} sessions in real time on {cores} cores: {best / cores:.1f} sessions per core "
                  f"({args.seconds:g} s rounds)")
        finally:
            server.stop()
            server.kill()


if __name__ == "__main__":
    main()
