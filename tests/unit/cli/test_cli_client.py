"""`orchestrion generate`, `status`, `download` and `models`: output, progress, JSON and exit codes.

The server side is the scripted fake from the client tests behind httpx.MockTransport; the in-process path runs the
suite's tone engine. Exit codes: 0 done, 1 generation failed, 2 usage, 3 server or authentication error.
"""

from __future__ import annotations

import io
import json
import re
import wave
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from orchestrion.cli import cli
from orchestrion.cli._client_support import Progress
from tests.support.server import free_port
from tests.unit.client.fake_server import BASE_URL, FakeServer, completed, error_body, failed, generating, queued

TONE_CONFIG = """
[models."test/tone"]
engine = "tests.engines.tone:ToneEngine"
"""


def invoke(runner: CliRunner, *args: str, **kwargs):
    return runner.invoke(cli, list(args), prog_name="orchestrion", catch_exceptions=False, **kwargs)


def with_files(server: FakeServer, gen_id: str) -> dict:
    return completed(
        gen_id,
        audio_file=server.add_file("output.wav"),
        midi_file=server.add_file("score.mid", b"MThd" + bytes(20)),
        stems=[dict(server.add_file("strings.wav", b"RIFF" + bytes(300)), name="strings")],
    )


def slow_timeline(server: FakeServer):
    def timeline(gen_id: str) -> list[dict]:
        steps = [queued(gen_id, 2), queued(gen_id, 1), queued(gen_id, 0)]
        steps += [generating(gen_id, p / 100) for p in (5, 12, 25, 38, 51, 64, 77, 90, 99)]
        return steps + [with_files(server, gen_id)]

    server.on_create = timeline


# -- help -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["generate", "status", "download", "models"])
def test_each_client_command_has_help(runner, command):
    result = invoke(runner, command, "--help")
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: orchestrion {command}")
    assert "--api-key" in result.output
    assert "--json" in result.output and "--base-url" in result.output


def test_generate_help_explains_the_exit_codes(runner):
    output = invoke(runner, "generate", "--help").output
    assert "0 done, 1 generation failed" in output
    for option in ("--negative-prompt", "--seed", "--duration", "--bpm", "--key", "--loop", "--format", "--model",
                   "--output", "--midi", "--stems"):
        assert option in output


# -- generate through a server --------------------------------------------------------------------------------------


def test_generate_through_a_server_writes_the_track_and_prints_its_path(runner, server):
    slow_timeline(server)
    result = invoke(runner, "generate", "lo-fi hip hop, rainy night", "--seed", "9", "--duration", "20", "--bpm",
                    "80", "--key", "F minor", "--loop", "-o", "rain.wav", "--base-url", BASE_URL, "--api-key", "k1")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "rain.wav"
    assert Path("rain.wav").read_bytes() == server.files[next(p for p in server.files if p.endswith("output.wav"))]
    assert server.created_bodies == [{
        "model": "google/lyria2", "prompt": "lo-fi hip hop, rainy night", "seed": 9, "output_format": "wav",
        "duration": 20.0, "bpm": 80.0, "key": "F minor", "loop": True,
    }]
    assert server.requests[0].headers["Authorization"] == "Bearer k1"
    # Piped progress: plain lines, one per visible change, in order.
    lines = result.stderr.splitlines()
    assert lines[0].startswith("queued  [")  # the create answer: no position yet
    assert lines[1].startswith("queued (2 ahead)")
    assert any(line.startswith("queued (next in line)") for line in lines)
    assert any(line.startswith("generating 50%") for line in lines)
    assert any(line.startswith("completed") for line in lines)
    assert "\x1b[" not in result.stderr  # no terminal codes when not on a terminal
    assert len(lines) <= 14
    assert lines[-1].startswith("wrote rain.wav (seed 42")


