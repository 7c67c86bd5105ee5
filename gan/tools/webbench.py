"""Benchmark the page in Chromium (Playwright, Debian's /usr/bin/chromium): its first screen,
cold, against a bare Gradio page (gan dev bare-page) served and loaded in the same run; and the
in-page generator, against the same page with the page's generator blocked (every change
rendered by the server, as before). Prints Markdown tables.

    gan dev webbench                  # about 3 minutes
    gan dev webbench --cold-only      # the first visit only (about 5 minutes)
    gan dev webbench --drags 2 --steps 10 --json w.json

First screen: each load is a new browser context (empty cache, a new Gradio session), at the
desktop's 1366x900 and a phone's 390x844, the bare page and the app taking turns. "Digit
visible" is the first animation frame in which #output's picture (the server's <img>, or the
in-page generator's canvas) is decoded and laid out, from navigation; the app's "generator
ready" is page.js's own mark. Requests and bytes (response bodies and headers as sent, from
Chrome's own accounting) are counted up to 2 s after the page is ready.

The app runs in its own process (`python app.py`). Latency starts at the key press's or pointer
move's timestamp behind each slider input, and is measured two ways. "Painted": to the first
task after the next animation frame that follows the new picture (the canvas draw in the page,
or the `load` of the server's new <img>): the main thread has painted and committed that frame.
"Presented" (key presses in the page only): the browser's own Event Timing `duration` of the key
press, to the next frame presented after its handlers (what Chrome's INP uses; rounded to 8 ms
and reported only from 16 ms up, so a press without an entry counts as 8); the page draws in
the slider's `input` handler, so that frame holds the new digit. It adds the compositor's
raster, draw and swap (in software: the browser runs with --disable-gpu). Chromium runs with
Playwright's `--headless`, the new headless mode: the full browser, its frames from a 60 Hz timer.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from gan.core.cli import Parser

from .procs import start_app, stop, wait_ready

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
WEB_FILES = ("page.js", "gan.js", "kernel.wasm", "generator.safetensors", "model.json")
BLOCK = ("kernel.wasm",)  # the server path: the page's generator cannot start
RENDER_REQUEST = "/gradio_api/queue/join"
ET_UNDER = 8  # an Event Timing duration under the 16 ms reporting threshold (rounded to 8 ms: 0 or 8)
# For each slider input a person made (not the page's replays to Gradio): the timestamp of the key
# press or pointer move behind it; the moments each new picture has been through a frame; and the
# browser's Event Timing entries of key presses (Chrome gives none for `input` or `pointermove`).
PROBE = """
window.__bench = {input: [], drawn: [], painted: [], presented: []};
let cause = null;
for (const type of ['keydown', 'pointerdown', 'pointermove']) document.addEventListener(type, (e) => { if (e.isTrusted) cause = e.timeStamp; }, true);
const after_paint = () => requestAnimationFrame(() => setTimeout(() => window.__bench.painted.push(performance.now()), 0));
document.addEventListener('input', (e) => { if (e.isTrusted && e.target.type === 'range') { window.__bench.input.push(cause ?? e.timeStamp); cause = null; } }, true);
new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.name === 'keydown') window.__bench.presented.push([e.startTime, e.duration]); })
  .observe({type: 'event', durationThreshold: 16, buffered: true});
