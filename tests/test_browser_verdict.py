"""The Discriminator tab as a visitor uses it (issue 34), in Debian's chromium at desktop and
phone sizes: every way in (upload, drawing, example) updates every output, nothing leaves an
error badge or a page error, the verdict sits near the input on a phone, the table fits, and
the examples' captions agree with their verdicts. Screenshots go to screenshots/."""

from __future__ import annotations


import pytest
from PIL import Image

import browser as shared
from browser import browser, ERROR_BADGE, ONE, require_browser, shoot, TOAST, visit  # noqa: F401  (fixtures)
from images import save, scan_of

sync_api = require_browser()
expect = sync_api.expect


@pytest.fixture(params=["desktop", "phone"])
def page(request, browser, app_url):
    """A fresh visitor on the Discriminator tab (visit() fails the test on any page error)."""
    with visit(browser, app_url, request.param) as page:
        page.screen = request.param
        page.get_by_role("tab", name="Discriminator").click()
        yield page


def no_error_shown(page) -> None:
    expect(page.locator(TOAST)).to_have_count(0)
    expect(page.locator(ERROR_BADGE)).to_have_count(0)


def draw(page, points) -> None:
    """A stroke on the Sketchpad, once the page has picked its brush."""
    page.get_by_role("tab", name="Draw").click()
    expect(page.locator("#sketch").get_by_label("Brush Size")).to_be_visible()
    page.locator("#sketch canvas").first.scroll_into_view_if_needed()
    shared.draw(page, points)


def upload(page, path) -> None:
    page.get_by_role("tab", name="Upload").click()
    page.locator("#uploads input[type=file]").set_input_files(str(path))


def src(page, elem_id: str) -> str:
    img = page.locator(f"#{elem_id} img")
    expect(img).to_be_visible()
    return img.get_attribute("src")


def test_every_way_in_updates_every_output(page, fixture_digits, tmp_path):
    """Drawing, then an upload, then an example: the strip, the digit seen and the closest
    digit all change each time (an upload used to leave the drawing's strip)."""
    verdict = page.locator("#verdict")
    draw(page, ONE)
    page.get_by_role("button", name="Score drawing").click()
    expect(verdict).to_contain_text("reads a 1")
    expect(verdict).to_contain_text("Neither / can't tell")
    before = {e: src(page, e) for e in ("steps", "seen", "closest")}
    upload(page, save(scan_of(fixture_digits[0][5]), tmp_path / "my_two.png"))
    expect(verdict).to_contain_text(f"reads a {fixture_digits[1][5]}")
    expect(page.locator("#steps img")).not_to_have_attribute("src", before["steps"])
    after = {e: src(page, e) for e in ("steps", "seen", "closest")}
    assert all(after[e] != before[e] for e in after), (before, after)
    page.get_by_role("tab", name="Examples").click()
    page.locator("#examples .thumbnail-item").nth(2).click()  # by this GAN
    expect(verdict).to_contain_text("Made by this GAN")
    expect(page.locator("#table").get_by_role("row").filter(has_text="my_two.png")).to_have_count(0)
    no_error_shown(page)
    shoot(page, f"verdict-{page.screen}.png")


def test_examples_say_what_they_are_and_the_verdict_agrees(page):
    verdict = page.locator("#verdict")
    page.get_by_role("tab", name="Examples").click()
    items = page.locator("#examples .thumbnail-item")
    expect(items).to_have_count(6)
    expected = {"real MNIST": "A real MNIST digit", "by this GAN": "Made by this GAN",
                "a drawing": "Neither / can't tell", "not a digit": "Not a digit"}  # caption -> headline
    for i in range(6):
        item = items.nth(i)
        caption = item.inner_text()
        item.click()
        headline = next(v for k, v in expected.items() if k in caption)
        expect(verdict.locator("h3")).to_contain_text(headline)
        no_error_shown(page)


def test_a_non_digit_and_an_empty_canvas_leave_no_badge_and_no_page_error(page, fixture_digits, tmp_path):
    verdict = page.locator("#verdict")
    upload(page, save(Image.fromarray(fixture_digits[0][3]), tmp_path / "mnist.png"))
    expect(verdict).to_contain_text("A real MNIST digit")
    page.get_by_role("tab", name="Draw").click()
    page.get_by_role("button", name="Score drawing").click()  # an empty canvas, after an upload
    expect(verdict).to_contain_text("Draw a digit first")
    page.get_by_role("tab", name="Examples").click()
    page.locator("#examples .thumbnail-item").filter(has_text="not a digit").click()
    expect(verdict).to_contain_text("Not a digit")
    no_error_shown(page)


def test_the_verdict_is_near_the_input_and_the_table_fits(page, fixture_digits, tmp_path):
    files = [save(scan_of(fixture_digits[0][i]), tmp_path / f"a_long_file_name_{i}.png") for i in range(1, 4)]
    page.get_by_role("tab", name="Upload").click()
    page.locator("#uploads input[type=file]").set_input_files([str(f) for f in files])
    verdict = page.locator("#verdict")
    expect(verdict).to_contain_text("reads a")
    gap = verdict.bounding_box()["y"] - (page.locator("#uploads").bounding_box()["y"] + page.locator("#uploads").bounding_box()["height"])
    assert gap < 200, f"the verdict starts {gap:.0f} px below the upload box"
    table = page.locator("#table")
    table.scroll_into_view_if_needed()
    expect(table.get_by_role("row")).to_have_count(4)
    widths = table.locator(".table-wrap, table").first.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1] + 1, f"the table is cut off: {widths}"
    no_error_shown(page)
