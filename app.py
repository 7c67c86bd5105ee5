"""MNIST GAN Studio: the Gradio Space. Only wiring lives here; the behaviour is in gan/.

    python app.py            # serves http://127.0.0.1:7860 with the committed weights
    GAN_WEIGHTS=user/repo python app.py   # other weights, from a folder or the Hub
"""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile

import numpy as np
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

from gan.studio import MAX_FRAMES, SLIDER_RANGE, InputError, Recipe, Studio, WeightsError  # noqa: E402
from gan.viz import save_gif  # noqa: E402
from gan import ui  # noqa: E402

ui.write_gradio_images_once()

try:
    studio = Studio()
except WeightsError as e:  # missing, truncated or tampered weights: say which file, not a traceback
    raise SystemExit(f"error: {e}") from None
NAMED = ["thickness", "slant", "width", "height"]
PRINCIPAL = ["pc1", "pc2", "pc3", "pc4"]
assert studio.slider_names == NAMED + PRINCIPAL, studio.slider_names
# Gradio draws images with object-fit: scale-down, which never enlarges a 28x28 PNG: fill the
# box instead, with crisp nearest-neighbour pixels.
CSS = """.pixels img { object-fit: contain !important; width: 100%; height: 100%; image-rendering: pixelated; }
.pixels { min-width: 0; }
.crisp img { image-rendering: pixelated; }"""


def refuse(fn):
    """Turn InputError into gr.Error: a clear message in the UI and the API; the app keeps serving."""
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as e:
            raise gr.Error(str(e), print_exception=False) from None
    wrapped.__name__, wrapped.__doc__, wrapped.__wrapped__ = fn.__name__, fn.__doc__, fn
    return wrapped


# --------------------------------------------------------------------------- endpoints
# Named parameters (and their defaults) are the API: client.predict(digit=3, seed=42, api_name="/generate").


@refuse
def generate(digit=0, seed=0, truncation=1.0, thickness=0.0, slant=0.0, width=0.0, height=0.0,
             pc1=0.0, pc2=0.0, pc3=0.0, pc4=0.0):
    """One digit from (digit, seed, truncation, slider values): 28x28 PNG and its recipe."""
    r = studio.recipe(digit, seed, truncation, thickness=thickness, slant=slant, width=width, height=height,
                      pc1=pc1, pc2=pc2, pc3=pc3, pc4=pc4)
    return studio.generate(r), r.to_query()


@refuse
def grid(first_seed=0, rows=4, cols=8, digit=None, truncation=1.0):
    """A grid of consecutive seeds; digit None (or -1) puts digits 0..rows-1 on the rows."""
    image, seeds, digits = studio.seed_grid(first_seed, rows, cols, None if digit in (None, "", -1) else digit, truncation)
    return image, {"seeds": seeds, "digits": digits, "cols": int(cols)}


@refuse
def interpolate(seed_a=0, seed_b=1, digit_a=0, digit_b=0, frames=16, truncation=1.0):
    """An animated GIF walking from (seed_a, digit_a) to (seed_b, digit_b), and its frames."""
    images = studio.interpolate(seed_a, seed_b, digit_a, digit_b, frames, truncation)
    path = tempfile.NamedTemporaryFile(suffix=".gif", delete=False).name
    save_gif(list(images) + list(images[-2:0:-1]), path, ms_per_frame=80, scale=4)  # there and back: a seamless loop
    return path, images


@refuse
def score(image):
    """Score one image file with the discriminator and the classifier."""
    digit = studio.load_upload(image)
    result = studio.score(digit[None])[0]
    return digit, ui.verdict_markdown(result), ui.histogram_frame(studio.score_histogram, result["p_real"]), result


@refuse
def score_files(files):
    """Several uploads at once: what D sees for each, a table of scores, and the full verdict
    (seen image, text, histogram) of the first usable one."""
    if not files:
        raise InputError("Upload at least one image.")
    if len(files) > 32:
        raise InputError(f"At most 32 images at once; got {len(files)}.")
    digits, rows, first = [], [], None
    for path in files:
        name = os.path.basename(path)
        try:
            d = studio.load_upload(path)
        except InputError as e:
            rows.append([name, None, None, None, str(e)])
            continue
        s = studio.score(d[None])[0]
        digits.append((d, name))
        rows.append([name, s["p_real"], s["digit"], s["digit_confidence"], ""])
        first = first or (d, ui.verdict_markdown(s), ui.histogram_frame(studio.score_histogram, s["p_real"]))
    return digits, rows, *(first or (None, "No usable image: see the table.", None))