window.addEventListener('gan-web-draw', () => { window.__bench.drawn.push(performance.now()); after_paint(); });
document.addEventListener('load', (e) => { if (e.target.closest && e.target.closest('#output')) after_paint(); }, true);
"""


# Marks the first frame in which the first screen's picture is on screen (decoded and laid out), and
# records the main thread's long tasks (over 50 ms: Chrome's Long Tasks API) from the navigation on.
# It asks for the picture's box only once the picture is decoded: asking every frame forces a layout
# of the page as it is being built, a cost that grows with the page (170 ms of the app's first 2 s).
FIRST_DIGIT = """
window.__first = {digit: null, long: []};
performance.setResourceTimingBufferSize(5000);
try {
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__first.long.push([e.startTime, e.duration]); })
    .observe({type: 'longtask', buffered: true});
} catch (e) {}
const shown = (e) => e && (e.tagName === 'CANVAS' || (e.complete && e.naturalWidth > 0)) && e.getBoundingClientRect().width > 0;
const poll = () => {
  if (shown(document.querySelector('#output img')) || shown(document.querySelector('#output canvas'))) window.__first.digit = performance.now();
  else requestAnimationFrame(poll);
};
requestAnimationFrame(poll);
"""
# What the page had asked for by the first digit (requests started at or before that frame, the page
# itself included: the browser's own Resource Timing, bytes as transferred, headers and bodies), and
# the long tasks that began before it.
BEFORE_DIGIT = """() => {
  const d = window.__first.digit, nav = performance.getEntriesByType('navigation')[0];
  const asked = performance.getEntriesByType('resource').filter((r) => r.startTime <= d);
  const bytes = [nav, ...asked].reduce((sum, r) => sum + (r.transferSize || 0), 0);
  return {requests: 1 + asked.length, kb: bytes / 1000, long: window.__first.long.filter(([start]) => start < d).map(([, ms]) => ms),
          js: asked.filter((r) => r.name.endsWith('.js')).length, css: asked.filter((r) => r.name.endsWith('.css')).length};
}"""
SCREENS = {"desktop": {"viewport": {"width": 1366, "height": 900}},
           "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}}
# A slow mobile network, as Lighthouse's mobile run assumes: 1.6 Mbit/s down, 750 kbit/s up, 150 ms
# round trip (Chrome's own emulation, per request, from the DevTools protocol).
THROTTLE = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}


def cold_load(browser, url: str, screen: str, generator: bool, throttle: bool = False) -> dict:
    """One first visit: ms to the digit visible (and to the in-page generator ready); requests and
    KB in all (up to 2 s after the page is ready) and by the first digit; the long tasks before it;
    the main thread's CPU time by then (Chrome's Performance metrics in thread time: all its tasks,
    their scripts, style and layout; read as the digit shows, to within a frame)."""
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(120_000)
    if throttle:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", THROTTLE)
    page.add_init_script(FIRST_DIGIT)
    metrics = context.new_cdp_session(page)
    metrics.send("Performance.enable", {"timeDomain": "threadTicks"})  # durations in the main thread's CPU time
    finished = []
    page.on("requestfinished", lambda r: finished.append(r))
    page.goto(url)
    page.wait_for_function("window.__first.digit !== null", polling="raf")
    cpu = {m["name"]: m["value"] * 1000 for m in metrics.send("Performance.getMetrics")["metrics"]}
    ready = None
    if generator:
        page.wait_for_function("window.ganWeb && (window.ganWeb.ready || window.ganWeb.error)", polling=100)
        ready = page.evaluate("window.ganWeb.readyAt")
    page.wait_for_timeout(2000)  # what the page loads after its first screen counts too
    digit = page.evaluate("window.__first.digit")
    before = page.evaluate(BEFORE_DIGIT)
    sizes = [r.sizes() for r in list(finished)]
    context.close()
    return {"digit": digit, "ready": ready, "requests": len(sizes),
            "kb": sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes) / 1000,
            "requests_before": before["requests"], "kb_before": before["kb"], "js_before": before["js"],
            "long_before": before["long"], "cpu": cpu["TaskDuration"], "script": cpu["ScriptDuration"],
            "layout": cpu["LayoutDuration"] + cpu["RecalcStyleDuration"]}


def config_kb(url: str) -> float:
    """The page's configuration (GET /config: every component's props, the layout and the events), KB."""
    import urllib.request

    with urllib.request.urlopen(url + "/config", timeout=30) as r:
        return len(r.read()) / 1000


def med(runs: list[dict], key: str) -> float:
    return float(np.median([r[key] for r in runs]))


def long_tasks(runs: list[dict]) -> tuple[list[float], list[float]]:
    """Per load: the long tasks' total ms before the first digit, and how many there were."""
    return [sum(r["long_before"]) for r in runs], [len(r["long_before"]) for r in runs]


