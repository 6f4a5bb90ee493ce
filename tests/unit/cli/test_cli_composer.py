"""The composer's flags of `orchestrion generate` (through a server and in this process), the edit commands
`extend`, `repaint` and `remix`, and the plan, edit and sheet music in `status` and `download`.

The server is the scripted fake of the client tests (fixtures in conftest.py). Exit codes: 0 done, 1 generation
failed, 2 usage, 3 server error.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import httpx
import pytest

from tests.unit.cli.test_cli_client import invoke
from tests.unit.client.fake_server import BASE_URL, FakeServer, completed, error_body, generating

MIDI = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x00\x00\x04\x00\xff\x2f\x00"
SOURCE = "0b7c7f1e-1111-4222-8333-444455556666:lyria2"
PLAN = {"sections": [
    {"name": "intro", "start": 0.0, "bars": 4, "chords": ["Am", "F", "C", "G"]},
    {"name": "chorus", "start": 68.5, "bars": 1, "chords": ["F"]},
]}
RECORDER_CONFIG = """
[models."test/recorder"]
engine = "tests.engines.recorder:RecordingEngine"
record_file = "{record}"
"""


def composed(server: FakeServer, gen_id: str, **extra) -> dict:
    sheets = []
    for name, fmt, page in (("lead_sheet", "musicxml", None), ("score", "svg", 1)):
        entry = server.add_file(f"{name}.{fmt}" if page is None else f"{name}-{page}.{fmt}", b"<" + fmt.encode())
        sheets.append({**entry, "name": name, "format": fmt, **({"page": page} if page else {})})
    return completed(gen_id, audio_file=server.add_file("output.wav"), model="orchestrion/composer", plan=PLAN,
                     sheet_music=sheets, **extra)


def with_source(server: FakeServer) -> None:
    server.timelines[SOURCE] = [composed(server, SOURCE)]


# -- generate -------------------------------------------------------------------------------------------------------


def test_generate_sends_the_composer_flags_and_shows_the_plan(runner, server, tmp_path):
    Path("song.mid").write_bytes(MIDI)
    sections = [{"name": "intro", "seconds": 8}, {"name": "chorus", "bars": 8, "prompt": "big"}]
    Path("plan.json").write_text(json.dumps({"sections": sections}))
    server.on_create = lambda gen_id: [generating(gen_id), composed(server, gen_id)]
    result = invoke(runner, "generate", "a folk waltz", "--chords", "Am F C G", "--bars-per-chord", "2",
                    "--time-signature", "3/4", "--instrument", "piano", "--instrument", "cello:melody",
                    "--sections", "plan.json", "--midi-in", "song.mid", "--midi-mode", "arrange", "--no-sheet-music",
                    "-o", "waltz.wav", "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["waltz.wav"]
    assert server.created_bodies == [{
        "model": "google/lyria2", "prompt": "a folk waltz", "output_format": "wav", "chords": "Am F C G",
        "bars_per_chord": 2, "time_signature": "3/4", "instruments": ["piano", {"name": "cello", "role": "melody"}],
        "sections": sections, "midi": base64.b64encode(MIDI).decode(), "midi_mode": "arrange", "sheet_music": False,
    }]
    lines = result.stderr.splitlines()
    plan_at = lines.index("plan:")
    assert lines[plan_at + 1:plan_at + 3] == [
        "  0:00.0  intro   4 bars   Am F C G",
        "  1:08.5  chorus  1 bar    F",
    ]
    assert lines[-1].startswith("wrote waltz.wav")


def test_generate_downloads_sheet_music_and_reports_it_as_json(runner, server):
    server.on_create = lambda gen_id: [composed(server, gen_id)]
    result = invoke(runner, "generate", "a march", "--sheet-music", "sheets", "--json", "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["sheet_music"] == [str(Path("sheets") / "lead_sheet.musicxml"), str(Path("sheets") / "score-1.svg")]
    assert Path("sheets/score-1.svg").read_bytes() == b"<svg"
    assert payload["plan"] == PLAN and "edit" not in payload
    assert result.stderr == ""
    # Text mode: the sheet music's paths come before the track's, which stays last.
    result = invoke(runner, "generate", "a march", "--sheet-music", "more", "-o", "m.wav", "--base-url", BASE_URL)
    assert result.stdout.splitlines()[-1] == "m.wav" and len(result.stdout.splitlines()) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--midi-mode", "render"], "--midi-mode needs --midi-in"),
        (["--sections", "bad.json"], "cannot read a JSON section plan"),
        (["--sections", "notalist.json"], "must hold a list of sections"),
        (["--sheet-music", "d", "--no-sheet-music"], "contradict"),
        (["--midi-in", "missing.mid"], "does not exist"),
        (["--instrument", ":melody"], "names no instrument"),
        (["--bars-per-chord", "9"], "--bars-per-chord"),
    ],
)
def test_composer_flag_mistakes_are_usage_errors(runner, server, args, message):
    Path("bad.json").write_text("{not json")
    Path("notalist.json").write_text('{"name": "intro"}')
    result = invoke(runner, "generate", "x", *args, "--base-url", BASE_URL)
    assert result.exit_code == 2
    assert message in result.stderr
    assert server.requests == []


def test_generate_in_process_hands_the_composer_fields_to_the_engine(runner, tmp_path):
    record = tmp_path / "record.jsonl"
    config = tmp_path / "recorder.toml"
    config.write_text(RECORDER_CONFIG.format(record=record))
    Path("song.mid").write_bytes(MIDI)
    Path("plan.json").write_text('[{"name": "verse", "bars": 4}]')
    result = invoke(runner, "generate", "a tone", "--model", "test/recorder", "--config", str(config), "--seed", "5",
                    "--chords", "C G", "--time-signature", "6/8", "--instrument", "flute", "--sections", "plan.json",
                    "--midi-in", "song.mid", "--no-sheet-music", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mode"] == "local"
    generated = json.loads(record.read_text().splitlines()[-1])
    assert generated["params"] == {
        "output_format": "wav", "chords": "C G", "time_signature": "6/8", "instruments": ["flute"],
        "sections": [{"name": "verse", "bars": 4}], "sheet_music": False,
        "midi": {"file": "input.mid", "bytes": len(MIDI)}, "midi_mode": "render",  # the bytes travel as a file
    }


# -- extend, repaint, remix -----------------------------------------------------------------------------------------


def test_extend_waits_downloads_and_says_where_the_seam_is(runner, server):
    with_source(server)
    edit = {"operation": "extend", "generation_id": SOURCE, "seam": 26.4, "crossfade": 0.5}
    server.on_create = lambda gen_id: [generating(gen_id), composed(server, gen_id, edit=edit)]
    result = invoke(runner, "extend", SOURCE, "--seconds", "15", "-o", "longer.flac", "--base-url", BASE_URL,
                    "--api-key", "k1")
    assert result.exit_code == 0, result.output
    assert result.stdout == "longer.flac\n" and Path("longer.flac").stat().st_size == 256000
    # The source's model, looked up first; the format from -o.
    assert [r.method for r in server.requests[:2]] == ["GET", "POST"]
    assert server.created_bodies == [{"model": "orchestrion/composer", "output_format": "flac",
                                      "extend": {"generation_id": SOURCE, "seconds": 15.0}}]
    assert f"extended {SOURCE} from 0:26.4, 0.5 s crossfade" in result.stderr
    assert "  0:00.0  intro" in result.stderr


def test_repaint_sends_the_span_and_reports_it(runner, server):
    with_source(server)
    edit = {"operation": "repaint", "generation_id": SOURCE, "start": 9.6, "end": 21.3}
    server.on_create = lambda gen_id: [composed(server, gen_id, edit=edit)]
    result = invoke(runner, "repaint", SOURCE, "--start", "10", "--end", "20", "--prompt", "a quiet break",
                    "--seed", "4", "--model", "google/lyria2", "--json", "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    assert server.created_bodies == [{
        "model": "google/lyria2", "seed": 4, "output_format": "wav",
        "repaint": {"generation_id": SOURCE, "start": 10.0, "end": 20.0, "prompt": "a quiet break"},
    }]
    assert server.requests[0].method == "POST"  # no look-up: the model was given
    payload = json.loads(result.stdout)
    assert payload["edit"] == edit and payload["mode"] == "server" and payload["status"] == "completed"
    backwards = invoke(runner, "repaint", SOURCE, "--start", "20", "--end", "10", "--base-url", BASE_URL)
    assert backwards.exit_code == 2 and "must be after --start" in backwards.stderr


def test_remix_sends_prompt_tempo_and_key(runner, server):
    with_source(server)
    server.on_create = lambda gen_id: [composed(server, gen_id, edit={"operation": "remix", "generation_id": SOURCE})]
    result = invoke(runner, "remix", SOURCE, "--prompt", "synthwave", "--bpm", "110", "--key", "E minor",
                    "--sheet-music", "sheets", "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    # the sheet music the flag writes is asked for: a server makes it only when asked
    assert server.created_bodies == [{"model": "orchestrion/composer", "prompt": "synthwave", "bpm": 110.0,
                                      "key": "E minor", "output_format": "wav", "sheet_music": True,
                                      "remix": {"generation_id": SOURCE}}]
    assert f"remix of {SOURCE}" in result.stderr
    assert Path("sheets/lead_sheet.musicxml").exists()
    assert invoke(runner, "remix", SOURCE, "--base-url", BASE_URL).exit_code == 2  # --prompt is required


@pytest.mark.parametrize(
    ("status", "message", "code"),
    [
        (404, f"extend.generation_id: no generation {SOURCE} for this key", 3),
        (409, "extend.generation_id: the source is still generating", 3),
        (410, "extend.generation_id: the source's files were deleted", 3),
        (400, "model: orchestrion/tone cannot extend (composer models only)", 2),
    ],
)
def test_edit_errors_are_the_servers_message_without_a_traceback(runner, server, status, message, code):
    server.script.append(httpx.Response(status, json=error_body(status, message)))
    result = invoke(runner, "extend", SOURCE, "--model", "google/lyria2", "--base-url", BASE_URL)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_an_unknown_source_is_reported_when_its_model_is_looked_up(runner, server):
    result = invoke(runner, "remix", "nope:lyria2", "--prompt", "x", "--base-url", BASE_URL, "--json")
    assert result.exit_code == 3
    message = json.loads(result.stdout)["error"]["message"]
    assert message == "the server answered 404: generation nope:lyria2 not found [request req-404]"


@pytest.mark.parametrize("command", ["extend", "repaint", "remix"])
def test_edit_commands_have_help(runner, command):
    result = invoke(runner, command, "--help")
    assert result.exit_code == 0 and result.output.startswith(f"Usage: orchestrion {command} [OPTIONS] ID")
    for option in ("--model", "--seed", "--output", "--sheet-music", "--base-url", "--api-key", "--json"):
        assert option in result.output
    assert command in invoke(runner, "--help").output


# -- status and download --------------------------------------------------------------------------------------------


def test_status_shows_the_plan_the_edit_and_the_sheet_music(runner, server):
    server.timelines["g1"] = [composed(server, "g1", edit={"operation": "repaint", "generation_id": SOURCE,
                                                              "start": 9.6, "end": 21.3})]
    result = invoke(runner, "status", "g1", "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert re.search(rf"^edit +repainted {SOURCE} from 0:09.6 to 0:21.3$", text, re.M)
    assert re.search(r"^plan +0:00.0  intro   4 bars   Am F C G\n +1:08.5  chorus  1 bar    F$", text, re.M)
    assert re.search(r"^sheet +score: score-1.svg \(audio/wav, 4 B\)$", text, re.M)


def test_download_writes_the_sheet_music_when_asked(runner, server):
    server.timelines["g1"] = [composed(server, "g1")]
    result = invoke(runner, "download", "g1", "--sheet-music", "sheets", "--base-url", BASE_URL)
    assert result.exit_code == 0, result.output
    written = result.stdout.splitlines()
    assert written[:2] == [str(Path("sheets") / "lead_sheet.musicxml"), str(Path("sheets") / "score-1.svg")]
    assert Path(written[2]).name == "output.wav" and Path("sheets/lead_sheet.musicxml").read_bytes() == b"<musicxml"
    server.timelines["g2"] = [completed("g2", audio_file=server.add_file("output.wav"))]
    result = invoke(runner, "download", "g2", "--sheet-music", "sheets", "--base-url", BASE_URL)
    assert result.exit_code == 1 and "has no sheet music" in result.stderr
