"""The first visit (issue 35), in Debian's chromium at 1366x900 and on a 390x844 touch phone: every
tab loads with no page error, no control can be set to a value the app refuses, no error badge
outlives its cause, every state has a next step, and the words say what each thing does. Every
visitor here fails its test on an uncaught page error or a console error (tests/browser.py)."""

from __future__ import annotations

import re
import time

import pytest
from browser import browser, desktop, draw, ERROR_BADGE, ONE, phone, require_browser, TOAST, visit  # noqa: F401  (fixtures)

sync_api = require_browser()
expect = sync_api.expect
TABS = ["Generate", "Discriminator", "Real or fake?", "Model", "Training lab"]
STEER_TIMEOUT_MS = 600_000  # a projection is ~0.7 s of CPU, far more on a shared, loaded 2-core box
FIRST = "digit=3&seed=42&psi=1"


def overlaps(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def no_badge(page) -> None:
    expect(page.locator(ERROR_BADGE)).to_have_count(0)


# ---------------------------------------------------------------------------- every tab


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_every_tab_and_panel_opens_without_page_errors(request, screen):
    """Every tab, and every closed panel of the Generate tab, opened in turn: the visitor fixture
    fails the test on an uncaught page error or a console error from any of them."""
    page = request.getfixturevalue(screen)
    for panel in ["Steer your own digit", "Seed grid", "Interpolation"]:
        page.get_by_text(panel).first.click()
    expect(page.locator("#steer-sketch canvas").first).to_be_visible()
    for name in TABS[1:] + TABS[:1]:
        page.get_by_role("tab", name=name, exact=True).click()
        expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute("aria-selected", "true")
        page.wait_for_timeout(700)  # plots, pictures and editors mount
    expect(page.locator("#output img")).to_be_visible()


# ---------------------------------------------------------------------------- Generate: controls


def test_grid_sliders_allow_only_grids_the_app_draws(desktop):
    page = desktop
    page.get_by_text("Seed grid").first.click()
    for label in ("rows", "columns"):
        expect(page.get_by_label(f"range slider for {label}")).to_have_attribute("max", "10")
        box = page.get_by_label(f"number input for {label}")
        box.fill("10")
        box.press("Enter")
    page.get_by_role("button", name="Show grid").click()
    expect(page.locator("#grid .thumbnail-item")).to_have_count(100)  # 10 x 10: the largest grid, drawn
    expect(page.locator(TOAST)).to_have_count(0)
    no_badge(page)


def test_phone_grid_shows_every_column(phone):
    page = phone
    page.get_by_text("Seed grid").first.click()
    page.get_by_role("button", name="Show grid").click()
    cells = page.locator("#grid .thumbnail-item")
    expect(cells).to_have_count(32)
    width = page.viewport_size["width"]
    for i in range(8):  # the first row's 8 columns all lie on the screen, side by side
        box = cells.nth(i).bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= width, f"column {i} is off the screen"
    expect(page.locator("#grid .caption-label")).to_have_count(0)  # no caption laid over a digit
    expect(page.get_by_text("Each row is a digit")).to_be_visible()  # what rows and columns mean, instead


def test_enter_in_the_recipe_box_loads_it(desktop):
    box = desktop.locator("#paste textarea")
    box.fill("digit=6&seed=11")
    box.press("Enter")
    expect(desktop.locator("#recipe textarea")).to_have_value("digit=6&seed=11&psi=1")


def test_load_recipe_with_an_empty_box_changes_nothing(desktop):
    desktop.get_by_role("button", name="Load recipe").click()
    expect(desktop.locator(".toast-body.warning:visible")).to_contain_text("Paste a recipe first")  # a message, not an error
    desktop.wait_for_timeout(1000)  # long enough for a reset to digit 0, seed 0 to show
    expect(desktop.locator("#recipe textarea")).to_have_value(FIRST)
    expect(desktop.locator("#seed input")).to_have_value("42")
    no_badge(desktop)


def test_a_typed_value_past_a_slider_end_is_shown_as_used(desktop):
    box = desktop.get_by_label("number input for thickness")
    box.fill("9")
    box.press("Enter")
    expect(box).to_have_value("3")  # the slider ends at 3: the box says so
    expect(desktop.locator("#recipe textarea")).to_have_value(f"{FIRST}&thickness=3")
    expect(desktop.locator(TOAST)).to_have_count(0)


def test_a_seed_past_the_last_is_shown_as_used(desktop):
    box = desktop.locator("#seed input")
    box.fill("12345678901")
    box.press("Enter")
    expect(box).to_have_value("4294967295")  # the last seed there is, and the picture's
    expect(desktop.locator("#recipe textarea")).to_have_value("digit=3&seed=4294967295&psi=1")
    expect(desktop.locator(TOAST)).to_have_count(0)
    no_badge(desktop)


def test_controls_say_what_they_do_in_plain_words(desktop):
    for words in ["digit to draw", "typical ↔ unusual (truncation ψ)", "principal direction 1 (GANSpace pc1)",
                  "the four directions in which generated digits vary most"]:
        expect(desktop.get_by_text(words).first).to_be_visible()
    expect(desktop.get_by_label("range slider for principal direction 4 (GANSpace pc4)")).to_have_count(1)


# ---------------------------------------------------------------------------- Generate: steering


def open_steer(page) -> None:
    page.get_by_text("Steer your own digit").click()
    expect(page.locator("#steer-sketch").get_by_label("Brush Size")).to_be_visible()


def test_steering_an_empty_canvas_or_morphing_first_leaves_no_badge_and_keeps_the_fit(desktop):
    page = desktop
    open_steer(page)
    page.locator("#morph").click()  # Morph before any steering
    expect(page.locator(TOAST)).to_contain_text("Steer a digit first")
    no_badge(page)
    draw(page, ONE, "#steer-sketch")
    page.locator("#steer-drawing").click()
    fit = page.locator("#steer-fit")
    expect(fit).to_contain_text("Fitted as a", timeout=STEER_TIMEOUT_MS)
    expect(page.locator("#output img")).to_be_in_viewport()  # the page scrolled up to the steered digit
    fitted, recipe = fit.inner_text(), page.locator("#recipe textarea").input_value()
    page.locator("#steer-sketch").get_by_label("Clear canvas").click()
    page.locator("#steer-drawing").click()  # an empty canvas now
    expect(page.locator(TOAST).filter(has_text="Draw a digit first")).to_have_count(1)
    no_badge(page)
    assert fit.inner_text() == fitted and page.locator("#recipe textarea").input_value() == recipe  # nothing wiped


def test_steering_an_empty_canvas_from_the_discriminator_tab_says_so_there(desktop):
    page = desktop
    page.get_by_role("tab", name="Discriminator").click()
    page.get_by_role("tab", name="Draw").click()
    page.locator("#sketch-steer").click()
    expect(page.locator(TOAST).filter(has_text="Draw a digit first")).to_have_count(1)  # seen where the visitor is
    expect(page.get_by_role("tab", name="Discriminator", exact=True)).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Generate", exact=True).click()
    no_badge(page)  # and nothing waits unseen on the Generate tab
    expect(page.locator("#recipe textarea")).to_have_value(FIRST)


def test_phone_message_leaves_the_pinned_digit_clear(phone):
    page = phone
    open_steer(page)
    page.locator("#steer-drawing").click()  # an empty canvas: a message
    toast = page.locator(TOAST).first
    expect(toast).to_be_visible()
    digit = page.locator("#output img").bounding_box()
    assert not overlaps(toast.bounding_box(), digit), "the message covers the digit"


# ---------------------------------------------------------------------------- Model tab


def test_phone_model_table_headers_stay_whole(phone):
    phone.get_by_role("tab", name="Model", exact=True).click()
    headers = phone.locator("#model-text th")
    expect(headers.first).to_be_visible()
    for th in headers.all():
        lines = th.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e);"
                            " return new Set([...r.getClientRects()].map(q => Math.round(q.top))).size; }")
        assert lines == 1, f"{th.inner_text()!r} wraps onto {lines} lines"


