"""Discriminator tab: score uploads, a drawing or an example as real or generated, and read
their digit. API: /score (one file), /score_files (several), /score_drawing."""

from __future__ import annotations

import os

import gradio as gr
import numpy as np

from gan import ui
from gan.studio import InputError, Studio

from . import refuse


def build(studio: Studio) -> gr.Blocks:
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

    with gr.Blocks() as tab:
        gr.Markdown("Give the discriminator your own digit: it says how likely the image is a real MNIST digit "
                    "(calibrated), and the reference classifier says which digit it reads.")
        with gr.Row():
            with gr.Column():
                with gr.Tab("Upload"):
                    uploads = gr.File(file_count="multiple", file_types=["image"], label="images (PNG, JPEG, WebP, GIF, BMP)", elem_id="uploads")
                    uploads_steer = gr.Button("Steer this digit (the first upload) on the Generate tab", elem_id="uploads-steer")
                with gr.Tab("Draw"):
                    sketch = gr.Sketchpad(image_mode="L", canvas_size=(280, 280), type="numpy", label="draw a digit", elem_id="sketch")
                    with gr.Row():
                        sketch_btn = gr.Button("Score drawing", variant="primary")
                        sketch_steer = gr.Button("Steer this digit", elem_id="sketch-steer")
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

        example_file.change(lambda f: score(f)[:3] if f else (None, "", None), example_file, [seen, verdict, hist], api_visibility="private")
        uploads.upload(score_files, uploads, [gallery, table, seen, verdict, hist], api_name="score_files", concurrency_id="heavy", concurrency_limit=1)
        sketch_btn.click(score_drawing, sketch, [seen, verdict, hist], api_name="score_drawing", concurrency_id="heavy", concurrency_limit=1)
        # The API's single-image scorer: client.predict(image=handle_file("digit.png"), api_name="/score").
        score_input = gr.File(visible=False)
        gr.Button(visible=False).click(score, score_input, [seen, verdict, hist, score_json], api_name="score", concurrency_id="heavy", concurrency_limit=1)
    tab.steer_sources = (sketch, sketch_steer, uploads, uploads_steer)  # wired by tabs.steer.connect
    return tab