def first_screen(browser, app_url: str, bare_url: str, loads: int, screens=tuple(SCREENS)) -> tuple[list[dict], dict]:
    """`loads` cold loads of each page on each screen, taking turns; rows of medians and their ratio,
    and every load's figures (for the docs' breakdown)."""
    rows, raw = [], {}
    app_kb, bare_kb = config_kb(app_url), config_kb(bare_url)
    rows += [row("bare page: its configuration, GET /config (KB)", [bare_kb]), row("the app: its configuration, GET /config (KB)", [app_kb])]
    for screen in screens:
        app, bare = [], []
        for _ in range(loads):
            bare.append(cold_load(browser, bare_url, screen, generator=False))
            app.append(cold_load(browser, app_url, screen, generator=True))
        raw[screen] = {"app": app, "bare": bare}
        ratio = med(app, "digit") / med(bare, "digit")
        req_ratio, kb_ratio = med(app, "requests_before") / med(bare, "requests_before"), med(app, "kb_before") / med(bare, "kb_before")
        (bare_long, bare_n), (app_long, app_n) = long_tasks(bare), long_tasks(app)
        rows += [
            row(f"{screen}: bare Gradio page (radio + image), image visible (ms)", [r["digit"] for r in bare]),
            row(f"{screen}: the app, first digit visible (ms)", [r["digit"] for r in app]),
            row(f"{screen}: first digit, app ÷ bare page (ratio of medians)", [ratio], "≤ 1.35", ratio <= 1.35),
            row(f"{screen}: the app, in-page generator ready (ms)", [r["ready"] for r in app]),
            row(f"{screen}: bare page, requests by its image", [r["requests_before"] for r in bare]),
            row(f"{screen}: the app, requests by the first digit", [r["requests_before"] for r in app]),
            row(f"{screen}: requests by the first digit, app ÷ bare page", [req_ratio], "≤ 1.5", req_ratio <= 1.5),
            row(f"{screen}: bare page, KB by its image", [r["kb_before"] for r in bare]),
            row(f"{screen}: the app, KB by the first digit", [r["kb_before"] for r in app]),
            row(f"{screen}: KB by the first digit, app ÷ bare page", [kb_ratio], "≤ 2", kb_ratio <= 2),
            row(f"{screen}: bare page, long tasks before its image (ms in all)", bare_long),
            row(f"{screen}: the app, long tasks before the first digit (ms in all)", app_long),
            row(f"{screen}: bare page, main-thread CPU by its image (ms)", [r["cpu"] for r in bare]),
            row(f"{screen}: the app, main-thread CPU by the first digit (ms)", [r["cpu"] for r in app]),
            row(f"{screen}: bare page, of which scripts (ms)", [r["script"] for r in bare]),
            row(f"{screen}: the app, of which scripts (ms)", [r["script"] for r in app]),
            row(f"{screen}: bare page, of which style and layout (ms)", [r["layout"] for r in bare]),
            row(f"{screen}: the app, of which style and layout (ms)", [r["layout"] for r in app]),
            row(f"{screen}: bare page, long tasks before its image (count)", bare_n),
            row(f"{screen}: the app, long tasks before the first digit (count)", app_n),
            row(f"{screen}: bare page, requests in all", [r["requests"] for r in bare]),
            row(f"{screen}: the app, requests in all (to 2 s after the generator is ready)", [r["requests"] for r in app]),
            row(f"{screen}: bare page, KB in all", [r["kb"] for r in bare]),
            row(f"{screen}: the app, KB in all (to 2 s after the generator is ready)", [r["kb"] for r in app]),
        ]
    return rows, raw


def throttled(browser, app_url: str, bare_url: str, loads: int) -> tuple[list[dict], dict]:
    """The desktop first screen over a slow network (THROTTLE), the two pages taking turns."""
    app, bare = [], []
    for _ in range(loads):
        bare.append(cold_load(browser, bare_url, "desktop", generator=False, throttle=True))
        app.append(cold_load(browser, app_url, "desktop", generator=True, throttle=True))
    ratio = med(app, "digit") / med(bare, "digit")
    rows = [
        row("1.6 Mbit/s, 150 ms: bare page, image visible (ms)", [r["digit"] for r in bare]),
        row("1.6 Mbit/s, 150 ms: the app, first digit visible (ms)", [r["digit"] for r in app]),
        row("1.6 Mbit/s, 150 ms: first digit, app ÷ bare page", [ratio], "≤ 1.5", ratio <= 1.5),
        row("1.6 Mbit/s, 150 ms: the app, in-page generator ready (ms)", [r["ready"] for r in app]),
        row("1.6 Mbit/s, 150 ms: bare page, KB by its image", [r["kb_before"] for r in bare]),
        row("1.6 Mbit/s, 150 ms: the app, KB by the first digit", [r["kb_before"] for r in app]),
    ]
    return rows, {"app": app, "bare": bare}


