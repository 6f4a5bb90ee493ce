"""Editing a composer track through the SDK and the CLI against a live `orchestrion serve`: extend, repaint and
remix on both twins, the `edit` and `plan` of their answers, their sheet music, and the server's refusals arriving
as typed errors (docs/editing.md is the contract)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
import soundfile

from orchestrion import AsyncClient, BadRequestError, Client, ConflictError, NotFoundError
from orchestrion.client import Generation
from tests.support.server import ServerProcess, clean_env

COMPOSER = "orchestrion/composer"
#: One step of 16-bit audio: what "sample for sample" may differ by once both tracks are encoded.
LSB = 1.5 / 32768
#: The answer's times are rounded to milliseconds, so a bar boundary it gives may lie up to this much after the true one.
ROUNDING = 0.001


def audio_of(client: Client, generation: Generation, folder: Path) -> tuple[np.ndarray, int]:
    path = client.audio.download(generation, folder / f"{generation.id.split(':')[0]}.wav")
    data, rate = soundfile.read(io.BytesIO(path.read_bytes()), dtype="float32", always_2d=True)
    return data, rate


@pytest.fixture(scope="module")
def source(live_server: ServerProcess) -> Iterator[Generation]:
    """One short composer track (10 s) that every edit starts from."""
    with Client(live_server.base_url, live_server.api_key) as client:
        yield client.audio.generate_and_wait(model=COMPOSER, prompt="a gentle folk tune with piano and flute",
                                             duration=10, seed=21, sheet_music=True, timeout=240)


def test_the_source_has_a_plan_and_sheet_music(live_server: ServerProcess, source: Generation,
                                               tmp_path: Path) -> None:
    assert source.is_completed and source.edit is None
    assert source.plan is not None and source.plan.sections
    assert source.plan.sections[0].start == 0.0
    assert all(section.bars and section.chords for section in source.plan.sections)
    formats = {(sheet.name, sheet.format) for sheet in source.sheet_music}
    assert {("lead_sheet", "musicxml"), ("score", "musicxml")} <= formats
    assert any(sheet.format == "svg" and sheet.page == 1 for sheet in source.sheet_music)
    with Client(live_server.base_url, live_server.api_key) as client:
        (lead_sheet,) = [s for s in source.sheet_music if (s.name, s.format) == ("lead_sheet", "musicxml")]
        path = client.audio.download(source, str(tmp_path / "sheets") + "/", file=lead_sheet)
        assert path.stat().st_size == lead_sheet.file_size and b"<score-partwise" in path.read_bytes()


def test_sync_client_extends_repaints_and_remixes(live_server: ServerProcess, source: Generation,
                                                  tmp_path: Path) -> None:
    with Client(live_server.base_url, live_server.api_key) as client:
        original, rate = audio_of(client, source, tmp_path)

        # extend: the source's audio up to the seam (less the crossfade), then 5 s more.
        longer = client.audio.extend_and_wait(source.id, 5, timeout=240)  # only the id: the model is looked up
        assert longer.is_completed and longer.model == source.model
        edit = longer.edit
        assert edit is not None and edit.operation == "extend" and edit.generation_id == source.id
        assert edit.seam is not None and 0 < edit.seam < len(original) / rate
        assert edit.crossfade is not None and edit.crossfade >= 0
        extended, _ = audio_of(client, longer, tmp_path)
        assert abs(len(extended) / rate - (len(original) / rate + 5)) < 0.5
        kept = int((edit.seam - edit.crossfade - ROUNDING) * rate)
        assert np.max(np.abs(extended[:kept] - original[:kept])) <= LSB
        assert longer.plan is not None and longer.plan.sections[-1].start >= source.plan.sections[-1].start

        # repaint: the widened span composed anew, everything before it the source's audio.
        repainted = client.audio.repaint_and_wait(source, 3.0, 6.0, prompt="a quiet flute solo", seed=4, timeout=240)
        assert repainted.is_completed
        edit = repainted.edit
        assert edit is not None and edit.operation == "repaint" and edit.generation_id == source.id
        assert edit.start is not None and edit.end is not None
        assert edit.start <= 3.0 < 6.0 <= edit.end
        painted, _ = audio_of(client, repainted, tmp_path)
        assert abs(len(painted) - len(original)) <= rate // 100
        before = int((edit.start - ROUNDING) * rate)
        assert np.max(np.abs(painted[:before] - original[:before]), initial=0.0) <= LSB
        assert not np.allclose(painted[before:int(edit.end * rate)], original[before:int(edit.end * rate)])

        # remix: the same form and harmony in another style.
        remixed = client.audio.remix_and_wait(source, "a string quartet", seed=8, timeout=240)
        assert remixed.is_completed
        assert remixed.edit is not None and remixed.edit.operation == "remix"
        assert remixed.edit.generation_id == source.id
        assert remixed.plan is not None
        assert [(s.name, s.bars, s.chords) for s in remixed.plan.sections] == [
            (s.name, s.bars, s.chords) for s in source.plan.sections
        ]


async def test_async_client_extends_repaints_and_remixes(live_server: ServerProcess, source: Generation) -> None:
    async with AsyncClient(live_server.base_url, live_server.api_key) as client:
        queued = [
            await client.audio.extend(source, 5),
            await client.audio.repaint(source.id, 1.0, 2.0),
            await client.audio.remix(source, "a brass band", bpm=100),
        ]
        assert all(created.status in ("queued", "generating", "completed") for created in queued)
        done = [await client.audio.wait(created, timeout=240) for created in queued]
    assert [g.status for g in done] == ["completed"] * 3
    assert [g.edit.operation for g in done] == ["extend", "repaint", "remix"]
    assert {g.edit.generation_id for g in done} == {source.id}
    assert all(g.plan is not None and g.plan.sections for g in done)
    assert done[1].edit.start <= 1.0 and done[1].edit.end >= 2.0


def test_sdk_sends_a_midi_file_to_render(live_server: ServerProcess, source: Generation, tmp_path: Path) -> None:
    with Client(live_server.base_url, live_server.api_key) as client:
        midi = client.audio.download(source, tmp_path / "source.mid", file=source.midi_file)
        rendered = client.audio.generate_and_wait(model=COMPOSER, prompt="play it", midi=midi, sheet_music=False,
                                                  timeout=240)
        assert rendered.is_completed and rendered.sheet_music == ()
        assert rendered.plan is not None and rendered.plan.sections
        track, rate = audio_of(client, rendered, tmp_path)
        original, _ = audio_of(client, source, tmp_path)
        assert abs(len(track) - len(original)) / rate < 3.0


def test_refusals_arrive_typed(live_server: ServerProcess, source: Generation) -> None:
    with Client(live_server.base_url, live_server.api_key) as client:
        with pytest.raises(NotFoundError):
            client.audio.extend("00000000-0000-4000-8000-000000000000:lyria2")  # the model look-up
        with pytest.raises(NotFoundError, match="extend.generation_id"):
            client.audio.extend("00000000-0000-4000-8000-000000000000:lyria2", model=COMPOSER)
        with pytest.raises(BadRequestError, match="extend.seconds"):
            client.audio.extend(source, 1)
        with pytest.raises(BadRequestError, match="repaint"):
            client.audio.repaint(source, 8.0, 4.0)
        # A source still being made answers 409 (then it is canceled: nobody needs it).
        busy = client.audio.generate(model=COMPOSER, prompt="a long slow piece", duration=60, seed=2)
        try:
            with pytest.raises(ConflictError):
                client.audio.extend(busy, 5, model=COMPOSER)
        finally:
            client.audio.cancel(busy)
        # Another key's generation does not exist for this one.
        stranger = live_server.create_key("stranger")
    with Client(live_server.base_url, stranger) as other:
        with pytest.raises(NotFoundError):
            other.audio.remix(source.id, "anything", model=COMPOSER)


def test_cli_extends_a_generation(live_server: ServerProcess, source: Generation, tmp_path: Path) -> None:
    env = clean_env(ORCHESTRION_BASE_URL=live_server.base_url, ORCHESTRION_API_KEY=live_server.api_key)
    run = subprocess.run(
        [sys.executable, "-m", "orchestrion", "extend", source.id, "--seconds", "5", "-o", "longer.wav",
         "--sheet-music", "sheets"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "longer.wav"
    assert "plan:" in run.stderr and f"extended {source.id} from" in run.stderr
    info = soundfile.info(io.BytesIO((tmp_path / "longer.wav").read_bytes()))
    assert (info.samplerate, info.channels) == (48000, 2) and info.duration > 12
    assert any(p.suffix == ".svg" for p in (tmp_path / "sheets").iterdir())

    missing = subprocess.run(
        [sys.executable, "-m", "orchestrion", "extend", "00000000-0000-4000-8000-000000000000:lyria2", "--json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert missing.returncode == 3
    assert "404" in missing.stderr and "Traceback" not in missing.stderr
    assert json.loads(missing.stdout)["exit_code"] == 3
