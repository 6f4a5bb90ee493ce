"""The composer's request parameters over the API: `chords`, `bars_per_chord`, `time_signature` and `instruments`
are documented in the schema, refused with 400 naming the field (and the bad token), and stored with the job."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest

from orchestrion.api.app import create_app
from orchestrion.config import ModelConfig
from orchestrion.jobs.sqlite import SQLiteJobStore
from tests.unit.api.helpers import assert_error, bearer, make_key, make_settings

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def composer(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, SQLiteJobStore, str]]:
    settings = make_settings(tmp_path / "data")
    settings = dataclasses.replace(settings, models={
        **settings.models, "orchestrion/composer": ModelConfig(id="orchestrion/composer", engine="composer")})
    store = SQLiteJobStore(settings.db_path)
    store.migrate()
    key, key_id = make_key(store)
    client_key = (key, key_id)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings, store)),
                                 base_url="http://testserver") as client:
        yield client, store, client_key
    store.close()


async def create(client: httpx.AsyncClient, key: tuple[str, str], **body: Any) -> httpx.Response:
    payload = {"model": "orchestrion/composer", "prompt": "an upbeat pop song", **body}
    return await client.post("/v2/generate/audio", json=payload, headers=bearer(key[0]))


async def test_accepted_values_are_stored_with_the_job(composer) -> None:
    client, store, key = composer
    instruments = ["Acoustic Grand Piano", {"name": "upright bass", "role": "bass"}, "drums"]
    answer = await create(client, key, chords="Cmaj7 A7/C# Dm7 G7", bars_per_chord=2, time_signature="7/8",
                          instruments=instruments)
    assert answer.status_code == 200, answer.text
    params = store.get_job(answer.json()["id"]).params
    assert params["chords"] == "Cmaj7 A7/C# Dm7 G7" and params["bars_per_chord"] == 2
    assert params["time_signature"] == "7/8" and params["instruments"] == instruments


async def test_absent_parameters_are_not_stored(composer) -> None:
    client, store, key = composer
    answer = await create(client, key)
    params = store.get_job(answer.json()["id"]).params
    assert not {"chords", "bars_per_chord", "time_signature", "instruments"} & set(params)


@pytest.mark.parametrize(("extra", "message"), [
    ({"chords": "Am F H7 G"}, "chords: 'H7' is not a chord"),
    ({"chords": "vi IV I viii"}, "chords: 'viii' is not a chord"),
    ({"chords": " ".join(["C"] * 65)}, "chords: at most 64 chords"),
    ({"chords": "Am -F"}, "chords: '-F' is not a chord"),
    ({"chords": 42}, "chords: "),
    ({"chords": "Am F", "bars_per_chord": 0}, "bars_per_chord: "),
    ({"chords": "Am F", "bars_per_chord": 9}, "bars_per_chord: "),
    ({"chords": "Am F", "bars_per_chord": 2.5}, "bars_per_chord: "),
    ({"chords": "Am F", "bars_per_chord": "2"}, "bars_per_chord: "),
    ({"time_signature": "4/3"}, "time_signature: '4/3' is not a time signature"),
    ({"time_signature": "17/8"}, "time_signature: '17/8' is not a time signature"),
    ({"time_signature": 3}, "time_signature: "),
    ({"instruments": []}, "instruments: "),
    ({"instruments": ["piano"] * 9}, "instruments: "),
    ({"instruments": ["piano", "glass harmonica deluxe"]}, "instruments: 'glass harmonica deluxe' is not an instrument"),
    ({"instruments": [{"name": "violin", "role": "lead"}]}, "instruments: 'lead' is not a role"),
    ({"instruments": ["Acoustic GRAND piano"]}, "instruments: 'Acoustic GRAND piano' is not an instrument"),
    ({"instruments": [{"role": "bass"}]}, "instruments: "),
    ({"instruments": [{"name": "piano", "colour": "red"}]}, "instruments: "),
])
async def test_bad_values_answer_400_naming_the_field(composer, extra: dict, message: str) -> None:
    client, store, key = composer
    body = assert_error(await create(client, key, **extra), 400, message)
    assert body["message"].startswith(message.split(":")[0])
    assert store.list_jobs(key[1], limit=5)[0] == []  # nothing was queued or charged


async def test_the_tone_model_refuses_them_alike(composer) -> None:
    client, _, key = composer
    for extra in ({"chords": "Am X"}, {"time_signature": "4/3"}, {"instruments": ["nothing"]}):
        assert_error(await create(client, key, model="test/tone", **extra), 400, next(iter(extra)) + ": ")


async def test_a_whole_number_written_as_a_float_is_a_whole_number(composer) -> None:
    client, store, key = composer
    answer = await create(client, key, chords="Am F", bars_per_chord=2.0)
    assert answer.status_code == 200 and store.get_job(answer.json()["id"]).params["bars_per_chord"] == 2


async def test_the_chords_pattern_is_the_engines() -> None:
    import re

    from orchestrion.api.schemas import GenerateAudioRequest
    from orchestrion.engines.composer.chords import ChordError, parse_progression

    pattern = GenerateAudioRequest.model_json_schema()["properties"]["chords"]["anyOf"][0]["pattern"]
    for text in ("Am F C G", "Cmaj7 A7/C# Dm7 G7", "vi - IV - I - V", "ii7,V7|Imaj7", "V7/vi I/3 #iv°7 bVII",
                 "Am -F", "- Am", "H7", "viii", "Am  F\n", "C " * 64, "C " * 65, "Bbm7b5 F#dim7 Ebsus4 Gaug"):
        try:
            parse_progression(text)
            accepted = True
        except ChordError:
            accepted = False
        assert (re.search(pattern, text) is not None) == accepted, text


async def test_the_schema_documents_the_parameters(composer) -> None:
    client, _, _ = composer
    schema = (await client.get("/openapi.json")).json()
    props = schema["components"]["schemas"]["GenerateAudioRequest"]["properties"]
    assert {"chords", "bars_per_chord", "time_signature", "instruments"} <= set(props)
    assert "Am F C G" in props["chords"]["description"]
    assert props["bars_per_chord"]["anyOf"][0]["maximum"] == 8
    assert "3/4" in props["time_signature"]["description"]
    listed = props["instruments"]["anyOf"][0]
    assert (listed["minItems"], listed["maxItems"]) == (1, 8)


async def test_the_schema_role_list_is_the_composers() -> None:
    from orchestrion.api.schemas import GenerateAudioRequest
    from orchestrion.engines.composer.arrange import ROLES

    def roles(node: Any) -> list | None:
        if isinstance(node, dict):
            if "role" in node.get("properties", {}):
                return node["properties"]["role"]["enum"]
            return next((r for v in node.values() if (r := roles(v)) is not None), None)
        if isinstance(node, list):
            return next((r for v in node if (r := roles(v)) is not None), None)
        return None

    assert roles(GenerateAudioRequest.model_json_schema()) == list(ROLES)


async def test_the_time_signature_pattern_is_the_engines() -> None:
    import re

    from orchestrion.api.schemas import GenerateAudioRequest
    from orchestrion.engines.composer.numbers import parse_time_signature

    schema = GenerateAudioRequest.model_json_schema()
    pattern = schema["properties"]["time_signature"]["anyOf"][0]["pattern"]
    for text in ("3/4", "6/8", "12/8", "15/8", "2/2", "6/16", "5/16", "1/4", "16/4", "4/3", "7/32"):
        assert (re.search(pattern, text) is not None) == (parse_time_signature(text) is not None), text