# Where the main thread's time before the first digit goes, from Chrome's sampling profiler: each
# sample goes to the first of these its call stack holds, innermost first (Gradio 6.31's function
# names in its unminified AppTree, js/core/src/init.svelte.ts).
CAUSES = [
    ("Gradio: events attached to each node (find_attached_events: nodes x events)", ("find_attached_events",)),
    ("Gradio: one node per component of the config (create_node)", ("create_node",)),
    ("Gradio: the rest of building the component tree (traverse, postprocess)", ("traverse", "postprocess", "prepare")),
]


def cause_of(stack: list[dict]) -> str:
    """A sample's cause: its stack (innermost first) against CAUSES, then by where its code lives."""
    for name, functions in CAUSES:
        if any(frame["functionName"] in functions for frame in stack):
            return name
    top = stack[0]
    if top["functionName"] in ("(idle)", "(program)", "(garbage collector)"):
        return {"(idle)": "idle (waiting for the network or the server)", "(program)": "the browser's own work (parsing, style, layout, paint)",
                "(garbage collector)": "garbage collection"}[top["functionName"]]
    url = top["url"].rsplit("/", 1)[-1]
    if url.startswith(("Index-", "Example-")) or any(f["url"].rsplit("/", 1)[-1].startswith("Index-") for f in stack):
        return "components' own code (their modules, mounting)"
    if not url:
        return "the browser's own work (parsing, style, layout, paint)"
    return "Gradio's runtime and Svelte (the client, rendering)"


def profiled_load(browser, url: str, screen: str = "desktop") -> dict[str, float]:
    """One cold load under the CPU profiler, to the first digit: ms per cause."""
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.add_init_script(FIRST_DIGIT)
    cdp = context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 250})
    cdp.send("Profiler.start")
    page.goto(url)
    page.wait_for_function("window.__first.digit !== null", polling="raf")
    profile = cdp.send("Profiler.stop")["profile"]
    context.close()
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    out: dict[str, float] = {}
    for sample, dt in zip(profile["samples"], profile["timeDeltas"]):
        stack, node = [], sample
        while node is not None:
            stack.append(nodes[node]["callFrame"])
            node = parent.get(node)
        cause = cause_of(stack[:-1] or stack)  # (the root frame is no cause)
        out[cause] = out.get(cause, 0.0) + dt / 1000
    return out


def causes(browser, app_url: str, bare_url: str, loads: int) -> list[dict]:
    """`loads` profiled cold loads of each page, taking turns: the median ms per cause, app and bare."""
    app, bare = [], []
    for _ in range(loads):
        bare.append(profiled_load(browser, bare_url))
        app.append(profiled_load(browser, app_url))
    names = sorted({k for r in app + bare for k in r}, key=lambda k: -float(np.median([r.get(k, 0.0) for r in app])))
    rows = []
    for name in names:
        rows += [row(f"profiled, to the first digit: {name}, bare page (ms)", [r.get(name, 0.0) for r in bare]),
                 row(f"profiled, to the first digit: {name}, the app (ms)", [r.get(name, 0.0) for r in app])]
    return rows


