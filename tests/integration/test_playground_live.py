"""The playground's Live view in Chromium: a live session over the WebSocket of /v1/live (docs/live.md).

The page connects without headers (a browser cannot set them on a WebSocket): its first message carries the key. It
sends the prompt blend, only the controls that change, and the transport; it schedules the PCM frames it receives on
Web Audio and keeps count of them on #live-received (data-seconds, data-frames, data-scheduled), which is what these
tests read rather than listening. State frames show the bar where a change took effect and what it was.

One test drives the view against recorded server frames of the documented shape (so the exact messages the page sends
and the odd-sized frames it must join are checked); the others run against the real server.
"""

from __future__ import annotations

import json
import re
import struct
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, WebSocketRoute, expect

from orchestrion.engines.composer.live import FADE_FRAMES  # 30 ms: the fade where stop or reset cuts the music
from tests.integration.test_playground import browser, give_key  # noqa: F401  (the module's Chromium fixture)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.timed  # the page plays a live session in real time

LIVE = re.compile(r"/v1/live$")
CHUNK_FRAMES = 9600  # 200 ms at 48 kHz


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def received(page: Page) -> dict[str, float]:
    """The counters of #live-received, read at one instant (frames keep arriving)."""
    return page.evaluate("""() => {
        const data = document.getElementById('live-received').dataset;
        return {seconds: Number(data.seconds), frames: Number(data.frames), scheduled: Number(data.scheduled)};
    }""")


def wait_received(page: Page, seconds: float, timeout: float = 10_000) -> None:
    page.wait_for_function(
        "s => Number(document.getElementById('live-received').dataset.seconds) >= s", arg=seconds, timeout=timeout)


def set_range(slider: Locator, value: float) -> None:
    """Move a range input as a user's drag ends: input events, then change."""
    slider.evaluate("(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true}));"
                    " el.dispatchEvent(new Event('change', {bubbles: true})); }", value)


def open_live(page: Page, base_url: str, key: str) -> Locator:
    page.goto(base_url + "/")
    give_key(page, key)
    page.get_by_role("tab", name="Live").click()
    live = page.locator("#live-view")
    expect(live).to_be_visible()
    expect(page.locator("#generate-view")).to_be_hidden()
    expect(page.get_by_role("tab", name="Live")).to_have_attribute("aria-selected", "true")
    return live


def pcm(frames: int, value: int = 1000) -> bytes:
    return struct.pack(f"<{2 * frames}h", *([value, -value] * frames))


class RecordedLive:
    """A /v1/live server of recorded frames (docs/live.md's shapes): setup answers setupComplete, play and pause
    answer their state, a blend or a config answers its state at bar 4 (error frames are sent by the test)."""

    def __init__(self, page: Page) -> None:
        self.messages: list[dict] = []
        self.ws: WebSocketRoute | None = None
        page.route_web_socket(LIVE, self.connect)

    def connect(self, ws: WebSocketRoute) -> None:
        self.ws = ws
        ws.on_message(self.message)

    def state(self, **fields: object) -> None:
        assert self.ws is not None
        self.ws.send(json.dumps({"state": {"bar": 4, "seconds": 8.0, "playing": True, "bpm": 120.0,
                                           "scale": "D minor", **fields}}))

    def message(self, text: str | bytes) -> None:
        assert isinstance(text, str), "the page sent a binary frame"
        message = json.loads(text)
        self.messages.append(message)
        assert self.ws is not None
        (kind,) = message
        if kind == "setup":
            self.ws.send(json.dumps({"setupComplete": {"session_id": "live_1", "model": "orchestrion/composer",
                                                       "seed": message["setup"]["seed"], "sample_rate": 48000,
                                                       "channels": 2, "chunk_frames": CHUNK_FRAMES}}))
        elif kind == "play":
            self.state(bar=0, seconds=0.0, applied={"play": {}})
            # A whole chunk, then one cut inside a sample frame: the page joins the pieces.
            chunk = pcm(CHUNK_FRAMES)
            self.ws.send(chunk)
            self.ws.send(chunk[:-3])
            self.ws.send(chunk[-3:])
        elif kind == "pause":
            self.state(playing=False, seconds=0.4, bar=0, applied={"pause": {}})
        elif kind in ("stop", "reset"):
            # What the server had on its way when the message came is the old music (the page already stopped it;
            # -7 marks the old music's samples).
            self.ws.send(pcm(CHUNK_FRAMES, value=-7))
            if kind == "reset":  # playing on: the old piece's 30 ms fade opens the next chunk, the new piece follows
                self.state(bar=0, seconds=0.0, applied={"reset": {}})
                self.ws.send(pcm(FADE_FRAMES, value=-7) + pcm(CHUNK_FRAMES - FADE_FRAMES))
            else:  # the music's last 30 ms faded out, in a chunk of the usual length
                self.state(playing=False, bar=0, seconds=0.6, applied={"stop": {}})
                self.ws.send(pcm(CHUNK_FRAMES, value=-7))
                self.state(playing=False, bar=9, seconds=0.6)  # a marker: everything before it has been read
        elif kind == "prompts":
            self.state(applied={"prompts": message["prompts"]})
        elif kind == "config":
            self.state(applied={"config": message["config"]})


