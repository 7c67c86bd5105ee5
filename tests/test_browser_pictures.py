"""What a person sees of every digit the app shows, in Debian's chromium on a 1366x900 desktop and
a 390x844 touch phone: no label, caption, chip or icon laid over a digit's picture, and each one in
view once asked for. Checked by what is drawn on top at each point of the picture's drawn area
(`document.elementFromPoint`), not by which elements exist."""

from __future__ import annotations

import pytest
from browser import browser, desktop, phone, require_browser, shoot  # noqa: F401  (fixtures)

sync_api = require_browser()
expect = sync_api.expect

# For each picture: the part of the <img> box that the image itself fills (object-fit: contain and
# scale-down leave margins), sampled on a 20x20 grid of points 6% in from its edges; a point is
# covered when the topmost element there is neither the image nor the in-page generator's canvas
# laid over it (#output). Returns [selector, index, covered points, points] for each picture drawn.
COVERED = """(selectors) => {
  const drawnArea = (img) => {
    const r = img.getBoundingClientRect(), fit = getComputedStyle(img).objectFit;
    let w = r.width, h = r.height;
    if ((fit === 'contain' || fit === 'scale-down') && img.naturalWidth) {
      let s = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
      if (fit === 'scale-down') s = Math.min(s, 1);
      w = img.naturalWidth * s; h = img.naturalHeight * s;
    }
    return {x: r.x + (r.width - w) / 2, y: r.y + (r.height - h) / 2, w, h};
  };
  const out = [];
  for (const selector of selectors) {
    document.querySelectorAll(selector).forEach((img, i) => {
      if (!img.complete || !img.naturalWidth || img.getBoundingClientRect().width === 0) return;
      img.scrollIntoView({block: 'center'});
      const a = drawnArea(img), owner = img.closest('[id]');
      // Inset from the edges: a rounded frame (the grid's cells) clips the picture's very corners.
      const ix = Math.max(3, 0.06 * a.w), iy = Math.max(3, 0.06 * a.h);
      let covered = 0, n = 0;
      for (let gx = 0; gx < 20; gx++) for (let gy = 0; gy < 20; gy++) {
        const x = a.x + ix + (a.w - 2 * ix) * gx / 19, y = a.y + iy + (a.h - 2 * iy) * gy / 19;
        const top = document.elementFromPoint(x, y);
        n++;
        if (!(top === img || (top && top.tagName === 'CANVAS' && owner && owner.contains(top)))) covered++;
      }
      out.push([selector, i, covered, n]);
    });
  }
  return out;
}"""


def uncovered(page, selectors: list[str]) -> list:
    """The pictures under `selectors` that something covers, with how many of their 400 points."""
    drawn = page.evaluate(COVERED, selectors)
    found = {s for s, *_ in drawn}
    assert found == set(selectors), f"no picture drawn for {set(selectors) - found}"
    return [d for d in drawn if d[2] > 0]


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_no_label_covers_a_digit(request, screen):
    page = request.getfixturevalue(screen)
    # Generate: the digit, and a seed grid's cells.
    page.get_by_text("Seed grid: many seeds side by side").first.click()
    page.get_by_role("button", name="Show grid").click()
    expect(page.locator("#grid .thumbnail-item img")).to_have_count(32)
    page.wait_for_function("[...document.querySelectorAll('#grid img')].every(i => i.complete && i.naturalWidth)")
    assert uncovered(page, ["#output img", "#grid img"]) == []
    shoot(page, f"pictures-generate-{screen}.png")

    # Discriminator: the examples, and what an example's verdict shows (three pictures and the strip).
    page.get_by_role("tab", name="Discriminator", exact=True).click()
    page.get_by_role("tab", name="Examples").click()
    examples = page.locator("#examples .thumbnail-item")
    expect(examples).to_have_count(6)
    examples.nth(2).tap() if screen == "phone" else examples.nth(2).click()  # one of this GAN's digits
    verdict = page.locator("#verdict")
    expect(verdict).to_contain_text("Made by this GAN")
    # The verdict is in view once asked for (on a phone it sits below the examples).
    page.wait_for_timeout(800)  # the smooth scroll
    top = verdict.evaluate("e => e.getBoundingClientRect().top")
    assert -2 <= top < page.viewport_size["height"] * 0.6, f"the verdict starts at {top:.0f} px, out of sight"
    for picture in ("#seen img", "#closest img", "#evidence img", "#steps img"):
        expect(page.locator(picture)).to_be_visible()
    assert uncovered(page, ["#examples img", "#seen img", "#closest img", "#evidence img", "#steps img"]) == []
    shoot(page, f"pictures-discriminator-{screen}.png")

    # Real or fake?: the round's digit.
    page.get_by_role("tab", name="Real or fake?", exact=True).click()
    expect(page.locator("#game-digit img")).to_be_visible()
    assert uncovered(page, ["#game-digit img"]) == []


def test_the_check_sees_a_label_laid_over_a_digit(desktop):
    """The check itself: a chip laid over the digit, as Gradio's label chips were, is found."""
    page = desktop
    page.evaluate("""() => { const img = document.querySelector('#output img'), r = img.getBoundingClientRect();
      const chip = document.createElement('span'); chip.textContent = 'generated digit';
      Object.assign(chip.style, {position: 'fixed', left: r.x + r.width / 2 + 'px', top: r.y + r.height / 2 + 'px',
                                 background: 'white', padding: '4px', zIndex: 1000});
      document.body.appendChild(chip); }""")
    page.locator("#output img").scroll_into_view_if_needed()
    found = uncovered(page, ["#output img"])
    assert found and found[0][2] > 0


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_digit_stays_in_view_while_any_slider_moves(request, screen):
    """The lowest sliders too (height, the principal directions): the digit they change is on screen."""
    from browser import drag_slider

    page = request.getfixturevalue(screen)
    for label in ("thickness", "height", "principal direction 4 (GANSpace pc4)"):
        drag_slider(page, label, 0.8)
        expect(page.locator("#output")).to_be_in_viewport(ratio=0.9)  # the digit's box, nearly whole