# Each place a visitor opens for the first time, and what must be on screen for it to count as shown:
# (name, the tab's label or the panel's elem_id, selectors of its main content, and pictures timed on
# their own). The Generate tab's panels first (the page opens on that tab), then the other tabs. The
# Model tab's training-progress GIF (5.9 MB) is timed on its own: its download is the file's size.
PLOT = "{0} svg.marks, {0} canvas"
OPENS = [
    ("Generate: steer your own digit", "#steer", ["#steer-sketch canvas", "#steer-drawing", "#morph"], {}),
    ("Generate: seed grid", "#grid-panel", ["#grid-rows input[type=range]", "#grid-first input", "#grid-show"], {}),
    ("Generate: interpolation", "#interp-panel", ["#interp-frames input[type=range]", "#interp-show"], {}),
    ("Discriminator", "Discriminator", ["#uploads", "#verdict", "#hist"], {}),
    ("Real or fake?", "Real or fake?", ["#game-digit img", "#game-figures"], {}),
    ("Model", "Model", ["#model-text", PLOT.format("#curve-losses"), PLOT.format("#curve-d")],
     {"Model: its training-progress GIF (5.9 MB) loaded": "#progress img"}),
    ("Training lab", "Training lab", ["#lab-preset", "#lab-train", "#lab-grid"], {}),
]
# In the page: click the tab (or the panel's header) and time, frame by frame, until every selector
# matches an element laid out (a picture also decoded); then each extra picture. null after 30 s.
OPEN = """async ([target, selectors, extra]) => {
  const tab = [...document.querySelectorAll('button[role="tab"]')].find((b) => b.textContent.trim() === target);
  const button = target.startsWith('#') ? document.querySelector(target + ' button.label-wrap') : tab;
  const seen = (s) => [...document.querySelectorAll(s)].some((e) => e.getBoundingClientRect().width > 0
      && (e.tagName !== 'IMG' || (e.complete && e.naturalWidth > 0)));
  const t0 = performance.now(), out = {shown: null};
  button.click();
  return await new Promise((done) => {
    const poll = () => { const t = performance.now() - t0;
      if (out.shown === null && selectors.every(seen)) out.shown = t;
      for (const [name, s] of Object.entries(extra)) if (!(name in out) && seen(s)) out[name] = t;
      if ((out.shown !== null && Object.keys(out).length > Object.keys(extra).length) || t > 30000) done(out);
      else requestAnimationFrame(poll); };
    requestAnimationFrame(poll); });
}"""


def tab_opens(browser, url: str, loads: int, screen: str = "desktop") -> list[dict]:
    """`loads` cold visits; in each, once the first screen has settled (the in-page generator ready,
    then 1 s), every panel and tab opened for the first time, in turn: ms from the click until its
    main content is on screen (and until each of its extra pictures is)."""
    times: dict[str, list[float]] = {}
    for _ in range(loads):
        context = browser.new_context(**SCREENS[screen])
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(url)
        page.wait_for_function("window.ganWeb && (window.ganWeb.ready || window.ganWeb.error)", polling=100)
        page.wait_for_timeout(1000)
        for name, target, selectors, extra in OPENS:
            out = page.evaluate(OPEN, [target, selectors, extra])
            if out["shown"] is None:
                raise RuntimeError(f"{name}: not shown within 30 s ({selectors})")
            times.setdefault(name, []).append(out.pop("shown"))
            for label, ms in out.items():
                times.setdefault(label, []).append(ms)
            page.wait_for_timeout(300)
        context.close()
    opened = {name for name, *_ in OPENS}
    return [row(f"{screen}: first opening, {name}: click to its content shown (ms)", v, "≤ 1000", float(np.median(v)) <= 1000)
            if name in opened else row(f"{screen}: first opening, {name} (ms)", v) for name, v in times.items()]


def latencies(page, keys: bool = False) -> dict[str, list[float]]:
    """For each input, ms until the first canvas draw ("drawn") and the first picture through a
    frame ("painted") after it, inputs with none left out; for key presses, their Event Timing."""
    page.wait_for_timeout(200)  # Event Timing entries arrive after the frame is presented
    b = page.evaluate("window.__bench")
    entries = {round(start, 1): duration for start, duration in b["presented"]}  # startTime: the key press's timeStamp
    out = {"presented": [entries.get(round(t, 1), ET_UNDER) for t in b["input"]] if keys else []}
    for key in ("drawn", "painted"):
        times, out[key] = sorted(b[key]), []
        for t in b["input"]:
            later = [p for p in times if p >= t]
            if later:
                out[key].append(later[0] - t)
    page.evaluate("window.__bench.input = []; window.__bench.drawn = []; window.__bench.painted = []; window.__bench.presented = []")
    return out


