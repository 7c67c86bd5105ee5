"""The page in a real browser (Debian's chromium driven by Playwright): a visitor changes the seed,
moves a slider, uploads a scan and draws a digit, and sees every output change. Screenshots of
each step land in screenshots/ (gitignored) for a human to look at."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from images import save, scan_of
from browser import ARGS, CHROMIUM, SHOTS, TIMEOUT_MS, drag_slider, no_page_errors, require_browser, watch_errors  # noqa: F401  (ARGS, CHROMIUM: for the other browser tests)

require_browser()  # skip here (locally) or fail (in CI) when the browser cannot run
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    """A fresh visitor (own Gradio session) on the page, once the first digit is on screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    errors = watch_errors(page)  # the test fails on an uncaught page error or a console error
    page.goto(app_url)
    expect(page.locator("#recipe textarea")).to_have_value("digit=3&seed=42&psi=1")  # the first digit's recipe
    yield page
    if not page.is_closed():  # (a test may close the page itself: the visitor leaves)
        page.wait_for_timeout(300)
        no_page_errors(errors)
    context.close()


def src(image: Locator) -> str:
    """An image output's URL: Gradio names result files by content hash, so a new image means a new src."""
    return image.get_attribute("src") or ""


def expect_new_src(image: Locator, old: str) -> str:
    expect(image).not_to_have_attribute("src", old)
    return src(image)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_seed_and_slider_change_the_digit(page: Page):
    output, recipe = page.locator("#output img"), page.locator("#recipe textarea")
    first = src(output)

    # A typed seed regenerates on change: a new image and a recipe naming the new seed.
    page.locator("#seed input").fill("7")
    page.locator("#seed input").press("Enter")
    expect(recipe).to_have_value("digit=3&seed=7&psi=1")
    seeded = expect_new_src(output, first)
    shoot(page, "generate.png")

    # The dice picks a seed in the browser (no server call of its own); its change then regenerates.
    page.locator("#dice").click()
    expect(page.locator("#seed input")).not_to_have_value("7")
    seed = page.locator("#seed input").input_value()
    expect(recipe).to_have_value(f"digit=3&seed={seed}&psi=1")
    seeded = expect_new_src(output, seeded)

    # Drag the thickness thumb from the middle (0) towards the right end, as a mouse user would.
    value = drag_slider(page, "thickness", 0.85)
    assert value > 1  # the thumb really moved
    # The final value (not a stale mid-drag one) reaches the recipe and the image.
    expect(recipe).to_have_value(f"digit=3&seed={seed}&psi=1&thickness={value:g}")
    expect_new_src(output, seeded)
    shoot(page, "slider.png")


def test_upload_fills_the_score_table(page: Page, fixture_digits, tmp_path):
    images, labels = fixture_digits
    scan = save(scan_of(images[5]), tmp_path / "my_two.png")  # a clearly written 2, dark ink on white
    page.get_by_role("tab", name="Discriminator").click()
    page.locator("#uploads input[type=file]").set_input_files(str(scan))

    # One row: the file's name, and the digit the classifier reads (the scan's true label).
    # (Gradio's Dataframe draws its body rows as ARIA rows and gridcells, not <tr>/<td>.)
    row = page.locator("#table").get_by_role("row").filter(has_text="my_two.png")
    expect(row).to_have_count(1)
    expect(row.get_by_role("gridcell").nth(2)).to_have_text(str(labels[5]))
    shoot(page, "discriminator.png")


def test_drawing_is_scored(page: Page):
    page.get_by_role("tab", name="Discriminator").click()
    page.get_by_role("tab", name="Draw").click()
    sketch = page.locator("#sketch")
    sketch.get_by_label("Brush", exact=True).click()  # picked already (issue 14); clicking it again is harmless

    # One vertical stroke through the middle of the 280x280 canvas: a "1".
    box = sketch.locator("canvas").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy - 100)
    page.mouse.down()
    page.mouse.move(cx, cy + 100, steps=20)
    page.mouse.up()

    page.get_by_role("button", name="Score drawing").click()
    expect(page.locator("#verdict")).to_contain_text("Neither / can't tell")  # a drawing is never "made by this GAN"
    expect(page.locator("#verdict")).to_contain_text("reads a 1")  # strokes are dark on white, like a scan
    expect(page.locator("#seen img")).to_be_visible()
    shoot(page, "draw.png")
