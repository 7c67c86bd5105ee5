"""Shared browser setup for the Playwright tests: Debian's chromium, a desktop and a phone
screen, the checks for Gradio's error marks, and a slider dragged with the mouse. Imported by the browser tests (some reuse test_browser.py's fixtures too)."""

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


@contextmanager
def visit(browser, url: str, screen: str) -> Iterator:
    """A fresh visitor (own context and Gradio session) on `screen`, once the first digit is on screen."""
    from playwright.sync_api import expect

    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page.goto(url)
    expect(page.locator("#recipe textarea")).to_have_value("digit=3&seed=42&psi=1")  # the page-load render
    try:
        yield page
    finally:
        context.close()


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
