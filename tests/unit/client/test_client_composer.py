"""The composer's request fields, the edits (extend, repaint, remix) and the plan, sheet music and edit of an answer,
on both twins."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from orchestrion import ConflictError, NotFoundError, OrchestrionError
from orchestrion.client import Edit, Generation, Plan, PlanSection, SheetMusicFile

MIDI = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x00\x00\x04\x00\xff\x2f\x00"
SOURCE = "0b7c7f1e-1111-4222-8333-444455556666:lyria2"
PLAN = {"sections": [
    {"name": "intro", "start": 0.0, "bars": 4, "chords": ["Am", "F", "C", "G"]},
    {"name": "chorus", "start": 8.0, "bars": 8, "chords": ["F", "G", "Am", "Am"]},
]}


def posted(twin) -> list[dict]:
    return [json.loads(r.content) for r in twin.server.requests if r.method == "POST"]


def sheet(twin, name: str, fmt: str, page: int | None = None) -> dict:
    file_name = f"{name}.{fmt}" if page is None else f"{name}-{page}.{fmt}"
    entry = twin.server.add_file(file_name, f"<{fmt}>".encode() * 50)
    entry.update(name=name, format=fmt, content_type="image/svg+xml" if fmt == "svg" else "application/xml")
    return entry if page is None else {**entry, "page": page}


def stored_source(twin, **extra) -> str:
    twin.server.timelines[SOURCE] = [twin.completed(SOURCE, model="orchestrion/composer", plan=PLAN, **extra)]
    return SOURCE


# -- request fields ---------------------------------------------------------------------------------------------


async def test_generate_sends_the_composer_fields_and_base64_of_the_midi(twin, tmp_path):
    sections = [{"name": "intro", "seconds": 8}, {"name": "chorus", "bars": 8, "prompt": "big", "energy": 0.9}]
    await twin.run(twin.client.audio.generate(
        prompt="a folk waltz", chords="Am F C G", bars_per_chord=2, time_signature="3/4",
        instruments=["piano", {"name": "cello", "role": "melody"}], sections=sections, midi=MIDI,
        midi_mode="arrange", sheet_music=False,
    ))
    path = tmp_path / "song.mid"
    path.write_bytes(MIDI)
    await twin.run(twin.client.audio.generate(prompt="render it", midi=path, instruments="piano"))
    await twin.run(twin.client.audio.generate(prompt="render it", midi=str(path)))
    first, from_path, from_str = posted(twin)
    assert first == {
        "model": "google/lyria2", "prompt": "a folk waltz", "chords": "Am F C G", "bars_per_chord": 2,
        "time_signature": "3/4", "instruments": ["piano", {"name": "cello", "role": "melody"}],
        "sections": sections, "midi": base64.b64encode(MIDI).decode(), "midi_mode": "arrange",
        "sheet_music": False,
    }
    assert base64.b64decode(from_path["midi"]) == MIDI and from_str["midi"] == from_path["midi"]
    assert from_path["instruments"] == ["piano"]  # one name is one instrument, not its letters
    assert "sheet_music" not in from_path and "midi_mode" not in from_path  # unset fields are left out


async def test_prompt_is_required_except_for_an_edit(twin):
    with pytest.raises(TypeError, match="prompt is required"):
        await twin.run(twin.client.audio.generate(chords="Am F"))
    with pytest.raises(TypeError, match="sections must be a list"):
        await twin.run(twin.client.audio.generate(prompt="x", sections={"name": "intro", "bars": 4}))
    with pytest.raises(TypeError, match="midi must be"):
        await twin.run(twin.client.audio.generate(prompt="x", midi=12))
    assert twin.server.requests == []
    await twin.run(twin.client.audio.generate(extend={"generation_id": SOURCE, "seconds": 5}))
    assert posted(twin) == [{"model": "google/lyria2", "extend": {"generation_id": SOURCE, "seconds": 5}}]


# -- edits ----------------------------------------------------------------------------------------------------------


async def test_extend_of_a_generation_uses_its_model_without_asking_again(twin):
    source = Generation.from_dict(twin.completed(SOURCE, model="orchestrion/composer"))
    created = await twin.run(twin.client.audio.extend(source, 5, seed=3, idempotency_key="k-1"))
    assert created.status == "queued"
    (request,) = twin.server.requests
    assert request.headers["Idempotency-Key"] == "k-1"
    assert json.loads(request.content) == {
        "model": "orchestrion/composer", "seed": 3, "extend": {"generation_id": SOURCE, "seconds": 5},
    }


async def test_extend_of_an_id_retrieves_the_source_for_its_model(twin):
    stored_source(twin)
    await twin.run(twin.client.audio.extend(SOURCE, prompt="now with strings", output_format="flac"))
    get, post = twin.server.requests
    assert (get.method, get.url.params["generation_id"]) == ("GET", SOURCE)
    assert json.loads(post.content) == {
        "model": "orchestrion/composer", "prompt": "now with strings", "output_format": "flac",
        "extend": {"generation_id": SOURCE, "seconds": 30},
    }
    # A model given outright needs no look-up.
    await twin.run(twin.client.audio.extend(SOURCE, 10, model="google/lyria2"))
    assert [r.method for r in twin.server.requests] == ["GET", "POST", "POST"]
    assert posted(twin)[-1]["model"] == "google/lyria2"


async def test_repaint_sends_the_span_and_its_prompt_inside_the_repaint_object(twin):
    stored_source(twin)
    await twin.run(twin.client.audio.repaint(SOURCE, 10, 20.5, prompt="a quiet piano break", seed=9))
    await twin.run(twin.client.audio.repaint(SOURCE, 0, 4))
    with_prompt, without = posted(twin)
    assert with_prompt == {
        "model": "orchestrion/composer", "seed": 9,
        "repaint": {"generation_id": SOURCE, "start": 10, "end": 20.5, "prompt": "a quiet piano break"},
    }
    assert without == {"model": "orchestrion/composer", "repaint": {"generation_id": SOURCE, "start": 0, "end": 4}}


async def test_remix_sends_the_prompt_tempo_and_key(twin):
    stored_source(twin)
    await twin.run(twin.client.audio.remix(SOURCE, "synthwave", bpm=110, key="E minor", instruments=["synth pad"]))
    (body,) = posted(twin)
    assert body == {
        "model": "orchestrion/composer", "prompt": "synthwave", "bpm": 110, "key": "E minor",
        "instruments": ["synth pad"], "remix": {"generation_id": SOURCE},
    }


async def test_edit_and_wait_returns_the_finished_edit(twin):
    stored_source(twin)
    edit = {"operation": "extend", "generation_id": SOURCE, "seam": 14.25, "crossfade": 0.5}
    twin.server.on_create = lambda gen_id: [twin.generating(gen_id), twin.completed(gen_id, edit=edit, plan=PLAN)]
    seen: list[str] = []
    done = await twin.run(twin.client.audio.extend_and_wait(SOURCE, 5, on_update=lambda g: seen.append(g.status)))
    assert seen == ["queued", "generating", "completed"]
    assert done.edit == Edit(operation="extend", generation_id=SOURCE, seam=14.25, crossfade=0.5)
    assert done.plan.sections[1].start == 8.0
    repainted = await twin.run(twin.client.audio.repaint_and_wait(SOURCE, 1, 2, prompt="calm"))
    remixed = await twin.run(twin.client.audio.remix_and_wait(SOURCE, "jazz trio", bpm=90))
    assert repainted.is_completed and remixed.is_completed
    assert posted(twin)[1]["repaint"]["prompt"] == "calm" and posted(twin)[2]["bpm"] == 90


async def test_edit_errors_arrive_typed(twin):
    # An unknown id: the look-up of its model already answers 404.
    with pytest.raises(NotFoundError):
        await twin.run(twin.client.audio.extend("00000000-0000-4000-8000-000000000000:lyria2"))
    assert not posted(twin)
    # A source still generating: the server's 409.
    twin.server.script.append(httpx.Response(409, json=twin.error_body(409, "extend.generation_id: not completed")))
    with pytest.raises(ConflictError, match="not completed"):
        await twin.run(twin.client.audio.extend(SOURCE, model="google/lyria2"))
    # A source whose answer names no model cannot be edited without one.
    twin.server.timelines["g-anon"] = [{"id": "g-anon", "status": "completed"}]
    with pytest.raises(OrchestrionError, match="pass model="):
        await twin.run(twin.client.audio.remix("g-anon", "x"))
    with pytest.raises(ValueError):
        await twin.run(twin.client.audio.repaint("", 1, 2))


# -- answers --------------------------------------------------------------------------------------------------------


async def test_plan_sheet_music_and_edit_are_parsed(twin):
    sheets = [sheet(twin, "lead_sheet", "musicxml"), sheet(twin, "score", "svg", 1), sheet(twin, "score", "svg", 2)]
    edit = {"operation": "repaint", "generation_id": SOURCE, "start": 9.6, "end": 21.3}
    stored_source(twin, sheet_music=sheets, edit=edit)
    generation = await twin.run(twin.client.audio.retrieve(SOURCE))
    assert generation.plan == Plan(sections=(
        PlanSection(name="intro", start=0.0, bars=4, chords=("Am", "F", "C", "G")),
        PlanSection(name="chorus", start=8.0, bars=8, chords=("F", "G", "Am", "Am")),
    ))
    assert generation.plan.raw == PLAN
    assert [(s.name, s.format, s.page) for s in generation.sheet_music] == [
        ("lead_sheet", "musicxml", None), ("score", "svg", 1), ("score", "svg", 2),
    ]
    assert all(isinstance(s, SheetMusicFile) for s in generation.sheet_music)
    assert generation.sheet_music[1].file_name == "score-1.svg" and generation.sheet_music[1].file_size == 250
    assert generation.edit.operation == "repaint" and (generation.edit.start, generation.edit.end) == (9.6, 21.3)
    assert generation.edit.seam is None
    assert generation.files()[-3:] == list(generation.sheet_music)


def test_absent_or_odd_composer_fields_are_tolerated():
    bare = Generation.from_dict({"id": "g", "status": "completed"})
    assert (bare.plan, bare.sheet_music, bare.edit) == (None, (), None)
    odd = Generation.from_dict({"id": "g", "status": "completed", "plan": {"sections": [{"name": "verse"}, 3]},
                                "sheet_music": None, "edit": "extend"})
    assert odd.plan.sections == (PlanSection(name="verse", start=0.0),)
    assert (odd.sheet_music, odd.edit) == ((), None)
    empty = Generation.from_dict({"id": "g", "status": "completed", "plan": {}})
    assert empty.plan == Plan()


async def test_download_of_sheet_music(twin, tmp_path):
    stored_source(twin, sheet_music=[sheet(twin, "lead_sheet", "musicxml"), sheet(twin, "score", "svg", 1)])
    generation = await twin.run(twin.client.audio.retrieve(SOURCE))
    paths = [await twin.run(twin.client.audio.download(generation, str(tmp_path / "sheets") + "/", file=s))
             for s in generation.sheet_music]
    assert [p.name for p in paths] == ["lead_sheet.musicxml", "score-1.svg"]
    assert paths[1].read_bytes() == b"<svg>" * 50
