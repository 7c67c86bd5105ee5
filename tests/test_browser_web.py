"""The in-page generator in a real browser (web/page.js): its pixels are the server's within 2
grey levels, a drag sends no render request while it moves, a slider's input still reaches
Gradio (number box, recipe, release), and with the page's generator blocked the server renders
every change as before."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image

from test_browser import ARGS, CHROMIUM, TIMEOUT_MS, browser  # noqa: F401  (browser is a fixture)

from playwright.sync_api import Browser, Page, expect  # noqa: E402  (installed, or test_browser skipped us)

CANVAS = "#output canvas.gan-web"
RENDER_REQUEST = "/gradio_api/queue/join"


def open_page(browser: Browser, app_url: str, block: list[str] = ()) -> tuple[Page, list[str]]:
    """A fresh visitor; `block` aborts requests whose URL ends with one of these names. Returns
    the page and a live list of the render requests it sends."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    for name in block:
        page.route(f"**/*{name}", lambda route: route.abort())
    joins: list[str] = []
    page.on("request", lambda r: joins.append(r.url) if RENDER_REQUEST in r.url else None)
    page.goto(app_url)
    expect(page.locator("#recipe textarea")).to_have_value("digit=3&seed=42&psi=1")  # the page-load render
    return page, joins


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[tuple[Page, list[str]]]:
    page, joins = open_page(browser, app_url)
    page.wait_for_function("window.ganWeb && window.ganWeb.ready")
    yield page, joins
    page.context.close()


def canvas_pixels(page: Page) -> np.ndarray:
    data = page.evaluate(f"""() => {{
        const c = document.querySelector('{CANVAS}');
        return Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data); }}""")
    rgba = np.array(data, np.int64).reshape(28, 28, 4)
    assert (rgba[..., 0] == rgba[..., 1]).all() and (rgba[..., 3] == 255).all()
    return rgba[..., 0]


def shown_png(page: Page) -> np.ndarray:
    """The server's image as the page holds it (the download button's file)."""
    url = page.locator("#output img").get_attribute("src")
    b64 = page.evaluate("async (u) => { const b = new Uint8Array(await (await fetch(u)).arrayBuffer()); "
                        "let s = ''; for (const x of b) s += String.fromCharCode(x); return btoa(s); }", url)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert("L"), np.int64)


def recipes_20(studio) -> list:
    rng = np.random.default_rng(18)
    out = []
    for i in range(20):
        sliders = {k: float(np.round(rng.uniform(-3, 3), 1)) for k in studio.slider_names if rng.random() < 0.35}
        out.append(studio.recipe(digit=i % 10, seed=int([0, 7, 4294967295][i] if i < 3 else rng.integers(2**32)),
                                 truncation=float(np.round(rng.uniform(0, 1.5) / 0.05) * 0.05), **sliders))
    return out


def test_in_page_pixels_match_the_server(page, studio):
    page, _ = page
    for recipe in recipes_20(studio):
        query = recipe.to_query()
        page.locator("#paste textarea, #paste input").first.fill(query)
        page.get_by_role("button", name="Load recipe").click()
        expect(page.locator("#recipe textarea")).to_have_value(query)  # set by the page once it drew this recipe
        drawn, server = canvas_pixels(page), studio.generate(recipe).astype(np.int64)
        assert np.abs(drawn - server).max() <= 2, (query, np.abs(drawn - server).max())


def test_a_drag_sends_no_render_request(page, studio):
    page, joins = page
    slider = page.get_by_label("range slider for slant")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.wait_for_timeout(500)  # the page-load events (this tab's and the game's) are done
    sent, before_draws, before = len(joins), page.evaluate("ganWeb.draws"), page.locator("#output img").get_attribute("src")
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    for step in range(1, 11):  # ten moves, each to a new slider value
        page.mouse.move(box["x"] + box["width"] * (0.5 - 0.04 * step), y)
        page.wait_for_timeout(30)
    during = len(joins) - sent
    draws = page.evaluate("ganWeb.draws") - before_draws
    page.mouse.up()
    value = float(slider.input_value())
    assert value < -1
    assert during == 0, joins
    assert draws >= 10, draws  # every move was drawn in the page
    query = f"digit=3&seed=42&psi=1&slant={value:g}"
    expect(page.locator("#recipe textarea")).to_have_value(query)
    # Once the controls settle, one render fetches the server's exact PNG for the download button.
    expect(page.locator("#output img")).not_to_have_attribute("src", before)
    page.wait_for_timeout(500)
    assert len(joins) - sent == 1, joins
    server = studio.generate(studio.recipe(3, 42, 1.0, slant=value)).astype(np.int64)
    assert (shown_png(page) == server).all()
    assert np.abs(canvas_pixels(page) - server).max() <= 2


def test_slider_input_reaches_gradio_after_the_page_draws(page, studio):
    """The page hands a slider's input to Gradio only after the frame that shows it (web/page.js,
    passOn): a drag released straight after its last move still has Gradio's release render the
    final value (one request, the server's PNG), and arrow keys still move the number box."""
    page, joins = page
    slider = page.get_by_label("range slider for width")
    number = page.get_by_label("number input for width")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.wait_for_timeout(500)  # the page-load events are done
    sent, before = len(joins), page.locator("#output img").get_attribute("src")
    # No animation frames for the page's scripts (a busy browser): page.js holds the moves back
    # until the release (or 200 ms), so the release must hand Gradio the last one first.
    page.evaluate("window.requestAnimationFrame = () => 0")
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(box["x"] + box["width"] * (0.5 + 0.06 * step), y)
    page.mouse.up()
    value = float(slider.input_value())
    assert value > 1
    expect(number).to_have_value(slider.input_value())
    expect(page.locator("#recipe textarea")).to_have_value(f"digit=3&seed=42&psi=1&width={value:g}")
    expect(page.locator("#output img")).not_to_have_attribute("src", before)
    page.wait_for_timeout(500)
    assert len(joins) - sent == 1, joins
    assert (shown_png(page) == studio.generate(studio.recipe(3, 42, 1.0, width=value))).all()

    slider.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    stepped = float(slider.input_value())
    assert stepped < value
    expect(number).to_have_value(slider.input_value())
    expect(page.locator("#recipe textarea")).to_have_value(f"digit=3&seed=42&psi=1&width={stepped:g}")
    assert np.abs(canvas_pixels(page) - studio.generate(studio.recipe(3, 42, 1.0, width=stepped))).max() <= 2


@pytest.mark.parametrize("blocked", [["kernel.wasm"], ["page.js"], ["generator.safetensors", "model.json"]])
def test_blocked_runtime_falls_back_to_the_server(browser, app_url, studio, blocked):
    page, joins = open_page(browser, app_url, block=blocked)
    if blocked != ["page.js"]:
        page.wait_for_function("window.ganWeb && window.ganWeb.error")
    page.wait_for_timeout(500)  # the page-load events are done
    sent, before = len(joins), page.locator("#output img").get_attribute("src")
    page.locator("#seed input").fill("7")
    page.locator("#seed input").press("Enter")
    expect(page.locator("#recipe textarea")).to_have_value("digit=3&seed=7&psi=1")  # the server's answer
    expect(page.locator("#output img")).not_to_have_attribute("src", before)
    assert page.locator(CANVAS).count() == 0
    assert (shown_png(page) == studio.generate(studio.recipe(3, 7, 1.0))).all()
    assert len(joins) > sent  # the change went to the server
    page.context.close()
