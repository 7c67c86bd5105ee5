"""Shared browser setup for the Playwright tests: Debian's chromium, a desktop and a phone
screen, the checks for Gradio's error marks, a visitor whose page fails the test on any uncaught
page error or console error of the app's own code, a slider dragged with the mouse and a stroke
drawn on a sketchpad. Imported by the browser tests (some reuse test_browser.py's fixtures too)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"  # gitignored: for people to look at
TIMEOUT_MS = int(os.environ.get("BROWSER_TIMEOUT_MS", 90_000))  # a busy 2-vCPU box can take a while; no assertion is about speed
# Flags for a headless, offline, container browser (no sandbox as root, no GPU, small /dev/shm).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
# The two screens of issue 14: a laptop, and a phone used with touch.
SCREENS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}
# Gradio marks an event's failure twice: a toast, and an "Error" badge over each of its outputs.
ERROR_BADGE, TOAST = "span.error:visible", ".toast-body:visible"


def require_browser():
    """The Playwright module, or skip (locally) / fail (in CI) when the browser cannot run."""
    try:
        from playwright import sync_api
    except ImportError:  # pragma: no cover - decided just below
        sync_api = None
    if sync_api is None or not CHROMIUM.exists():
        why = "playwright is not installed" if sync_api is None else f"no browser at {CHROMIUM}"
        if os.environ.get("CI") == "true":  # CI must run the browser tests, never skip them quietly
            pytest.fail(f"browser test cannot run in CI: {why}", pytrace=False)
        pytest.skip(why, allow_module_level=True)
    return sync_api


# Console errors that are the framework's or the browser's, not the app's: a headless browser with no
# GPU reporting on WebGL (the sketchpad's canvas library).
NOT_OURS = ("GL Driver Message", "WebGL", "GPU stall")


def watch_errors(page) -> list[str]:
    """Collect the page's uncaught errors (`pageerror`) and console errors, but the browser's own noise."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"uncaught page error: {e}"))
    page.on("console", lambda m: errors.append(f"console error: {m.text} at {m.location.get('url', '')}")
            if m.type == "error" and not any(n in m.text for n in NOT_OURS) else None)
    return errors


def no_page_errors(errors: list[str]) -> None:
    assert not errors, "the page reported errors:\n" + "\n".join(errors)


@contextmanager
def visit(browser, url: str, screen: str) -> Iterator:
    """A fresh visitor (own context and Gradio session) on `screen`, once the first digit is on
    screen. The test fails if the page reports an uncaught error or a console error meanwhile."""
    from playwright.sync_api import expect

    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    errors = page.reported_errors = watch_errors(page)  # (a test may check them itself, mid-way)
    page.goto(url)
    expect(page.locator("#recipe textarea")).to_have_value("digit=3&seed=42&psi=1")  # the first digit's recipe
    try:
        yield page
        page.wait_for_timeout(300)  # an error from the test's last step has reached the page's listeners
        no_page_errors(errors)
    finally:
        context.close()


# The fixtures every browser test shares (a test module imports the ones it uses): one chromium per
# module, and a fresh visitor on each screen.


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def desktop(browser, app_url):
    with visit(browser, app_url, "desktop") as page:
        yield page


@pytest.fixture
def phone(browser, app_url):
    with visit(browser, app_url, "phone") as page:
        yield page


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def drag_slider(page, label: str, to: float) -> float:
    """Drag a slider's thumb with the mouse, as a mouse user would: from the middle of its track
    to `to` (0..1 along it) in 10 moves. Returns the slider's value afterwards."""
    slider = page.get_by_label(f"range slider for {label}")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * to, y, steps=10)
    page.mouse.up()
    return float(slider.input_value())


def draw(page, points, sketch: str = "#sketch") -> None:
    """One stroke through `points` (fractions of the canvas) with the mouse, on the sketchpad `sketch`."""
    box = page.locator(f"{sketch} canvas").first.bounding_box()
    xy = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for x, y in xy[1:]:
        page.mouse.move(x, y, steps=4)
    page.mouse.up()


ONE = [(0.5, 0.2), (0.5, 0.8)]  # a vertical stroke: a 1


def answer_one_round(page, button: str = "Fake") -> None:
    """Open the game and answer its first digit at a person's pace (past the too-fast floor)."""
    from playwright.sync_api import expect

    from gan.space.human_eval import MIN_ANSWER_S

    page.get_by_role("tab", name="Real or fake?", exact=True).click()
    expect(page.locator("#game-digit img")).to_be_visible()  # opening the tab started a round
    expect(page.locator("#game-text")).to_contain_text("Make your guess")
    page.wait_for_timeout(MIN_ANSWER_S * 1000 + 300)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("#game-text")).to_contain_text("it was")
