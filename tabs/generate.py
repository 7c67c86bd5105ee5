"""Generate tab: a digit from (digit, seed, truncation, latent sliders), its recipe, a seed
grid and an interpolation between two seeds, and your own digit to steer (tabs/steer.py).
API: /generate, /grid, /interpolate (and /project, /morph)."""

from __future__ import annotations

import tempfile
import urllib.parse
from pathlib import Path

import gradio as gr

from gan.space import ui
from gan.core.directions import SLIDER_NAMES
from gan.core.errors import InputError
from gan.core.viz import save_gif
from gan.core.sampling import MAX_SEED
from gan.space.studio import MAX_FRAMES, MAX_GRID_CELLS, SLIDER_RANGE, TRUNCATION_RANGE, Recipe, Studio

from . import refuse, steer

SLIDERS = list(SLIDER_NAMES)  # /generate's named parameters
FIRST = {"digit": 3, "seed": 42}  # the digit a visitor meets first
STEERING = "Now showing your own digit (its fitted latent), not this seed: type a seed or roll the dice to go back."
GRID_SIDE = 10  # the seed grid's rows and columns: at most 10 x 10 = MAX_GRID_CELLS
# Every control change is drawn in the page (web/page.js), or else rendered by the server. A seed
# box reading None is "-" typed on the way to a number: wait for the number (no error badge); a
# value outside its control's range waits for the control to be put back in range (CLAMP below).
OUT_OF_RANGE = (f"v[1] < 0 || v[1] > {MAX_SEED} || v[2] < {TRUNCATION_RANGE[0]} || v[2] > {TRUNCATION_RANGE[1]}"
                f" || v.slice(3, -1).some((x) => Math.abs(x) > {SLIDER_RANGE})")
ASK_PAGE_OR_SERVER = (f"(...v) => (v[1] === null || v[1] === '' || {OUT_OF_RANGE}) ? undefined : window.ganWeb ? window.ganWeb.show(v)"
                      " : document.getElementById('server-render').click()")  # v: the controls, then the projected latent


def clamp_js(lo: float, hi: float, whole: bool = False) -> str:
    """A browser-only event's function: a control's typed value put back into its range (a slider's
    number box takes 9 where the slider ends at 3; a seed box takes 11 digits), so the box shows
    what the picture uses; a box left empty or at "-" waits for the number."""
    value = "Math.round(v)" if whole else "v"
    return f"(v) => (v === null || v === '' || Number.isNaN(Number(v))) ? v : Math.min(Math.max({value}, {lo}), {hi})"
WEB = Path(__file__).resolve().parent.parent / "web"
# The first screen's words, in the controls' own labels and info lines: no gr.Markdown on the first
# screen, whose code (7 files, 30 KB) and rendering would come before the first digit
# (docs/performance.md, "First screen").
ABOUT = ("A class-conditional GAN trained on MNIST draws it. Steer it with the seed and the sliders, draw your own below, "
         "or ask the Discriminator tab whether a digit is real or generated.")
STYLE_SLIDERS = "Style sliders: each moves the digit in one direction through the 64 numbers the generator draws from"
SLIDER_INFO = {"thickness": "thickness, slant, width, height: directions fitted to those measured properties of generated "
                            "digits (InterFaceGAN)",
               "pc1": "principal directions 1-4: the four directions in which generated digits vary most, whatever they "
                      "turn out to change (GANSpace's pc1-pc4)"}  # the in-page generator (web/page.js, gan.js, kernel.wasm)


def in_page_renderer(studio: Studio, control_ids: list[str]) -> str:
    """The page-load script (app.py hands it to launch(js=...)) that loads web/page.js, which
    renders slider, digit and seed changes in the page (README: "In the browser"). A script of the
    page, not a gr.HTML's js_on_load: the HTML component's code (6 files, 39 KB) is not loaded.
    The app serves its own files: web/ and the weights' web/ export only."""
    weights = studio.folder / "web"
    gr.set_static_paths([WEB, weights])
    url = lambda path: f"gradio_api/file={path.as_posix()}"  # relative: works under a Space's root path too
    start = (f"{{weightsUrl: new URL('{url(weights)}', location.href).href, kernelUrl: new URL('{url(WEB / 'kernel.wasm')}', "
             f"location.href).href, controlIds: {control_ids!r}}}")
    load = f"import(new URL('{url(WEB / 'page.js')}', location.href).href).then((m) => m.start({start}))"
    return "() => {" + AFTER_FIRST_DIGIT.replace("LOAD", load) + "}"


