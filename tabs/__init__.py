"""The Space's tabs, one module each: its layout and its event wiring, built as a gr.Blocks
inside app.py's page. Behaviour lives in gan/ (testable without a UI); a tab only wires
components to it. Find a control's handler by the tab's name: tabs/generate.py, ..."""

from __future__ import annotations

import functools

import gradio as gr

from gan.studio import InputError


def refuse(fn):
    """Turn InputError into gr.Error: a clear message in the UI and the API; the app keeps serving."""
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as e:
            raise gr.Error(str(e), print_exception=False) from None
    return wrapped
