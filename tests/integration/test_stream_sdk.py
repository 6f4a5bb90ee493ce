"""`client.audio.stream` and `generate --stream/--play` against a live `orchestrion serve`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import soundfile

from orchestrion import AsyncClient, BadRequestError, Client, ConflictError, NotFoundError
from tests.support.server import ServerProcess, clean_env


def test_the_stream_starts_at_once_and_equals_the_stored_track(live_server: ServerProcess, tmp_path: Path) -> None:
    with Client(live_server.base_url, live_server.api_key) as client:
        posted = time.monotonic()
        created = client.audio.generate(prompt="a calm piano waltz", seed=21, duration=8)
        chunks, first_at = [], None
        for chunk in client.audio.stream(created):
            first_at = first_at or time.monotonic() - posted
            chunks.append(chunk)
        streamed = b"".join(chunks)
        assert first_at is not None and first_at < 5.0, f"first bytes after {first_at:.2f} s"
        assert len(chunks) > 1  # it came in pieces as it rendered, not as one finished file
        finished = client.audio.wait(created)
        stored = client.audio.download(finished, tmp_path / "stored.wav")
        assert streamed == stored.read_bytes()
        info = soundfile.info(io.BytesIO(streamed))
        assert (info.samplerate, info.channels, info.subtype) == (48000, 2, "PCM_16")

        written = client.audio.stream_to(finished, tmp_path / "again.wav")
        assert written.read_bytes() == stored.read_bytes()


async def test_the_async_stream_and_its_errors(live_server: ServerProcess, tmp_path: Path) -> None:
    async with AsyncClient(live_server.base_url, live_server.api_key) as client:
        created = await client.audio.generate(model="test/tone", prompt="a tone", duration=5)
        path = await client.audio.stream_to(created, tmp_path / "tone.wav")
        assert soundfile.info(str(path)).duration == 5.0
        try:
            async for _ in client.audio.stream("no-such-generation"):
                raise AssertionError("an unknown id streamed")
        except NotFoundError as exc:
            assert exc.status_code == 404 and exc.request_id
        try:
            async for _ in client.audio.stream(created, sample=3):
                raise AssertionError("a sample it does not have streamed")
        except BadRequestError as exc:
            assert "sample" in exc.message
        failing = await client.audio.generate(model="test/tone", prompt="please fail", duration=5)
        try:
            async for _ in client.audio.stream(failing):
                raise AssertionError("a failed generation streamed audio")
        except ConflictError as exc:
            assert exc.status_code == 409 and "failed before any audio" in exc.message


def test_the_cli_writes_and_plays_the_stream(live_server: ServerProcess, tmp_path: Path) -> None:
    played = tmp_path / "played.wav"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    player = bin_dir / "aplay"  # alone on PATH with the CLI: the first player found
    player.write_text(f"#!{sys.executable}\nimport sys\nopen({str(played)!r}, 'wb').write(sys.stdin.buffer.read())\n")
    player.chmod(0o755)
    env = clean_env(ORCHESTRION_BASE_URL=live_server.base_url, ORCHESTRION_API_KEY=live_server.api_key,
                    PATH=os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent)]))
    done = subprocess.run([sys.executable, "-m", "orchestrion", "generate", "a bossa nova", "--seed", "3",
                           "--duration", "6", "--play", "--json"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["file"] == "orchestrion-3.wav" and outcome["status"] == "completed"
    assert played.read_bytes() == (tmp_path / "orchestrion-3.wav").read_bytes()

    env["PATH"] = str(Path(sys.executable).parent)
    if any((Path(sys.executable).parent / name).exists() for name in ("ffplay", "aplay", "paplay", "pw-play")):
        raise AssertionError("the virtualenv holds a player: this check needs a PATH without one")
    done = subprocess.run([sys.executable, "-m", "orchestrion", "generate", "a bossa nova", "--duration", "5",
                           "--play", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    gen_id = json.loads(done.stdout)["id"]
    with Client(live_server.base_url, live_server.api_key) as client:
        assert client.audio.wait(gen_id).status == "completed"  # not lost: it went on on the server
