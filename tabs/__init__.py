"""The Space's tabs, one module each: its layout and its event wiring, built as a gr.Blocks
inside app.py's page. Behaviour lives in gan/ (testable without a UI); a tab only wires
components to it. Find a control's handler by the tab's name: tabs/generate.py, ..."""

from __future__ import annotations

import functools

import gradio as gr

from gan.core.errors import InputError

# Gradio 6.31's Sketchpad starts (and restarts after "Clear canvas") with no tool picked, so a
# first stroke selects text instead of drawing: pick the brush for the visitor. Poll for up to 5 s,
# as the editor, once mounted, resets its tool after it is ready; clicking the brush again is harmless.
PICK_BRUSH = """() => { let tries = 25; const pick = () => {
    for (const sketch of document.querySelectorAll('#sketch, #steer-sketch')) {  // every Sketchpad of the app
      const brush = sketch.querySelector('button[aria-label=Brush]');
      if (brush && sketch.innerText.includes('select the draw tool')) brush.click(); }
    if (--tries > 0) setTimeout(pick, 200); }; pick(); }"""


def refuse(fn):
    """Turn InputError into gr.Error: a clear message in the UI and the API; the app keeps serving."""
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as e:
            raise gr.Error(str(e), print_exception=False) from None
    return wrapped


# A picture's title, above it (titled_image).
CSS = """.picture-title p { margin: 0 !important; font-size: var(--text-sm); }"""


def titled_image(title: str, **kwargs) -> gr.Image:
    """A picture with its title above it, not a label chip laid over its top rows (on a phone a
    two- or three-line chip hides the top third of a 28x28 digit). Place it in its own column."""
    gr.Markdown(f"**{title}**", elem_classes="picture-title")
    return gr.Image(show_label=False, label=title, **kwargs)
