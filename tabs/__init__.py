"""The Space's tabs, one module each: its layout and its event wiring, built as a gr.Blocks
inside app.py's page. Behaviour lives in gan/ (testable without a UI); a tab only wires
components to it. Find a control's handler by the tab's name: tabs/generate.py, ..."""

from __future__ import annotations

import functools
import inspect

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


# ---------------------------------------------------------------------------- the first visit
# Gradio 6.31's page starts downloading a component's code, and builds it, as it reads the page's
# configuration, for every component whose *own* `visible` is not False: in every tab and every
# closed accordion (a hidden Tab, Column or closed Accordion does not stop it; docs/performance.md,
# "First screen"). So what a closed place shows is created hidden (`hide`), and shown by a
# browser-only event (no request) when it opens (`show_on`); the other tabs' components are also
# shown (not mounted: their tab is still closed) once the page's generator is ready, so that their
# code is in the page before the visitor opens them (`SHOW_TABS_LATER`). Every event stays in the
# page's configuration: the API and the MCP tools are unchanged.


def hide(container) -> list:
    """Set visible=False on every component inside `container` (at any depth) that would show, and
    return them. Components that start hidden (an API's hidden inputs, a status a handler shows)
    keep their own visibility: they are not returned. What has no `visible` (gr.State, the block
    gr.api leaves) shows nothing: left alone."""
    from gradio.components.base import Component

    hidden = []
    for child in getattr(container, "children", []):
        if isinstance(child, Component):  # (a gr.HTML is a component and a container both)
            if child.visible is True and "visible" in inspect.signature(type(child).__init__).parameters:
                child.visible = False
                hidden.append(child)
        else:
            hidden += hide(child)
    return hidden


def keep_interactivity(demo: gr.Blocks, components: list) -> None:
    """Pin `interactive` where the page would otherwise read it differently once a component is an
    output of `show_on`'s event: a component no event reads or writes, with no value, is interactive
    by default (Gradio's determine_interactivity), and an output is not. (None of this app's, today.)"""
    inputs = {c._id for fn in demo.fns.values() for c in fn.inputs}
    outputs = {c._id for fn in demo.fns.values() for c in fn.outputs}
    for c in components:
        if getattr(c, "interactive", False) is None and c._id not in inputs and c._id not in outputs:
            v = c.get_config().get("value")  # as the page reads it (has_no_default_value)
            if v is None or v is False or (isinstance(v, (str, int, float, list)) and not v):
                c.interactive = True  # (one with a value was not interactive anyway: nothing to pin)


# A browser-only event's function: for each group of components (its key and how many) not shown yet
# in this page, an update that shows each; nothing for a group already shown.
SHOW = """() => {{ const shown = (window.ganShown = window.ganShown || {{}}); const out = [];
  for (const [key, n] of {groups}) {{ const first = !shown[key]; shown[key] = true;
    for (let i = 0; i < n; i++) out.push(first ? {{__type__: 'update', visible: true}} : undefined); }}
  return out; }}"""


def show_on(trigger, groups: dict[str, list]) -> None:
    """When `trigger` (a Tab's select, an Accordion's expand, a button's click) fires, show each
    group's components, once per page: `groups` maps a key to the components `hide` returned."""
    components = [c for group in groups.values() for c in group]
    if components:
        spec = "[" + ", ".join(f"[{key!r}, {len(group)}]" for key, group in groups.items()) + "]"
        trigger(None, None, components, js=SHOW.format(groups=spec), api_visibility="private", show_progress="hidden")


# The page script's part (app.py hands it to launch(js=...)): once the in-page generator is ready
# (or has failed; at the latest 8 s after the page started), click the hidden #show-tabs button, and
# have the browser fetch and parse the modules PRELOAD names (Gradio's chart library).
SHOW_TABS_LATER = """() => { const started = performance.now(), preload = PRELOAD;
  const wait = () => { const web = window.ganWeb, button = document.getElementById('show-tabs');
    if (button && ((web && (web.ready || web.error)) || performance.now() - started > 8000)) setTimeout(() => {
      button.click();
      for (const href of preload) document.head.appendChild(Object.assign(document.createElement('link'), {rel: 'modulepreload', href}));
    }, 0);
    else setTimeout(wait, 100); };
  wait(); }"""


def show_tabs_later(preload: list[str]) -> str:
    """SHOW_TABS_LATER, with the page-relative URLs of the modules to preload."""
    return SHOW_TABS_LATER.replace("PRELOAD", repr(list(preload)))


def load_on_open(demo: gr.Blocks, first_tab: gr.Tab, tabs: list[gr.Tab], show_tabs: gr.Button) -> dict[str, list]:
    """The first visit's plan in one place: every component of `tabs` (the closed ones) hidden and
    shown when its tab is selected, or when `show_tabs` is clicked (SHOW_TABS_LATER); every
    component in a closed accordion of `first_tab` hidden and shown when it opens (it would be
    mounted at once: an accordion's content is built even while it is closed). Returns the groups."""
    panels = {}

    def closed_accordions(block):
        for child in getattr(block, "children", []):
            if isinstance(child, gr.Accordion) and child.open is False:
                yield child
            else:
                yield from closed_accordions(child)

    for i, panel in enumerate(closed_accordions(first_tab)):
        panels[panel.elem_id or f"panel-{i}"] = (panel, hide(panel))
    groups = {f"tab-{i}": hide(tab) for i, tab in enumerate(tabs)}
    keep_interactivity(demo, [c for _, group in panels.values() for c in group] + [c for g in groups.values() for c in g])
    load_on_tab_open(demo, tabs, groups)
    for key, (panel, group) in panels.items():
        show_on(panel.expand, {key: group})
    for (key, group), tab in zip(groups.items(), tabs):
        show_on(tab.select, {key: group})
    show_on(show_tabs.click, groups)
    return {**groups, **{key: group for key, (_, group) in panels.items()}}



def load_on_tab_open(demo: gr.Blocks, tabs: list[gr.Tab], groups: dict[str, list]) -> None:
    """A page-load event whose outputs all lie in one closed tab (the Model tab's game figures) runs
    when that tab is selected instead: no request, and no work on the server, while the first screen
    loads; the figures are fresh whenever the tab is opened."""
    for fn in demo.fns.values():
        if not fn.targets or any(event != "load" for _, event in fn.targets) or not fn.outputs:
            continue
        for tab, group in zip(tabs, groups.values()):
            inside = {c._id for c in group} | {c._id for c in tab_blocks(tab)}
            if all(o._id in inside for o in fn.outputs):
                fn.targets = [(tab._id, "select")]
                break


def tab_blocks(block) -> list:
    """Every block inside `block`, at any depth."""
    out = []
    for child in getattr(block, "children", []):
        out += [child, *tab_blocks(child)]
    return out
