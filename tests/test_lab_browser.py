"""The Training lab in a real browser: start the healthy preset, watch the grid change and the
charts grow, stop it; and a closed page stops its run on the server."""

from __future__ import annotations

import time

from test_browser import ARGS, browser, page, shoot  # noqa: F401  (fixtures: the same browser set-up)

from playwright.sync_api import Page, expect


def chart_marks(page: Page, elem_id: str) -> int:
    """How much a Vega line chart draws: the length of its lines' SVG path data."""
    return page.locator(f"#{elem_id}").evaluate(
        "el => [...el.querySelectorAll('path')].reduce((n, p) => n + (p.getAttribute('d') || '').length, 0)")


def step_shown(page: Page) -> int:
    text = page.locator("#lab-status").inner_text()
    return int(text.split("step ")[1].split(" ")[0]) if "step " in text else 0


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
    first_marks = chart_marks(page, "lab-losses")

    # A later update: a new grid, a later step, and longer lines in the charts.
    expect(grid).not_to_have_attribute("src", first_src)
    wait_for(lambda: step_shown(page) > first_step and chart_marks(page, "lab-losses") > first_marks)
    assert chart_marks(page, "lab-d") > 0 and chart_marks(page, "lab-grad") > 0
    shoot(page, "lab.png")

    page.locator("#lab-stop").click()
    assert wait_until_ended() == "cancelled"
    stopped_at, shown = lab.activity["steps"], step_shown(page)
    time.sleep(2)
    assert lab.activity["steps"] == stopped_at and step_shown(page) == shown  # nothing after Stop
    assert "finished" not in page.locator("#lab-status").inner_text()


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