def first_digit_file(studio: Studio, recipe: Recipe) -> str:
    """The first digit as a PNG the app serves itself, from a folder of this process's own: a file
    in Gradio's shared cache folder is named by its content, so another app on the machine (or a
    test's server) that draws the same digit deletes it with its cache, and the page got a 403."""
    folder = Path(tempfile.mkdtemp(prefix="gan-first-digit-"))
    path = folder / f"{recipe.to_query().replace('&', '_')}.png"
    path.write_bytes(ui.png_bytes(studio.generate(recipe)))
    gr.set_static_paths([folder])
    return str(path)


# The page's generator (1.2 MB of weights) loads once the first digit is on screen, so that it does
# not compete with the first screen for the network and the main thread (docs/performance.md:
# "First screen"); a page whose digit never shows starts it after 5 s all the same.
AFTER_FIRST_DIGIT = """const started = performance.now();
const wait = () => { const img = document.querySelector('#output img');
  if ((img && img.complete && img.naturalWidth > 0) || performance.now() - started > 5000) LOAD;
  else requestAnimationFrame(wait); };
requestAnimationFrame(wait);"""


# Phone (narrow screens): the digit stays pinned above the sliders while you drag them. The output
# column dissolves (display: contents) so the image is a flex item of the whole row: sticky for the
# row's full height, ordered first; the recipe boxes follow the sliders.
# (Top level, as Gradio scopes rules inside @media to within the container: "overflow: hidden"
# there would make the container, which never scrolls, the sticky image's scroller.)
# The seed grid fits the screen's width whatever its columns (Gradio gives each at least 100 px: 2.7
# of 8 on a phone). A message (toast) shows at the foot of a phone's screen, not over the pinned digit
# (PHONE_TOASTS: a rule of the page's own, as Gradio confines the app's @media rules to its layout,
# where the messages are not).
# Desktop: the digit's column stays in view (sticky) while the sliders below the fold move. The grid's
# box is as tall as its rows: Gradio's height="auto" is a box of 450 px to 55% of the screen, with a
# scroll bar inside, that cut a 4-row grid on a desktop and left half a phone's box empty.
CSS = """#dice { white-space: nowrap; }
@media (min-width: 641px) { #gen-out { position: sticky; top: 8px; align-self: flex-start; } }
#grid .grid-wrap { min-height: 0 !important; max-height: none !important; height: auto !important; }
.gradio-container { overflow: clip !important; }
#grid .grid-container { grid-template-columns: repeat(var(--grid-cols), minmax(0, 1fr)) !important;
  grid-template-rows: none !important; grid-auto-rows: auto !important; gap: 4px !important; }
@media (max-width: 640px) {
  #gen-row { flex-direction: column; }
  #gen-out { display: contents; }
  #output { order: -1; position: sticky; top: 0; z-index: 100; }  /* above the labels (z-index 40) */
  #output, #output .image-container { height: 200px !important; }
  #gen-out > :not(#output) { order: 1; }
  #grid .grid-container { gap: 2px !important; }
}"""


PHONE_TOASTS = "<style>@media (max-width: 640px) { .toast-wrap { top: auto !important; bottom: 12px; } }</style>"