def test_the_live_view_speaks_the_protocol(live_server: ServerProcess, page: Page) -> None:
    recorded = RecordedLive(page)
    live = open_live(page, live_server.base_url, live_server.api_key)
    live.get_by_label("Session seed").fill("7")
    live.get_by_role("button", name="Play").click()

    # Setup first, with the key (no header can carry it); then the blend shown; then play. No control was set.
    expect(page.locator("#live-status")).to_have_text("Playing")
    assert recorded.messages[:3] == [
        {"setup": {"api_key": live_server.api_key, "model": "orchestrion/composer", "seed": 7}},
        {"prompts": [{"text": live.get_by_role("group", name="Prompt 1").get_by_label("Text").input_value(),
                      "weight": 1}]},
        {"play": {}},
    ]
    # Two chunks of 9600 frames, the second cut inside a sample frame: every frame arrives whole and is scheduled.
    page.wait_for_function("document.getElementById('live-received').dataset.frames === '3'")
    assert received(page) == {"seconds": 0.4, "frames": 3, "scheduled": 3}

    # A blend of two: what took effect is shown with its bar.
    live.get_by_role("button", name="Add prompt").click()
    second = live.get_by_role("group", name="Prompt 2")
    expect(second.get_by_label("Text")).to_be_focused()
    second.get_by_label("Text").fill("drum and bass")
    set_range(second.get_by_label("Weight"), 0.5)
    expect(second.locator("output")).to_have_text("0.50")
    live.get_by_role("button", name="Apply prompts").click()
    applied = page.locator("#live-applied")
    expect(applied).to_contain_text("“drum and bass” 0.50 (bar 4)")
    expect(applied).to_have_attribute("data-bar", "4")
    expect(page.locator("#live-bar")).to_have_text("4")
    expect(page.locator("#live-tempo")).to_have_text("120 BPM · D minor")
    assert recorded.messages[-1] == {"prompts": [
        {"text": recorded.messages[1]["prompts"][0]["text"], "weight": 1}, {"text": "drum and bass", "weight": 0.5}]}

    # Controls: each change sends only itself.
    set_range(live.get_by_role("slider", name="Density"), 0.7)
    expect(applied).to_contain_text("density 0.7")
    live.get_by_label("Mute drums").check()
    expect(applied).to_contain_text("mute drums true")
    live.get_by_role("button", name="Density: auto").click()
    expect(page.locator("#live-density-out")).to_have_text("auto")
    assert recorded.messages[-3:] == [{"config": {"density": 0.7}}, {"config": {"mute_drums": True}},
                                      {"config": {"density": None}}]

    # A tempo the server would refuse is caught before sending; a 400 from the server is shown, and the session
    # goes on.
    tempo = live.get_by_label("Tempo")
    tempo.fill("241")
    tempo.press("Tab")
    expect(live.locator("#live-controls-error")).to_contain_text("Tempo must be from 40 to 240 BPM")
    assert recorded.messages[-1] == {"config": {"density": None}}
    tempo.fill("239")
    tempo.press("Tab")
    assert recorded.messages[-1] == {"config": {"bpm": 239}}
    recorded.ws.send(json.dumps({"error": {"message": "config.bpm must be a number from 40 to 240.",  # type: ignore
                                           "path": "/v1/live", "requestId": "r1", "statusCode": 400,
                                           "timestamp": "2026-01-01T00:00:00Z"}}))
    expect(live.get_by_role("alert")).to_contain_text("config.bpm must be a number from 40 to 240")
    live.get_by_role("button", name="Pause").click()
    expect(page.locator("#live-status")).to_have_text("Paused")
    assert recorded.messages[-1] == {"pause": {}}
    # Removing a prompt leaves a blend of one; an empty blend is refused before sending.
    live.get_by_role("button", name="Remove prompt 2").click()
    live.get_by_role("group", name="Prompt 1").get_by_label("Text").fill("")
    sent = len(recorded.messages)
    live.get_by_role("button", name="Apply prompts").click()
    expect(live.get_by_role("alert")).to_contain_text("Write at least one prompt")
    assert len(recorded.messages) == sent


def test_stop_and_reset_play_nothing_of_the_old_music_after_the_click(live_server: ServerProcess,
                                                                     page: Page) -> None:
    recorded = RecordedLive(page)
    live = open_live(page, live_server.base_url, live_server.api_key)
    live.get_by_role("button", name="Play").click()
    page.wait_for_function("document.getElementById('live-received').dataset.frames === '3'")
    live.get_by_role("button", name="Reset").click()
    # The chunk in flight is dropped and so is the old piece's fade: only the new piece's 8,160 frames count.
    page.wait_for_function("Number(document.getElementById('live-received').dataset.frames) >= 4")
    assert received(page) == {"seconds": round(0.4 + (CHUNK_FRAMES - FADE_FRAMES) / 48000, 3), "frames": 4,
                              "scheduled": 4}
    assert recorded.messages[-1] == {"reset": {}}

    live.get_by_role("button", name="Stop").click()
    expect(page.locator("#live-bar")).to_have_text("9")
    assert recorded.messages[-1] == {"stop": {}}
    assert received(page)["frames"] == 4  # neither the chunk in flight nor the fade was played

    # Play again: the new piece is played whole (nothing of it is taken for a fade).
    live.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('live-received').dataset.frames) >= 7")
    assert received(page) == {"seconds": round(0.4 + (CHUNK_FRAMES - FADE_FRAMES) / 48000 + 0.4, 3),
                              "frames": 7, "scheduled": 7}


