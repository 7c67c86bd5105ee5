"""MNIST GAN Studio: the Gradio Space. This file loads the Studio, composes one module per
tab (tabs/) and launches; the behaviour is in gan/.

    python app.py            # serves http://127.0.0.1:7860 with the committed weights
    GAN_WEIGHTS=user/repo python app.py   # other weights, from a folder or the Hub
"""

from __future__ import annotations

import ctypes
import os
import sys
import warnings

import torch

# A 2-vCPU Space serves requests two at a time (the queue's limit below); one torch thread
# each keeps the two from fighting over the cores (our batches are tiny anyway).
torch.set_num_threads(1)
# Two malloc arenas instead of one per thread: the server's threads otherwise each keep
# their own arena, and freed memory stays fragmented across them (RSS creeps up under load).
try:
    ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # -8 = M_ARENA_MAX (glibc)
except (OSError, AttributeError):  # not glibc (macOS, musl): keep the default allocator
    pass
# After every request Gradio rebuilds a pandas summary of its last 10,000 events, for a
# /monitoring page this app turns off (enable_monitoring=False): ~13 ms of CPU per request once
# the history fills (gan.bench), several times the model's work and more while two requests
# compete for the cores. Never rebuild it, and keep 1,000 events instead of 10,000.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(10**9))
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from gan.space import page, ui  # noqa: E402
from gan.core.errors import WeightsError  # noqa: E402
from gan.space.human_eval import HumanEval  # noqa: E402
from gan.space.studio import Studio  # noqa: E402
import tabs  # noqa: E402
from tabs import agents, discriminator, game, generate, lab, model, steer  # noqa: E402

ui.write_gradio_images_once()
page.lighter_page_config()  # the page's own copy of the configuration, without what only API clients read

try:
    studio = Studio()
except WeightsError as e:  # missing, truncated or tampered weights: say which file, not a traceback
    raise SystemExit(f"error: {e}") from None
evaluation = HumanEval(studio)  # the game's rounds, in $GAN_DATA_DIR (docs/human_eval.md)
# Gradio draws images with object-fit: scale-down, which never enlarges a 28x28 PNG: fill the
# box instead, with crisp nearest-neighbour pixels.
CSS = """.pixels img { object-fit: contain !important; width: 100%; height: 100%; image-rendering: pixelated; }
.pixels { min-width: 0; }
.crisp img { image-rendering: pixelated; }
""" + "\n".join([tabs.CSS, generate.CSS, discriminator.CSS, model.CSS])  # then each tab's own rules

with gr.Blocks(title="MNIST GAN Studio", delete_cache=(600, 3600)) as demo:
    # No title block: a Space shows its title above the app, and the page's <title> names it; what the
    # GAN does is said by the first control (tabs/generate.py: no gr.Markdown on the first screen).
    with gr.Tabs(overflow_behavior="wrap"):  # a phone wraps the tab bar onto two rows: no tab hides behind "..."
        with gr.Tab("Generate") as generate_page:
            generate_tab = generate.build(studio)
            show_tabs = gr.Button(visible="hidden", elem_id="show-tabs")  # clicked by the page script (tabs.SHOW_TABS_LATER)
        with gr.Tab("Discriminator") as discriminator_tab:
            steer.connect(generate_tab.steer, *discriminator.build(studio).steer_sources)
        with gr.Tab("Real or fake?") as game_tab:
            game.build(evaluation, game_tab)
        with gr.Tab("Model") as model_tab:
            model.build(studio, evaluation)
        with gr.Tab("Training lab") as lab_tab:
            lab.build(studio)
    agents.build(studio)  # the MCP tools (hidden endpoints), served at /gradio_api/mcp/
    # The first visit downloads and builds only what the first screen shows (tabs.load_on_open).
    tabs.load_on_open(demo, generate_page, [discriminator_tab, game_tab, model_tab, lab_tab], show_tabs)

demo.queue(default_concurrency_limit=2, max_size=256)
# The page's script: the in-page generator once the first digit is on screen, then (once it is ready)
# the other tabs' code, so that a tab opened later shows at once. GAN_SHOW_TABS=open, the alternative
# measured in docs/performance.md, leaves each tab's code until the tab is opened.
PAGE_JS = (f"() => {{ ({generate_tab.page_js})(); ({tabs.show_tabs_later(page.chart_library())})(); }}"
           if os.environ.get("GAN_SHOW_TABS", "later") != "open" else generate_tab.page_js)
MAX_FILE_SIZE = "10mb"  # uploads above this are refused by the server (413) before any decoding


def launch(**kwargs):
    """Serve the app, and its agent tools over MCP; tests and benchmarks pass server_port and prevent_thread_lock."""
    # Every visitor and every session-less API call is a session (~160 KB of server state);
    # 1,000 caps that at ~160 MB instead of Gradio's 10,000 (1.6 GB), dropping the oldest first.
    with warnings.catch_warnings():  # Gradio's warning of tools with a gr.State input names UI endpoints, which are no tools here
        warnings.filterwarnings("ignore", "This MCP server includes a tool that has a gr.State input")
        return demo.launch(css=CSS, js=PAGE_JS, head=generate_tab.page_head, max_file_size=MAX_FILE_SIZE, enable_monitoring=False, state_session_capacity=1000,
                           mcp_server=True, app_kwargs={"lifespan": agents.only_agent_tools_lifespan(demo),
                                                       "middleware": [Middleware(page.CompressPage)]}, **kwargs)


if __name__ == "__main__":
    # Gradio wraps every API call in a block that imports matplotlib to pin its backend
    # (gradio/route_utils.py). The Space does not install matplotlib, but a dev install does
    # (for gan.evaluate's plots), and there the import costs ~10 MB of peak memory (gan.bench)
    # and time on the first request. This app never plots: in its own process, matplotlib is
    # absent, as on the Space. (Not on import: the tests import this module beside code that plots.)
    sys.modules.setdefault("matplotlib", None)
    launch()