def test_model_tab_explains_each_row_and_why_is_can_beat_the_floor(desktop):
    desktop.get_by_role("tab", name="Model", exact=True).click()
    text = desktop.locator("#model-text")
    expect(text).to_contain_text("Each row, in one line")
    expect(text).to_contain_text("so a generator can exceed it")
    expect(text).not_to_contain_text("no generator can do better")


# ---------------------------------------------------------------------------- Training lab


def start_run(page, seconds: int = 60) -> None:
    page.get_by_role("tab", name="Training lab").click()
    page.locator("#lab-settings").get_by_text("Settings").first.click()
    for label, value in [("step budget", "5000"), ("time cap (s)", str(seconds))]:
        box = page.get_by_label(f"number input for {label}")
        box.fill(value)
        box.press("Enter")
    page.locator("#lab-train").click()


def wait_lab_idle(timeout_s: float = 120) -> None:
    from tabs import lab  # the app runs in this process (app_url fixture)

    end = time.time() + timeout_s
    while lab.activity["running"]:
        assert time.time() < end, "the lab's run did not end"
        time.sleep(0.25)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_lab_run_is_seen_then_stop_says_what_next(request, screen):
    page = request.getfixturevalue(screen)
    wait_lab_idle()
    start_run(page)
    status, grid = page.locator("#lab-status"), page.locator("#lab-grid img")
    expect(status).to_be_in_viewport()  # on a phone too, where the results are under the settings
    expect(status).to_contain_text("step ")
    expect(grid).to_be_visible()
    # No label chip or icon lies over the samples (their top row is digit 0).
    picture = grid.bounding_box()
    block = page.locator("#lab-grid")
    for chip in block.locator("[data-testid=block-label], button:not(:has(img))").all():  # (the picture is a button itself)
        if chip.is_visible():
            assert not overlaps(chip.bounding_box(), picture), f"{chip.inner_text()!r} lies over the samples"
    # The losses chart names its lines.
    legend = page.locator("#lab-losses").locator(".role-legend-label text, .role-legend text")
    expect(legend.filter(has_text="D loss")).to_have_count(1)
    expect(legend.filter(has_text="G loss")).to_have_count(1)
    page.locator("#lab-stop").click()
    expect(status).to_contain_text("stopped: you pressed Stop")
    expect(status).to_contain_text("Press Train to run again")
    expect(status).not_to_contain_text("training...")
    wait_lab_idle()


def test_a_second_visitor_sees_the_wait_in_plain_words(browser, app_url):
    wait_lab_idle()
    with visit(browser, app_url, "desktop") as first, visit(browser, app_url, "phone") as second:
        start_run(first, seconds=30)
        expect(first.locator("#lab-status")).to_contain_text("step ")
        start_run(second)
        status = second.locator("#lab-status")
        expect(status).to_contain_text("waiting for another visitor's run")
        expect(status).to_be_in_viewport()
        left = int(re.search(r"ends within (\d+) s", status.inner_text()).group(1))
        assert 0 < left <= 30  # the running run's time cap bounds the wait
        expect(status).to_contain_text("step ", timeout=120_000)  # then its own run starts
        second.locator("#lab-stop").click()
        first.locator("#lab-stop").click()
        wait_lab_idle()
