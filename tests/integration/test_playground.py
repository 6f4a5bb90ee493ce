"""The web playground in a real browser: Debian's Chromium driven by Playwright against a live server.

The flow a musician follows: give the key once, type a prompt, generate, watch the status, hear (the player holds
a ~30 s track, the waveform is drawn), download the track; the history survives a reload. A bad key is shown as a
clear error. The screenshot of the finished generation is saved with the test's files; with
ORCHESTRION_UPDATE_DOCS=1 it replaces docs/playground.png (the picture the README shows).

A generation is followed over the server-sent events of /v2/generate/audio/events (read with fetch(), the key in the
header), with one GET of the generation after the final event; where the stream fails the page polls that GET.
"""

from __future__ import annotations

import io
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
