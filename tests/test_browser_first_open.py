"""The first visit downloads and builds only what the first screen shows (issue 43), in Debian's
chromium: no code of a closed tab's or panel's components is fetched before the first digit; each
tab and panel, opened for the first time, shows its controls and works (one action each); a slider
moved before the in-page generator is ready is drawn by the server, the picture never blank. Every
visitor here fails its test on an uncaught page error or a console error (tests/browser.py)."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image
from browser import answer_one_round, browser, desktop, draw, ONE, phone, require_browser  # noqa: F401  (fixtures)


sync_api = require_browser()
expect = sync_api.expect
STEER_TIMEOUT_MS = 600_000  # a projection is ~0.7 s of CPU, far more on a shared, loaded 2-core box
# Code of components no first screen shows: a closed tab's or panel's (Gradio 6.31's chunk names: the
# markdown renderer, the gallery and its video player, the sketchpad's canvas library, the table, the
# charts, gr.HTML and gr.JSON).
CLOSED_CODE = ("markdown-code", "Gallery-", "hls-", "CanvasTextSystem", "dsv-", "embed-", "HTML-", "JSON-")
RESOURCES = "() => performance.getEntriesByType('resource').map((r) => [r.startTime, r.name])"


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute("aria-selected", "true")


def open_panel(page, elem_id: str) -> None:
    page.locator(f"#{elem_id} button.label-wrap").first.click()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_no_closed_place_is_downloaded_before_the_first_digit(request, screen):
    page = request.getfixturevalue(screen)
    page.wait_for_function("window.ganWeb && (window.ganWeb.ready || window.ganWeb.error)")
    digit_at = page.evaluate("""() => Math.min(...performance.getEntriesByType('resource')
        .filter((r) => r.name.includes('gan-first-digit')).map((r) => r.responseEnd))""")
    early = [name for start, name in page.evaluate(RESOURCES) if start <= digit_at and any(c in name for c in CLOSED_CODE)]
    assert not early, early
    assert page.evaluate("() => [...document.querySelectorAll('#output img')].length") == 1
    # Opening a tab brings its code (the Discriminator: gallery, sketchpad, table, chart).
    open_tab(page, "Discriminator")
    expect(page.locator("#uploads")).to_be_visible()
    page.wait_for_timeout(500)
    loaded = " ".join(name for _, name in page.evaluate(RESOURCES))
    assert all(c in loaded for c in ("Gallery-", "CanvasTextSystem", "dsv-")), loaded


# ---------------------------------------------------------------------------- each place, opened first


def test_steer_panel_opened_first_draws_and_steers(desktop):
    page = desktop
    open_panel(page, "steer")
    expect(page.locator("#steer-sketch").get_by_label("Brush Size")).to_be_visible()  # the brush is picked
    for control in ("#steer-drawing", "#morph", "#morph-frames"):
        expect(page.locator(control)).to_be_visible()
    draw(page, ONE, "#steer-sketch")
    page.locator("#steer-drawing").click()
    expect(page.locator("#steer-fit")).to_contain_text("Fitted as a", timeout=STEER_TIMEOUT_MS)
    expect(page.locator("#steer-recon img")).to_be_visible()


def test_steering_from_the_discriminator_opens_the_steer_panel_it_never_opened(desktop):
    """The Discriminator's "Steer this digit" opens the Generate tab's steer panel, never opened in this
    page: the panel's hidden components are shown with the fit already in them."""
    page = desktop
    open_tab(page, "Discriminator")
    page.get_by_role("tab", name="Draw").click()
    expect(page.locator("#sketch").get_by_label("Brush Size")).to_be_visible()
    draw(page, ONE, "#sketch")
    page.locator("#sketch-steer").click()
    expect(page.locator("#steer-fit")).to_contain_text("Fitted as a", timeout=STEER_TIMEOUT_MS)
    expect(page.get_by_role("tab", name="Generate", exact=True)).to_have_attribute("aria-selected", "true")
    for picture in ("#steer-target img", "#steer-recon img", "#steer-diff img"):
        expect(page.locator(picture)).to_be_visible()
    expect(page.locator("#recipe textarea")).to_have_value(re.compile(r"&z=\w"))  # the fit is in the controls


def test_seed_grid_opened_first_shows_a_grid(desktop):
    page = desktop
    open_panel(page, "grid-panel")
    for label in ("rows", "columns"):
        expect(page.get_by_label(f"range slider for {label}")).to_be_visible()
    page.locator("#grid-show").click()
    expect(page.locator("#grid .thumbnail-item")).to_have_count(32)


def test_interpolation_opened_first_animates(desktop):
    page = desktop
    open_panel(page, "interp-panel")
    expect(page.get_by_label("range slider for frames")).to_be_visible()
    page.locator("#interp-show").click()
    expect(page.locator("#interp-gif img")).to_be_visible()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_discriminator_opened_first_judges_an_example(request, screen):
    page = request.getfixturevalue(screen)
    open_tab(page, "Discriminator")
    for control in ("#uploads", "#verdict", "#hist", "#uploads-steer"):
        expect(page.locator(control)).to_be_visible()
    before = page.locator("#verdict").inner_text()
    page.get_by_role("tab", name="Examples").click()
    page.locator("#examples img").first.click()
    expect(page.locator("#verdict")).not_to_have_text(before)
    expect(page.locator("#seen img")).to_be_visible()


