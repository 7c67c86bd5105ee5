"""Steer your own digit: project a drawing or an upload into the generator's latent space
(gan/space/projection.py), show the target, the generator's reconstruction and their difference, then
load the projection into the Generate controls, where truncation and the latent sliders act
on it. Lives on the Generate tab; the Discriminator tab's drawing and uploads get a "Steer
this digit" button too (`connect`). API: /project (an image file), /morph."""

from __future__ import annotations

import tempfile

import gradio as gr

from gan.space import ui
from gan.core.errors import InputError
from gan.core.viz import save_gif
from gan.space.projection import Projection
from gan.space.studio import MAX_FRAMES, Recipe, Studio

from . import PICK_BRUSH, refuse, titled_image

# In the browser: bring the Generate tab's digit into view (far above the steer panel and the seed
# grid on a desktop), opening that tab first when the visitor is on another (the Discriminator's buttons).
SHOW_DIGIT = """() => { const tab = [...document.querySelectorAll('button[role="tab"]')]
    .find(b => b.textContent.trim() === 'Generate');
  if (tab && tab.getAttribute('aria-selected') !== 'true') tab.click();
  const show = () => document.querySelector('#output').scrollIntoView({block: 'center', behavior: 'smooth'});
  requestAnimationFrame(() => requestAnimationFrame(show)); }"""


def drawing_bytes(editor_value) -> bytes:
    """A Sketchpad value -> PNG bytes of its composite (dark strokes on white)."""
    drawing = ui.drawn_image(editor_value)
    if drawing is None:
        raise InputError("Draw a digit first.")
    return ui.png_bytes(drawing)


def fit_markdown(p: Projection) -> str:
    f = p.figures
    tried = " and ".join(map(str, f["digits_tried"]))
    return (f"### Fitted as a {p.digit}\nThe classifier reads your digit as a **{f['target_reading']['digit']}** "
            f"({f['target_reading']['confidence']:.0%}) and the reconstruction as a **{f['reconstruction_reading']['digit']}** "
            f"({f['reconstruction_reading']['confidence']:.0%}); digits fitted: {tried}. Pixel error {f['pixel_error']:.3f} "
            f"(mean |difference|, 0-1), perceptual distance {f['perceptual_distance']:.2f} (classifier features).\n\n"
            "It is loaded into the digit's controls (scrolled into view): move the style sliders or typical ↔ unusual to steer it.")


