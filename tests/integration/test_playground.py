"""The web playground in a real browser: Debian's Chromium driven by Playwright against a live server.

The flow a musician follows: give the key once, type a prompt, generate, watch the status, hear (the player holds
a ~30 s track, the waveform is drawn), download the track; the history survives a reload. A bad key is shown as a
clear error. The screenshot of the finished generation is saved with the test's files; with
ORCHESTRION_UPDATE_DOCS=1 it replaces docs/playground.png (the picture the README shows).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Iterator

import pytest
import soundfile
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.server import ServerProcess

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "playground.png"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PROMPT = "Majestic orchestral film score with horns and timpani, building to a triumphant finale"


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
