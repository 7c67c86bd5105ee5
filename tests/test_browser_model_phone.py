"""Issue 42 in Debian's chromium: on a 390x844 phone (and a 1366x900 laptop) every table of the
Model tab keeps each column at least as wide as its longest word, and no word in a header or a
cell is broken across lines (the verdict table's first column was one letter wide, "exact 28x28
PNGs" spelled downwards, and the people's table read "verdi/ct/mode/l"); the game's plot, an
SVG scaled to the screen's width, keeps its text at 12 px or more on the phone; and a second
press of Real or Fake keeps the reveal in view. Full-page screenshots go to screenshots/."""

from __future__ import annotations

import pytest

from browser import answer_one_round, browser, desktop, phone, require_browser, shoot  # noqa: F401  (fixtures)


sync_api = require_browser()
expect = sync_api.expect

# Per visible table of the visible tab: for each column, its narrowest cell's content width, its
# longest word's width (each word measured as drawn, with a Range over it) and the words that
# were broken across lines (a Range over them has more than one line box).
COLUMNS = """panel => [...panel.querySelectorAll('table')].filter(t => t.offsetParent !== null).map(t => {
  const columns = [];
  for (const row of t.rows) {
    [...row.cells].forEach((cell, c) => {
      const col = columns[c] = columns[c] || {width: Infinity, longest: 0, word: '', broken: []};
      const style = getComputedStyle(cell);
      const shared = getComputedStyle(t).borderCollapse === 'collapse' ? 0.5 : 1;  // a collapsed border is half each cell's
      const inner = cell.getBoundingClientRect().width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
        - shared * (parseFloat(style.borderLeftWidth) + parseFloat(style.borderRightWidth));
      col.width = Math.min(col.width, inner);
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const m of node.data.matchAll(/\\S+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
          if (lines > 1) col.broken.push(m[0]);
          const w = range.getBoundingClientRect().width;
          if (w > col.longest) { col.longest = w; col.word = m[0]; }
        }
      }
    });
  }
  return {head: t.rows[0].innerText.replace(/\\s+/g, ' ').slice(0, 60), columns};
})"""

# Each text of an inline SVG plot, drawn size in CSS pixels (its font size times the plot's scale),
# and whether it lies inside the plot's box.
PLOT_TEXT = """svg => {
  const box = svg.getBoundingClientRect(), scale = box.width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale,
            inside: r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1};
  });
}"""


def check_tables(page) -> int:
    tables = page.get_by_role("tabpanel").first.evaluate(COLUMNS)
    for table in tables:
        for c, col in enumerate(table["columns"]):
            where = f"table {table['head']!r}, column {c + 1}"
            assert not col["broken"], f"{where}: words broken across lines: {col['broken']}"
            assert col["width"] >= col["longest"] - 0.5, (
                f"{where} is {col['width']:.0f} px wide, narrower than its word {col['word']!r} ({col['longest']:.0f} px)")
    return len(tables)


def check_plot(page, selector: str, smallest: float) -> None:
    svg = page.locator(f"{selector} svg[role=img]")  # the plot, not a loading spinner's icon
    svg.scroll_into_view_if_needed()
    expect(svg).to_be_visible()
    texts = svg.evaluate(PLOT_TEXT)
    assert texts, "the plot has no text"
    small = [(t["text"], round(t["px"], 1)) for t in texts if t["px"] < smallest]
    assert not small, f"{selector}: text drawn under {smallest} px: {small}"
    cut = [t["text"] for t in texts if not t["inside"]]
    assert not cut, f"{selector}: text outside the plot's box: {cut}"


def test_game_plot_is_readable_on_a_phone_and_a_second_press_keeps_the_reveal(phone):
    page = phone
    answer_one_round(page)
    check_plot(page, "#game-plot", 12)
    page.get_by_role("button", name="Real", exact=True).click()  # again, on the same round
    text = page.locator("#game-text")
    expect(text).to_contain_text("You already answered this round")
    expect(text).to_contain_text("it was")  # the reveal is still there, above the note
    shoot(page, "issue42-game-phone.png")


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_model_tab_tables_keep_whole_words_and_its_plot_stays_readable(request, screen):
    page = request.getfixturevalue(screen)
    answer_one_round(page)  # the people's table then has figures in every column
    page.get_by_role("tab", name="Model", exact=True).click()
    page.get_by_role("button", name="Refresh the game's figures").click()
    expect(page.locator("#human-eval-text")).to_contain_text("counted rounds")
    expect(page.locator("#human-eval-text")).not_to_contain_text("none counted yet")
    assert check_tables(page) == 3  # the metrics, the verdict and the people's tables
    check_plot(page, "#human-eval-plot", 12)
    # The folds open: the tables stay whole with them open too, and the commands fit the screen.
    for summary in page.get_by_role("tabpanel").first.locator("details > summary").all():
        summary.click()
    for code in page.get_by_role("tabpanel").first.locator("details pre").all():
        assert code.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "a command runs off the screen"
    assert check_tables(page) == 3
    shoot(page, f"issue42-model-{screen}.png")
