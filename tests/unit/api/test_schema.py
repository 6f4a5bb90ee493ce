"""The request schema in /openapi.json is the validation the server runs: the composer's tempo range, the key grammar
`parse_key` reads, prompts that say something, webhook URLs of a form the address check reads as documented."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from orchestrion.api.schemas import KEY_PATTERN, NOT_BLANK_PATTERN, WEBHOOK_URL_PATTERN
from orchestrion.engines.composer.numbers import MAX_BPM, MIN_BPM, parse_key
from tests.unit.api.helpers import assert_error, bearer

URL = "/v2/generate/audio"
PREDICT = "/v1/projects/p/locations/l/publishers/google/models/lyria-002:predict"
KEY = re.compile(KEY_PATTERN)

#: Strings that are not keys, for the pattern and for parse_key alike.
NOT_KEYS = [
    "H major", "X", "minor", "do re", "C minor major", "C##", "key of", "Fis", "Es-Dur", "Ebmaj7", "Bbmm", "D\n\nminor!",
    "Cmaj7", "1", "C minor!", "sol minor please", "A dorian dorian", "♯", "Ré mineur mineur", "keyof C",
]
#: Keys in the spellings the description names, in several languages and cases.
KEYS = ["D minor", "F#m", "E-flat major", "ré mineur", "RÉ MAJEUR", "a-Moll", "fis-moll", "Bb", "Ebm", "Bbm", "B♭ dorian",
        "sol sostenido menor", "Do maggiore", "key of C", "A minor key", "mi bémol majeur", "C sharp mixolydian"]


async def post(client, api_key: str, **fields) -> object:  # noqa: ANN001
    return await client.post(URL, json={"model": "test/tone", "prompt": "a tune", **fields}, headers=bearer(api_key))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.from_regex(KEY_PATTERN, fullmatch=True).filter(lambda text: len(text) <= 40))
def test_every_string_the_key_pattern_admits_is_a_key(text: str) -> None:
    assert parse_key(text) is not None, text


@pytest.mark.parametrize("text", NOT_KEYS)
def test_non_keys_are_refused_by_the_pattern_and_by_parse_key(text: str) -> None:
    assert KEY.fullmatch(text) is None and parse_key(text) is None


@pytest.mark.parametrize("text", KEYS)
def test_keys_are_admitted_by_the_pattern_and_read_by_parse_key(text: str) -> None:
    assert KEY.fullmatch(text) is not None and parse_key(text) is not None


@pytest.mark.asyncio
async def test_openapi_states_the_bounds_and_grammar_the_server_enforces(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    fields = spec["components"]["schemas"]["GenerateAudioRequest"]["properties"]

    def string_branch(name: str) -> dict:
        return next(b for b in fields[name].get("anyOf", [fields[name]]) if b.get("type") == "string")

    def number_branch(name: str) -> dict:
        return next(b for b in fields[name]["anyOf"] if b.get("type") == "number")

    assert (number_branch("bpm")["minimum"], number_branch("bpm")["maximum"]) == (MIN_BPM, MAX_BPM)
    assert string_branch("key")["pattern"] == KEY_PATTERN
    assert string_branch("webhook_url")["pattern"] == WEBHOOK_URL_PATTERN
    assert string_branch("prompt")["pattern"] == NOT_BLANK_PATTERN
    vertex_prompt = spec["components"]["schemas"]["VertexInstance"]["properties"]["prompt"]
    assert vertex_prompt["pattern"] == NOT_BLANK_PATTERN


@pytest.mark.asyncio
async def test_tempo_outside_the_composers_range_is_refused_at_the_schema_step(client, api_key) -> None:
    # test/tone reads no tempo: a refusal here is the schema's, for every model alike.
    for bpm in (MIN_BPM - 0.5, MAX_BPM + 0.5, 20, 300):
        assert_error(await post(client, api_key, bpm=bpm), 400, "bpm: input should be")
    for bpm in (MIN_BPM, MAX_BPM, 120):
        assert (await post(client, api_key, bpm=bpm)).status_code == 200


@pytest.mark.parametrize("text", ["H major", "Ebmaj7", "D minor\n", "do re"])
@pytest.mark.asyncio
async def test_a_non_key_is_refused_at_the_schema_step(client, api_key, text: str) -> None:
    assert_error(await post(client, api_key, key=text), 400, f"key: {text!r} is not a key; write a note name")


@pytest.mark.asyncio
async def test_keys_in_every_documented_spelling_are_accepted(client, api_key) -> None:
    for text in KEYS:
        response = await post(client, api_key, key=text)
        assert response.status_code == 200, (text, response.text)


@pytest.mark.parametrize("prompt", [" ", "\t\n", "\u3000\u00a0", "\x1c", "\ufeff"])
@pytest.mark.asyncio
async def test_a_prompt_of_whitespace_alone_is_refused_by_both_routes(client, api_key, prompt: str) -> None:
    assert_error(await post(client, api_key, prompt=prompt), 400, "prompt: must not be empty")
    vertex = await client.post(PREDICT, json={"instances": [{"prompt": prompt}]}, headers=bearer(api_key))
    assert_error(vertex, 400, "instances.0.prompt: must not be empty")


@pytest.mark.parametrize("url", [
    "http://127.1/hook", "http://2130706433/hook", "http://0x7f.0.0.1/hook", "http://0177.0.0.1/hook",
    "http://localhost./hook", "http://example.com./hook", "https://user:pw@example.com/hook", "http://10.1/hook",
    "http://999.1.1.1/", "http://exa mple.com/", "ftp://example.com/",
])
@pytest.mark.asyncio
async def test_webhook_hosts_in_other_spellings_are_refused_at_the_schema_step(client, api_key, url: str) -> None:
    assert WEBHOOK_URL_PATTERN and re.fullmatch(WEBHOOK_URL_PATTERN, url) is None
    assert_error(await post(client, api_key, webhook_url=url), 400, "webhook_url: must be an http:// or https:// URL")


@pytest.mark.asyncio
async def test_a_documented_webhook_url_may_still_be_refused_for_its_address(client, api_key) -> None:
    spec = (await client.get("/openapi.json")).json()
    description = spec["components"]["schemas"]["GenerateAudioRequest"]["properties"]["webhook_url"]["description"]
    assert "400" in description and "localhost" in description
    for url in ("http://127.0.0.1/hook", "http://localhost/hook"):
        assert re.fullmatch(WEBHOOK_URL_PATTERN, url)
        assert_error(await post(client, api_key, webhook_url=url), 400, "webhook_url:")
    assert (await post(client, api_key, webhook_url="https://hooks.example.com:8443/in?x=1")).status_code == 200
