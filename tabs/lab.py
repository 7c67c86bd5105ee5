"""Training lab tab: train a small GAN on real MNIST digits in the Space, watch it learn, and
break it on purpose with a preset. The work is gan.space.lab.run; this module wires it to the page.
API: /lab (the settings as named parameters), a stream of updates whose last one carries the
run's per-step log."""

from __future__ import annotations

import collections
import dataclasses
import time

import gradio as gr
import numpy as np
import pandas as pd

from gan.space.lab import MAX_SECONDS, MAX_STEPS, PRESET_NAMES, PRESETS, LabSettings, Update, run, signals
from gan.space.studio import Studio

# In the browser, on Train: the status (above the results) into view unless it is in view already.
# A phone stacks the columns, the results under the settings, out of sight below the Train button.
SHOW_STATUS = """() => { const status = document.querySelector('#lab-status'), box = status.getBoundingClientRect();
  if (box.top < 0 || box.bottom > innerHeight) status.scrollIntoView({block: 'start', behavior: 'smooth'}); }"""
MAX_POINTS = 300  # per chart series: longer runs are averaged into this many points
# What the lab has done in this process (one run at a time: the lab's lane holds one): tests
# read it to check that Stop and a closed page end a run ("cancelled"), not its budget.
activity = {"runs": 0, "steps": 0, "running": False, "ended": "", "ends_by": 0.0}
# The runs whose Stop was pressed, by the token the page gave the run at its Train click (NEW_RUN):
# a run checks it at every update and ends. Gradio's own cancel misses a run whose queue place was
# not yet confirmed to the page (Stop right after Train); the token is the page's, so a Stop always
# names the latest Train. Bounded: a run that never started never removes its token.
stop_requests: collections.OrderedDict[str, None] = collections.OrderedDict()
MAX_STOP_REQUESTS = 1000
NEW_RUN = "() => [window.labRun = crypto.randomUUID()]"  # Train's js: the run's token, kept by the page
THIS_RUN = "(shown) => [shown, window.labRun || '']"  # Stop's js: the status shown, and the token of the latest run
SETTING_NAMES = [f.name for f in dataclasses.fields(LabSettings) if f.name != "update_every"]
# Each chart's lines: the log's column -> the name in its legend.
SERIES = {"losses": {"loss_d": "D loss", "loss_g": "G loss"}, "d_out": {"d_real": "D(x): real", "d_fake": "D(G(z)): generated"},
          "grad": {"g_grad_norm": "|grad G|"}}
COLOURS = ["#1f77b4", "#ff7f0e"]


def colours(chart: str) -> dict[str, str]:
    """A chart's colour map, keyed by its lines' legend names (the `series` values it plots): a
    map keyed by anything else matches no line, and Vega draws every line transparent."""
    return dict(zip(SERIES[chart].values(), COLOURS))


