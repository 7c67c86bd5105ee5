"""Generate tab: a digit from (digit, seed, truncation, latent sliders), its recipe, a seed
grid and an interpolation between two seeds, and your own digit to steer (tabs/steer.py).
API: /generate, /grid, /interpolate (and /project, /morph)."""

from __future__ import annotations

import tempfile

import gradio as gr

from gan.studio import MAX_FRAMES, SLIDER_RANGE, InputError, Recipe, Studio
from gan.viz import save_gif

from . import refuse, steer


SLIDERS = ["thickness", "slant", "width", "height", "pc1", "pc2", "pc3", "pc4"]  # /generate's named parameters


def build(studio: Studio) -> gr.Blocks:
    assert studio.slider_names == SLIDERS, studio.slider_names
    # Named parameters (and their defaults) are the API: client.predict(digit=3, seed=42, api_name="/generate").
    @refuse
    def generate(digit=0, seed=0, truncation=1.0, thickness=0.0, slant=0.0, width=0.0, height=0.0,
                 pc1=0.0, pc2=0.0, pc3=0.0, pc4=0.0, z=""):
        """One digit from (digit, seed, truncation, slider values): 28x28 PNG and its recipe.
        z, a projected digit's latent (from /project's recipe), replaces the seed's."""
        r = studio.recipe(digit, seed, truncation, z=z, thickness=thickness, slant=slant, width=width, height=height,
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
    def apply_recipe(text):
        """Pasted recipe -> control values (each control's change then regenerates)."""
        r = Recipe.from_query(text or "", studio.slider_names)
        return [r.digit, r.seed, r.truncation, *[r.sliders[k] for k in studio.slider_names], r.z]

    def from_url(request: gr.Request):
        """Open the page with ?digit=3&seed=42&... to land on that recipe."""
        query = "&".join(f"{k}={v}" for k, v in request.query_params.items()) if request else ""
        try:
            return apply_recipe.__wrapped__(query) if query else [gr.update()] * (4 + len(studio.slider_names))
        except InputError:
            return [gr.update()] * (4 + len(studio.slider_names))

    def pick_cell(meta, evt: gr.SelectData):
        """Clicking a grid cell loads its seed and digit into the controls."""
        x, y = evt.index
        col, row = min(int(x) // 30, meta["cols"] - 1), int(y) // 30  # 28 px cells + 2 px padding
        i = min(row * meta["cols"] + col, len(meta["seeds"]) - 1)
        return meta["digits"][i], meta["seeds"][i], ""  # a seed again, not a projected digit

    with gr.Blocks() as tab:
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
                               for name in studio.slider_names]
                    reset = gr.Button("Reset all sliders", size="sm")
                latent = gr.Textbox("", visible=False, elem_id="latent")  # a projected digit's z (tabs/steer.py); '' = the seed's
            with gr.Column(scale=2):
                output = gr.Image(label="generated digit (28x28 PNG)", format="png", height=336, elem_classes="pixels",
                                  elem_id="output", interactive=False, buttons=["download"])
                recipe = gr.Textbox(label="recipe: paste it below or add it to the page URL (?digit=...) to get this exact image",
                                    buttons=["copy"], interactive=False, elem_id="recipe")
                with gr.Row():
                    pasted = gr.Textbox(placeholder="digit=3&seed=42&psi=1", show_label=False, scale=3, elem_id="paste")
                    load_recipe = gr.Button("Load recipe", scale=1)
        panel = steer.build(studio, [digit, seed, truncation, *sliders, latent])
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

        controls = [digit, seed, truncation, *sliders, latent]
        # Two lanes: /generate (about 1 ms of work) runs two at a time and never waits behind
        # grids, interpolations and uploads, which share a second lane of one at a time.
        # One handler for every control; "always_last" drops stale frames while a drag is in flight.
        gr.on([c.change for c in controls] + [s.release for s in sliders], generate, controls, [output, recipe],
              api_name="generate", trigger_mode="always_last", concurrency_id="render", show_progress="hidden",
              preprocess=False)  # raw values reach gan.studio, which clamps or refuses them with a clear message
        dice.click(None, None, seed, js="() => Math.floor(Math.random() * 4294967296)")
        gr.on([dice.click, seed.input], None, None, latent, js="() => ''")  # a new seed leaves a projected digit
        reset.click(lambda: [0.0] * len(sliders), None, sliders, api_visibility="private")
        load_recipe.click(apply_recipe, pasted, controls, api_visibility="private")
        tab.load(from_url, None, controls, api_visibility="private").then(
            generate, controls, [output, recipe], api_visibility="private", preprocess=False)

        grid_btn.click(grid, [grid_first, grid_rows, grid_cols, grid_digit, truncation], [grid_image, grid_meta], api_name="grid",
                       concurrency_id="heavy", concurrency_limit=1, preprocess=False)
        grid_image.select(pick_cell, grid_meta, [digit, seed, latent], api_visibility="private")
        interp_btn.click(interpolate, [seed_a, seed_b, digit_a, digit_b, n_frames, truncation], [gif, frames_state],
                         api_name="interpolate", concurrency_id="heavy", concurrency_limit=1, preprocess=False)
        gr.on([frames_state.change, scrub.change], lambda f, i: None if f is None else f[min(int(i), len(f) - 1)],
              [frames_state, scrub], frame, api_visibility="private", trigger_mode="always_last", show_progress="hidden")
    tab.controls = controls  # for other tabs that load a digit into these controls
    tab.steer = panel  # for the Discriminator tab's "Steer this digit" buttons (steer.connect)
    return tab