def build(studio: Studio, controls: list) -> dict:
    """The panel (an accordion, placed where it is called) wired to the Generate controls
    [digit, seed, truncation, *sliders, latent]. Returns what `connect` needs."""
    digit, seed, truncation, *sliders, latent = controls

    @refuse
    def project(image):
        """Project one image file into G's latent space: the reconstruction, its recipe, and the fit's figures."""
        if not image:
            raise InputError("Upload an image of one digit.")
        p = studio.project(studio.load_upload(image))
        return p.reconstruction, Recipe(digit=p.digit, z=p.code, sliders={}).to_query(), p.figures

    def show(p: Projection):
        return p.target, p.reconstruction, p.difference, fit_markdown(p), {"digit": p.digit, "z": p.code}

    # "Steer this digit" returns its projection into a gr.State, so that a refusal (an empty canvas,
    # no upload, not a digit) is a message alone: no error badge on a picture, and the previous fit
    # and the controls stay as they were. A later step shows the fit and loads it into the controls.
    @refuse
    def steer_drawing(editor_value) -> Projection:
        return studio.project(studio.load_upload(drawing_bytes(editor_value)))

    @refuse
    def steer_file(files) -> Projection:
        files = files if isinstance(files, list) else [files] if files else []
        if not files:
            raise InputError("Upload an image of one digit first.")
        return studio.project(studio.load_upload(files[0]))

    def load(p: Projection):
        """The projection shown in the panel, and into the controls: its digit and latent, truncation 1,
        sliders 0 (the fit itself)."""
        return [gr.Accordion(open=True), *show(p), p.digit, gr.update(), 1.0, *[0.0] * len(sliders), p.code]

    @refuse
    def morph(fit, seed_b=0, digit_b=0, frames=16):
        """An animated GIF from the projected digit to (seed_b, digit_b)."""
        if not fit:
            raise InputError("Steer a digit first: draw or upload one and press Steer this digit.")
        images = studio.interpolate(0, seed_b, fit["digit"], digit_b, frames, 1.0, z_a=fit["z"])
        path = tempfile.NamedTemporaryFile(suffix=".gif", delete=False).name
        save_gif(list(images) + list(images[-2:0:-1]), path, ms_per_frame=80, scale=4)
        return path

    # Closed at first: its editor (a canvas library) loads when the visitor opens it, not with the first screen.
    with gr.Accordion("Steer your own digit: draw or upload it, and the sliders above act on it", open=False,
                      elem_id="steer") as panel:
        with gr.Row():
            with gr.Column(scale=2):
                with gr.Tab("Draw it"):
                    sketch = gr.Sketchpad(image_mode="L", canvas_size=(280, 280), type="numpy", label="draw a digit", elem_id="steer-sketch")
                    sketch_btn = gr.Button("Steer this digit", variant="primary", elem_id="steer-drawing")
                with gr.Tab("Upload it"):
                    upload = gr.File(file_types=["image"], label="an image of one digit", elem_id="steer-file")
                    upload_btn = gr.Button("Steer this digit", variant="primary", elem_id="steer-upload")
            with gr.Column(scale=3):
                with gr.Row():
                    picture = dict(format="png", elem_classes="pixels", height=160, interactive=False, buttons=[])
                    with gr.Column(min_width=90):
                        target = titled_image("your digit (28x28)", elem_id="steer-target", **picture)
                    with gr.Column(min_width=90):
                        recon = titled_image("the generator's version", elem_id="steer-recon", **picture)
                    with gr.Column(min_width=90):
                        diff = titled_image("difference", elem_id="steer-diff", **picture)
                fit_text = gr.Markdown(elem_id="steer-fit")
                with gr.Row():
                    seed_b = gr.Number(value=1, precision=0, label="morph into seed", min_width=120)
                    digit_b = gr.Dropdown(list(range(10)), value=8, label="digit", min_width=90)
                    frames = gr.Slider(2, MAX_FRAMES, value=16, step=1, label="morph frames", min_width=220, elem_id="morph-frames")
                    morph_btn = gr.Button("Morph", elem_id="morph", min_width=90)
                with gr.Column():
                    gif = titled_image("your digit morphing into a generated one", elem_classes="pixels", interactive=False,
                                       height=160, type="filepath", buttons=[])
        fit = gr.State(None)  # the fit on show: {"digit", "z"}
        fitting = gr.State(None)  # a Projection on its way to the panel and the controls
        morphed = gr.State(None)  # a morph's GIF on its way to the picture
        # The API's projector: client.predict(image=handle_file("digit.jpg"), api_name="/project").
        api_file, api_recipe, api_figures = gr.File(visible=False), gr.Textbox(visible=False), gr.JSON(visible=False)
        gr.Button(visible=False).click(project, api_file, [recon, api_recipe, api_figures], api_name="project",
                                       concurrency_id="heavy", concurrency_limit=1)
    panel_and_controls = [panel, target, recon, diff, fit_text, fit, *controls]
    for button, source, fn in [(sketch_btn, sketch, steer_drawing), (upload_btn, upload, steer_file)]:
        button.click(fn, source, fitting, api_visibility="private", concurrency_id="heavy", concurrency_limit=1).success(
            load, fitting, panel_and_controls, api_visibility="private").success(None, js=SHOW_DIGIT)
    # The same for Morph (refused before any steering); the API's /morph answers with the GIF itself.
    morph_inputs = [fit, seed_b, digit_b, frames]
    # (api_name=False: the function's own name is the API's /morph below, not this private event's.)
    morph_btn.click(morph, morph_inputs, morphed, api_name=False, concurrency_id="heavy", concurrency_limit=1).success(
        lambda path: path, morphed, gif, api_visibility="private")
    gr.Button(visible=False).click(morph, morph_inputs, gif, api_name="morph", concurrency_id="heavy", concurrency_limit=1)
    panel.expand(None, js=PICK_BRUSH)  # the brush is ready when the panel opens, and again after "Clear canvas"
    sketch.clear(None, js=PICK_BRUSH)
    return {"steer_drawing": steer_drawing, "steer_file": steer_file, "load": load, "fitting": fitting,
            "panel_and_controls": panel_and_controls}


def connect(panel: dict, sketch, sketch_btn, uploads, uploads_btn) -> None:
    """The Discriminator tab's "Steer this digit" buttons: project its drawing or first
    upload, show the fit in the panel, load it into the Generate controls, open that tab. A
    refusal is a message on the page the visitor is on, and leaves the Generate tab as it was."""
    for button, source, fn in [(sketch_btn, sketch, panel["steer_drawing"]), (uploads_btn, uploads, panel["steer_file"])]:
        button.click(fn, source, panel["fitting"], api_visibility="private", concurrency_id="heavy", concurrency_limit=1).success(
            panel["load"], panel["fitting"], panel["panel_and_controls"], api_visibility="private").success(None, js=SHOW_DIGIT)
