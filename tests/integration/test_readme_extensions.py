"""The README's "Beyond the hosted API" examples run as written against a live server, and every setting the
extensions added is documented."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

from orchestrion.config import _FIELD_TYPES
from tests.integration.test_readme import README, blocks, readme_env
from tests.support.server import ServerProcess

EXTENSION_SETTINGS = [
    "retention_seconds", "max_wait_seconds", "predict_timeout_seconds", "vertex_model", "rate_limit_per_minute",
    "max_active_per_key", "sse_keepalive_seconds", "webhook_secret", "webhook_allowed_networks",
    "webhook_timeout_seconds", "webhook_max_attempts", "webhook_retry_seconds",
]


def run(block: str, server: ServerProcess, **env: str) -> str:
    command = block.replace("http://127.0.0.1:8000", server.base_url)
    done = subprocess.run(["bash", "-c", command], env={**readme_env(server), **env}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_extension_examples_work_as_written(live_server: ServerProcess) -> None:
    (wait,) = blocks("sh", "Wait for the result in one request")
    finished = json.loads(run(wait, live_server))
    assert finished["status"] == "completed" and finished["audio_file"]["url"]

    (events,) = blocks("sh", "Live status (server-sent events)")
    stream = run(events, live_server, ID=finished["id"])
    assert "id: completed-100" in stream and '"status":"completed"' in stream

    (cancel,) = blocks("sh", "Cancel")
    answer = json.loads(run(cancel, live_server, ID=finished["id"]))
    assert answer["status"] == "completed" and "already ended" in answer["message"]

    (history,) = blocks("sh", "History")
    listed = json.loads(run(history, live_server))
    assert listed["object"] == "list" and finished["id"] in [item["id"] for item in listed["data"]]

    (samples,) = blocks("sh", "Several samples")
    several = json.loads(run(samples, live_server))
    assert several["status"] == "completed" and several["seeds"] == [9, 10] and len(several["audio_files"]) == 2

    (vertex,) = blocks("sh", "Vertex AI style")
    predicted = json.loads(run(vertex, live_server))
    assert len(predicted["predictions"]) == 2
    assert base64.b64decode(predicted["predictions"][0]["bytesBase64Encoded"])[:4] == b"RIFF"

    (sdk,) = blocks("python", "Idempotent retries")
    twice = sdk + "\nprint(generation.id, client.audio.generate(prompt='Upbeat synthwave', " \
                  "idempotency_key='order-1234').id)\n"
    done = subprocess.run([sys.executable, "-c", twice], env=readme_env(live_server), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split()
    assert first == second


def test_every_extension_setting_is_a_setting_and_documented() -> None:
    table = README.split("## Configuration", 1)[1]
    for name in EXTENSION_SETTINGS:
        assert name in _FIELD_TYPES, name
        assert f"`{name}`" in table, f"{name} is missing from the README's configuration table"


def _tune(path: str) -> None:
    """A short MIDI tune (what the README's `--midi-in tune.mid` line reads)."""
    import mido

    midi = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(100)),
                            mido.MetaMessage("track_name", name="melody")])
    for pitch in [67, 69, 71, 72, 74, 72, 71, 69] * 2:
        track += [mido.Message("note_on", note=pitch, velocity=90, time=0),
                  mido.Message("note_off", note=pitch, velocity=0, time=480)]
    midi.tracks.append(track)
    midi.save(path)


def test_editing_examples_work_as_written(live_server: ServerProcess, tmp_path) -> None:
    section = "Sections, extend, repaint, remix, MIDI in and sheet music"
    (plan,) = blocks("json", section)
    (tmp_path / "plan.json").write_text(plan)
    _tune(str(tmp_path / "tune.mid"))
    (lines,) = blocks("sh", section)
    done = subprocess.run(["bash", "-ec", lines], cwd=tmp_path, env=readme_env(live_server), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    song = json.loads((tmp_path / "song.json").read_text())
    assert [s["name"] for s in song["plan"]["sections"]] == ["intro", "verse", "chorus", "outro"]
    import soundfile

    length = soundfile.info(str(tmp_path / "song.wav")).duration
    assert abs(soundfile.info(str(tmp_path / "longer.wav")).duration - (length + 20)) < 0.1
    assert abs(soundfile.info(str(tmp_path / "repainted.wav")).duration - length) < 0.01
    for name in ("bossa.wav", "quartet.wav"):
        assert soundfile.info(str(tmp_path / name)).samplerate == 48000
    assert sorted(p.name for p in (tmp_path / "sheet").iterdir() if p.suffix == ".musicxml") == \
        ["lead_sheet.musicxml", "score.musicxml"]

    (sdk,) = blocks("python", section)
    ran = subprocess.run([sys.executable, "-c", sdk], cwd=tmp_path, env=readme_env(live_server), capture_output=True,
                         text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    assert [line.split()[2] for line in ran.stdout.splitlines()] == ["intro", "verse", "chorus"]
    assert (tmp_path / "bossa-lead-sheet.musicxml").read_bytes().lstrip().startswith(b"<?xml")


def test_streaming_and_live_examples_work_as_written(live_server: ServerProcess, tmp_path) -> None:
    import io
    import os
    import shutil
    from pathlib import Path

    import soundfile

    section = "Streaming and live sessions"
    curl_block, cli_block = blocks("sh", section)
    stream_sdk, live_sdk = blocks("python", section)
    env = readme_env(live_server)

    ran = subprocess.run([sys.executable, "-c", stream_sdk], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert ran.returncode == 0, ran.stderr
    streamed = (tmp_path / "waltz.wav").read_bytes()
    assert soundfile.info(io.BytesIO(streamed)).duration >= 10

    with httpx_client(live_server) as client:
        created = client.post("/v2/generate/audio", json={"model": "google/lyria2", "prompt": "Lo-fi beat",
                                                          "seed": 3, "duration": 6}).json()
    done = subprocess.run(["bash", "-ec", curl_block.replace("http://127.0.0.1:8000", live_server.base_url)],
                          cwd=tmp_path, env={**env, "ID": created["id"]}, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert soundfile.info(str(tmp_path / "track.wav")).duration >= 6

    # `--play` on a machine without a sound card: a player that records what it is fed stands in for one.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    player = bin_dir / "aplay"
    player.write_text(f"#!{sys.executable}\nimport sys\nopen('played.wav', 'wb').write(sys.stdin.buffer.read())\n")
    player.chmod(0o755)
    cli_env = {**env, "PATH": os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent)])}
    bash = shutil.which("bash")
    assert bash is not None
    done = subprocess.run([bash, "-ec", cli_block], cwd=tmp_path, env=cli_env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    written = Path(tmp_path / done.stdout.strip().splitlines()[-1])
    assert (tmp_path / "played.wav").read_bytes() == written.read_bytes()

    ran = subprocess.run([sys.executable, "-c", live_sdk], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("drums muted from bar ")
    info = soundfile.info(str(tmp_path / "live.wav"))
    assert (info.samplerate, info.channels) == (48000, 2) and info.duration >= 5


def httpx_client(server: ServerProcess):
    import httpx

    return httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {server.api_key}"}, timeout=30)