def build(studio: Studio) -> gr.Blocks:
    assert studio.slider_names == SLIDERS, studio.slider_names
    assert GRID_SIDE * GRID_SIDE <= MAX_GRID_CELLS
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
    def grid_cells(first_seed=0, rows=4, cols=8, digit=None, truncation=1.0):
        """The page's seed grid: one gallery item per cell, so a click names its cell exactly (a single
        grid image cannot: Gradio maps a click as if the picture were never enlarged). No captions:
        a caption is laid over the cell's lower part, on the digit; the line above the grid says
        what rows and columns are, and a click shows the cell's recipe."""
        cells, seeds, digits = studio.seed_cells(first_seed, rows, cols, None if digit in (None, "", -1) else digit, truncation)
        return gr.Gallery(list(cells), columns=int(cols)), {"seeds": seeds, "digits": digits}

    @refuse
    def interpolate(seed_a=0, seed_b=1, digit_a=0, digit_b=0, frames=16, truncation=1.0):
        """An animated GIF walking from (seed_a, digit_a) to (seed_b, digit_b), and its frames."""
        images = studio.interpolate(seed_a, seed_b, digit_a, digit_b, frames, truncation)
        path = tempfile.NamedTemporaryFile(suffix=".gif", delete=False).name
        save_gif(list(images) + list(images[-2:0:-1]), path, ms_per_frame=80, scale=4)  # there and back: a seamless loop
        return path, images

    def apply_recipe(text):
        """Pasted recipe -> control values (each control's change then regenerates). A bad recipe
        never raises: an error would badge every control it outputs to and lock them until each
        badge is closed; instead the controls keep their values and a message (a warning, no badge)
        says what is wrong, once. An empty box changes nothing (it is not digit 0, seed 0)."""
        keep = [gr.update()] * (4 + len(studio.slider_names))
        if not (text or "").strip():
            gr.Warning("Paste a recipe first, such as digit=3&seed=42&psi=1 (the box above shows this digit's).")
            return keep
        try:
            r = Recipe.from_query(text, studio.slider_names)
        except InputError as e:
            gr.Warning(str(e))
            return keep
        return [r.digit, r.seed, r.truncation, *[r.sliders[k] for k in studio.slider_names], r.z]

    def from_url(request: gr.Request):
        """Open the page with ?digit=3&seed=42&... to land on that recipe."""
        query = "&".join(f"{k}={v}" for k, v in request.query_params.items()) if request else ""
        return apply_recipe(query) if query else [gr.update()] * (4 + len(studio.slider_names))

    def pick_cell(meta, evt: gr.SelectData):
        """Clicking a grid cell (a gallery item: evt.index is its position) loads the cell's recipe: its
        seed and digit, a seed's latent (not a projected digit's), and the style sliders at 0 as the
        grid draws them, so the digit shown is the cell's, pixel for pixel (truncation is shared)."""
        return meta["digits"][evt.index], meta["seeds"][evt.index], "", *[0.0] * len(SLIDERS)

    first = Recipe(digit=FIRST["digit"], seed=FIRST["seed"], truncation=1.0, sliders={})  # the page's first digit
    with gr.Blocks() as tab:
        with gr.Row(elem_id="gen-row"):
            with gr.Column(scale=2):
                digit = gr.Radio(list(range(10)), value=first.digit, label="digit to draw", elem_id="digit", info=ABOUT)
                with gr.Row():
                    seed = gr.Number(value=first.seed, precision=0, minimum=0, maximum=MAX_SEED, elem_id="seed", scale=3,
                                     label=f"seed: each number 0-{MAX_SEED:,} draws the digit in its own handwriting")
                    dice = gr.Button("🎲 random seed", scale=1, elem_id="dice")
                truncation = gr.Slider(*TRUNCATION_RANGE, value=1.0, step=0.05, label=ui.TRUNCATION_LABEL, elem_id="truncation",
                                       info="below 1: more typical digits; above 1: more unusual ones")
                with gr.Accordion(STYLE_SLIDERS, open=True):
                    sliders = [gr.Slider(-SLIDER_RANGE, SLIDER_RANGE, value=0.0, step=0.1, label=ui.slider_label(name),
                                         elem_id=f"slider-{name}", info=SLIDER_INFO.get(name)) for name in studio.slider_names]
                    reset = gr.Button("Reset all sliders", size="sm")
                latent = gr.Textbox("", visible=False, elem_id="latent")  # a projected digit's z (tabs/steer.py); '' = the seed's
            with gr.Column(scale=2, elem_id="gen-out"):
                # The first digit is in the page's config: on screen with the page, no request first.
                first_png = first_digit_file(studio, first)
                output = gr.Image(first_png, label="generated digit (28x28 PNG)", format="png", height=336,
                                  elem_classes="pixels", elem_id="output", interactive=False, buttons=["download"])
                recipe = gr.Textbox(first.to_query(), label="recipe: paste it below or add it to the page URL (?digit=...) to get this exact image",
                                    buttons=["copy"], interactive=False, elem_id="recipe")
                with gr.Row():
                    pasted = gr.Textbox(placeholder="paste a recipe, e.g. digit=3&seed=42&psi=1, and press Enter",
                                        show_label=False, scale=3, elem_id="paste")
                    load_recipe = gr.Button("Load recipe", scale=1)
        panel = steer.build(studio, [digit, seed, truncation, *sliders, latent])
        with gr.Accordion("Seed grid: many seeds side by side; click a cell to load its seed", open=False, elem_id="grid-panel"):
            with gr.Row():
                grid_first = gr.Number(value=0, precision=0, minimum=0, maximum=MAX_SEED - GRID_SIDE + 1, label="first seed",
                                       elem_id="grid-first")
                # At most GRID_SIDE x GRID_SIDE: every setting the sliders allow is a grid the server draws.
                grid_rows = gr.Slider(1, GRID_SIDE, value=4, step=1, label="rows", elem_id="grid-rows")
                grid_cols = gr.Slider(1, GRID_SIDE, value=8, step=1, label="columns", elem_id="grid-cols")
                grid_digit = gr.Dropdown([("rows = digits 0, 1, 2...", -1)] + [(str(d), d) for d in range(10)], value=-1, label="digit")
                grid_btn = gr.Button("Show grid", elem_id="grid-show")
            gr.Markdown("Each row is a digit (0, 1, 2... from the top, or the digit picked above), each column a seed, "
                        "counting up from the first seed.")
            grid_gallery = gr.Gallery(columns=8, allow_preview=False, object_fit="contain", show_label=False, elem_id="grid",
                                      elem_classes="crisp", format="png", buttons=[], height="auto")  # every row in view
            grid_meta = gr.State({"seeds": [], "digits": []})
            grid_image = gr.Image(format="png", visible=False)  # the /grid API's output: the whole grid as one picture
        with gr.Accordion("Interpolation: an animation from one seed (and digit) to another", open=False, elem_id="interp-panel"):
            with gr.Row():
                seed_a = gr.Number(value=1, precision=0, label="seed A")
                digit_a = gr.Dropdown(list(range(10)), value=3, label="digit A")
                seed_b = gr.Number(value=2, precision=0, label="seed B")
                digit_b = gr.Dropdown(list(range(10)), value=8, label="digit B")
                n_frames = gr.Slider(2, MAX_FRAMES, value=16, step=1, label="frames", elem_id="interp-frames")
                interp_btn = gr.Button("Interpolate", elem_id="interp-show")
            with gr.Row():
                gif = gr.Image(label="animation", elem_classes="pixels", interactive=False, height=224, type="filepath", elem_id="interp-gif")
                with gr.Column():
                    frame = gr.Image(label="frame", format="png", elem_classes="pixels", interactive=False, height=224)
                    scrub = gr.Slider(0, MAX_FRAMES - 1, value=0, step=1, label="scrub")
            frames_state = gr.State(None)

        controls = [digit, seed, truncation, *sliders, latent]
        page_js = in_page_renderer(studio, [c.elem_id for c in controls[:-1]])
        # In the page (web/page.js): every change is drawn there at once, with its recipe text, by a
        # browser-only event (no request, and none of Gradio's per-request work in the page). The
        # server renders at the end of a drag (release) and once other changes settle, for the
        # exact PNG behind the download button: page.js clicks the hidden server_render button.
        # Until the page's generator is ready, or where it cannot load, every change clicks it.
        server_render = gr.Button(visible="hidden", elem_id="server-render")
        gr.on([c.change for c in controls], None, controls, recipe, trigger_mode="multiple", show_progress="hidden",
              js=ASK_PAGE_OR_SERVER)
        # Two lanes: /generate (about 1 ms of work) runs two at a time and never waits behind
        # grids, interpolations and uploads, which share a second lane of one at a time.
        # One handler for every trigger; "always_last" drops stale frames while a drag is in flight.
        gr.on([server_render.click] + [s.release for s in [truncation, *sliders]], generate, controls, [output, recipe],
              api_name="generate", trigger_mode="always_last", concurrency_id="render", show_progress="hidden",
              preprocess=False)  # raw values reach gan.space.studio, which clamps or refuses them with a clear message
        dice.click(None, None, seed, js="() => Math.floor(Math.random() * 4294967296)")
        gr.on([dice.click, seed.input], None, None, latent, js="() => ''")  # a new seed leaves a projected digit
        # While a projected digit is on show, the seed box says its number is not what is drawn.
        latent.change(lambda z: gr.update(info=STEERING if z else ""), latent, seed, api_visibility="private",
                      queue=False, show_progress="hidden")
        # A typed value outside its control's range is put back in range, in the page (no request).
        seed.change(None, seed, seed, js=clamp_js(0, MAX_SEED, whole=True), show_progress="hidden")
        truncation.change(None, truncation, truncation, js=clamp_js(*TRUNCATION_RANGE), show_progress="hidden")
        for slider in sliders:
            slider.change(None, slider, slider, js=clamp_js(-SLIDER_RANGE, SLIDER_RANGE), show_progress="hidden")
        reset.click(lambda: [0.0] * len(sliders), None, sliders, api_visibility="private")
        gr.on([load_recipe.click, pasted.submit], apply_recipe, pasted, controls, api_visibility="private",
              show_progress="hidden")
        # A recipe in the page's URL loads into the controls; their change events then draw it. The
        # server is asked only when the URL has a query: a plain first visit sends no request for it.
        url_recipe = gr.Button(visible="hidden", elem_id="url-recipe")
        url_recipe.click(from_url, None, controls, api_visibility="private", show_progress="hidden")
        tab.load(None, js="() => { if (location.search.length > 1) document.getElementById('url-recipe').click(); }")

        grid_inputs = [grid_first, grid_rows, grid_cols, grid_digit, truncation]
        grid_btn.click(grid_cells, grid_inputs, [grid_gallery, grid_meta], api_visibility="private",
                       concurrency_id="heavy", concurrency_limit=1, preprocess=False)
        gr.Button(visible=False).click(grid, grid_inputs, [grid_image, grid_meta], api_name="grid",
                                       concurrency_id="heavy", concurrency_limit=1, preprocess=False)
        # A picked cell loads into the controls, and the page scrolls the digit (far above on a desktop) into view.
        grid_gallery.select(pick_cell, grid_meta, [digit, seed, latent, *sliders], api_visibility="private").then(None, js=steer.SHOW_DIGIT)
        interp_btn.click(interpolate, [seed_a, seed_b, digit_a, digit_b, n_frames, truncation], [gif, frames_state],
                         api_name="interpolate", concurrency_id="heavy", concurrency_limit=1, preprocess=False)
        gr.on([frames_state.change, scrub.change], lambda f, i: None if f is None else f[min(int(i), len(f) - 1)],
              [frames_state, scrub], frame, api_visibility="private", trigger_mode="always_last", show_progress="hidden")
        # The scrub slider spans exactly the frames there are.
        frames_state.change(lambda f: gr.update(maximum=max(len(f) - 1, 1) if f is not None else MAX_FRAMES - 1, value=0),
                            frames_state, scrub, api_visibility="private", show_progress="hidden")
    tab.controls = controls  # for other tabs that load a digit into these controls
    tab.page_js = page_js  # app.py's launch(js=...): the in-page generator's loader
    # app.py's launch(head=...): the browser fetches the first digit while Gradio's code still loads,
    # not once the picture is built (the same URL as the Image's, so that one download serves both).
    tab.page_head = f'<link rel="preload" as="image" href="gradio_api/file={urllib.parse.quote(first_png)}">' + PHONE_TOASTS
    tab.steer = panel  # for the Discriminator tab's "Steer this digit" buttons (steer.connect)
    return tab