def test_generate_json_prints_one_object_and_nothing_else(runner, server):
    server.on_create = lambda gen_id: [generating(gen_id), with_files(server, gen_id)]
    result = invoke(runner, "generate", "a waltz", "--json", "--midi", "waltz.mid", "--stems", "parts",
                    "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["status"] == "completed"
    assert payload["mode"] == "server"
    assert payload["id"].endswith(":lyria2")
    assert payload["file"] == "orchestrion-42.wav" and payload["file_size"] == Path("orchestrion-42.wav").stat().st_size
    assert payload["midi"] == "waltz.mid" and Path("waltz.mid").read_bytes().startswith(b"MThd")
    assert payload["stems"] == [str(Path("parts") / "strings.wav")]
    assert result.stderr == ""


def test_the_default_file_name_never_overwrites(runner, server):
    Path("orchestrion-42.wav").write_bytes(b"keep me")
    result = invoke(runner, "generate", "x", "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "orchestrion-42-1.wav"
    assert Path("orchestrion-42.wav").read_bytes() == b"keep me"


def test_the_format_follows_the_output_extension(runner, server):
    invoke(runner, "generate", "x", "-o", "song.flac", "--base-url", BASE_URL)
    assert server.created_bodies[-1]["output_format"] == "flac"
    result = invoke(runner, "generate", "x", "-o", "song.flac", "--format", "mp3", "--base-url", BASE_URL)
    assert result.exit_code == 2
    assert "ends in .flac but --format is mp3" in result.stderr


def test_a_failed_generation_exits_1_with_the_reason(runner, server):
    server.on_create = lambda gen_id: [generating(gen_id), failed(gen_id)]
    result = invoke(runner, "generate", "x", "--base-url", BASE_URL)
    assert result.exit_code == 1
    assert "generation failed: engine_error: the SoundFont could not be read" in result.stderr
    assert result.stdout == ""
    result = invoke(runner, "generate", "x", "--base-url", BASE_URL, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "status": "error",
        "error": {
            "name": "engine_error",
            "message": "generation failed: engine_error: the SoundFont could not be read",
        },
        "exit_code": 1,
    }


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, 2, "prompt: must not be longer than 5000 characters"),
        (401, 3, "pass --api-key or set ORCHESTRION_API_KEY"),
        (403, 3, "revoked or out of credits"),
        (429, 3, "the server answered 429"),
        (500, 3, "[request req-500]"),
    ],
)
def test_server_errors_map_to_exit_codes(runner, server, status, code, expected):
    server.script.append(httpx.Response(status, json=error_body(status, "prompt: must not be longer than 5000 "
                                                                        "characters" if status == 400 else "nope")))
    result = invoke(runner, "generate", "x", "--base-url", BASE_URL)
    assert result.exit_code == code
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_an_unreachable_server_exits_3_with_a_hint(runner):
    url = f"http://127.0.0.1:{free_port()}"
    result = invoke(runner, "generate", "x", "--base-url", url)
    assert result.exit_code == 3
    assert "cannot reach the server" in result.stderr and f"running at {url}" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["--seed", "-1"], ["--seed", str(2**32)], ["--format", "aiff"], ["--duration", "0"], []],
)
def test_usage_errors_exit_2(runner, args):
    result = invoke(runner, "generate", *(args or [" "]), *(["x"] if args else []))
    assert result.exit_code == 2
    assert "Error" in result.stderr


def test_the_environment_selects_the_server(runner, server, monkeypatch):
    monkeypatch.setenv("ORCHESTRION_BASE_URL", BASE_URL)
    monkeypatch.setenv("ORCHESTRION_API_KEY", "from-env")
    result = invoke(runner, "generate", "x")
    assert result.exit_code == 0, result.output
    assert server.requests[0].headers["Authorization"] == "Bearer from-env"


# -- generate in this process ---------------------------------------------------------------------------------------


