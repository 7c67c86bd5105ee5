"""Discriminator tab: score uploads, a drawing or an example as real or generated, and read
their digit. API: /score (one file), /score_files (several), /score_drawing."""

from __future__ import annotations

import os

import gradio as gr

from gan.space import ui
from gan.core.errors import InputError
from gan.space.studio import Studio

from . import PICK_BRUSH, refuse


def build(studio: Studio) -> gr.Blocks:
    @refuse
    def score(image):
        """Score one image file with the discriminator and the classifier."""
        steps = studio.load_upload_steps(image)
        result = studio.score(steps.digit[None])[0]
        return steps.digit, ui.verdict_markdown(result), ui.histogram_frame(studio.score_histogram, result["p_real"]), result, ui.steps_strip(steps)

    def score_example(path):
        if not path:
            return None, "", None, None
        digit, text, plot, _, strip = score(path)
        return digit, text, plot, strip

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
            rows.append([name, s["p_real"], s["digit"], s["digit_confidence"], "" if s["is_digit"] else ui.NOT_A_DIGIT])
            first = first or (d, ui.verdict_markdown(s), ui.histogram_frame(studio.score_histogram, s["p_real"]))
        return digits, rows, *(first or (None, "No usable image: see the table.", None))

    def score_drawing(editor_value):
        """Score a Sketchpad drawing (dark strokes on white, handled like any upload). Never
        raises: an empty or unreadable drawing clears the verdict and says why in its place
        (an error would lay a badge over every output, on top of the previous verdict)."""
        drawing = ui.drawn_image(editor_value)
        if drawing is None:
            return None, ui.DRAW_FIRST, None, None
        try:
            steps = studio.load_upload_steps(ui.png_bytes(drawing))
        except InputError as e:
            return None, f"**{e}**", None, None
        result = studio.score(steps.digit[None])[0]
        return steps.digit, ui.verdict_markdown(result), ui.histogram_frame(studio.score_histogram, result["p_real"]), ui.steps_strip(steps)

    with gr.Blocks() as tab:
        gr.Markdown("Give the discriminator your own digit: it says how likely the image is a real MNIST digit "
                    "(calibrated), and the reference classifier says which digit it reads.")
        with gr.Row():
            with gr.Column():
                with gr.Tab("Upload"):
                    uploads = gr.File(file_count="multiple", file_types=["image"], label="images (PNG, JPEG, WebP, GIF, BMP)", elem_id="uploads")
                    uploads_steer = gr.Button("Steer this digit (the first upload) on the Generate tab", elem_id="uploads-steer")
                with gr.Tab("Draw") as draw_tab:
                    sketch = gr.Sketchpad(image_mode="L", canvas_size=(280, 280), type="numpy", label="draw a digit", elem_id="sketch")
                    with gr.Row():
                        sketch_btn = gr.Button("Score drawing", variant="primary")
                        sketch_steer = gr.Button("Steer this digit", elem_id="sketch-steer")
                with gr.Tab("Examples"):
                    # An Image input makes gr.Examples show thumbnails (a File input shows file names only).
                    example_image = gr.Image(type="filepath", label="example", interactive=False, height=160, buttons=[], elem_id="example_image")
                    gr.Examples(ui.example_files(studio), inputs=example_image, label="real, generated, and not a digit")
            with gr.Column():
                seen = gr.Image(label="what the discriminator sees (28x28)", format="png", elem_classes="pixels", height=224, interactive=False, elem_id="seen")
                evidence = gr.Image(label="the verdict's evidence: faint grey pixels (values 1-9) in magenta", format="png", height=224, interactive=False, elem_id="evidence")
                steps_img = gr.Image(label="how it got there: lighting removed, ink kept (white) or set aside (grey), 28x28", format="png",
                                     height=140, interactive=False, elem_id="steps")
                verdict = gr.Markdown(elem_id="verdict")
                hist = gr.LinePlot(x="p_real", y="share", color="set", label="calibrated verdicts on 28x28 PNGs: real MNIST test digits vs generated digits, and yours",
                                   color_map={"real": "#1f77b4", "generated": "#ff7f0e", "yours": "#d62728"},
                                   x_lim=[0, 1], elem_id="hist")
                score_json = gr.JSON(label="scores", visible=False)
                gallery = gr.Gallery(label="every upload, as the discriminator sees it", columns=8, height=200, object_fit="contain", elem_classes="crisp")
                table = gr.Dataframe(headers=["file", "p_real", "digit", "confidence", "problem"], label="scores", interactive=False, elem_id="table")

        # Scoring an example or a drawing replaces the verdict: the previous uploads' gallery and table go too.
        clear_uploads = dict(fn=lambda: (None, None, None), inputs=None, outputs=[uploads, gallery, table], api_visibility="private")
        example_image.change(score_example, example_image, [seen, verdict, hist, steps_img],
                             api_visibility="private").then(**clear_uploads)
        uploads.upload(score_files, uploads, [gallery, table, seen, verdict, hist], api_name="score_files", concurrency_id="heavy", concurrency_limit=1)
        sketch_btn.click(score_drawing, sketch, [seen, verdict, hist, steps_img], api_name="score_drawing", concurrency_id="heavy",
                         concurrency_limit=1).then(**clear_uploads)
        draw_tab.select(None, js=PICK_BRUSH)
        sketch.clear(None, js=PICK_BRUSH)
        # The API's single-image scorer: client.predict(image=handle_file("digit.png"), api_name="/score").
        seen.change(ui.evidence_picture, seen, evidence, api_visibility="private")
        score_input = gr.File(visible=False)
        gr.Button(visible=False).click(score, score_input, [seen, verdict, hist, score_json, steps_img], api_name="score", concurrency_id="heavy", concurrency_limit=1)
    tab.steer_sources = (sketch, sketch_steer, uploads, uploads_steer)  # wired by tabs.steer.connect
    return tab