def charts(log: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Long-format frames (step, value, series) for the three line charts, at most MAX_POINTS steps each."""
    bucket = max(1, -(-len(log) // MAX_POINTS))
    frame = pd.DataFrame(log)
    if bucket > 1:  # average consecutive steps: the chart's shape, not 5,000 points
        frame = frame.groupby(np.arange(len(frame)) // bucket).mean()
    frame = frame.replace([np.inf, -np.inf], np.nan)

    def long(cols: dict[str, str]) -> pd.DataFrame:
        parts = [pd.DataFrame({"step": frame["step"], "value": frame[c], "series": name}) for c, name in cols.items()]
        return pd.concat(parts, ignore_index=True)

    return long(SERIES["losses"]), long(SERIES["d_out"]), long(SERIES["grad"])


RUNNING = "training..."
STARTING = "starting..."
WAITING = "waiting for another visitor's run"
STOPPED = "stopped: you pressed Stop"
AGAIN = "Press **Train** to run again (the same settings and seed give the same run)."


def status(u: Update, s: LabSettings) -> str:
    state = {"steps": "finished: step budget reached", "time": "finished: time cap reached",
             "diverged": "stopped: the losses are no longer finite numbers (diverged)"}.get(u.stopped_by, RUNNING)
    return (f"**{state}** step {u.step} of {s.steps}, {u.seconds:.1f} s of at most {s.max_seconds:.0f} s  \n"
            f"read as the digit asked for: **{u.accuracy:.0%}** · class-histogram entropy **{u.entropy:.2f}** bits "
            f"(3.32 = every digit equally often) · diversity **{u.diversity:.2f}** (1 = as varied as real digits)"
            + (f"  \n{AGAIN}" if u.done else ""))


def stopped(shown: str) -> str:
    """The status once Stop has ended a run: what it reached, and what to do next."""
    if shown and (STARTING in shown or WAITING in shown):
        return f"**{STOPPED}** before the run started.  \n{AGAIN}"
    if RUNNING not in (shown or ""):
        return shown  # nothing was running (or it had finished): the status stands
    return shown.replace(RUNNING, STOPPED, 1) + f"  \n{AGAIN}"


def stop_status(shown: str, run_token: str = "") -> tuple[dict, dict]:
    """Stop's outputs: the live status hidden, and the stopped status shown in its place; the run
    named by run_token ends at its next update. A run's updates already on their way when Stop
    cancels it still arrive after Stop's answer; they land in the hidden live status, so what the
    visitor reads cannot go back to "training..."."""
    if run_token:
        stop_requests[run_token] = None
        while len(stop_requests) > MAX_STOP_REQUESTS:
            stop_requests.popitem(last=False)
    return gr.update(visible=False), gr.update(value=stopped(shown), visible=True)


def train_status(run_token: str = "") -> tuple[dict, dict, str]:
    """Train's outputs, at once: the live status shown again (starting, or waiting), the stopped one
    hidden, and the run's token (from the page) for the run to check."""
    return gr.update(value=waiting(), visible=True), gr.update(visible=False), run_token or ""


def waiting() -> str:
    """The status a visitor sees at once after Train: starting now, or behind another visitor's run."""
    if not activity["running"]:
        return f"**{STARTING}** the first samples appear within a few seconds."
    left = max(0.0, activity["ends_by"] - time.monotonic())
    return (f"**{WAITING}**: the lab trains one run at a time, and that one ends within "
            f"**{left:.0f} s** (its time cap). Yours starts right after it; keep this page open.")


def build(studio: Studio) -> gr.Blocks:
    # Named parameters (and their defaults) are the API: client.submit(lr_g=0.01, api_name="/lab").
    defaults = LabSettings()

    def lab(arch=defaults.arch, loss=defaults.loss, lr_g=defaults.lr_g, lr_d=defaults.lr_d, beta1=defaults.beta1,
            d_steps=defaults.d_steps, batch_size=defaults.batch_size, class_loss=defaults.class_loss, seed=defaults.seed,
            steps=defaults.steps, max_seconds=defaults.max_seconds, run_token=None):
        """Train from scratch and stream: sample grid, status, three charts, class histogram, and
        a JSON summary; the last update's JSON adds the settings, the signals and the per-step log.
        (run_token, the page's name for this run, is a gr.State: not an API parameter.)"""
        try:
            s = LabSettings(arch=arch, loss=loss, lr_g=float(lr_g), lr_d=float(lr_d), beta1=float(beta1),
                            d_steps=int(d_steps), batch_size=int(batch_size), class_loss=float(class_loss),
                            seed=int(seed), steps=int(steps), max_seconds=float(max_seconds)).validated()
        except (TypeError, ValueError) as e:
            raise gr.Error(f"Settings refused: {e}", print_exception=False) from None
        log, updates, ended = [], [], "cancelled"
        activity.update(runs=activity["runs"] + 1, running=True, ended="", ends_by=time.monotonic() + s.max_seconds)
        try:
            for u in run(s, studio.classifier):
                if run_token and run_token in stop_requests:  # Stop was pressed: the page already says so
                    ended = "cancelled"
                    return
                log += u.log
                updates.append(u)
                activity["steps"] += len(u.log)
                losses, d_out, grad = charts(log)
                hist = pd.DataFrame({"digit": [str(d) for d in range(10)], "share": u.histogram})
                summary = u.summary()
                if u.done:
                    ended = u.stopped_by
                    summary = {**summary, "settings": dataclasses.asdict(s), "signals": signals(updates, log), "log": log}
                yield u.grid, status(u, s), losses, d_out, grad, hist, summary
        finally:  # also when Gradio closes this generator: Stop, or the visitor's page went away
            activity.update(running=False, ended=ended)
            stop_requests.pop(run_token, None)

    def fill(preset: str) -> list:
        p = PRESETS[preset]
        return [p.what, *[getattr(p.settings, n) for n in SETTING_NAMES]]

    healthy = PRESETS["healthy"].settings
    with gr.Blocks() as tab:
        gr.Markdown("Train a small GAN on 12,000 real MNIST digits, right here, for up to a minute: the discriminator "
                    "(D) learns to tell real digits from generated ones, the generator (G) learns to fool it. Pick a "
                    "preset to break it on purpose. One run at a time: if another visitor's run is training, yours "
                    "waits for it and the status says for how long; the same settings and seed give the same run.")
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                preset = gr.Dropdown(PRESET_NAMES, value="healthy", label="preset", elem_id="lab-preset")
                about = gr.Markdown(PRESETS["healthy"].what, elem_id="lab-about")
                with gr.Accordion("Settings", open=False, elem_id="lab-settings"):
                    controls = {
                        "arch": gr.Radio(["dcgan-small", "mlp"], value=healthy.arch, label="architecture",
                                         info="a small conditional DCGAN, or the seed article's MLP"),
                        "loss": gr.Radio(["bce", "minimax", "wgan-gp"], value=healthy.loss, label="loss",
                                         info="non-saturating BCE, the original minimax (saturating), or WGAN-GP"),
                        "lr_g": gr.Number(healthy.lr_g, label="G learning rate", minimum=1e-6, maximum=0.1),
                        "lr_d": gr.Number(healthy.lr_d, label="D learning rate", minimum=1e-6, maximum=0.1),
                        "beta1": gr.Slider(0.0, 0.99, value=healthy.beta1, step=0.01, label="Adam beta1"),
                        "d_steps": gr.Slider(1, 10, value=healthy.d_steps, step=1, label="D steps per G step"),
                        "batch_size": gr.Slider(8, 256, value=healthy.batch_size, step=8, label="batch size"),
                        "class_loss": gr.Slider(0.0, 10.0, value=healthy.class_loss, step=0.1, label="class loss weight",
                                                info="AC-GAN: D names real digits, G is rewarded when D names its digit"),
                        "seed": gr.Number(healthy.seed, precision=0, label="seed", minimum=0),
                        "steps": gr.Slider(10, MAX_STEPS, value=healthy.steps, step=10, label="step budget"),
                        "max_seconds": gr.Slider(5, MAX_SECONDS, value=healthy.max_seconds, step=5, label="time cap (s)"),
                    }
                with gr.Row():
                    train = gr.Button("Train", variant="primary", elem_id="lab-train")
                    stop = gr.Button("Stop", variant="stop", elem_id="lab-stop")
            with gr.Column(scale=2):
                # Above the results, so that on a phone (one column) the status is where Train scrolls to.
                # Two texts, one shown at a time: the run's live status, and the status once Stop ended it.
                with gr.Column(elem_id="lab-status"):
                    state = gr.Markdown("Press **Train** to start: samples, charts and this status update as it learns.",
                                        elem_id="lab-live")
                    ended = gr.Markdown(visible=False, elem_id="lab-ended")
                with gr.Row():
                    with gr.Column(min_width=200):
                        # A title above the picture, not a label chip and icons laid over its digit-0 row.
                        gr.Markdown("**Samples**: one row per digit 0-9 (top to bottom), one column per fixed seed")
                        grid = gr.Image(format="png", height=320, show_label=False, buttons=[], elem_classes="pixels",
                                        interactive=False, elem_id="lab-grid")
                    hist = gr.BarPlot(x="digit", y="share", label="what the reference classifier reads in them",
                                      y_lim=[0, 1], elem_id="lab-hist")
                with gr.Row():
                    # color_map names each line in a legend (which is D's, which is G's).
                    losses = gr.LinePlot(x="step", y="value", color="series", label="losses: D's and G's", y_title="loss",
                                         color_map=colours("losses"), elem_id="lab-losses")
                    d_out = gr.LinePlot(x="step", y="value", color="series", y_lim=[0, 1], y_title="D's output",
                                        label="D's output on real digits, D(x), and on generated ones, D(G(z))",
                                        color_map=colours("d_out"), elem_id="lab-d")
                    grad = gr.LinePlot(x="step", y="value", color="series", y_title="gradient norm",
                                       label="how hard G is pushed: the size of its gradient",
                                       color_map=colours("grad"), elem_id="lab-grad")
                result = gr.JSON(label="run summary (at the end: settings, signals and the per-step log)", open=False,
                                 elem_id="lab-log")

        settings = [controls[n] for n in SETTING_NAMES]
        preset.change(fill, preset, [about, *settings], api_visibility="private", queue=False)
        # Its own lane, one run at a time: a run holds one of the 2 vCPUs (one torch thread) for up
        # to a minute, and /generate keeps the other.
        # Train: at once (no queue), the status says whether the run starts now or waits, and comes
        # into view; then the run, in its own lane.
        # Its queue place is that status (Gradio's own estimate of the wait was a third of the real one).
        # The page names each run (NEW_RUN) so that Stop ends the latest one even before Gradio can cancel it.
        token_box = gr.Textbox(visible=False)  # only carries the js's token to the server
        run_token = gr.State("")
        start = train.click(train_status, token_box, [state, ended, run_token], api_visibility="private", queue=False,
                            show_progress="hidden", js=f"(t) => {{ ({SHOW_STATUS})(); return ({NEW_RUN})(); }}")
        event = start.then(lab, [*settings, run_token], [grid, state, losses, d_out, grad, hist, result], api_name="lab",
                           concurrency_id="lab", concurrency_limit=1, show_progress="hidden")
        stop.click(stop_status, [state, token_box], [state, ended], cancels=[event], api_visibility="private",
                   queue=False, show_progress="hidden", js=THIS_RUN)
    return tab