def test_real_or_fake_opened_first_plays_a_round(desktop):
    answer_one_round(desktop, "Real")


def test_model_opened_first_shows_its_figures_and_curves(desktop):
    page = desktop
    open_tab(page, "Model")
    expect(page.locator("#model-text")).to_contain_text("Each row, in one line")
    for chart in ("#curve-losses", "#curve-d"):
        expect(page.locator(f"{chart} svg.marks, {chart} canvas").first).to_be_visible()
    expect(page.locator("#human-eval-text")).to_contain_text("counted")  # the game's figures, read as the tab opened
    page.get_by_role("button", name="Refresh the game's figures").click()
    expect(page.locator("#human-eval-text")).to_contain_text("counted")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_training_lab_opened_first_fills_a_preset(request, screen):
    page = request.getfixturevalue(screen)
    open_tab(page, "Training lab")
    for control in ("#lab-train", "#lab-stop", "#lab-status", "#lab-grid"):
        expect(page.locator(control)).to_be_visible()
    about = page.locator("#lab-about")
    before = about.inner_text()
    page.locator("#lab-preset input").click()
    page.get_by_role("option").nth(1).click()
    expect(about).not_to_have_text(before)


# ---------------------------------------------------------------------------- before the generator is ready


def digit_frames(page, box: dict, frames: list[str]) -> list[float]:
    """For each screencast frame, the share of dark pixels in the middle of the digit's box: a digit
    (white ink on black) is mostly dark; an empty picture box is white."""
    shares = []
    for data in frames:
        im = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("L"))
        scale = im.shape[1] / page.viewport_size["width"]
        x0, x1 = [int((box["x"] + box["width"] * f) * scale) for f in (0.3, 0.7)]
        y0, y1 = [int((box["y"] + box["height"] * f) * scale) for f in (0.3, 0.7)]
        shares.append(float((im[y0:y1, x0:x1] < 40).mean()))
    return shares


def test_a_slider_moved_before_the_generator_is_ready_is_drawn_by_the_server_with_no_flash(browser, app_url, studio):
    """The in-page generator loads after the first digit; until it is ready the server draws each
    change (a request each), and every frame the browser paints meanwhile shows a digit (Chrome's
    screencast: a frame for every change on screen)."""
    held = []
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/generator.safetensors", lambda route: held.append(route))  # the weights wait
    joins = []
    page.on("request", lambda r: joins.append(r.url) if "/queue/join" in r.url else None)
    try:
        page.goto(app_url)
        expect(page.locator("#recipe textarea")).to_have_value("digit=3&seed=42&psi=1")
        page.wait_for_function("window.ganWeb !== undefined")
        for _ in range(300):  # until the page asks for the weights (held: the generator waits for them)
            if held:
                break
            page.wait_for_timeout(100)
        assert held and not page.evaluate("window.ganWeb.ready")
        box = page.locator("#output img").bounding_box()
        cdp = page.context.new_cdp_session(page)
        frames = []

        def keep(frame):
            frames.append(frame["data"])
            cdp.send("Page.screencastFrameAck", {"sessionId": frame["sessionId"]})
        cdp.on("Page.screencastFrame", keep)
        cdp.send("Page.startScreencast", {"format": "png", "everyNthFrame": 1})
        page.wait_for_timeout(300)
        sent, before = len(joins), page.locator("#output img").get_attribute("src")
        page.get_by_label("range slider for thickness").focus()
        for step in range(1, 4):
            page.keyboard.press("ArrowRight")
            expect(page.locator("#recipe textarea")).to_have_value(f"digit=3&seed=42&psi=1&thickness={step / 10:g}")
            page.wait_for_timeout(400)
        cdp.send("Page.stopScreencast")
        expect(page.locator("#output img")).not_to_have_attribute("src", before)
        assert len(joins) - sent >= 3  # the server drew each step
        assert page.locator("#output canvas").count() == 0
        shares = digit_frames(page, box, frames)
        assert len(shares) >= 3 and min(shares) > 0.3, shares  # no frame without the digit
        shown = Image.open(io.BytesIO(page.request.get(page.locator("#output img").get_attribute("src")).body()))
        assert (np.asarray(shown) == studio.generate(studio.recipe(3, 42, 1.0, thickness=0.3))).all()
        for route in held:  # now the weights arrive: the next step is drawn in the page
            route.continue_()
        page.wait_for_function("window.ganWeb.ready")
        draws = page.evaluate("window.ganWeb.draws")
        page.keyboard.press("ArrowRight")
        expect(page.locator("#recipe textarea")).to_have_value("digit=3&seed=42&psi=1&thickness=0.4")
        assert page.locator("#output canvas").count() == 1 and page.evaluate("window.ganWeb.draws") > draws
        assert not errors, errors
    finally:
        context.close()