def test_generate_in_process_writes_a_48k_stereo_track_midi_and_stems(runner, tmp_path):
    config = tmp_path / "tone.toml"
    config.write_text(TONE_CONFIG)
    result = invoke(runner, "generate", "a tone", "--model", "test/tone", "--config", str(config), "--seed", "3",
                    "--duration", "6", "-o", "tone.wav", "--midi", "tone.mid", "--stems", "stems", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["mode"] == "local" and payload["seed"] == 3 and payload["status"] == "completed"
    assert payload["info"] == {"frequency": 280.0}
    with wave.open("tone.wav") as track:
        assert (track.getframerate(), track.getnchannels(), track.getsampwidth()) == (48000, 2, 2)
        assert track.getnframes() == 6 * 48000
    assert Path("tone.mid").read_bytes().startswith(b"MThd")
    assert payload["stems"] == [str(Path("stems") / "tone.wav")]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no partial files


def test_generate_in_process_reports_progress_and_failures(runner, tmp_path):
    config = tmp_path / "tone.toml"
    config.write_text(TONE_CONFIG)
    ok = invoke(runner, "generate", "sleep:0.2", "--model", "test/tone", "--config", str(config), "--duration", "5")
    assert ok.exit_code == 0, ok.output
    assert "loading engine" in ok.stderr and "generating 50%" in ok.stderr
    assert ok.stdout.strip().startswith("orchestrion-") and Path(ok.stdout.strip()).stat().st_size > 0
    failed_run = invoke(runner, "generate", "please fail", "--model", "test/tone", "--config", str(config))
    assert failed_run.exit_code == 1
    assert "the tone engine was asked to fail" in failed_run.stderr
    unknown = invoke(runner, "generate", "x", "--model", "nope/none", "--config", str(config))
    assert unknown.exit_code == 2 and "unknown model 'nope/none'" in unknown.stderr
    too_long = invoke(runner, "generate", "x", "--model", "test/tone", "--config", str(config), "--duration", "900")
    assert too_long.exit_code == 2 and "duration" in too_long.stderr


# -- status, download, models ---------------------------------------------------------------------------------------


def test_status_shows_the_generation_and_exits_by_outcome(runner, server):
    server.timelines["g-ok"] = [with_files(server, "g-ok")]
    result = invoke(runner, "status", "g-ok", "--base-url", BASE_URL)
    assert result.exit_code == 0
    assert re.search(r"^status +completed$", result.stdout, re.M)
    assert "output.wav (audio/wav, 256.0 kB)" in result.stdout
    assert "strings: strings.wav" in result.stdout
    server.timelines["g-bad"] = [failed("g-bad")]
    result = invoke(runner, "status", "g-bad", "--base-url", BASE_URL, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["name"] == "engine_error"
    result = invoke(runner, "status", "g-missing", "--base-url", BASE_URL)
    assert result.exit_code == 3 and "not found" in result.stderr


def test_download_waits_for_an_unfinished_generation(runner, server):
    server.timelines["g1"] = [queued("g1"), generating("g1"), with_files(server, "g1")]
    result = invoke(runner, "download", "g1", "-o", "out/", "--midi", "s.mid", "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["s.mid", str(Path("out") / "output.wav")]
    assert Path("out/output.wav").stat().st_size == 256000
    server.timelines["g2"] = [queued("g2", 5)]
    result = invoke(runner, "download", "g2", "--no-wait", "--base-url", BASE_URL)
    assert result.exit_code == 1 and "still queued" in result.stderr


def test_models_lists_ids_engines_and_aliases(runner, server):
    result = invoke(runner, "models", "--base-url", BASE_URL)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "google/lyria2         engine composer, alias of orchestrion/composer",
        "orchestrion/composer  engine composer",
    ]
    payload = json.loads(invoke(runner, "models", "--json", "--base-url", BASE_URL).stdout)
    assert [m["id"] for m in payload["data"]] == ["google/lyria2", "orchestrion/composer"]


# -- the live bar ---------------------------------------------------------------------------------------------------


def test_on_a_terminal_progress_is_a_live_bar():
    stream = io.StringIO()
    ticks = iter(range(100))
    with Progress(stream=stream, live=True, clock=lambda: float(next(ticks))) as progress:
        progress.update("queued", None, 3)
        progress.update("generating", 40.0)
        progress.update("completed", 100.0)
    text = stream.getvalue()
    assert "\x1b[" in text  # drawn with terminal codes
    assert "completed" in text and "100%" in text
    assert "━" in text  # the bar itself


def test_json_mode_shows_no_progress():
    stream = io.StringIO()
    with Progress(enabled=False, stream=stream) as progress:
        progress.update("generating", 50.0)
    assert stream.getvalue() == ""
