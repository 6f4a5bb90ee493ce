"""Live sessions on both twins, against the in-process live server of ``fake_live_server``."""

from __future__ import annotations

import inspect
import json
import socket
import struct
import time

import pytest

from orchestrion import (
    APIConnectionError,
    APITimeoutError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    RateLimitError,
    ServerError,
)
from orchestrion.client import LiveAudio, LiveError, LiveSetup, LiveState
from tests.unit.client.fake_live_server import CHUNK_FRAMES, FakeLiveServer
from tests.unit.client.fake_server import API_KEY, run

pytestmark = pytest.mark.timed  # live sessions are held to real time


@pytest.fixture(scope="module")
def live_server():
    server = FakeLiveServer()
    yield server
    server.close()


@pytest.fixture(params=["sync", "async"])
def make_client(request, live_server):
    made = []

    def make(base_url=None, api_key=API_KEY, **kwargs):
        cls = Client if request.param == "sync" else AsyncClient
        client = cls(base_url or live_server.base_url, api_key, **kwargs)
        made.append(client)
        return client

    make.kind = request.param
    yield make
    for client in made:
        if isinstance(client, Client):
            client.close()


async def connect(client, **kwargs):
    opened = client.live.connect(**kwargs)
    return await opened if inspect.isawaitable(opened) else opened


async def close(session):
    await run(session.close() if hasattr(session, "close") else session.aclose())


def settled(predicate, seconds=5.0):
    """Wait for the server thread to catch up with what the client sent."""
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.005)
    return predicate()


async def until(session, predicate, limit=500):
    """Messages received until one satisfies ``predicate`` (included)."""
    seen = []
    for _ in range(limit):
        message = await run(session.receive(timeout=5))
        seen.append(message)
        if predicate(message):
            return seen
    raise AssertionError(f"no such message among {len(seen)}")


async def test_a_session_sets_up_plays_reports_changes_and_pauses(make_client, live_server):
    session = await connect(make_client(), seed=7)
    try:
        assert session.setup == LiveSetup(session_id=session.setup.session_id, model="orchestrion/composer", seed=7,
                                          sample_rate=48000, channels=2, chunk_frames=CHUNK_FRAMES)
        await run(session.set_prompts(["warm synthwave", ("rain", 0.4), {"text": "tape hiss", "weight": 0.2}]))
        await run(session.play())
        seen = await until(session, lambda m: isinstance(m, LiveAudio) and struct.unpack_from("<h", m.pcm)[0] == 9)
        audio = [m for m in seen if isinstance(m, LiveAudio)]
        assert [struct.unpack_from("<h", m.pcm)[0] for m in audio] == list(range(10))  # in order, none lost
        assert all(m.frames == CHUNK_FRAMES and len(m.pcm) == CHUNK_FRAMES * 4 for m in audio)
        states = [m for m in seen if isinstance(m, LiveState)]
        assert states[0].applied["prompts"][1] == {"text": "rain", "weight": 0.4}
        assert states[-1].playing and states[-1].applied == {"play": True}

        await run(session.set_config(bpm=96, mute_drums=True))
        (state,) = [m for m in await until(session, lambda m: isinstance(m, LiveState)) if isinstance(m, LiveState)]
        assert state.applied == {"bpm": 96, "mute_drums": True} and state.playing and state.seconds > 0
        assert state.bar is not None

        await run(session.pause())
        (paused,) = [m for m in await until(session, lambda m: isinstance(m, LiveState)) if isinstance(m, LiveState)]
        assert not paused.playing
    finally:
        await close(session)
    messages = live_server.sessions[-1]
    assert settled(lambda: len(messages) == 5), messages
    assert messages[0] == {"setup": {"seed": 7}}  # no model: the server's default
    assert messages[1] == {"prompts": [{"text": "warm synthwave", "weight": 1.0}, {"text": "rain", "weight": 0.4},
                                       {"text": "tape hiss", "weight": 0.2}]}
    assert messages[2:] == [{"play": {}}, {"config": {"bpm": 96, "mute_drums": True}}, {"pause": {}}]
    handshake = live_server.handshakes[-1]
    assert handshake["authorization"] == f"Bearer {API_KEY}"
    assert handshake["user-agent"].startswith("orchestrion-python/")


