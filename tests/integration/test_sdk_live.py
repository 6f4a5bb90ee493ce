"""The SDK and the client-side CLI against a live `orchestrion serve`: both twins, typed errors, files, and the
five-line script from the client's docstring."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import soundfile

from orchestrion import (
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    GenerationFailed,
    NotFoundError,
)
from tests.support.server import ServerProcess, clean_env


def assert_track(path: Path, seconds: float) -> None:
    info = soundfile.info(io.BytesIO(path.read_bytes()))
    assert (info.samplerate, info.channels) == (48000, 2)
    assert seconds - 0.5 <= info.duration <= seconds + 10


def test_a_five_line_script_generates_waits_and_downloads(live_server: ServerProcess, tmp_path: Path) -> None:
    script = tmp_path / "five_lines.py"
    script.write_text(textwrap.dedent("""\
        from orchestrion import Client

        client = Client()  # ORCHESTRION_BASE_URL, ORCHESTRION_API_KEY
        generation = client.audio.generate_and_wait(prompt="a calm piano waltz", seed=7)
        print(client.audio.download(generation, "waltz.wav"))
    """))
    env = clean_env(ORCHESTRION_BASE_URL=live_server.base_url, ORCHESTRION_API_KEY=live_server.api_key)
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=180)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "waltz.wav\n"
    assert_track(tmp_path / "waltz.wav", 30)


def test_sync_client_end_to_end_with_midi_and_stems(live_server: ServerProcess, tmp_path: Path) -> None:
    seen: list[str] = []
    with Client(live_server.base_url, live_server.api_key) as client:
        generation = client.audio.generate_and_wait(
            model="test/tone", prompt="sleep:1", seed=11, duration=6, on_update=lambda g: seen.append(g.status)
        )
        assert generation.is_completed and generation.seed == 11
        assert seen[0] == "queued" and seen[-1] == "completed"
        assert generation.credits_used == 1  # 6 s at 2 credits per 30 s, rounded up to a whole credit
        track = client.audio.download(generation, tmp_path / "tone.wav")
        assert track.stat().st_size == generation.audio_file.file_size
        assert_track(track, 6)
        midi = client.audio.download(generation, tmp_path, file=generation.midi_file)
        assert midi.read_bytes().startswith(b"MThd")
        (stem,) = generation.stems
        assert stem.name == "tone"
        assert client.audio.download(generation, tmp_path / "stems/", file=stem).stat().st_size == stem.file_size
        again = client.audio.retrieve(generation.id)
        assert again.audio_file.file_size == generation.audio_file.file_size


async def test_async_client_end_to_end(live_server: ServerProcess, tmp_path: Path) -> None:
    async with AsyncClient(live_server.base_url, live_server.api_key) as client:
        models = {model.id: model for model in await client.models.list()}
        assert models["google/lyria2"].alias_of == "orchestrion/composer"
        generation = await client.audio.generate_and_wait(model="test/tone", prompt="a tone", duration=5)
        path = await client.audio.download(generation, tmp_path / "tone.wav")
        assert_track(path, 5)


def test_server_errors_arrive_typed_with_request_ids(live_server: ServerProcess) -> None:
    with Client(live_server.base_url, "orc_not_a_key", max_retries=0) as stranger:
        with pytest.raises(AuthenticationError) as caught:
            stranger.audio.generate(prompt="x")
        assert caught.value.status_code == 401 and caught.value.request_id
        assert caught.value.body["path"] == "/v2/generate/audio"
    with Client(live_server.base_url, live_server.api_key) as client:
        with pytest.raises(BadRequestError, match="duration"):
            client.audio.generate(prompt="x", duration=1000)
        with pytest.raises(BadRequestError, match="model"):
            client.audio.generate(prompt="x", model="nobody/nothing")
        with pytest.raises(NotFoundError):
            client.audio.retrieve("00000000-0000-4000-8000-000000000000:lyria2")
        with pytest.raises(GenerationFailed) as failed:
            client.audio.generate_and_wait(model="test/tone", prompt="please fail", duration=5)
        assert "asked to fail" in failed.value.error_message
        assert failed.value.generation.status == "error"


def test_cli_generates_through_the_server_with_clean_piped_output(live_server: ServerProcess,
                                                                   tmp_path: Path) -> None:
    env = clean_env(ORCHESTRION_BASE_URL=live_server.base_url, ORCHESTRION_API_KEY=live_server.api_key)
    run = subprocess.run(
        [sys.executable, "-m", "orchestrion", "generate", "sleep:1 a tone", "--model", "test/tone", "--duration", "5",
         "-o", "song.wav"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "song.wav\n"
    assert "\x1b[" not in run.stderr and "completed" in run.stderr
    assert_track(tmp_path / "song.wav", 5)

    generation_id = None
    as_json = subprocess.run(
        [sys.executable, "-m", "orchestrion", "generate", "a tone", "--model", "test/tone", "--duration", "5",
         "--json", "--midi", "t.mid"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert as_json.returncode == 0, as_json.stderr
    payload = json.loads(as_json.stdout)
    generation_id = payload["id"]
    assert payload["mode"] == "server" and (tmp_path / "t.mid").exists()

    status = subprocess.run([sys.executable, "-m", "orchestrion", "status", generation_id, "--json"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert status.returncode == 0 and json.loads(status.stdout)["status"] == "completed"
    download = subprocess.run([sys.executable, "-m", "orchestrion", "download", generation_id, "-o", "again.wav"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert download.returncode == 0, download.stderr
    assert (tmp_path / "again.wav").read_bytes() == (tmp_path / payload["file"]).read_bytes()

    denied = subprocess.run([sys.executable, "-m", "orchestrion", "status", generation_id, "--api-key", "orc_bad"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert denied.returncode == 3 and "ORCHESTRION_API_KEY" in denied.stderr
    assert os.path.exists(tmp_path / "song.wav")


def test_following_a_generation_live_and_canceling_it(live_server: ServerProcess) -> None:
    with Client(live_server.base_url, live_server.api_key) as client:
        generation = client.audio.generate(model="test/tone", prompt="sleep:3", duration=5)
        seen: list[str] = []
        canceled = None
        for update in client.audio.events(generation):
            seen.append(update.status)
            if update.status == "generating" and canceled is None:
                canceled = client.audio.cancel(update)
                assert canceled.status == "canceled" and "refunded" in canceled.raw["message"]
        assert "generating" in seen and seen[-1] == "canceled"
        assert seen.count("canceled") == 1 and "completed" not in seen
        final = client.audio.retrieve(generation.id)
        assert final.is_canceled and final.audio_file is None and final.credits_used == 0
        again = client.audio.cancel(generation.id)
        assert again.status == "canceled" and "already ended" in again.raw["message"]
        with pytest.raises(GenerationFailed) as failed:
            client.audio.wait(generation)
        assert failed.value.error_name == "canceled"
