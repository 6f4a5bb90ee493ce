"""`client.live` against a live `orchestrion serve`: a session's setup, audio, state frames and errors, both twins."""

from __future__ import annotations

import pytest

from orchestrion import AsyncClient, AuthenticationError, Client
from orchestrion.client import LiveAudio, LiveError, LiveState
from tests.support.server import ServerProcess

pytestmark = pytest.mark.timed  # live sessions are held to real time

TWO_SECONDS = 2 * 48000


def test_a_session_plays_changes_and_pauses(live_server: ServerProcess) -> None:
    with Client(live_server.base_url, live_server.api_key) as client, client.live.connect(seed=7) as session:
        assert session.setup.seed == 7 and session.setup.session_id
        assert (session.setup.sample_rate, session.setup.channels, session.setup.chunk_frames) == (48000, 2, 9600)
        session.set_prompts(["warm jazz piano", ("drum and bass", 0.5)])
        session.play()
        frames, states = 0, []
        for message in session:
            if isinstance(message, LiveAudio):
                assert len(message.pcm) == message.frames * 4
                frames += message.frames
            elif isinstance(message, LiveState):
                states.append(message)
            if frames >= TWO_SECONDS:
                break
        assert any("play" in state.applied for state in states) and all(state.playing for state in states)
        assert any(state.applied.get("prompts", [{}])[0].get("text") == "warm jazz piano" for state in states)

        session.set_config(bpm=500)
        refused = next(m for m in session if isinstance(m, LiveError))
        assert refused.error.status_code == 400 and "bpm" in refused.message

        session.set_config(mute_drums=True)
        changed = next(m for m in session if isinstance(m, LiveState))
        assert changed.applied == {"config": {"mute_drums": True}} and changed.bar is not None
        assert changed.seconds is not None and changed.seconds > 0

        session.pause()
        paused = next(m for m in session if isinstance(m, LiveState) and "pause" in m.applied)
        assert not paused.playing


async def test_the_async_twin_and_a_wrong_key(live_server: ServerProcess) -> None:
    async with AsyncClient(live_server.base_url, live_server.api_key) as client:
        async with client.live.connect(model="orchestrion/composer", seed=3) as session:
            await session.set_prompts("lo-fi hip hop")
            await session.play()
            frames = 0
            async for message in session:
                if isinstance(message, LiveAudio):
                    frames += message.frames
                    if frames >= 48000:
                        break
            assert session.setup.model == "orchestrion/composer"
    async with AsyncClient(live_server.base_url, "sk-not-a-key") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.live.connect()
        assert caught.value.status_code == 401 and caught.value.path == "/v1/live"