@refuse
def score_drawing(editor_value):
    """Score a Sketchpad drawing (dark strokes on white, handled like any upload)."""
    composite = (editor_value or {}).get("composite")
    if composite is None or np.asarray(composite).size == 0:
        raise InputError("Draw a digit first.")
    digit = studio.load_upload(ui.png_bytes(np.asarray(composite)))
    result = studio.score(digit[None])[0]
    return digit, ui.verdict_markdown(result), ui.histogram_frame(studio.score_histogram, result["p_real"])


def apply_recipe(text):
    """Pasted recipe -> control values (each control's change then regenerates)."""
    try:
        r = Recipe.from_query(text or "", studio.slider_names)
    except InputError as e:
        raise gr.Error(str(e), print_exception=False) from None
    return [r.digit, r.seed, r.truncation, *[r.sliders[k] for k in studio.slider_names]]


def from_url(request: gr.Request):
    """Open the page with ?digit=3&seed=42&... to land on that recipe."""
    query = "&".join(f"{k}={v}" for k, v in request.query_params.items()) if request else ""
    if not query:
        return [gr.update()] * (3 + len(studio.slider_names))
    try:
        return apply_recipe(query)
    except gr.Error:
        return [gr.update()] * (3 + len(studio.slider_names))


def pick_cell(meta, evt: gr.SelectData):
    """Clicking a grid cell loads its seed and digit into the controls."""
    x, y = evt.index
    col, row = min(int(x) // 30, meta["cols"] - 1), int(y) // 30  # 28 px cells + 2 px padding
    i = min(row * meta["cols"] + col, len(meta["seeds"]) - 1)
    return meta["digits"][i], meta["seeds"][i]


def new_round(state):
    """Real-or-fake game: a new digit (the answer stays on the server, in session state)."""
    rng = np.random.default_rng()
    image, is_real = studio.game_round(rng)
    state = {**state, "image": image, "is_real": is_real, "answered": False}
    return image, "Real MNIST digit or generated? Make your guess.", ui.score_markdown(state), state


def guess(state, said_real: bool):
    if state.get("image") is None or state.get("answered"):
        return "Press **New digit** first.", ui.score_markdown(state), state
    verdict = studio.score(state["image"][None])[0]
    right = said_real == state["is_real"]
    state = {**state, "answered": True, "played": state["played"] + 1, "right": state["right"] + right,
             "d_right": state["d_right"] + ((verdict["p_real"] >= 0.5) == state["is_real"])}
    return ui.game_reveal(right, state["is_real"], verdict), ui.score_markdown(state), state


# --------------------------------------------------------------------------- layout

with gr.Blocks(title="MNIST GAN Studio", delete_cache=(600, 3600)) as demo:
    gr.Markdown("# MNIST GAN Studio\nA class-conditional GAN trained on MNIST. Pick a digit and a seed, steer it "
                "with latent sliders, or test the discriminator on your own handwriting.")
    with gr.Tab("Generate"):
        with gr.Row():
            with gr.Column(scale=2):
                digit = gr.Radio(list(range(10)), value=3, label="digit", elem_id="digit")
                with gr.Row():
                    seed = gr.Number(value=42, precision=0, label="seed", elem_id="seed", scale=3)
                    dice = gr.Button("🎲 random seed", scale=1, elem_id="dice")
                truncation = gr.Slider(0.0, 1.5, value=1.0, step=0.05, label="truncation ψ",
                                       info="below 1: more typical digits; above 1: more unusual ones")
                with gr.Accordion("Latent sliders", open=True):
                    gr.Markdown("Named directions were fitted to measured stroke thickness, slant, width and height "
                                "(InterFaceGAN); pc1-pc4 are the generator's principal directions (GANSpace).")
                    sliders = [gr.Slider(-SLIDER_RANGE, SLIDER_RANGE, value=0.0, step=0.1, label=name, elem_id=f"slider-{name}")
                               for name in NAMED + PRINCIPAL]
                    reset = gr.Button("Reset all sliders", size="sm")
            with gr.Column(scale=2):
                output = gr.Image(label="generated digit (28x28 PNG)", format="png", height=336, elem_classes="pixels",
                                  elem_id="output", interactive=False, buttons=["download"])
                recipe = gr.Textbox(label="recipe: paste it below or add it to the page URL (?digit=...) to get this exact image",
                                    buttons=["copy"], interactive=False, elem_id="recipe")
                with gr.Row():
                    pasted = gr.Textbox(placeholder="digit=3&seed=42&psi=1", show_label=False, scale=3, elem_id="paste")
                    load_recipe = gr.Button("Load recipe", scale=1)
        with gr.Accordion("Seed grid: click a cell to load its seed", open=False):
            with gr.Row():
                grid_first = gr.Number(value=0, precision=0, label="first seed")
                grid_rows = gr.Slider(1, 10, value=4, step=1, label="rows")
                grid_cols = gr.Slider(1, 16, value=8, step=1, label="columns")
                grid_digit = gr.Dropdown([("rows = digits 0, 1, 2...", -1)] + [(str(d), d) for d in range(10)], value=-1, label="digit")
                grid_btn = gr.Button("Show grid")
            grid_image = gr.Image(format="png", elem_classes="pixels", interactive=False, show_label=False, elem_id="grid", height=360)
            grid_meta = gr.State({"seeds": [], "digits": [], "cols": 1})
        with gr.Accordion("Interpolation between two seeds (and digits)", open=False):
            with gr.Row():
                seed_a = gr.Number(value=1, precision=0, label="seed A")
                digit_a = gr.Dropdown(list(range(10)), value=3, label="digit A")
                seed_b = gr.Number(value=2, precision=0, label="seed B")
                digit_b = gr.Dropdown(list(range(10)), value=8, label="digit B")
                n_frames = gr.Slider(2, MAX_FRAMES, value=16, step=1, label="frames")
                interp_btn = gr.Button("Interpolate")
            with gr.Row():
                gif = gr.Image(label="animation", elem_classes="pixels", interactive=False, height=224, type="filepath")
                with gr.Column():
                    frame = gr.Image(label="frame", format="png", elem_classes="pixels", interactive=False, height=224)
                    scrub = gr.Slider(0, MAX_FRAMES - 1, value=0, step=1, label="scrub")
            frames_state = gr.State(None)

    with gr.Tab("Discriminator"):
        gr.Markdown("Give the discriminator your own digit: it says how likely the image is a real MNIST digit "
                    "(calibrated), and the reference classifier says which digit it reads.")
        with gr.Row():
            with gr.Column():
                with gr.Tab("Upload"):
                    uploads = gr.File(file_count="multiple", file_types=["image"], label="images (PNG, JPEG, WebP, GIF, BMP)", elem_id="uploads")
                with gr.Tab("Draw"):
                    sketch = gr.Sketchpad(image_mode="L", canvas_size=(280, 280), type="numpy", label="draw a digit", elem_id="sketch")
                    sketch_btn = gr.Button("Score drawing", variant="primary")
                with gr.Tab("Examples"):
                    example_file = gr.File(label="example", elem_id="example_file")
                    gr.Examples(ui.example_files(studio), inputs=example_file, label="real, generated, and not a digit")
            with gr.Column():
                seen = gr.Image(label="what the discriminator sees (28x28)", format="png", elem_classes="pixels", height=224, interactive=False, elem_id="seen")
                verdict = gr.Markdown(elem_id="verdict")
                hist = gr.LinePlot(x="p_real", y="share", color="set", label="calibrated D scores: real test digits (blue) vs generated digits (orange); red: yours",
                                   color_map={"real MNIST test digits": "#1f77b4", "generated digits": "#ff7f0e", "your image": "#d62728"},
                                   x_lim=[0, 1], height=280)
                score_json = gr.JSON(label="scores", visible=False)
                gallery = gr.Gallery(label="every upload, as the discriminator sees it", columns=8, height=200, object_fit="contain", elem_classes="crisp")
                table = gr.Dataframe(headers=["file", "p_real", "digit", "confidence", "problem"], label="scores", interactive=False, elem_id="table")

    with gr.Tab("Real or fake?"):
        game_state = gr.State({"image": None, "is_real": None, "answered": True, "played": 0, "right": 0, "d_right": 0})
        with gr.Row():
            game_image = gr.Image(format="png", elem_classes="pixels", height=280, interactive=False, show_label=False)
            with gr.Column():
                game_text = gr.Markdown()
                with gr.Row():
                    real_btn = gr.Button("Real", variant="primary")
                    fake_btn = gr.Button("Fake")
                new_btn = gr.Button("New digit")
                game_score = gr.Markdown()

    with gr.Tab("Model"):
        gr.Markdown(ui.model_markdown(studio))
        with gr.Row():
            gr.Image(str(studio.folder / "training_curves.png"), label="training curves", interactive=False)
            gr.Image(str(studio.folder / "progress.gif"), label="training progress (fixed seeds, rows = digits)", interactive=False, elem_classes="pixels")

    # ----------------------------------------------------------------------- events
    controls = [digit, seed, truncation, *sliders]
    # Two lanes: /generate (about 1 ms of work) runs two at a time and never waits behind
    # grids, interpolations and uploads, which share a second lane of one at a time.
    # One handler for every control; "always_last" drops stale frames while a drag is in flight.
    gr.on([c.change for c in controls] + [s.release for s in sliders], generate, controls, [output, recipe],
          api_name="generate", trigger_mode="always_last", concurrency_id="render", show_progress="hidden",
          preprocess=False)  # raw values reach gan.studio, which clamps or refuses them with a clear message
    dice.click(None, None, seed, js="() => Math.floor(Math.random() * 4294967296)")
    reset.click(lambda: [0.0] * len(sliders), None, sliders, api_visibility="private")
    load_recipe.click(apply_recipe, pasted, controls, api_visibility="private")
    demo.load(from_url, None, controls, api_visibility="private").then(
        generate, controls, [output, recipe], api_visibility="private", preprocess=False)

    grid_btn.click(grid, [grid_first, grid_rows, grid_cols, grid_digit, truncation], [grid_image, grid_meta], api_name="grid",
                   concurrency_id="heavy", concurrency_limit=1, preprocess=False)
    grid_image.select(pick_cell, grid_meta, [digit, seed], api_visibility="private")
    interp_btn.click(interpolate, [seed_a, seed_b, digit_a, digit_b, n_frames, truncation], [gif, frames_state],
                     api_name="interpolate", concurrency_id="heavy", concurrency_limit=1, preprocess=False)
    gr.on([frames_state.change, scrub.change], lambda f, i: None if f is None else f[min(int(i), len(f) - 1)],
          [frames_state, scrub], frame, api_visibility="private", trigger_mode="always_last", show_progress="hidden")

    example_file.change(lambda f: score(f)[:3] if f else (None, "", None), example_file, [seen, verdict, hist], api_visibility="private")
    uploads.upload(score_files, uploads, [gallery, table, seen, verdict, hist], api_name="score_files", concurrency_id="heavy", concurrency_limit=1)
    sketch_btn.click(score_drawing, sketch, [seen, verdict, hist], api_name="score_drawing", concurrency_id="heavy", concurrency_limit=1)
    # The API's single-image scorer: client.predict(image=handle_file("digit.png"), api_name="/score").
    score_input = gr.File(visible=False)
    gr.Button(visible=False).click(score, score_input, [seen, verdict, hist, score_json], api_name="score", concurrency_id="heavy", concurrency_limit=1)

    new_btn.click(new_round, game_state, [game_image, game_text, game_score, game_state], api_visibility="private")
    real_btn.click(lambda s: guess(s, True), game_state, [game_text, game_score, game_state], api_visibility="private")
    fake_btn.click(lambda s: guess(s, False), game_state, [game_text, game_score, game_state], api_visibility="private")
    demo.load(new_round, game_state, [game_image, game_text, game_score, game_state], api_visibility="private")

demo.queue(default_concurrency_limit=2, max_size=256)

MAX_FILE_SIZE = "10mb"  # uploads above this are refused by the server (413) before any decoding


def launch(**kwargs):
    """Serve the app; tests and benchmarks pass server_port and prevent_thread_lock."""
    # Every visitor and every session-less API call is a session (~160 KB of server state);
    # 1,000 caps that at ~160 MB instead of Gradio's 10,000 (1.6 GB), dropping the oldest first.
    return demo.launch(css=CSS, max_file_size=MAX_FILE_SIZE, enable_monitoring=False, state_session_capacity=1000, **kwargs)


if __name__ == "__main__":
    # Gradio wraps every API call in a block that imports matplotlib to pin its backend
    # (gradio/route_utils.py). The Space does not install matplotlib, but a dev install does
    # (for gan.evaluate's plots), and there the import costs ~10 MB of peak memory (gan.bench)
    # and time on the first request. This app never plots: in its own process, matplotlib is
    # absent, as on the Space. (Not on import: the tests import this module beside code that plots.)
    sys.modules.setdefault("matplotlib", None)
    launch()