def test_a_live_session_plays_and_follows_changes(live_server: ServerProcess, page: Page) -> None:
    live = open_live(page, live_server.base_url, live_server.api_key)
    live.get_by_role("button", name="Play").click()
    status = page.locator("#live-status")
    expect(status).to_contain_text("Playing", timeout=10_000)
    # the state frames show what took effect and at which bar (the start, then the prompts heard from bar 0)
    expect(page.locator("#live-applied")).to_contain_text(re.compile(r"play|prompts"))
    expect(page.locator("#live-applied")).to_have_attribute("data-bar", re.compile(r"^\d+$"))

    # PCM frames arrive and are scheduled as they come (an initial lead, then real time).
    wait_received(page, 1.0)
    first = received(page)
    assert first["frames"] >= 5 and first["scheduled"] >= 5
    assert first["seconds"] == pytest.approx(first["frames"] * 0.2, abs=0.01)  # 200 ms frames, none split

    # A change of blend shows, once it takes effect, with the bar it took effect at.
    live.get_by_role("button", name="Add prompt").click()
    second = live.get_by_role("group", name="Prompt 2")
    second.get_by_label("Text").fill("driving drum and bass")
    set_range(second.get_by_label("Weight"), 0.5)
    live.get_by_role("button", name="Apply prompts").click()
    applied = page.locator("#live-applied")
    expect(applied).to_contain_text("“driving drum and bass” 0.50", timeout=10_000)
    bar = applied.get_attribute("data-bar")
    assert bar and int(bar) >= 1
    expect(page.locator("#live-bar")).to_have_text(bar)
    expect(applied).to_contain_text(f"(bar {bar})")
    expect(page.locator("#live-tempo")).to_contain_text(re.compile(r"\d+ BPM"))

    # Pause: the state says so, and no more audio comes.
    live.get_by_role("button", name="Pause").click()
    expect(status).to_have_text("Paused", timeout=5_000)
    paused = received(page)
    page.wait_for_timeout(1_000)
    assert received(page) == paused
    # Play again: it flows once more.
    live.get_by_role("button", name="Play").click()
    expect(status).to_have_text("Playing", timeout=5_000)
    wait_received(page, paused["seconds"] + 0.6)
    expect(live.get_by_role("alert")).to_be_hidden()
    live.get_by_role("button", name="Disconnect").click()
    expect(status).to_have_text("Not connected")


def test_a_bad_key_is_shown_in_the_live_view(live_server: ServerProcess, page: Page) -> None:
    live = open_live(page, live_server.base_url, "sk-not-a-real-key")
    live.get_by_role("button", name="Play").click()
    alert = live.get_by_role("alert")
    expect(alert).to_contain_text("Your API key was not accepted", timeout=10_000)
    expect(alert.get_by_role("button", name="Change API key")).to_be_visible()
    expect(page.locator("#live-status")).to_have_text("Session ended")
    assert received(page)["frames"] == 0
    expect(live.get_by_role("button", name="Connect")).to_be_visible()


def test_the_live_view_fits_a_phone(live_server: ServerProcess, browser: Browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(live_server.base_url + "/#live")  # a link straight to the Live view
        page.get_by_role("textbox", name="API key").fill("anything")
        page.get_by_role("button", name="Save key").click()
        live = page.locator("#live-view")
        expect(live).to_be_visible()
        live.get_by_role("button", name="Add prompt").click()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"page is {overflow}px wider than the phone"
        controls = live.locator("input, select, button")
        for i in range(controls.count()):
            box = controls.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, controls.nth(i).evaluate(
                "el => el.outerHTML")
        for name in ("Play", "Pause", "Stop", "Reset"):
            assert live.get_by_role("button", name=name, exact=True).bounding_box()["height"] >= 40
        unnamed = page.evaluate(
            """() => [...document.querySelectorAll('#live-view input, #live-view button, #live-view select')]
                .filter(el => !el.labels?.length && !el.getAttribute('aria-label') && !el.textContent.trim())
                .map(el => el.outerHTML)""")
        assert unnamed == []
        # The tabs go back and forth by keyboard too.
        page.get_by_role("tab", name="Live").focus()
        page.keyboard.press("ArrowLeft")
        expect(page.get_by_role("tab", name="Generate")).to_be_focused()
        expect(page.locator("#generate-view")).to_be_visible()
        expect(live).to_be_hidden()
    finally:
        context.close()
