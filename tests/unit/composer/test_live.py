"""Live sessions in-process: the chunks, when changes take effect, determinism, and the messages' errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from orchestrion.api.app import create_app
from orchestrion.config import ModelConfig, Settings
from orchestrion.engines.composer.live import CHUNK_FRAMES, FADE_FRAMES, PHRASE_BARS, LiveMessageError, LiveSession, blend
from orchestrion.engines.composer.interpret import interpret
from orchestrion.engines.composer.live_master import CEILING
from orchestrion.engines.composer.live_play import Player
from orchestrion.engines.composer.variation import settle
from orchestrion.jobs.sqlite import SQLiteJobStore

from tests.unit.api.helpers import TONE, make_key

JAZZ = {"prompts": [{"text": "warm jazz piano trio with drums", "weight": 1.0}]}
METAL = {"prompts": [{"text": "heavy metal with distorted guitars", "weight": 1.0}]}
SR = 48_000


def run(soundfont: Any, chunks: int, at: dict[int, list[dict]] | None = None, seed: int = 7,
        first: dict = JAZZ) -> tuple[np.ndarray, list[dict], LiveSession]:
    """Play ``chunks`` chunks, submitting ``at[i]`` just before step ``i``: the PCM (frames, 2) int16 and the
    states handed out."""
    session = LiveSession(soundfont, seed)
    session.submit(first)
    session.submit({"play": {}})
    pcm: list[bytes] = []
    states: list[dict] = []
    for i in range(chunks):
        for message in (at or {}).get(i, []):
            session.submit(message)
        chunk = session.step()
        states += [s["state"] for s in chunk.states]
        if chunk.pcm is not None:
            pcm.append(chunk.pcm)
    audio = np.frombuffer(b"".join(pcm), dtype="<i2").reshape(-1, 2)
    return audio, states, session


def applied(states: list[dict], what: str) -> dict:
    """The last state that applied ``what``."""
    return [s for s in states if what in s["applied"]][-1]


def test_chunks_are_200_ms_of_16_bit_stereo_within_the_ceiling(soundfont) -> None:
    audio, states, session = run(soundfont, 15)
    session.close()
    assert audio.shape == (15 * CHUNK_FRAMES, 2)
    assert [s["applied"] for s in states[:2]] == [{"play": {}}, {"prompts": JAZZ["prompts"]}]
    assert states[1]["bar"] == 0 and states[1]["seconds"] == 0.0 and states[1]["playing"] is True
    level = audio.astype(np.float64) / 32767
    assert np.sqrt(np.mean(level[SR:] ** 2)) > 0.01  # music, not silence
    assert np.abs(level).max() <= CEILING + 1e-4  # the limiter holds -1 dBFS


def test_a_prompt_change_is_heard_from_the_bar_line_it_reports(soundfont) -> None:
    before, _, a = run(soundfont, 40)
    after, states, b = run(soundfont, 40, {12: [METAL]})
    a.close(), b.close()
    state = applied(states, "prompts")
    frame = int(round(state["seconds"] * SR))
    bar_frames = 4 * 60.0 / state["bpm"] * SR  # the jazz prompt plays in 4/4
    assert frame == int(round(state["bar"] * bar_frames))
    assert frame >= 12 * CHUNK_FRAMES  # not before it was asked for
    assert frame <= 12 * CHUNK_FRAMES + bar_frames + CHUNK_FRAMES  # at the next bar line
    differs = np.flatnonzero(np.any(before != after, axis=1))
    # a note performed a little early, and the limiter's look-ahead, may lead the bar line by a few milliseconds
    slack = 0.125 * 60.0 / state["bpm"] * SR + 320
    assert frame - slack <= differs[0] <= frame + 64


def test_mute_drums_stops_drum_notes_from_the_next_bar(soundfont, monkeypatch) -> None:
    notes: list[tuple[int, str]] = []
    original = Player._apply

    def spy(self: Player, event: tuple) -> None:
        frame, _, _, kind, channel, a, b, _ = event
        if kind == 6 and b:  # a note on
            role = next(t.role for t, c in zip(self.bars.tracks, self.channel_of) if c == channel)
            notes.append((frame, role))
        original(self, event)

    monkeypatch.setattr(Player, "_apply", spy)
    _, states, session = run(soundfont, 45, {15: [{"config": {"mute_drums": True}}]})
    session.close()
    state = applied(states, "config")
    assert state["applied"] == {"config": {"mute_drums": True}}
    frame = int(round(state["seconds"] * SR))
    drums_before = [f for f, role in notes if role == "drums" and f < frame]
    drums_after = [f for f, role in notes if role == "drums" and f >= frame]
    others_after = [f for f, role in notes if role != "drums" and f >= frame]
    assert drums_before and others_after
    assert drums_after == []


def test_a_tempo_change_waits_for_the_next_phrase(soundfont) -> None:
    _, states, session = run(soundfont, 60, {25: [{"config": {"bpm": 90}}]})
    bars = dict(session._bar_frame)
    session.close()
    state = applied(states, "config")
    asked_bar = 25 * CHUNK_FRAMES / (4 * 60.0 / states[0]["bpm"] * SR)
    assert state["bar"] % PHRASE_BARS == 0 and state["bar"] > asked_bar
    assert state["bpm"] == 90.0
    changed = state["bar"]
    spans = {b: bars[b + 1] - bars[b] for b in bars if b + 1 in bars}
    assert spans[changed] == pytest.approx(4 * 60.0 / 90 * SR, abs=1)
    assert spans[changed - 1] == pytest.approx(4 * 60.0 / states[0]["bpm"] * SR, abs=1)


def test_the_same_seed_and_timeline_give_the_same_samples(soundfont) -> None:
    timeline = {5: [{"config": {"density": 0.9, "brightness": 0.8}}], 20: [METAL],
                30: [{"config": {"scale": "D minor", "only_bass_and_drums": True}}]}
    first, states_one, a = run(soundfont, 45, timeline)
    second, states_two, b = run(soundfont, 45, timeline)
    other, _, c = run(soundfont, 45, timeline, seed=8)
    a.close(), b.close(), c.close()
    assert states_one == states_two
    assert np.array_equal(first, second)
    assert not np.array_equal(first, other)


def _frames(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, "<i2").reshape(-1, 2).astype(np.int32)


def test_pause_holds_the_music_and_stop_starts_it_over(soundfont) -> None:
    straight, _, a = run(soundfont, 13)
    a.close()
    straight = straight.astype(np.int32)
    session = LiveSession(soundfont, 7)
    session.submit(JAZZ)
    session.submit({"play": {}})
    pcm = [session.step().pcm for _ in range(5)]
    session.submit({"pause": {}})
    paused = session.step()
    assert paused.states[0]["state"]["applied"] == {"pause": {}}
    # the music fades out in one more chunk of the usual length, then nothing comes
    tail = _frames(paused.pcm)
    assert tail.shape == (CHUNK_FRAMES, 2) and not tail[FADE_FRAMES:].any()
    assert session.step().pcm is None
    session.submit({"play": {}})
    pcm += [session.step().pcm for _ in range(7)]
    heard = np.concatenate([_frames(p) for p in pcm[:5]] + [tail[:FADE_FRAMES]] + [_frames(p) for p in pcm[5:]])
    cut = 5 * CHUNK_FRAMES
    expected = straight[: heard.shape[0]].astype(np.float64)
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(FADE_FRAMES) + 0.5) / FADE_FRAMES)
    expected[cut : cut + FADE_FRAMES] *= ramp[::-1, None]  # faded out where it paused
    expected[cut + FADE_FRAMES : cut + 2 * FADE_FRAMES] *= ramp[:, None]  # and in where it resumed
    # resumed where it paused: every sample as played straight through, the fades within rounding
    assert np.abs(heard - expected).max() <= 1
    np.testing.assert_array_equal(np.delete(heard, np.s_[cut : cut + 2 * FADE_FRAMES], axis=0),
                                  np.delete(straight[: heard.shape[0]], np.s_[cut : cut + 2 * FADE_FRAMES], axis=0))
    assert np.abs(tail[:FADE_FRAMES]).max() > 1000 and np.abs(tail[FADE_FRAMES - 8 : FADE_FRAMES]).max() < 100
    session.submit({"stop": {}})
    session.submit({"play": {}})
    again = session.step()
    assert [s["state"]["applied"] for s in again.states][:2] == [{"stop": {}}, {"play": {}}]
    assert [s["state"]["playing"] for s in again.states][:2] == [False, True]
    # the stopped piece's fade, then a new piece from bar 0
    assert len(again.pcm) == 4 * CHUNK_FRAMES and _frames(again.pcm)[:FADE_FRAMES].any()
    assert again.pcm[4 * FADE_FRAMES :] == pcm[0][: 4 * (CHUNK_FRAMES - FADE_FRAMES)]
    session.close()


def test_a_reset_fades_the_old_piece_into_the_new_without_a_gap(soundfont) -> None:
    session = LiveSession(soundfont, 7)
    session.submit(JAZZ)
    session.submit({"play": {}})
    first = [session.step().pcm for _ in range(4)]
    session.submit({"reset": {}})
    assert session.step(render=False).pcm is None  # applied, still playing: the fade opens the next chunk
    chunk = _frames(session.step().pcm)
    assert chunk.shape == (CHUNK_FRAMES, 2)
    fresh = _frames(first[0])
    np.testing.assert_array_equal(chunk[FADE_FRAMES:], fresh[: CHUNK_FRAMES - FADE_FRAMES])  # bar 0 again
    # the old piece falls away smoothly: no step between neighbouring samples larger than the music's own
    step = np.abs(np.diff(np.concatenate([_frames(first[-1])[-1:], chunk[: FADE_FRAMES + 1]]), axis=0)).max()
    assert step <= np.abs(np.diff(_frames(b"".join(first)), axis=0)).max()
    session.close()


def test_a_blend_takes_the_heaviest_style_and_averages_the_mood() -> None:
    jazz = settle(interpret("warm jazz piano"), 7)
    dnb = settle(interpret("drum and bass"), 7)
    mixed = blend([(jazz, 1.0), (dnb, 0.5)])
    assert mixed.style == jazz.style and mixed.bpm == jazz.bpm
    assert mixed.energy == pytest.approx((jazz.energy + 0.5 * dnb.energy) / 1.5)
    assert "piano" in mixed.instruments and set(dnb.instruments) <= set(mixed.instruments)
    assert blend([(jazz, 0.2), (dnb, 1.0)]).style == dnb.style


@pytest.mark.parametrize(("message", "field"), [
    ({"config": {"bpm": 20}}, "config.bpm"),
    ({"config": {"density": 1.5}}, "config.density"),
    ({"config": {"brightness": "high"}}, "config.brightness"),
    ({"config": {"scale": "purple"}}, "config.scale"),
    ({"config": {"mute_drums": "yes"}}, "config.mute_drums"),
    ({"config": {"swing": 0.6}}, "config.swing"),
    ({"prompts": []}, "prompts"),
    ({"prompts": [{"text": "", "weight": 1.0}]}, "prompts[0].text"),
    ({"prompts": [{"text": "x" * 2001, "weight": 1.0}]}, "prompts[0].text"),
    ({"prompts": [{"text": "jazz", "weight": 0}]}, "prompts[0].weight"),
    ({"dance": {}}, "message"),
    ({"play": {}, "pause": {}}, "message"),
    ({"pause": {"now": True}}, "pause"),
])
def test_an_invalid_message_names_its_field(soundfont, message: dict, field: str) -> None:
    session = LiveSession(soundfont, 1)
    with pytest.raises(LiveMessageError) as caught:
        session.submit(message)
    assert caught.value.field == field
    assert field.split("[")[0] in str(caught.value)


def test_play_before_prompts_is_refused(soundfont) -> None:
    with pytest.raises(LiveMessageError, match="prompts"):
        LiveSession(soundfont, 1).submit({"play": {}})


def test_the_route_answers_errors_in_the_api_shape(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", models={
        "orchestrion/composer": ModelConfig(id="orchestrion/composer", engine="composer"),
        "test/tone": ModelConfig(id="test/tone", engine=TONE)}, aliases={"google/lyria2": "orchestrion/composer"})
    settings.data_dir.mkdir()
    store = SQLiteJobStore(settings.db_path)
    store.migrate()
    key, _ = make_key(store, "live")
    try:
        with TestClient(create_app(settings, store)) as client:
            with client.websocket_connect("/v1/live", headers={"Authorization": "Bearer wrong"}) as ws:
                ws.send_json({"setup": {}})
                error = ws.receive_json()["error"]
                assert error["statusCode"] == 401 and error["path"] == "/v1/live"
                assert set(error) == {"message", "path", "requestId", "statusCode", "timestamp"}
                with pytest.raises(WebSocketDisconnect) as closed:
                    ws.receive_json()
                assert closed.value.code == 1008
            with client.websocket_connect("/v1/live", headers={"Authorization": f"Bearer {key}"}) as ws:
                ws.send_json({"setup": {"model": "test/tone"}})
                error = ws.receive_json()["error"]
                assert error["statusCode"] == 400 and "setup.model" in error["message"]
                with pytest.raises(WebSocketDisconnect):
                    ws.receive_json()
            with client.websocket_connect("/v1/live") as ws:  # a browser: the key in the setup message
                ws.send_json({"setup": {"api_key": key, "model": "google/lyria2", "seed": 3}})
                ready = ws.receive_json()["setupComplete"]
                assert ready["seed"] == 3 and ready["sample_rate"] == 48000 and ready["chunk_frames"] == 9600
                ws.send_json({"config": {"bpm": 300}})
                error = ws.receive_json()["error"]
                assert error["statusCode"] == 400 and "config.bpm" in error["message"]
                ws.send_json(JAZZ)
                ws.send_json({"play": {}})
                assert ws.receive_json()["state"]["applied"] == {"play": {}}
                frame = ws.receive()
                while frame.get("bytes") is None:  # the prompts' state comes first
                    frame = ws.receive()
                assert len(frame["bytes"]) == 4 * CHUNK_FRAMES
    finally:
        store.close()
