"""The live human evaluation in Debian's chromium (issue 36): a visitor plays five rounds of
Real or fake? and watches everyone's figures move after each answer; the app is stopped and
started again on the same data folder, and the figures are still there, in the game tab and
on the Model tab. The app runs as a child process here (it is restarted), over a data folder
of this test's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from browser import ARGS, browser, CHROMIUM, require_browser, SCREENS, shoot, TIMEOUT_MS  # noqa: F401  (fixtures)

from gan.space.human_eval import MIN_ANSWER_S
from gan.tools.procs import start_app, stop, wait_ready

sync_api = require_browser()
expect = sync_api.expect
PROMPT = "Make your guess"


@contextmanager
def app_on(data_dir, log) -> Iterator[str]:
    proc, url = start_app(["app.py"], log, {"GAN_DATA_DIR": str(data_dir)})
    try:
        wait_ready(proc, url, log)
        yield url
    finally:
        stop(proc)


@contextmanager
def page_at(browser, url: str) -> Iterator:
    context = browser.new_context(**SCREENS["desktop"])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page.goto(url, wait_until="load")
    expect(page.locator("#recipe textarea")).to_have_value("digit=3&seed=42&psi=1")  # the app is up and has rendered
    try:
        yield page
    finally:
        context.close()


def open_game(page) -> None:
    page.get_by_role("tab", name="Real or fake?", exact=True).click()
    expect(page.locator("#game-text")).to_contain_text(PROMPT)  # opening the tab started a round
    expect(page.locator("#game-digit img")).to_be_visible()


def test_five_rounds_move_the_figures_and_a_restart_keeps_them(browser, tmp_path):
    data, log = tmp_path / "data", (tmp_path / "server.log").open("w+b")
    with app_on(data, log) as url, page_at(browser, url) as page:
        open_game(page)
        figures = page.locator("#game-figures")
        expect(figures).to_contain_text("none counted yet")
        # No way to download the digit (the Discriminator tab would read the answer off the file); the
        # Generate tab's digit, which has one, shows the selector finds a download control where there is one.
        download = "a[download], [aria-label='Download']"
        expect(page.locator(f"#game-digit :is({download})")).to_have_count(0)
        expect(page.locator(f"#output :is({download})").first).to_be_attached()
        seen = []
        for k in range(1, 6):
            page.wait_for_timeout(MIN_ANSWER_S * 1000 + 300)  # a person's pace: the answer counts
            page.get_by_role("button", name="Real" if k % 2 else "Fake", exact=True).click()
            expect(page.locator("#game-text")).to_contain_text("it was")  # the reveal
            expect(figures).to_contain_text(f"({k} counted rounds)")
            expect(page.locator("#game-plot svg")).to_be_visible()
            seen.append(figures.inner_text())
            if k < 5:
                page.get_by_role("button", name="New digit").click()
                expect(page.locator("#game-text")).to_contain_text(PROMPT)
        assert len(set(seen)) == 5  # the figures moved after every answer
        shoot(page, "human-eval-game.png")
        page.get_by_role("tab", name="Model", exact=True).click()
        page.get_by_role("button", name="Refresh the game's figures").click()
        expect(page.locator("#human-eval-text")).to_contain_text("5 counted rounds")

    with app_on(data, log) as url, page_at(browser, url) as page:  # the same data folder, a new server
        page.get_by_role("tab", name="Model", exact=True).click()
        expect(page.locator("#human-eval-text")).to_contain_text("5 counted rounds")
        expect(page.locator("#human-eval-plot svg")).to_be_visible()
        shoot(page, "human-eval-model.png")
        open_game(page)
        expect(page.locator("#game-figures")).to_contain_text("(5 counted rounds)")
    log.close()