async def test_the_context_manager_forms_close_the_session(make_client, live_server):
    client = make_client()
    if make_client.kind == "sync":
        with client.live.connect(model="orchestrion/composer") as session:
            session.stop()
            session.reset()
        with pytest.raises(APIConnectionError):
            session.play()
    else:
        async with client.live.connect(model="orchestrion/composer") as session:
            await session.stop()
            await session.reset()
        with pytest.raises(APIConnectionError):
            await session.play()
    messages = live_server.sessions[-1]
    assert settled(lambda: len(messages) == 3), messages
    assert messages == [{"setup": {"model": "orchestrion/composer"}}, {"stop": {}}, {"reset": {}}]


async def test_a_bad_message_is_yielded_and_the_session_goes_on(make_client):
    session = await connect(make_client())
    try:
        await run(session.set_config(bpm=500))
        (error,) = await until(session, lambda m: True)
        assert isinstance(error, LiveError) and isinstance(error.error, BadRequestError)
        assert error.message == "bpm must be between 40 and 200" and error.error.status_code == 400
        assert error.error.request_id == "req-400"
        await run(session.set_config(bpm=120))
        (state,) = await until(session, lambda m: True)
        assert isinstance(state, LiveState) and state.applied == {"bpm": 120}
    finally:
        await close(session)


async def test_iteration_yields_typed_messages_and_ends_on_a_normal_close(make_client):
    session = await connect(make_client())
    await run(session.play())
    kinds = []
    if make_client.kind == "sync":
        for message in session:
            kinds.append(type(message))
            if sum(k is LiveAudio for k in kinds) == 3:
                session.set_prompts("goodbye")
    else:
        async for message in session:
            kinds.append(type(message))
            if sum(k is LiveAudio for k in kinds) == 3:
                await session.set_prompts("goodbye")
    assert kinds[0] is LiveState and LiveAudio in kinds  # the loop ended by itself: the server closed with 1000
    assert await run(session.receive()) is None
    await close(session)


async def test_an_error_that_ends_the_session_is_raised_typed(make_client):
    session = await connect(make_client())
    await run(session.set_prompts(["quota"]))
    with pytest.raises(RateLimitError) as caught:
        await until(session, lambda m: False)
    assert caught.value.status_code == 429 and "Too many live sessions" in caught.value.message
    with pytest.raises(RateLimitError):  # then the close (1013) says the same
        await run(session.receive(timeout=5))
    await close(session)


async def test_a_close_without_an_error_frame_stands_for_its_status(make_client):
    session = await connect(make_client())
    await run(session.set_prompts(["crash"]))
    with pytest.raises(ServerError, match="the engine failed") as caught:
        await run(session.receive(timeout=5))
    assert caught.value.status_code == 500
    with pytest.raises(ServerError):
        await run(session.play())
    await close(session)


async def test_a_refused_handshake_raises_the_typed_error_of_its_answer(make_client):
    with pytest.raises(AuthenticationError) as caught:
        await connect(make_client(api_key="sk-wrong"))
    assert caught.value.status_code == 401 and caught.value.message == "Invalid API key."
    assert caught.value.request_id == "req-401" and caught.value.path == "/v1/live"


async def test_a_rejected_setup_raises_before_the_session_is_handed_over(make_client):
    with pytest.raises(BadRequestError, match="unknown model"):
        await connect(make_client(), model="nobody/nothing")


async def test_no_server_is_a_connection_error(make_client):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(APIConnectionError, match="cannot open a live session at ws://127.0.0.1"):
        await connect(make_client(f"http://127.0.0.1:{port}"))


async def test_receive_times_out_typed(make_client):
    session = await connect(make_client())
    try:
        with pytest.raises(APITimeoutError, match="no message from the live session within 0.05 s"):
            await run(session.receive(timeout=0.05))
    finally:
        await close(session)


def test_prompts_are_checked_before_they_are_sent():
    from orchestrion.client._live import config_message, prompts_message, setup_message

    assert json.loads(prompts_message("one")) == {"prompts": [{"text": "one", "weight": 1.0}]}
    assert json.loads(prompts_message([("a", 2)])) == {"prompts": [{"text": "a", "weight": 2.0}]}
    for bad, error in ((["  "], ValueError), ([("a", "heavy")], TypeError), ([3], TypeError),
                       ([{"weight": 1}], ValueError), ([("a", True)], TypeError)):
        with pytest.raises(error):
            prompts_message(bad)
    with pytest.raises(TypeError, match="at least one field"):
        config_message({})
    with pytest.raises(TypeError, match="seed must be an int"):
        setup_message(None, "7")


def test_the_live_url_follows_the_base_url():
    from orchestrion.client._live import live_url

    assert live_url(Client("https://music.example.com/api/")) == "wss://music.example.com/api/v1/live"
    assert live_url(Client("http://127.0.0.1:8000")) == "ws://127.0.0.1:8000/v1/live"
