"""The Training lab in a real browser: start the healthy preset, watch the grid change and the
charts grow, stop it; and a closed page stops its run on the server."""

from __future__ import annotations

import re
import time

import pytest

from test_browser import ARGS, browser, page, shoot  # noqa: F401  (fixtures: the same browser set-up)

from playwright.sync_api import Page, expect


def line_pixels(page: Page, elem_id: str) -> dict[str, int]:
    """What a chart has drawn, as a person sees it: in a screenshot of the chart's plot area (its
    legend cropped off), how many pixels are each of its series' colours (tabs.lab.colours)."""
    import io

    import numpy as np
    from PIL import Image

    from tabs import lab

    chart = {"lab-losses": "losses", "lab-d": "d_out", "lab-grad": "grad"}[elem_id]
    plot = page.locator(f"#{elem_id} .vega-embed svg .mark-line").first  # the lines' group, not the legend's symbols
    shot = np.asarray(Image.open(io.BytesIO(page.locator(f"#{elem_id}").screenshot())).convert("RGB")).astype(int)
    box, frame = plot.bounding_box(), page.locator(f"#{elem_id}").bounding_box()
    top, left = int(box["y"] - frame["y"]), int(box["x"] - frame["x"])
    area = shot[max(top, 0):top + int(box["height"]) + 1, max(left, 0):left + int(box["width"]) + 1]
    counts = {}
    for name, colour in lab.colours(chart).items():
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        counts[name] = int((np.abs(area - rgb).sum(-1) < 60).sum())  # anti-aliased edges are lighter: the line's core
    return counts


def step_shown(page: Page) -> int:
    found = re.search(r"step (\d+) of", page.locator("#lab-status").inner_text())  # not "step budget reached"
    return int(found.group(1)) if found else 0


def wait_for(condition, timeout_s: float = 120.0) -> None:
    end = time.time() + timeout_s
    while not condition():
        assert time.time() < end, "timed out"
        time.sleep(0.25)


def start_healthy_run(page: Page) -> None:
    """The healthy preset with a budget (5,000 steps, 60 s) that no run here reaches before it is
    stopped, so a run that ends "cancelled" was stopped, not finished."""
    page.get_by_role("tab", name="Training lab").click()
    expect(page.locator("#lab-about")).to_contain_text("non-saturating loss")  # the healthy preset is selected
    page.locator("#lab-settings").get_by_text("Settings").first.click()
    for label, value in [("step budget", "5000"), ("time cap (s)", "60")]:
        box = page.get_by_label(f"number input for {label}")
        box.fill(value)
        box.press("Enter")
    page.locator("#lab-train").click()


def wait_until_ended() -> str:
    from tabs import lab

    wait_for(lambda: not lab.activity["running"], timeout_s=120)
    return lab.activity["ended"]


def test_watch_a_healthy_run_then_stop_it(page: Page):
    from tabs import lab  # the app runs in this process (app_url fixture)

    start_healthy_run(page)
    grid = page.locator("#lab-grid img")
    expect(grid).to_be_visible()
    first_src, first_step = grid.get_attribute("src"), step_shown(page)

    # A later update: a new grid, a later step, and lines drawn in each series' colour in every chart.
    expect(grid).not_to_have_attribute("src", first_src)
    wait_for(lambda: step_shown(page) > first_step + 20)
    for chart in ("lab-losses", "lab-d", "lab-grad"):
        drawn = line_pixels(page, chart)
        assert all(n >= 30 for n in drawn.values()), f"{chart} draws no line for some series: {drawn}"
    shoot(page, "lab.png")

    page.locator("#lab-stop").click()
    assert wait_until_ended() == "cancelled"
    stopped_at, shown = lab.activity["steps"], step_shown(page)
    time.sleep(2)
    assert lab.activity["steps"] == stopped_at and step_shown(page) == shown  # nothing after Stop
    assert "finished" not in page.locator("#lab-status").inner_text()


@pytest.mark.parametrize("stop_after_s", [0.0, 0.4, 3.0])
def test_the_status_after_stop_says_stopped_whenever_stop_is_pressed(page: Page, stop_after_s: float):
    """Stop right after Train (before the run's queue place reached the page), as the first
    updates arrive, and mid-run: the status says stopped, for good, and the run ends on the server."""
    from tabs import lab

    runs = lab.activity["runs"]
    start_healthy_run(page)
    time.sleep(stop_after_s)
    page.locator("#lab-stop").click()
    status = page.locator("#lab-status")
    expect(status).to_contain_text(lab.STOPPED)
    wait_for(lambda: not lab.activity["running"] and lab.activity["runs"] in (runs, runs + 1))
    time.sleep(3)  # updates that were on their way have arrived: the status still says stopped
    text = status.inner_text()
    assert lab.STOPPED in text and lab.RUNNING not in text and lab.STARTING not in text, text
    assert not lab.activity["running"]


def test_stop_near_the_end_of_a_run_leaves_a_finished_or_stopped_status(page: Page):
    """A short budget, Stop pressed around its end: the status is the run's end or the stop, never 'training...'."""
    from tabs import lab

    page.get_by_role("tab", name="Training lab").click()
    page.locator("#lab-settings").get_by_text("Settings").first.click()
    box = page.get_by_label("number input for step budget")
    box.fill("40")
    box.press("Enter")
    page.locator("#lab-train").click()
    wait_for(lambda: lab.activity["running"])
    wait_for(lambda: lab.activity["steps"] > 0 and step_shown(page) >= 30)
    page.locator("#lab-stop").click()
    wait_for(lambda: not lab.activity["running"])
    time.sleep(3)
    text = page.locator("#lab-status").inner_text()
    assert lab.RUNNING not in text and ("finished" in text or lab.STOPPED in text), text


def test_closing_the_page_stops_the_run(page: Page):
    from tabs import lab

    start_healthy_run(page)
    expect(page.locator("#lab-grid img")).to_be_visible()
    before = lab.activity["steps"]
    wait_for(lambda: lab.activity["steps"] > before)  # training for this visitor
    page.context.close()  # the visitor closes the tab
    # Gradio notices the closed stream and closes the run's generator: the run ends there, not
    # at its 60 s cap (that would say "time") or its step budget ("steps").
    assert wait_until_ended() == "cancelled"