def open_page(browser, url: str, blocked: bool):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.add_init_script(PROBE)
    if blocked:
        for name in BLOCK:
            page.route(f"**/*{name}", lambda route: route.abort())
    joins, sizes = [], {}
    page.on("request", lambda r: joins.append(r.url) if RENDER_REQUEST in r.url else None)
    page.on("response", lambda r: sizes.__setitem__(r.url, r) if r.ok else None)
    page.goto(url)
    page.wait_for_function("document.querySelector('#recipe textarea') && document.querySelector('#recipe textarea').value.startsWith('digit=')")
    page.wait_for_function("window.ganWeb && (window.ganWeb.ready || window.ganWeb.error)" if not blocked else "true")
    page.wait_for_timeout(1000)  # the page-load events settle
    return page, joins, sizes


def frame_intervals(page, seconds: float = 3.0) -> list[float]:
    """ms between animation frames of the page left alone: the floor under any "painted" figure
    (60 Hz gives 16.7; a busy machine gives the browser fewer frames)."""
    return page.evaluate("""(ms) => new Promise((done) => {
        const t = []; const end = performance.now() + ms;
        const loop = (now) => { t.push(now); if (now < end) requestAnimationFrame(loop); else done(t.slice(1).map((x, i) => x - t[i])); };
        requestAnimationFrame(loop); })""", seconds * 1000)


def slider_box(page, name: str):
    slider = page.get_by_label(f"range slider for {name}")
    slider.scroll_into_view_if_needed()
    return slider, slider.bounding_box()


