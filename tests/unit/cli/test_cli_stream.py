"""`orchestrion generate --stream` and `--play`: the WAV written (and played) as the server streams it."""

from __future__ import annotations

import json
import struct
import sys
import wave
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from orchestrion.cli import cli
from tests.unit.client.fake_server import BASE_URL, FakeServer, error_body, failed, queued

PCM = bytes(range(256)) * 150


def wav_header(data_size: int) -> bytes:
    return (b"RIFF" + struct.pack("<I", (data_size + 36) & 0xFFFFFFFF) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, 48000, 48000 * 4, 4, 16)
            + b"data" + struct.pack("<I", data_size))


STREAMED = wav_header(0xFFFFFFFF) + PCM  # the length not known when the header went out


def with_stream(server: FakeServer, answer: httpx.Response | None = None) -> list[httpx.Request]:
    """Serve the stream route beside the fake's others; returns the list the stream requests land in."""
    seen: list[httpx.Request] = []
    plain = FakeServer.handler

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/generate/audio/stream":
            seen.append(request)
            server.requests.append(request)
            if answer is not None:
                return answer
            chunks = [STREAMED[i:i + 5000] for i in range(0, len(STREAMED), 5000)]
            return httpx.Response(200, content=iter(chunks), headers={"Content-Type": "audio/wav"})
        return plain(server, request)

    server.handler = handler  # type: ignore[method-assign]
    return seen


@pytest.fixture
def fake_player(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An `aplay` alone on PATH that records what it was fed; returns the file it writes."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    played = tmp_path / "played.bin"
    script = bin_dir / "aplay"
    script.write_text(f"#!{sys.executable}\nimport sys\nopen({str(played)!r}, 'wb').write(sys.stdin.buffer.read())\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return played


def invoke(runner: CliRunner, *args: str):
    return runner.invoke(cli, [*args, "--base-url", BASE_URL, "--api-key", "k1"], prog_name="orchestrion",
                         catch_exceptions=False)


def file_requests(server: FakeServer) -> list[httpx.Request]:
    return [r for r in server.requests if r.url.path.startswith("/files/")]


def test_stream_writes_the_wav_as_it_arrives_and_fixes_its_header(runner, server):
    seen = with_stream(server)
    result = invoke(runner, "generate", "warm synthwave", "--seed", "42", "--stream", "-o", "take.wav")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "take.wav"
    (request,) = seen
    assert request.url.params["generation_id"] in server.timelines  # the generation just created
    assert server.created_bodies[0]["output_format"] == "wav"
    with wave.open("take.wav") as track:
        assert (track.getnchannels(), track.getframerate()) == (2, 48000)
        assert track.readframes(track.getnframes()) == PCM
    assert file_requests(server) == []  # the streamed file is the track: nothing downloaded again


def test_play_feeds_the_stream_to_the_first_player_and_keeps_the_track(runner, server, fake_player):
    with_stream(server)
    result = invoke(runner, "generate", "warm synthwave", "--play", "--json")
    assert result.exit_code == 0, result.output
    assert fake_player.read_bytes() == STREAMED  # the player hears every byte, in order
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # Streamed before the seed was known (under the id), then named by the seed the server drew, as a download is.
    assert outcome["file"] == "orchestrion-42.wav" and outcome["seed"] == 42
    assert sorted(p.name for p in Path.cwd().glob("*.wav")) == ["orchestrion-42.wav"]
    with wave.open("orchestrion-42.wav") as track:
        assert track.readframes(track.getnframes()) == PCM
    assert "playing generation" in result.stderr and "through aplay" in result.stderr


def test_play_of_another_format_plays_the_stream_and_downloads_the_track(runner, server, fake_player):
    with_stream(server)
    result = invoke(runner, "generate", "warm synthwave", "--play", "-o", "take.flac")
    assert result.exit_code == 0, result.output
    assert fake_player.read_bytes() == STREAMED
    assert len(file_requests(server)) == 1 and Path("take.flac").stat().st_size == 256000


def test_without_a_player_play_exits_2_and_names_the_generation(runner, server, tmp_path, monkeypatch):
    seen = with_stream(server)
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = invoke(runner, "generate", "warm synthwave", "--play", "--json")
    assert result.exit_code == 2
    assert len([r for r in server.requests if r.method == "POST"]) == 1
    gen_id = json.loads(result.stdout)["id"]
    assert gen_id.endswith(":lyria2") and gen_id in server.timelines
    assert "no audio player on PATH (looked for ffplay, aplay, paplay, pw-play)" in result.stderr
    assert f"orchestrion download {gen_id}" in result.stderr
    assert seen == []


def test_a_generation_that_fails_before_any_audio_exits_1_with_its_error(runner, server, fake_player):
    with_stream(server, httpx.Response(409, json=error_body(409, "The generation failed before any audio.",
                                                            "/v2/generate/audio/stream")))
    server.on_create = lambda gen_id: [queued(gen_id), failed(gen_id)]
    result = invoke(runner, "generate", "warm synthwave", "--play", "-o", "take.wav")
    assert result.exit_code == 1
    assert "generation failed: engine_error: the SoundFont could not be read" in result.stderr
    assert not Path("take.wav").exists()


def test_stream_and_play_need_a_server_and_wav(runner, server):
    result = runner.invoke(cli, ["generate", "x", "--play"], prog_name="orchestrion")
    assert result.exit_code == 2 and "--play needs a server" in result.output
    result = invoke(runner, "generate", "x", "--stream", "--format", "mp3")
    assert result.exit_code == 2 and "--stream writes WAV as it renders" in result.output
    assert server.requests == []


def test_a_stream_cut_short_leaves_no_file_and_exits_3(runner, server):
    whole = wav_header(len(PCM)) + PCM
    with_stream(server, httpx.Response(200, content=whole[:1044], headers={"Content-Type": "audio/wav"}))
    result = invoke(runner, "generate", "x", "--stream", "-o", "take.wav")
    assert result.exit_code == 3
    assert "cut short: 1000 of 38400 bytes of audio" in result.stderr
    assert not Path("take.wav").exists()


def test_a_broken_playback_of_another_format_still_downloads_the_track(runner, server, fake_player):
    whole = wav_header(len(PCM)) + PCM
    with_stream(server, httpx.Response(200, content=whole[:1044], headers={"Content-Type": "audio/wav"}))
    result = invoke(runner, "generate", "x", "--play", "-o", "take.flac")
    assert result.exit_code == 0, result.output
    assert "playback ended early: the stream of generation" in result.stderr
    assert Path("take.flac").stat().st_size == 256000
    assert "queued" not in result.stderr.split("playback ended early")[1]  # no stale status after the stream


def test_a_player_that_gives_up_does_not_lose_the_track(runner, server, tmp_path, monkeypatch):
    with_stream(server)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "paplay").write_text(f"#!{sys.executable}\nimport sys\nsys.exit('no sound card here')\n")
    (bin_dir / "paplay").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    result = invoke(runner, "generate", "x", "--play", "-o", "take.wav")
    assert result.exit_code == 0, result.output
    assert "the player exited with status 1: no sound card here" in result.stderr
    with wave.open("take.wav") as track:
        assert track.readframes(track.getnframes()) == PCM
