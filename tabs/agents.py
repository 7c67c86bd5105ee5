"""Tools for AI agents: the Space's abilities as MCP tools (app.py launches with mcp_server=True,
served at /gradio_api/mcp/). No tab of its own: hidden endpoints, each a thin function over
gan.space.studio.Studio, whose docstring and parameters are what an agent reads (Gradio turns
the docstring's summary into the tool's description and each "Args:" line, one line per
parameter, into that parameter's description). API: /generate_digit, /generate_grid,
/score_digit, /project_digit (also callable from gradio_client).

Gradio 6.31 makes every public endpoint an MCP tool, and its one switch per endpoint,
api_visibility="undocumented", also takes the named parameters away from gradio_client callers
(client.predict(digit=3, api_name="/generate") then fails). So the UI's endpoints stay public
and documented, and `serve_only_agent_tools` narrows the MCP server to AGENT_TOOLS as it starts:
an allowlist, so an endpoint added later never becomes an agent tool by accident. The game and
the lab are no tools: the game's events are private (its answer reaches no client at all), the
lab trains for a minute per call and an agent has no use for it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import gradio as gr
import numpy as np

from gan.core.directions import SLIDER_NAMES
from gan.core.errors import InputError
from gan.space.score import Score
from gan.space.studio import Recipe, Studio

from . import hide, refuse

AGENT_TOOLS = ("generate_digit", "generate_grid", "score_digit", "project_digit")  # their functions' and endpoints' names
SCORE_KEYS = ("verdict", "why", "digit", "digit_confidence", "is_digit", "exact_28x28", "p_real", "faint_grey_pixels", "p_real_gan_d")


def agent_scores(score: Score) -> str:
    """A Studio.score result as the JSON an agent reads: the page's verdict (gan.space.verdict.judge)
    and why, then the evidence."""
    answer = {**score.as_json(), "verdict": score.outcome}
    return json.dumps({k: answer[k] for k in SCORE_KEYS if k in answer})


def build(studio: Studio) -> None:
    """The agent endpoints, wired to hidden components (place it anywhere inside the page's Blocks)."""
    assert tuple(studio.slider_names) == tuple(SLIDER_NAMES), studio.slider_names  # the parameters below name them

    @refuse
    def generate_digit(digit: int = 0, seed: int = 0, truncation: float = 1.0, thickness: float = 0.0, slant: float = 0.0,
                       width: float = 0.0, height: float = 0.0, pc1: float = 0.0, pc2: float = 0.0, pc3: float = 0.0,
                       pc4: float = 0.0, z: str = "") -> np.ndarray:
        """Draw one handwritten digit with a class-conditional GAN trained on MNIST: a 28x28 greyscale PNG, white ink on black, as MNIST digits are. The same arguments always give the same pixels, so a seed is a reproducible digit; vary the seed for different handwriting of the same digit.

        Args:
            digit: which digit to draw, a whole number 0-9 (default 0).
            seed: the handwriting, a whole number 0-4294967295 (default 0); each seed is a different writer's version of the digit.
            truncation: 0-1.5 (default 1.0): lower values give more typical, cleaner digits (0 = the average digit), values above 1 more unusual ones.
            thickness: stroke thickness, -3 (thin) to 3 (bold), default 0.
            slant: -3 (leans left) to 3 (leans right), default 0.
            width: -3 (narrow) to 3 (wide), default 0.
            height: -3 (short) to 3 (tall), default 0.
            pc1: first principal direction of variation in the latent space, -3 to 3, default 0.
            pc2: second principal direction, -3 to 3, default 0.
            pc3: third principal direction, -3 to 3, default 0.
            pc4: fourth principal direction, -3 to 3, default 0.
            z: optional, a projected digit's latent code (the z=... value of project_digit's recipe); it replaces the seed's handwriting, so the sliders above steer an image you projected. Empty by default.

        Returns:
            the digit, a 28x28 PNG
        """
        return studio.generate(studio.recipe(digit, seed, truncation, z=z, thickness=thickness, slant=slant, width=width,
                                             height=height, pc1=pc1, pc2=pc2, pc3=pc3, pc4=pc4))

    @refuse
    def generate_grid(first_seed: int = 0, rows: int = 4, cols: int = 8, digit: int = -1, truncation: float = 1.0) -> np.ndarray:
        """Draw many handwritten digits at once as one PNG grid: on each row the seeds first_seed, first_seed+1, ..., first_seed+cols-1 (the same seeds on every row). Each cell is 28x28 with a 2-pixel black border between cells, so cell (r, c) starts at pixel x = 2 + 30*c, y = 2 + 30*r. For a set of one digit, give digit; for one row per digit 0, 1, 2, ..., give -1.

        Args:
            first_seed: the first cell's seed, a whole number 0-4294967295 (default 0); the same seed and digit always give the same image as generate_digit.
            rows: 1-10 (default 4).
            cols: 1-16 (default 8); rows*cols is at most 100.
            digit: the digit of every cell, 0-9 (every row then repeats the same seeds: for N different digits of one kind, use rows=1 and up to 16 cols per call, moving first_seed on), or -1 (the default) for digit r on row r.
            truncation: 0-1.5 (default 1.0): lower gives more typical digits, above 1 more unusual ones.

        Returns:
            the grid, one PNG, white ink on black
        """
        return studio.seed_grid(first_seed, rows, cols, None if digit in (None, "", -1) else digit, truncation)[0]

    @refuse
    def score_digit(image: str) -> str:
        """Judge an image of one handwritten digit: is it a real MNIST digit, one this Space's GAN generated, or neither / can't tell, and which digit is it? Any photo, scan or drawing works (it is reduced to an MNIST-style 28x28 first), but only an exact 28x28 PNG keeps the pixels that show where a digit came from: anything resized is "neither / can't tell".

        Args:
            image: the image file (PNG or JPEG, at most 10 MB): an http(s) URL, or a data:image/png;base64,... URL.

        Returns:
            JSON: verdict (one of: "a real MNIST digit", "made by this GAN", "neither / can't tell"), why (one sentence), digit (0-9, the digit read), digit_confidence (0-1), is_digit (false: not a digit, so no digit and no origin mean anything), exact_28x28 (whether the pixels arrived exactly as made), p_real (0-1, the verdict model's calibrated probability of a real MNIST digit rather than this GAN's; near 0.5 for resized images), faint_grey_pixels (the generator's fingerprint: dozens on its digits), p_real_gan_d (the GAN's own discriminator, near chance by design)
        """
        if not image:
            raise InputError("Give the image of one digit to score.")
        return agent_scores(studio.judge(image, fit=False).score)

    @refuse
    def project_digit(image: str) -> str:
        """Find the generator's closest version of your handwritten digit (a projection into its latent space: 60 optimisation steps, well under a second), so that generate_digit can restyle it: pass the recipe's z (and digit) to generate_digit with the slider parameters (thickness, slant, ...) or a truncation.

        Args:
            image: an image of one handwritten digit (PNG or JPEG, at most 10 MB): an http(s) URL, or a data:image/png;base64,... URL. Images that are not a digit are refused.

        Returns:
            JSON: digit and z (generate_digit(digit=..., z=...) draws the reconstruction exactly), recipe (the same as the Space's recipe text), and how close the fit is: pixel_error (mean absolute difference, 0-1), perceptual_distance, the digit read in your image and in the reconstruction
        """
        if not image:
            raise InputError("Give the image of one digit to project.")
        p = studio.project(studio.load_upload(image))
        recipe = Recipe(digit=p.digit, z=p.code, sliders={}).to_query()
        return json.dumps({"digit": p.digit, "z": p.code, "recipe": recipe, **p.figures})

    with gr.Column(visible=False) as endpoints:  # no layout: the endpoints' components, named as the API docs show them
        def whole(value: int, label: str) -> gr.Number:  # a whole-number parameter: "integer" in the tool's schema
            return gr.Number(value, label=label, precision=0)

        generate_in = [whole(0, "digit"), whole(0, "seed"), gr.Number(1.0, label="truncation"),
                       *[gr.Number(0.0, label=name) for name in SLIDER_NAMES], gr.Textbox("", label="z")]
        grid_in = [whole(0, "first seed"), whole(4, "rows"), whole(8, "cols"), whole(-1, "digit"), gr.Number(1.0, label="truncation")]
        upload = gr.File(label="image")
        digit_png, grid_png = gr.Image(format="png", label="digit"), gr.Image(format="png", label="grid")
        scores, fit = gr.Textbox(label="scores (JSON)"), gr.Textbox(label="projection (JSON)")
        # One output each: Gradio 6.31's MCP server hands a queued tool's outputs back as one text (the
        # str of their list) unless the client asked for progress, so a tool with two outputs shows an
        # agent neither. Raw values reach the Studio, which refuses a bad one in one sentence (as
        # /generate does). The lanes are the UI's: a digit renders beside /generate, the rest queue
        # one at a time with the uploads.
        gr.Button(visible=False).click(generate_digit, generate_in, digit_png, api_name="generate_digit",
                                       concurrency_id="render", preprocess=False)
        gr.Button(visible=False).click(generate_grid, grid_in, grid_png, api_name="generate_grid",
                                       concurrency_id="heavy", concurrency_limit=1, preprocess=False)
        gr.Button(visible=False).click(score_digit, upload, scores, api_name="score_digit", concurrency_id="heavy", concurrency_limit=1)
        gr.Button(visible=False).click(project_digit, upload, fit, api_name="project_digit", concurrency_id="heavy", concurrency_limit=1)
    hide(endpoints)  # never shown: their code is never loaded in the page either


def serve_only_agent_tools(demo: gr.Blocks) -> list[str]:
    """Narrow the app's MCP server to AGENT_TOOLS and return its tool names. Gradio 6.31 has no
    per-endpoint MCP switch that keeps an endpoint public: at launch it maps every public
    endpoint to a tool (GradioMCPServer.tool_to_endpoint, which listing and calling a tool both
    read). `only_agent_tools_lifespan` runs this as the server starts; tests/test_mcp.py pins
    the resulting list."""
    server = demo.mcp_server_obj
    if server is None:  # the mcp package is missing: Gradio has printed why and serves no MCP
        return []
    server.tool_to_endpoint = {tool: endpoint for tool, endpoint in server.tool_to_endpoint.items()
                               if endpoint.lstrip("/") in AGENT_TOOLS}
    return list(server.tool_to_endpoint)


def only_agent_tools_lifespan(demo: gr.Blocks) -> Callable[[object], AbstractAsyncContextManager[None]]:
    """For demo.launch(app_kwargs={"lifespan": ...}): Gradio enters it once the MCP server exists
    and before the first request, so no client ever sees the UI's endpoints as tools."""
    @asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        serve_only_agent_tools(demo)
        yield
    return lifespan