def steps(page, n: int, wait_paint: bool) -> dict[str, list[float]]:
    """n arrow-key steps of the thickness slider (right, then back left), one at a time."""
    slider, _ = slider_box(page, "thickness")
    slider.focus()
    for i in range(n):
        before = page.evaluate("window.__bench.painted.length")
        page.keyboard.press("ArrowRight" if (i // 10) % 2 == 0 else "ArrowLeft")
        if wait_paint:
            page.wait_for_function(f"window.__bench.painted.length > {before}")
            page.wait_for_timeout(50)
        else:
            page.wait_for_timeout(60)
    page.wait_for_timeout(600)
    return latencies(page, keys=True)


def drags(page, joins: list, n: int, moves: int, move_ms: int = 40) -> tuple[dict[str, list[float]], list[int], list[int]]:
    """n drags of the slant slider, `moves` mouse moves each (`move_ms` apart): the move-to-paint
    latencies, and the render requests sent during each drag and in the second after it."""
    during, after = [], []
    for d in range(n):
        _, box = slider_box(page, "slant")
        y = box["y"] + box["height"] / 2
        x0 = box["x"] + box["width"] * 0.5
        sign = 1 if d % 2 == 0 else -1
        page.mouse.move(x0, y)
        page.mouse.down()
        sent = len(joins)
        for m in range(1, moves + 1):
            page.mouse.move(x0 + sign * box["width"] * 0.35 * m / moves, y)
            page.wait_for_timeout(move_ms)
        during.append(len(joins) - sent)
        page.mouse.up()
        page.wait_for_timeout(1000)
        after.append(len(joins) - sent - during[-1])
    return latencies(page), during, after


# What Chrome records of a key press's way to the screen: the dispatch, the main thread's frame
# (animation callbacks, paint, commit), and the display compositor's frame that shows it.
TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline.frame", "cc", "viz", "benchmark", "toplevel"]


def traced_steps(browser, page, n: int, path: str) -> dict[str, list[float]]:
    """n arrow-key steps under Chrome's tracing; per key press, ms from its dispatch to the start
    of the next main-thread frame, that frame's length, and to the first frame displayed after
    that frame's commit (the digit on screen, as far as this headless browser has a screen)."""
    slider, _ = slider_box(page, "thickness")
    slider.focus()
    browser.start_tracing(page=page, path=path, categories=TRACE_CATEGORIES)
    for i in range(n):
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_timeout(120)
    browser.stop_tracing()
    latencies(page)  # empties the probe's lists: these steps are measured from the trace only
    events = json.loads(Path(path).read_text())["traceEvents"]
    spans = sorted((e for e in events if e.get("ph") == "X"), key=lambda e: e["ts"])
    at = lambda name, phases: sorted(e["ts"] for e in events if e["name"] == name and e.get("ph") in phases)
    commits, shown = at("Commit", "XBb"), at("Display::FrameDisplayed", "Ii")
    after = lambda times, t: next((x for x in times if x >= t), None)
    out = {"to main frame": [], "main frame": [], "to displayed": []}
    for key in (e for e in spans if e["name"] == "EventDispatch" and e["args"].get("data", {}).get("type") == "keydown"):
        frame = next((e for e in spans if e["name"] == "ProxyMain::BeginMainFrame" and e["ts"] >= key["ts"]), None)
        commit = after(commits, key["ts"])
        screen = after(shown, commit) if commit else None
        if frame and screen:
            out["to main frame"].append((frame["ts"] - key["ts"]) / 1000)
            out["main frame"].append(frame["dur"] / 1000)
            out["to displayed"].append((screen - key["ts"]) / 1000)
    return out


def row(name: str, values: list[float], target: str = "", met: bool | None = None) -> dict:
    v = np.asarray(values, float)
    return {"name": name, "median": float(np.median(v)) if len(v) else float("nan"),
            "p95": float(np.percentile(v, 95)) if len(v) else float("nan"), "n": int(len(v)), "target": target, "met": met}


def page_weight(sizes: dict) -> tuple[int, int, dict[str, int]]:
    """Bytes of the in-page generator's files as served, and gzip -6 of them (a Space's proxy
    may compress; Gradio itself sends them as they are)."""
    raw, packed, each = 0, 0, {}
    for url, response in sizes.items():
        name = url.rsplit("/", 1)[-1]
        if name in WEB_FILES:
            body = response.body()
            raw, packed = raw + len(body), packed + len(gzip.compress(body, 6))
            each[name] = len(body)
    return raw, packed, each


def run(args: argparse.Namespace) -> list[dict]:
    with tempfile.TemporaryFile() as log, tempfile.TemporaryFile() as bare_log:
        return measure(args, log, bare_log)


def measure(args: argparse.Namespace, log, bare_log) -> list[dict]:
    """Serve the app and the bare page (their output to the two log files) and measure both."""
    from playwright.sync_api import sync_playwright

    proc, url = start_app(["app.py"], log, env={"GAN_WEIGHTS": args.weights} if args.weights else None)
    bare, bare_url = start_app(["-m", "gan", "dev", "bare-page"], bare_log)
    rows = []
    try:
        wait_ready(proc, url, log)
        wait_ready(bare, bare_url, bare_log)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            rows, raw = first_screen(browser, url, bare_url, args.loads, tuple(args.screens.split(",")))
            if args.throttled:
                more, raw["throttled"] = throttled(browser, url, bare_url, args.throttled)
                rows += more
            if args.tab_loads:
                rows += tab_opens(browser, url, args.tab_loads)
            if args.profile:
                rows += causes(browser, url, bare_url, args.profile)
            if args.raw:
                Path(args.raw).write_text(json.dumps(raw, indent=1))
            if args.cold_only:
                browser.close()
                return rows
            page, joins, sizes = open_page(browser, url, blocked=False)
            ready = page.evaluate("({at: ganWeb.readyAt, own: ganWeb.readyMs, error: ganWeb.error})")
            if ready["error"]:
                raise RuntimeError(f"the page's generator did not start: {ready['error']}")
            raw, packed, each = page_weight(sizes)
            idle_frames = frame_intervals(page)
            page.evaluate("window.__renders = []; window.addEventListener('gan-web-draw', (e) => window.__renders.push(e.detail.renderMs))")
            step_in_page = steps(page, args.steps, wait_paint=False)
            with tempfile.TemporaryDirectory() as tmp:
                traced = traced_steps(browser, page, args.traced_steps, f"{tmp}/trace.json")
            drag_in_page, during, after = drags(page, joins, args.drags, args.moves, args.move_ms)
            render_ms = page.evaluate("window.__renders")
            page.context.close()

            page, joins_s, _ = open_page(browser, url, blocked=True)
            step_server = steps(page, max(args.steps // 3, 5), wait_paint=True)
            _, during_s, _ = drags(page, joins_s, max(args.drags // 2, 1), args.moves, args.move_ms)
            page.context.close()
            browser.close()
        frame = lambda v: float(np.median(v)) < 16
        rows += [
            row("in page: slider step (arrow key) to canvas drawn (ms)", step_in_page["drawn"]),
            row("in page: slider step (arrow key) to painted (ms)", step_in_page["painted"], "< 16 ms", frame(step_in_page["painted"])),
            row("in page: slider step (arrow key) to presented, Event Timing (ms)", step_in_page["presented"], "< 16 ms", frame(step_in_page["presented"])),
            row("in page, Chrome trace: key press to the next main-thread frame (ms)", traced["to main frame"]),
            row("in page, Chrome trace: that frame's main-thread work (ms)", traced["main frame"]),
            row("in page, Chrome trace: key press to the frame displayed (ms)", traced["to displayed"], "< 16 ms", frame(traced["to displayed"])),
            row(f"in page: drag move ({args.move_ms} ms apart) to canvas drawn (ms)", drag_in_page["drawn"]),
            row(f"in page: drag move ({args.move_ms} ms apart) to painted (ms)", drag_in_page["painted"], "< 16 ms", frame(drag_in_page["painted"])),
            row("in page: generator run, one digit (ms)", render_ms),
            row("frame interval of the idle page (ms): the floor of 'painted'", idle_frames),
            row("server (page generator blocked): slider step to painted (ms)", step_server["painted"]),
            row(f"render requests during a {args.moves}-move drag ({args.move_ms} ms a move), in page", during, "0", max(during) == 0),
            row("render requests within 1 s after the drag, in page", after),
            row(f"render requests during a {args.moves}-move drag, server path", during_s),
            row("in-page rendering ready, from navigation (ms)", [ready["at"]]),
            row("in-page rendering ready, from page.js start (ms)", [ready["own"]]),
            row("added page weight as served (KB)", [raw / 1000]),
            row("added page weight, gzip (KB)", [packed / 1000], "< 1500 KB", packed < 1.5e6),
        ]
        print("files:", ", ".join(f"{k} {v / 1000:.1f} KB" for k, v in sorted(each.items())))
    finally:
        stop(proc)
        stop(bare)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| measurement | median | p95 | n | target | met? |", "|---|---:|---:|---:|---|---|"]
    for r in rows:
        met = "" if r["met"] is None else ("yes" if r["met"] else "**no**")
        lines.append(f"| {r['name']} | {r['median']:.4g} | {r['p95']:.4g} | {r['n']} | {r['target']} | {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = Parser(prog="gan dev webbench", description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", default=None, help="weights folder (default: $GAN_WEIGHTS, else weights/)")
    p.add_argument("--steps", type=int, default=60, help="arrow-key slider steps in the page (a third as many through the server)")
    p.add_argument("--traced-steps", type=int, default=20, help="arrow-key steps in the page under Chrome's tracing")
    p.add_argument("--drags", type=int, default=6, help="slider drags in the page (half as many through the server)")
    p.add_argument("--moves", type=int, default=10, help="mouse moves per drag")
    p.add_argument("--move-ms", type=int, default=40, help="ms between a drag's moves (16: one a frame, as a hand gives)")
    p.add_argument("--loads", type=int, default=5, help="cold loads of each page on each screen (the app's and the bare page's)")
    p.add_argument("--cold-only", action="store_true", help="measure the first visit only (first screen, slow network, tabs), not the sliders")
    p.add_argument("--screens", default="desktop,phone", help="the first screen's screens, of desktop,phone")
    p.add_argument("--throttled", type=int, default=7, help="cold loads of each page over a slow network, desktop (0: none)")
    p.add_argument("--tab-loads", type=int, default=5, help="cold visits in which each tab and panel is opened for the first time (0: none)")
    p.add_argument("--raw", default=None, help="write every cold load's figures to this JSON file")
    p.add_argument("--profile", type=int, default=0, help="cold loads of each page under the CPU profiler: main-thread ms by cause")
    p.add_argument("--json", default=None, help="also write the rows to this file")
    args = p.parse_args(argv)
    load = os.getloadavg()
    rows = run(args)
    print(f"load average (1 min) at start {load[0]:.2f}, at end {os.getloadavg()[0]:.2f}")
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
