"""The web playground in a real browser: Debian's Chromium driven by Playwright against a live server.

The flow a musician follows: give the key once, type a prompt, generate, watch the status, hear (the player holds
a ~30 s track, the waveform is drawn), download the track; the history survives a reload. A bad key is shown as a
clear error. The screenshot of the finished generation is saved with the test's files; with
ORCHESTRION_UPDATE_DOCS=1 it replaces docs/playground.png (the picture the README shows).

A generation is followed over the server-sent events of /v2/generate/audio/events (read with fetch(), the key in the
header), with one GET of the generation after the final event; where the stream fails the page polls that GET.

A generation started here is heard while it renders: the page reads GET /v2/generate/audio/stream (fetch(), the
key in the header) and schedules its PCM on Web Audio as it arrives, counting the seconds received on
#stream-indicator (data-seconds) rather than the tests listening; once completed the player holds the stored file,
and playing it stops the stream. Where the stream is unavailable the page is as it was without it.

Composer models (docs/editing.md): the Shape area sends chords, metre, instruments and a section plan only when
filled; a completed track's plan is drawn as a timeline with its chords, and Extend, Regenerate this section and
Remix start new generations; its sheet music is shown page by page. Most of these views are driven with recorded
answers of the documented shape (RecordedComposer); one test runs them end to end against the real composer.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import soundfile
from playwright.sync_api import Browser, Page, Request, Route, expect, sync_playwright

from tests.support.server import ServerProcess

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "playground.png"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PROMPT = "Majestic orchestral film score with horns and timpani, building to a triumphant finale"
EVENTS = "/v2/generate/audio/events"
POLL = re.compile(r"/v2/generate/audio\?generation_id=")
STREAM = "/v2/generate/audio/stream"
# Hands the page the audio stream in odd pieces: the WAV header split over several reads, then pieces that end
# inside a sample frame.
RECHUNK_AUDIO = """
(() => {
  const realFetch = window.fetch;
  window.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    const url = String(input instanceof Request ? input.url : input);
    if (!url.includes("/v2/generate/audio/stream") || !response.body) return response;
    const source = response.body.getReader();
    let sent = 0;
    const body = new ReadableStream({
      async pull(controller) {
        const { value, done } = await source.read();
        if (done) { controller.close(); return; }
        for (let at = 0; at < value.length;) {
          const size = sent < 64 ? 7 : 4099;
          controller.enqueue(value.slice(at, at + size));
          sent += Math.min(size, value.length - at);
          at += size;
        }
      },
      cancel(reason) { return source.cancel(reason); },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
})();
"""
# Hands the page the event stream as one byte per chunk with CRLF line ends, so frames, lines and line ends all
# arrive split across reads (as a slow link or a proxy may deliver them).
RECHUNK_EVENTS = """
(() => {
  const realFetch = window.fetch;
  window.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    const url = String(input instanceof Request ? input.url : input);
    if (!url.includes("/v2/generate/audio/events") || !response.body) return response;
    const source = response.body.getReader();
    const body = new ReadableStream({
      async pull(controller) {
        const { value, done } = await source.read();
        if (done) { controller.close(); return; }
        for (const byte of value) {
          if (byte === 10) controller.enqueue(new Uint8Array([13]));
          controller.enqueue(new Uint8Array([byte]));
        }
      },
      cancel(reason) { return source.cancel(reason); },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
})();
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install -y --no-install-recommends chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def give_key(page: Page, key: str) -> None:
    dialog = page.get_by_role("dialog", name="Your API key")
    expect(dialog).to_be_visible()  # asked at once on a first visit
    dialog.get_by_label("API key").fill(key)
    dialog.get_by_role("button", name="Save key").click()
    expect(dialog).to_be_hidden()


def test_generate_listen_download_and_remember(live_server: ServerProcess, page: Page, tmp_path: Path) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.base_url + "/")
    expect(page).to_have_title("Orchestrion playground")
    give_key(page, live_server.api_key)

    # Models come from /v1/models; the hosted id is the default choice.
    model = page.get_by_label("Model")
    expect(model.locator("option[value='google/lyria2']")).to_have_count(1)
    expect(model).to_have_value("google/lyria2")

    page.get_by_label("Prompt", exact=True).fill(PROMPT)
    page.get_by_label("Negative prompt").fill("vocals")
    page.get_by_role("button", name="Generate").click()

    status = page.get_by_role("status")
    expect(status).to_contain_text(re.compile(r"Queued|Generating|Completed"), timeout=10_000)
    expect(status).to_contain_text(re.compile(r"Completed|Failed"), timeout=120_000)
    alert = page.locator("#error")
    assert alert.is_hidden(), f"the generation failed: {alert.inner_text()}"
    expect(status).to_contain_text("Completed")

    player = page.locator("#player")
    expect(player).to_have_attribute("data-state", "ready", timeout=30_000)
    duration = player.evaluate("audio => audio.duration")
    assert 29.0 <= duration <= 40.0, duration
    # The waveform is drawn: many canvas columns hold non-background pixels.
    painted = page.locator("#waveform").evaluate(
        """canvas => {
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let n = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
            return n / (canvas.width * canvas.height);
        }"""
    )
    assert painted > 0.05, f"waveform covers only {painted:.1%} of the canvas"

    link = page.get_by_role("link", name=re.compile("Download track"))
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.suffix == ".wav"
    info = soundfile.info(io.BytesIO(saved.read_bytes()))
    assert (info.samplerate, info.channels) == (48000, 2)
    assert 29.0 <= info.duration <= 40.0
    expect(page.get_by_role("link", name=re.compile("Download MIDI"))).to_be_visible()

    shot = SCREENSHOT if os.environ.get("ORCHESTRION_UPDATE_DOCS") == "1" else tmp_path / "playground.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    # The key never appears in any URL the page asked for.
    assert requested and not [url for url in requested if live_server.api_key in url]
    assert live_server.api_key not in page.url

    # After a reload: no key prompt, the generation is in the history and shown again.
    page.reload()
    expect(page.get_by_role("dialog", name="Your API key")).to_be_hidden()
    history = page.locator("#history li")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text(PROMPT)
    expect(history.first).to_contain_text("completed")
    expect(player).to_have_attribute("data-state", "ready", timeout=30_000)

    # "Reuse settings" brings the prompt and the seed back into the form.
    page.get_by_role("button", name=re.compile("Reuse the settings")).click()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value(PROMPT)
    expect(page.get_by_label("Random")).not_to_be_checked()
    expect(page.get_by_label("Seed", exact=True)).to_have_value(re.compile(r"^\d+$"))


def test_a_running_generation_can_be_canceled(live_server: ServerProcess, page: Page) -> None:
    deletes: list[tuple[str, str | None]] = []
    page.on("request", lambda request: deletes.append((request.url, request.headers.get("authorization")))
            if request.method == "DELETE" else None)
    page.goto(live_server.base_url + "/")
    give_key(page, live_server.api_key)
    model = page.get_by_label("Model")
    expect(model.locator("option[value='test/tone']")).to_have_count(1)
    model.select_option("test/tone")
    page.get_by_label("Prompt", exact=True).fill("sleep:3")
    page.get_by_role("button", name="Generate").click()

    status = page.get_by_role("status")
    expect(status).to_contain_text("Generating", timeout=15_000)
    cancel = page.get_by_role("button", name="Cancel generation")
    expect(cancel).to_be_visible()
    cancel.click()
    expect(status).to_contain_text("Canceled")
    expect(cancel).to_be_hidden()
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#history li").first).to_contain_text("canceled")
    # The key travels in the header only.
    ((url, authorization),) = deletes
    assert "generation_id=" in url and live_server.api_key not in url
    assert authorization == f"Bearer {live_server.api_key}"


def test_a_bad_key_is_shown_clearly(live_server: ServerProcess, page: Page) -> None:
    page.goto(live_server.base_url + "/")
    give_key(page, "sk-not-a-real-key")
    page.get_by_label("Prompt", exact=True).fill("a short lullaby")
    page.get_by_role("button", name="Generate").click()
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Your API key was not accepted")
    # The server's own message is shown, and a way to fix it is offered.
    expect(alert.get_by_role("button", name="Change API key")).to_be_visible()
    expect(page.get_by_role("button", name="Generate")).to_be_enabled()
    assert page.locator("#history li").count() == 0


def test_it_is_usable_at_phone_width(live_server: ServerProcess, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(live_server.base_url + "/")
        page.get_by_role("textbox", name="API key").fill("anything")
        page.get_by_role("button", name="Save key").click()
        # Nothing overflows sideways, and the key controls fit on screen.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"page is {overflow}px wider than the phone"
        for name in ("Prompt", "Model", "Duration (seconds)", "Format"):
            box = page.get_by_label(name, exact=True).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, name
        generate = page.get_by_role("button", name="Generate")
        assert generate.bounding_box()["height"] >= 40  # a comfortable touch target
        # Keyboard: the prompt is reachable and Ctrl+Enter submits (an empty prompt explains itself).
        page.get_by_label("Prompt", exact=True).focus()
        page.keyboard.press("Control+Enter")
        expect(page.get_by_role("alert")).to_contain_text("Write a prompt first")
    finally:
        context.close()


def start_tone(page: Page, prompt: str) -> None:
    """Generate with the test engine (`sleep:N` takes N seconds, reporting progress every tenth)."""
    model = page.get_by_label("Model")
    expect(model.locator("option[value='test/tone']")).to_have_count(1)
    model.select_option("test/tone")
    page.get_by_label("Duration (seconds)").fill("5")
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Generate").click()


def expect_completed(page: Page) -> None:
    status = page.get_by_role("status")
    expect(status).to_contain_text(re.compile(r"Completed|Failed|Canceled"), timeout=30_000)
    alert = page.locator("#error")
    assert alert.is_hidden(), f"the generation did not complete: {alert.inner_text()}"
    expect(status).to_contain_text("Completed")
    expect(page.locator("#player")).to_have_attribute("data-state", "ready", timeout=15_000)
    expect(page.get_by_role("link", name=re.compile("Download track"))).to_be_visible()
    expect(page.locator("#history li").first).to_contain_text("completed")


@pytest.mark.parametrize("delivery", ["as sent", "byte by byte with CRLF"])
def test_a_generation_is_followed_over_the_event_stream(live_server: ServerProcess, page: Page,
                                                        delivery: str) -> None:
    log: list[Request] = []
    page.on("request", lambda request: log.append(request))
    if delivery != "as sent":
        page.add_init_script(RECHUNK_EVENTS)
    page.goto(live_server.base_url + "/")
    give_key(page, live_server.api_key)
    start_tone(page, "sleep:3")

    # Progress shows as the events come: a percentage part-way, and the progress bar with it.
    status = page.get_by_role("status")
    expect(status).to_contain_text(re.compile(r"Generating [1-9][0-9]?%"), timeout=15_000)
    assert 0 < page.locator("#progress").evaluate("bar => bar.value") < 100
    expect_completed(page)

    streams = [r for r in log if EVENTS in r.url]
    assert len(streams) == 1, [r.url for r in streams]  # never dropped, so never resumed
    (stream,) = streams
    query = parse_qs(urlsplit(stream.url).query)
    assert list(query) == ["generation_id"] and live_server.api_key not in stream.url
    assert stream.headers.get("authorization") == f"Bearer {live_server.api_key}"
    assert stream.headers.get("accept") == "text/event-stream"
    assert stream.method == "GET" and "last-event-id" not in stream.headers
    # No polling: one GET of the generation, after the stream, answered with the final state (so it was sent once
    # the generation had ended: the page knew from the final event, as nothing else told it).
    gets = [r for r in log if POLL.search(r.url)]
    assert len(gets) == 1, [r.url for r in gets]
    (get,) = gets
    assert log.index(stream) < log.index(get)
    assert parse_qs(urlsplit(get.url).query)["generation_id"] == query["generation_id"]
    answer = get.response()
    assert answer is not None and answer.json()["status"] == "completed"


@pytest.mark.parametrize("failure", ["503", "network error"])
def test_without_the_event_stream_it_polls(live_server: ServerProcess, page: Page, failure: str) -> None:
    refused: list[str] = []

    def refuse(route: Route) -> None:
        refused.append(route.request.url)
        if failure == "503":
            route.fulfill(status=503, content_type="application/json",
                          body='{"code": 503, "name": "unavailable", "message": "Streams are off."}')
        else:
            route.abort("connectionreset")

    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if POLL.search(request.url) else None)
    page.route(re.compile(r"/v2/generate/audio/events\?"), refuse)
    page.goto(live_server.base_url + "/")
    give_key(page, live_server.api_key)
    start_tone(page, "sleep:2")

    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Generating [1-9][0-9]?%"), timeout=15_000)
    expect_completed(page)
    assert len(refused) == 1  # tried once: a stream that cannot be opened is not retried
    assert len(polls) >= 2, polls  # polled while it ran, then the final answer
    expect(page.locator("#error")).to_be_hidden()


def test_a_dropped_stream_is_resumed_from_the_last_event_then_polled(live_server: ServerProcess, page: Page) -> None:
    """A stream that ends before the final event (a proxy cutting it) is reopened with Last-Event-ID a few times,
    then the page polls. The first connection's frames use CRLF, comments, a multi-line `data` and an event the
    page does not know, so the parser must read them as the format says."""
    opened: list[dict[str, str]] = []

    def cut_short(route: Route) -> None:
        request = route.request
        opened.append(request.headers)
        if len(opened) > 1:  # a resumption: nothing new, and cut again
            route.fulfill(status=200, content_type="text/event-stream", body=": keep-alive\n\n")
            return
        generation_id = parse_qs(urlsplit(request.url).query)["generation_id"][0]
        frames = [
            "retry: 1000", "",
            ": a comment line", "",
            "event: notice", "data: not a state of the generation", "",
            "id: generating-37",
            'data: {"id": "' + generation_id + '",',
            'data:  "status": "generating",',
            'data:"progress": 37, "queue_position": null}',
            "",
            "data: a frame never finished",
        ]
        route.fulfill(status=200, content_type="text/event-stream", body="\r\n".join(frames))

    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if POLL.search(request.url) else None)
    page.route(re.compile(r"/v2/generate/audio/events\?"), cut_short)
    page.goto(live_server.base_url + "/")
    give_key(page, live_server.api_key)
    start_tone(page, "sleep:2")

    # 37% comes only from the scripted event (the engine reports tenths), shown while the stream is resumed.
    expect(page.get_by_role("status")).to_contain_text("Generating 37%", timeout=10_000)
    assert polls == []
    expect_completed(page)
    assert 2 <= len(opened) <= 6, len(opened)
    assert "last-event-id" not in opened[0]
    assert all(headers.get("last-event-id") == "generating-37" for headers in opened[1:]), opened
    assert all(headers.get("authorization") == f"Bearer {live_server.api_key}" for headers in opened)
    assert polls, "the page never polled after the stream kept dropping"


def test_a_new_generation_stops_reading_the_last_ones_stream(live_server: ServerProcess, page: Page) -> None:
    streams: list[Request] = []
    aborted: list[Request] = []
    page.on("request", lambda request: streams.append(request) if EVENTS in request.url else None)
    page.on("requestfailed", lambda request: aborted.append(request) if EVENTS in request.url else None)
    page.goto(live_server.base_url + "/")
    give_key(page, live_server.api_key)
    start_tone(page, "sleep:6 first")
    status = page.get_by_role("status")
    expect(status).to_contain_text("Generating", timeout=15_000)
    assert len(streams) == 1

    page.get_by_label("Prompt", exact=True).fill("sleep:1 second")
    page.get_by_role("button", name="Generate").click()
    expect_completed(page)
    assert len(streams) == 2
    # The first stream was closed by the page, long before its generation (6 s) could end it.
    assert aborted and aborted[0] is streams[0], [r.url for r in aborted]
    expect(page.locator("#result-title")).to_have_text("sleep:1 second")
    # The first generation ending (canceled here, to free the shared worker) changes nothing on the page.
    first_id = parse_qs(urlsplit(streams[0].url).query)["generation_id"][0]
    httpx.delete(live_server.base_url + "/v2/generate/audio", params={"generation_id": first_id},
                 headers={"Authorization": f"Bearer {live_server.api_key}"}, timeout=10).raise_for_status()
    page.wait_for_timeout(500)
    expect(status).to_contain_text("Completed")
    expect(page.locator("#error")).to_be_hidden()


# -- the audio stream: a track heard while it renders ----------------------------------------------------------------

FIRST_AUDIO = """() => {
  const indicator = document.getElementById('stream-indicator');
  return Number(indicator.dataset.seconds) > 0 && !indicator.hidden
    && {status: document.getElementById('status').textContent, shown: indicator.textContent.trim()};
}"""
STREAM_ENDED = """() => {
  const indicator = document.getElementById('stream-indicator');
  return indicator.dataset.state === 'ended' && Number(indicator.dataset.seconds);
}"""


@pytest.mark.parametrize("delivery", ["as sent", "in odd pieces"])
def test_a_track_is_heard_while_it_renders(live_server: ServerProcess, page: Page, delivery: str) -> None:
    streams: list[Request] = []
    page.on("request", lambda request: streams.append(request) if STREAM in request.url else None)
    if delivery != "as sent":
        page.add_init_script(RECHUNK_AUDIO)
    page.goto(live_server.base_url + "/")
    give_key(page, live_server.api_key)
    page.get_by_label("Prompt", exact=True).fill("A gentle folk tune with acoustic guitar and piano")
    page.get_by_label("Duration (seconds)").fill("20")
    page.get_by_role("button", name="Generate").click()

    # Audio is received and scheduled while the generation still runs.
    first = page.wait_for_function(FIRST_AUDIO, timeout=15_000).json_value()
    assert re.match(r"Queued|Generating", first["status"]), first
    assert re.match(r"Streaming · \d+\.\d s received", first["shown"]), first
    # The whole track comes over the stream, as long as the stored file the player then holds.
    streamed = page.wait_for_function(STREAM_ENDED, timeout=60_000).json_value()
    expect_completed(page)
    player = page.locator("#player")
    assert streamed == pytest.approx(player.evaluate("audio => audio.duration"), abs=0.01)

    (stream,) = streams
    generation_id = page.evaluate("JSON.parse(localStorage.getItem('orchestrion.history'))[0].id")
    assert parse_qs(urlsplit(stream.url).query) == {"generation_id": [generation_id]}
    assert stream.headers.get("authorization") == f"Bearer {live_server.api_key}"
    assert live_server.api_key not in stream.url
    # Playing the stored file takes over: the stream falls silent and its indicator goes.
    indicator = page.locator("#stream-indicator")
    expect(indicator).to_be_visible()
    player.evaluate("audio => audio.play()")
    expect(indicator).to_be_hidden()
    expect(indicator).to_have_attribute("data-state", "off")


@pytest.mark.parametrize("answer", [404, 409])
def test_without_the_audio_stream_the_player_waits_for_the_file(live_server: ServerProcess, page: Page,
                                                               answer: int) -> None:
    refused: list[str] = []

    def refuse(route: Route) -> None:
        refused.append(route.request.url)
        route.fulfill(status=answer, content_type="application/json",
                      body=json.dumps({"message": "no stream", "path": STREAM, "requestId": "r1",
                                       "statusCode": answer, "timestamp": "2025-01-01T00:00:00Z"}))

    page.route(re.compile(r"/v2/generate/audio/stream\?"), refuse)
    page.goto(live_server.base_url + "/")
    give_key(page, live_server.api_key)
    page.evaluate("""() => {
        window.streamShown = false;
        const indicator = document.getElementById('stream-indicator');
        new MutationObserver(() => { if (!indicator.hidden) window.streamShown = true; })
            .observe(indicator, {attributes: true});
    }""")
    start_tone(page, "sleep:1")
    expect_completed(page)
    assert len(refused) == 1
    assert page.evaluate("window.streamShown") is False
    expect(page.locator("#error")).to_be_hidden()


# -- composer: shape, plan timeline, edits and sheet music (docs/editing.md) ------------------------------------------

SHAPE_FIELDS = ("chords", "time_signature", "instruments", "sections", "sheet_music")
GENERATE = re.compile(r"/v2/generate/audio(/events)?(\?|$)")
SVG_PAGE = ('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200" viewBox="0 0 600 200">'
            '<rect width="600" height="200" fill="#fff"/><text x="20" y="100" font-size="40">{label}</text></svg>')


def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    frames = int(seconds * rate)
    tone = [0.3 * ((i // 20) % 2 * 2 - 1) for i in range(frames)]  # a square wave: something to draw
    buffer = io.BytesIO()
    soundfile.write(buffer, tone, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


class RecordedComposer:
    """Answers the page's generation calls with recorded answers of the documented shape (docs/editing.md), so the
    composer views can be driven before (or besides) a real engine: POSTs are recorded and answered with the next
    scripted reply, each created generation is completed at once, its event stream sends that one final state."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.base = base_url
        self.posts: list[dict] = []
        self.replies: list[tuple[int, dict]] = []  # (status, body) for the next POSTs; default: create one
        self.generations: dict[str, dict] = {}
        self.tracks: dict[str, float] = {}
        page.route(GENERATE, self.handle)
        page.route(re.compile(r"/recorded/"), self.file)

    def completed(self, gen_id: str, seconds: float, sections: list[dict], edit: dict | None = None) -> dict:
        self.tracks[gen_id] = seconds
        files = f"{self.base}/recorded/{gen_id}"
        sheet = [{"name": "lead_sheet", "format": "musicxml", "url": f"{files}/lead_sheet.musicxml",
                  "content_type": "application/vnd.recordare.musicxml+xml", "file_name": "lead_sheet.musicxml",
                  "file_size": 2100},
                 {"name": "score", "format": "musicxml", "url": f"{files}/score.musicxml",
                  "content_type": "application/vnd.recordare.musicxml+xml", "file_name": "score.musicxml",
                  "file_size": 8200}]
        # Pages listed out of order: the viewer orders them.
        for name, page_no in (("lead_sheet", 2), ("lead_sheet", 1), ("score", 1)):
            sheet.append({"name": name, "format": "svg", "page": page_no, "url": f"{files}/{name}-{page_no}.svg",
                          "content_type": "image/svg+xml", "file_name": f"{name}-{page_no}.svg", "file_size": 900})
        answer = {
            "id": gen_id, "status": "completed", "error": None, "model": "google/lyria2", "seed": 7,
            "created_at": "2025-01-01T00:00:00Z", "completed_at": "2025-01-01T00:00:05Z", "progress": 100,
            "queue_position": None, "meta": {"usage": {"credits_used": 1, "audio_seconds": seconds}},
            "audio_file": {"url": f"{files}/track.wav", "content_type": "audio/wav", "file_name": "track.wav",
                           "file_size": len(wav_bytes(seconds))},
            "plan": {"sections": sections}, "sheet_music": sheet,
        }
        if edit:
            answer["edit"] = edit
        self.generations[gen_id] = answer
        return answer

    def handle(self, route: Route) -> None:
        request = route.request
        query = parse_qs(urlsplit(request.url).query)
        if request.method == "POST":
            body = request.post_data_json
            self.posts.append(body)
            status, reply = self.replies.pop(0) if self.replies else (200, None)
            if reply is None:
                gen_id = f"{len(self.posts):08d}-0000-4000-8000-000000000000:composer"
                source = next((body[k] for k in ("extend", "repaint", "remix") if k in body), None)
                seconds = 12.0 + (body["extend"]["seconds"] if "extend" in body else 0)
                sections = PLAN + ([{"name": "outro", "start": 12.0, "bars": 15, "chords": ["Am", "G", "F"]}]
                                   if "extend" in body else [])
                edit = ({"operation": next(k for k in ("extend", "repaint", "remix") if k in body),
                         "generation_id": source["generation_id"], "seam": 10.0, "crossfade": 0.5}
                        if source else None)
                self.completed(gen_id, seconds, sections, edit)
                reply = {"id": gen_id, "status": "queued", "model": body["model"], "seed": 7,
                         "created_at": "2025-01-01T00:00:00Z"}
            route.fulfill(status=status, content_type="application/json", body=json.dumps(reply))
        elif "/events" in request.url:
            gen = self.generations[query["generation_id"][0]]
            final = {k: gen[k] for k in ("id", "status", "progress", "queue_position")}
            route.fulfill(status=200, content_type="text/event-stream", body=f"data: {json.dumps(final)}\n\n")
        else:
            route.fulfill(status=200, content_type="application/json",
                          body=json.dumps(self.generations[query["generation_id"][0]]))

    def file(self, route: Route) -> None:
        path = urlsplit(route.request.url).path
        gen_id, name = path.split("/")[-2:]
        if name == "track.wav":
            route.fulfill(status=200, content_type="audio/wav", body=wav_bytes(self.tracks[gen_id]))
        elif name.endswith(".svg"):
            route.fulfill(status=200, content_type="image/svg+xml", body=SVG_PAGE.format(label=name))
        else:
            route.fulfill(status=200, content_type="application/xml", body="<score-partwise/>")


# A 12 s piece at 120 BPM in 4/4 (2 s a bar): intro 1 bar, verse 2 bars, chorus 3 bars. The verse changes chord
# once a bar; the chorus holds two chords over its three bars (spread evenly).
PLAN = [
    {"name": "intro", "start": 0.0, "bars": 1, "chords": ["Am"]},
    {"name": "verse", "start": 2.0, "bars": 2, "chords": ["F", "C"]},
    {"name": "chorus", "start": 6.0, "bars": 3, "chords": ["G", "Am"]},
]


def shown_sections(page: Page) -> list[dict]:
    return page.locator("#timeline-sections > li").evaluate_all(
        """items => items.map(li => ({
            name: li.querySelector('.tl-name').textContent,
            width: li.getBoundingClientRect().width,
            chords: [...li.querySelectorAll('.tl-chords li')]
                .map(c => [c.textContent, c.getBoundingClientRect().width]),
        }))"""
    )


def test_the_shape_is_sent_for_composer_models_only_when_filled(live_server: ServerProcess, page: Page) -> None:
    recorded = RecordedComposer(page, live_server.base_url)
    page.goto(live_server.base_url + "/")
    give_key(page, live_server.api_key)
    expect(page.get_by_label("Model")).to_have_value("google/lyria2")
    page.get_by_label("Prompt", exact=True).fill("a folk song")
    generate = page.get_by_role("button", name="Generate")

    # Empty: none of the shape's fields is sent but the box that asks for sheet music (the server engraves only
    # when asked), the duration is.
    recorded.replies.append((400, {"message": "stop here", "path": "/v2/generate/audio", "requestId": "r1",
                                   "statusCode": 400, "timestamp": "2025-01-01T00:00:00Z"}))
    generate.click()
    expect(page.get_by_role("alert")).to_contain_text("stop here")
    assert not (set(SHAPE_FIELDS) - {"sheet_music"}) & set(recorded.posts[-1])
    assert recorded.posts[-1]["sheet_music"] is True and recorded.posts[-1]["duration"] == 30

    # Filled: chords, metre, instruments and the plan; no duration (the plan sets it).
    page.locator("#shape > summary").click()
    page.get_by_label("Chords").fill("Am F C G")
    page.get_by_label("Time signature").fill("3/4")
    page.get_by_label("Instruments").fill("piano, cello , ,drums")
    page.get_by_label("Engrave sheet music").uncheck()
    first = page.get_by_role("group", name="Section 1")
    first.get_by_label("Name").fill("intro")
    first.get_by_label("Length").fill("4")
    page.get_by_role("button", name="Add section").click()
    second = page.get_by_role("group", name="Section 2")
    expect(second.get_by_label("Name")).to_be_focused()
    second.get_by_label("Name").fill("chorus")
    second.get_by_label("Length").fill("8.5")
    second.get_by_label("Unit").select_option("seconds")
    second.get_by_label("Section prompt").fill("big and bright")
    second.get_by_label("Energy (0-1)").fill("0.9")
    page.get_by_role("button", name="Add section").click()
    page.get_by_role("button", name="Remove section 3").click()  # an added row can go again
    expect(page.get_by_label("Duration (seconds)")).to_be_disabled()
    recorded.replies.append((400, {"message": "sections[1].seconds: too short", "path": "/v2/generate/audio",
                                   "requestId": "r2", "statusCode": 400, "timestamp": "2025-01-01T00:00:00Z"}))
    generate.click()
    expect(page.get_by_role("alert")).to_contain_text("sections[1].seconds: too short")
    body = recorded.posts[-1]
    assert body["chords"] == "Am F C G" and body["time_signature"] == "3/4" and body["sheet_music"] is False
    assert body["instruments"] == ["piano", "cello", "drums"]
    assert body["sections"] == [{"name": "intro", "bars": 4},
                                {"name": "chorus", "seconds": 8.5, "prompt": "big and bright", "energy": 0.9}]
    assert "duration" not in body

    # A plan row the client can tell is wrong is caught before sending.
    second.get_by_label("Unit").select_option("bars")
    posts = len(recorded.posts)
    generate.click()
    expect(page.get_by_role("alert")).to_contain_text("Section 2: bars must be a whole number")
    expect(second.get_by_label("Length")).to_be_focused()
    assert len(recorded.posts) == posts

    # Another engine takes no shape: the area goes, and nothing of it is sent.
    page.get_by_label("Model").select_option("test/tone")
    expect(page.locator("#shape")).to_be_hidden()
    expect(page.get_by_label("Duration (seconds)")).to_be_enabled()
    recorded.replies.append((400, {"message": "stop again", "path": "/v2/generate/audio", "requestId": "r3",
                                   "statusCode": 400, "timestamp": "2025-01-01T00:00:00Z"}))
    generate.click()
    expect(page.get_by_role("alert")).to_contain_text("stop again")
    assert not set(SHAPE_FIELDS) & set(recorded.posts[-1]) and "duration" in recorded.posts[-1]
    expect(page.locator("#history li")).to_have_count(0)


def test_the_plan_edits_and_sheet_music_from_recorded_answers(live_server: ServerProcess, page: Page) -> None:
    recorded = RecordedComposer(page, live_server.base_url)
    page.goto(live_server.base_url + "/")
    give_key(page, live_server.api_key)
    page.get_by_label("Prompt", exact=True).fill("a folk song")
    page.get_by_role("button", name="Generate").click()
    expect_completed(page)
    (source_id,) = recorded.generations

    # The timeline: one block per section, as wide as it lasts (2 s, 4 s, 6 s to the track's end), chords evenly.
    expect(page.locator("#timeline")).to_be_visible()
    sections = shown_sections(page)
    assert [s["name"] for s in sections] == ["intro", "verse", "chorus"]
    unit = sections[0]["width"] / 2
    assert sections[1]["width"] == pytest.approx(4 * unit, rel=0.05)
    assert sections[2]["width"] == pytest.approx(6 * unit, rel=0.05)
    assert [c for c, _ in sections[1]["chords"]] == ["F", "C"] and [c for c, _ in sections[2]["chords"]] == ["G", "Am"]
    for section in sections:
        widths = [w for _, w in section["chords"]]
        assert max(widths) - min(widths) < 1.5, section
    expect(page.locator("#timeline-playhead")).to_be_attached()
    page.locator("#player").evaluate("audio => { audio.currentTime = 6; }")
    expect(page.locator("#timeline-playhead")).to_have_attribute("style", re.compile(r"left: 50(\.0+)?%"))

    # Regenerate a section: its span and the optional prompt; the server's 409 is shown beside the action.
    page.get_by_role("button", name=re.compile(r"^Regenerate this section: verse")).click()
    expect(page.get_by_label("Prompt for the section")).to_be_focused()
    page.get_by_label("Prompt for the section").fill("sparser, just piano")
    recorded.replies.append((409, {"message": "repaint.generation_id: the generation is generating, not completed",
                                   "path": "/v2/generate/audio", "requestId": "r9", "statusCode": 409,
                                   "timestamp": "2025-01-01T00:00:00Z"}))
    page.get_by_role("button", name="Regenerate section").click()
    expect(page.locator("#repaint-error")).to_contain_text("not completed")
    expect(page.locator("#error")).to_be_hidden()
    assert recorded.posts[-1] == {"model": "google/lyria2", "output_format": "wav", "sheet_music": True,
                                  "repaint": {"generation_id": source_id, "start": 2.0, "end": 6.0,
                                              "prompt": "sparser, just piano"}}
    page.get_by_label("Prompt for the section").press("Escape")  # closes, back to the section's button
    expect(page.locator("#repaint-form")).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile(r"^Regenerate this section: verse"))).to_be_focused()

    # Remix: a prompt is needed; a 404 (the documented body) shows next to it.
    page.get_by_role("button", name="Remix").click()
    expect(page.locator("#remix-error")).to_contain_text("Write the style of the remix first")
    page.get_by_label("Remix prompt").fill("bossa nova trio")
    recorded.replies.append((404, {"message": "remix.generation_id: no generation of that id for this key",
                                   "path": "/v2/generate/audio", "requestId": "r10", "statusCode": 404,
                                   "timestamp": "2025-01-01T00:00:00Z"}))
    page.get_by_role("button", name="Remix").click()
    expect(page.locator("#remix-error")).to_contain_text("Not found: remix.generation_id: no generation")
    assert recorded.posts[-1]["remix"] == {"generation_id": source_id}
    assert recorded.posts[-1]["prompt"] == "bossa nova trio"

    # Sheet music: lead sheet and full score, page by page, loaded when opened; MusicXML to download.
    image = page.get_by_role("img", name=re.compile("Lead sheet, page 1 of 2"))
    page.get_by_text("Sheet music", exact=True).click()
    expect(image).to_be_visible()
    expect(page.locator("#sheet-image")).to_have_attribute("data-state", "ready")
    assert page.locator("#sheet-image").get_attribute("src").endswith("/lead_sheet-1.svg")
    expect(page.get_by_role("button", name="Previous page")).to_be_disabled()
    page.get_by_role("button", name="Next page").click()
    expect(page.get_by_role("img", name="Lead sheet, page 2 of 2")).to_be_visible()
    expect(page.get_by_role("button", name="Next page")).to_be_disabled()
    page.get_by_label("Full score").check()
    expect(page.get_by_role("img", name="Full score, page 1 of 1")).to_be_visible()
    assert page.locator("#sheet-image").get_attribute("src").endswith("/score-1.svg")
    for label, name in (("Lead sheet (MusicXML)", "lead_sheet"), ("Full score (MusicXML)", "score")):
        link = page.get_by_role("link", name=re.compile(re.escape(label)))
        assert link.get_attribute("href").endswith(f"/{name}.musicxml")

    # Extend (30 s by default): the same model, the new generation followed to its end and shown.
    expect(page.get_by_label("Seconds to add")).to_have_value("30")
    page.get_by_role("button", name="Extend").click()
    expect(page.locator("#result-title")).to_have_text("a folk song (extended by 30 s)")
    expect_completed(page)
    assert recorded.posts[-1] == {"model": "google/lyria2", "output_format": "wav", "sheet_music": True,
                                  "extend": {"generation_id": source_id, "seconds": 30}}
    expect(page.locator("#result-meta")).to_contain_text("extended of")
    assert page.locator("#player").evaluate("audio => audio.duration") == pytest.approx(42, abs=0.1)
    assert [s["name"] for s in shown_sections(page)] == ["intro", "verse", "chorus", "outro"]
    expect(page.locator("#history li")).to_have_count(2)


def test_the_composer_views_fit_a_phone(live_server: ServerProcess, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        recorded = RecordedComposer(page, live_server.base_url)
        page.goto(live_server.base_url + "/")
        page.get_by_role("textbox", name="API key").fill(live_server.api_key)
        page.get_by_role("button", name="Save key").click()
        page.locator("#shape > summary").click()
        page.get_by_role("button", name="Add section").click()
        page.get_by_label("Prompt", exact=True).fill("a folk song")
        page.get_by_role("group", name="Section 1").get_by_label("Name").fill("verse")
        page.get_by_role("group", name="Section 1").get_by_label("Length").fill("4")
        page.get_by_role("group", name="Section 2").get_by_label("Name").fill("chorus")
        page.get_by_role("group", name="Section 2").get_by_label("Length").fill("4")
        page.get_by_role("button", name="Generate").click()
        expect_completed(page)
        assert recorded.posts[0]["sections"] == [{"name": "verse", "bars": 4}, {"name": "chorus", "bars": 4}]
        page.get_by_text("Sheet music", exact=True).click()
        page.get_by_role("button", name=re.compile(r"^Regenerate this section: intro")).click()
        expect(page.locator("#sheet-image")).to_have_attribute("data-state", "ready")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"page is {overflow}px wider than the phone"
        for selector in ("#timeline", "#repaint-form", "#extend-form", "#remix-form", "#sheet-image", "#plan-rows",
                         "#sheet-next"):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, selector
        # Every control of the new areas has a name a screen reader can say.
        unnamed = page.evaluate(
            """() => [...document.querySelectorAll('#shape input, #shape select, #shape button, #result input,'
                     + ' #result button, #result select')]
                .filter(el => !el.labels?.length && !el.getAttribute('aria-label') && !el.textContent.trim())
                .map(el => el.outerHTML)"""
        )
        assert unnamed == []
        # "Reuse settings" brings the shape back after a reload.
        page.reload()
        expect_completed(page)
        expect(page.get_by_role("group", name="Section 2")).to_have_count(0)
        page.get_by_role("button", name=re.compile("Reuse the settings")).click()
        expect(page.get_by_role("group", name="Section 2").get_by_label("Name")).to_have_value("chorus")
        expect(page.get_by_role("group", name="Section 1").get_by_label("Length")).to_have_value("4")
        expect(page.get_by_label("Duration (seconds)")).to_be_disabled()
    finally:
        context.close()


def test_a_composer_track_is_planned_extended_and_engraved(live_server: ServerProcess, page: Page) -> None:
    """End to end against the real composer: a 10 s track shows its plan, is extended, and its sheet music shows."""
    page.goto(live_server.base_url + "/")
    give_key(page, live_server.api_key)
    expect(page.get_by_label("Model")).to_have_value("google/lyria2")
    page.get_by_label("Prompt", exact=True).fill("A gentle folk tune with acoustic guitar and piano")
    page.get_by_label("Duration (seconds)").fill("10")
    page.get_by_role("button", name="Generate").click()
    expect_completed(page)
    player = page.locator("#player")
    first = player.evaluate("audio => audio.duration")
    assert 9.0 <= first <= 14.0, first

    # The timeline is the server's plan: its sections by name, with their chords.
    source_id = page.evaluate("JSON.parse(localStorage.getItem('orchestrion.history'))[0].id")
    auth = {"Authorization": f"Bearer {live_server.api_key}"}
    answer = httpx.get(live_server.base_url + "/v2/generate/audio", params={"generation_id": source_id},
                       headers=auth, timeout=10).json()
    plan = answer["plan"]["sections"]
    expect(page.locator("#timeline")).to_be_visible()
    shown = shown_sections(page)
    assert [s["name"] for s in shown] == [s["name"] for s in plan] and all(s["name"] for s in shown)
    assert [[c for c, _ in s["chords"]] for s in shown] == [s["chords"] for s in plan]
    assert any(s["chords"] for s in shown)

    # Extend: a new generation of the same model, followed to its end, longer by what was asked.
    page.get_by_label("Seconds to add").fill("10")
    page.get_by_role("button", name="Extend").click()
    expect(page.locator("#result-title")).to_contain_text("(extended by 10 s)")
    expect_completed(page)
    extended = player.evaluate("audio => audio.duration")
    assert extended >= first + 8.0, (first, extended)
    expect(page.locator("#result-meta")).to_contain_text("extended")
    expect(page.locator("#history li")).to_have_count(2)

    # Sheet music: an engraved SVG page of the lead sheet, loaded from its signed link.
    page.get_by_text("Sheet music", exact=True).click()
    image = page.locator("#sheet-image")
    expect(image).to_have_attribute("data-state", "ready", timeout=15_000)
    expect(page.get_by_role("img", name=re.compile(r"^(Lead sheet|Full score), page 1 of \d+"))).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") > 0
    svg = httpx.get(image.get_attribute("src"), timeout=10)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    expect(page.get_by_role("link", name=re.compile(r"\(MusicXML\)")).first).to_be_visible()
