"""The event stream is documented as what it is: text/event-stream, whose events (as an SSE parser reads them) and
their JSON data match the documented schemas."""

from __future__ import annotations

import json
import re

import jsonschema_rs  # schemathesis's validator
import pytest

from orchestrion.api.routes_events import GONE_MESSAGE, RETRY_MS
from orchestrion.api.schemas import GenerationOut
from tests.unit.api.helpers import bearer, complete

pytestmark = pytest.mark.asyncio

EVENTS = "/v2/generate/audio/events"


def parse_stream(text: str) -> list[dict]:
    """Events as the WHATWG parser dispatches them: blocks with data, comments skipped, `event` default message."""
    events = []
    for block in text.split("\n\n"):
        fields: dict = {}
        data = []
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            elif name in ("event", "id", "retry"):
                fields[name] = value
        if data:
            events.append({"event": fields.get("event", "message"), **fields, "data": "\n".join(data)})
    return events


async def test_the_stream_is_documented_as_server_sent_events(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    answer = spec["paths"][EVENTS]["get"]["responses"]["200"]
    assert list(answer["content"]) == ["text/event-stream"]
    event_schema = answer["content"]["text/event-stream"]["schema"]
    assert event_schema.get("type") != "string"
    titles = [branch["title"] for branch in event_schema["oneOf"]]
    assert titles == ["GenerationEvent", "GoneEvent"]
    change, gone = event_schema["oneOf"]
    assert change["properties"]["data"]["contentMediaType"] == "application/json"
    assert change["properties"]["data"]["contentSchema"] == {"$ref": "#/components/schemas/GenerationOut"}
    assert "GenerationOut" in spec["components"]["schemas"]
    assert gone["properties"]["event"] == {"const": "gone"}
    for words in ("gone", "Last-Event-ID", f"retry: {RETRY_MS}", "keep-alive", "queue_position"):
        assert words in answer["description"], words


async def test_a_real_stream_matches_its_documentation(client, api_key, store, storage) -> None:
    spec = (await client.get("/openapi.json")).json()
    event_schema = spec["paths"][EVENTS]["get"]["responses"]["200"]["content"]["text/event-stream"]["schema"]
    created = await client.post("/v2/generate/audio", json={"model": "test/tone", "prompt": "x"},
                                headers=bearer(api_key))
    job_id = created.json()["id"]
    complete(store, storage, job_id)
    response = await client.get(EVENTS, params={"generation_id": job_id}, headers=bearer(api_key))
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_stream(response.text)
    assert events and events[-1]["event"] == "message"
    change = event_schema["oneOf"][0]
    for event in events:
        # One branch only (oneOf), the change event's; its data is a generation with a queue position.
        matching = [b for b in event_schema["oneOf"] if jsonschema_rs.Draft202012Validator(b).is_valid(event)]
        assert matching == [change], event
        assert re.fullmatch(change["properties"]["id"]["pattern"], event["id"])
        data = json.loads(event["data"])
        GenerationOut.model_validate(data)
        assert "queue_position" in data
    assert json.loads(events[-1]["data"])["status"] == "completed"


async def test_the_gone_event_matches_its_documentation(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    gone = spec["paths"][EVENTS]["get"]["responses"]["200"]["content"]["text/event-stream"]["schema"]["oneOf"][1]
    event = {"event": "gone", "data": json.dumps({"message": GONE_MESSAGE})}
    assert jsonschema_rs.Draft202012Validator(gone).is_valid(event)
    content = jsonschema_rs.Draft202012Validator(gone["properties"]["data"]["contentSchema"])
    assert content.is_valid(json.loads(event["data"]))
