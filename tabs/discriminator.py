"""Discriminator tab: judge uploads, a drawing or an example (a real MNIST digit, made by this
GAN, or neither / can't tell) and read their digit. API: /score (one file), /score_files
(several), /score_drawing."""

from __future__ import annotations

import os

import gradio as gr

from gan.core.errors import InputError
from gan.space import ui
from gan.space.score import Judgement
from gan.space.studio import Studio

from . import PICK_BRUSH, refuse, titled_image

MAX_FILES = 32
START = "Upload an image, draw a digit or pick an example: the verdict appears here."
# On a phone the verdict sits below the inputs, out of sight: bring it into view as soon as the
# visitor asks for one (an example, Score drawing, an upload), unless it is in view already.
SHOW_VERDICT = """() => { const verdict = document.querySelector('#verdict'), box = verdict.getBoundingClientRect();
  if (box.top < 0 || box.top > innerHeight * 0.6) verdict.scrollIntoView({block: 'start', behavior: 'smooth'}); }"""
# Pictures carry no label laid over them (a chip covers the top of a 28x28 digit on a phone): each
# has a title above it. The examples' captions go under their pictures, not over them. The table's
# headers stay whole words; a long file name wraps anywhere.
CSS = """#examples .grid-wrap { min-height: 0 !important; max-height: none !important; height: auto !important; }
#examples .thumbnail-lg { aspect-ratio: auto !important; display: flex; flex-direction: column; height: auto !important; }
#examples .thumbnail-lg img { aspect-ratio: 1 / 1; width: 100%; height: auto; }
#examples .caption-label { position: static !important; max-width: none !important; border: 0 !important; border-radius: 0 !important;
  white-space: normal !important; text-align: center !important; width: 100%; }
#table th, #table th * { white-space: nowrap !important; word-break: normal !important; overflow-wrap: normal !important; }
#table td, #table td * { overflow-wrap: anywhere; }"""



def build(studio: Studio) -> gr.Blocks:
    examples = ui.example_files(studio)

    def shown(j: Judgement) -> tuple:
        """One judged upload's outputs (`one` below), then its score: what the models see, the
        closest digit this GAN can draw, its faint grey pixels (exact 28x28 uploads only: elsewhere
        they are the resizing's), the verdict, the score chart (exact uploads only: the chart is
        of those), the preprocessing strip."""
        chart = ui.histogram_frame(studio.score_histogram, j.score.p_real if j.score.exact_28x28 else None)
        return (j.digit, None if j.closest is None else j.closest.reconstruction, ui.evidence_picture(j.digit, j.score),
                ui.verdict_markdown(j.score, j.closest), chart, ui.steps_strip(j.steps), j.score)

    def refused(text: str) -> tuple:
        """The outputs for an input that cannot be judged: the reason where the verdict goes,
        every picture cleared (no error badge: the reason is the answer). The chart keeps its
        reference curves: emptying a plot throws in the page (Gradio 6.31, measured)."""
        return None, None, None, text, ui.histogram_frame(studio.score_histogram, None), None

    @refuse
    def score(image):
        """Score one image file: the API's single-image scorer (a bad file is an API error)."""
        seen, closest, _, text, chart, strip, result = shown(studio.judge(image))
        return seen, text, chart, result.as_json(), strip, closest

    def score_one(data) -> tuple:
        """An example or a drawing (file path or PNG bytes): the verdict's outputs (`one` below)."""
        try:
            return shown(studio.judge(data))[:6]
        except InputError as e:
            return refused(f"**{e}**")

    def score_example(evt: gr.SelectData):
        return score_one(examples[evt.index][0])

    def score_files(files):
        """Several uploads at once: what the models see for each, a table of verdicts, and the
        full verdict of the first usable one. Never raises: a refused file gets its reason in
        the table, and the verdict says what to do."""
        files = files or []
        if len(files) > MAX_FILES:
            return [], [], *refused(f"**At most {MAX_FILES} images at once; got {len(files)}.** Upload fewer.")
        digits, rows, first, reasons = [], [], None, []
        for path in files:
            name = os.path.basename(path)
            try:
                j = studio.judge(path, fit=first is None)  # the first usable one is shown in full
            except InputError as e:
                rows.append([name, str(e), None, None])
                reasons.append(f"**{name}**: {e}")
                continue
            s = j.score
            digits.append((j.digit, name))
            rows.append([name, s.outcome if s.is_digit else "not a digit", s.digit if s.is_digit else None,
                         s.p_real if s.exact_28x28 else None])
            first = first or shown(j)[:6]
        # No usable image: each file's reason where the verdict goes, in view, not only in the table far below.
        return digits, rows, *(first or refused("\n\n".join(["### No usable image", *reasons])))

    def score_drawing(editor_value):
        """Score a Sketchpad drawing (dark strokes on white, handled like any upload). Never
        raises: an empty or unreadable drawing says why in the verdict's place."""
        drawing = ui.drawn_image(editor_value)
        if drawing is None:
            return refused(ui.DRAW_FIRST)
        return score_one(ui.png_bytes(drawing))

    with gr.Blocks() as tab:
        gr.Markdown("Give the discriminator your own digit. The verdict says whether it is **a real MNIST digit**, "
                    "**made by this GAN**, or **neither / can't tell**, and shows its evidence; the reference classifier says which digit it reads.")
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
                    # Said above the pictures, not in a label chip laid over their first row.
                    gr.Markdown("Click one to judge it: real MNIST digits and this GAN's, as exact 28x28 PNGs; a person's drawing of a 7; the letter A.")
                    example_gallery = gr.Gallery([(path, caption) for path, caption in examples], label="examples", show_label=False,
                                                 columns=3, height="auto", allow_preview=False, object_fit="contain", elem_classes="crisp",
                                                 buttons=[], elem_id="examples")
            with gr.Column():
                verdict = gr.Markdown(START, elem_id="verdict")
                with gr.Row():
                    with gr.Column(min_width=90):
                        seen = titled_image("what the models see (28x28)", format="png", elem_classes="pixels", height=160,
                                            interactive=False, buttons=[], elem_id="seen")
                    with gr.Column(min_width=90):
                        closest = titled_image("closest digit this GAN can draw", format="png", elem_classes="pixels", height=160,
                                               interactive=False, buttons=[], elem_id="closest")
                    with gr.Column(min_width=90):
                        evidence = titled_image("faint grey pixels (1-9) in magenta", format="png", height=160,
                                                interactive=False, buttons=[], elem_id="evidence")
                steps_img = titled_image("how it got there: lighting removed, ink kept (white) or set aside (grey), 28x28",
                                         format="png", height=120, interactive=False, buttons=[], elem_id="steps")
                hist = gr.LinePlot(x="p_real", y="share", color="set",
                                   label="the verdict model on 28x28 PNGs: real MNIST test digits vs this GAN's digits, and yours",
                                   color_map={"real": "#1f77b4", "generated": "#ff7f0e", "yours": "#d62728"},
                                   x_lim=[0, 1], elem_id="hist")
                score_json = gr.JSON(label="scores", visible=False)
                gr.Markdown("**every upload, as the models see it**", elem_classes="picture-title")
                gallery = gr.Gallery(label="every upload, as the models see it", show_label=False, columns=8, height=200,
                                     object_fit="contain", elem_classes="crisp", buttons=[])
                table = gr.Dataframe(headers=["file", "verdict", "digit", "P(real)"], label="verdicts", interactive=False, wrap=True,
                                     elem_id="table")

        one = [seen, closest, evidence, verdict, hist, steps_img]  # what every way in updates: nothing stale from the previous input
        # Scoring an example or a drawing replaces the verdict: the previous uploads' gallery and table go too.
        clear_uploads = dict(fn=lambda: (None, None, None), inputs=None, outputs=[uploads, gallery, table], api_visibility="private")
        # "multiple": a click while the previous example is being judged runs after it (Gradio's default, "once",
        # drops it, and "always_last" replays the earlier click's index: both measured in chromium).
        example_gallery.select(score_example, None, one, api_visibility="private", concurrency_id="heavy", concurrency_limit=1,
                               trigger_mode="multiple", js=SHOW_VERDICT).then(**clear_uploads)
        uploads.upload(score_files, uploads, [gallery, table, *one], api_name="score_files", concurrency_id="heavy", concurrency_limit=1,
                       js=f"(files) => {{ ({SHOW_VERDICT})(); return [files]; }}")  # [..]: one input
        sketch_btn.click(score_drawing, sketch, one, api_name="score_drawing", concurrency_id="heavy",
                         concurrency_limit=1, js=f"(drawing) => {{ ({SHOW_VERDICT})(); return [drawing]; }}").then(**clear_uploads)
        draw_tab.select(None, js=PICK_BRUSH)
        sketch.clear(None, js=PICK_BRUSH)
        # The API's single-image scorer: client.predict(image=handle_file("digit.png"), api_name="/score").
        score_input = gr.File(visible=False)
        gr.Button(visible=False).click(score, score_input, [seen, verdict, hist, score_json, steps_img, closest], api_name="score",
                                       concurrency_id="heavy", concurrency_limit=1)
    tab.steer_sources = (sketch, sketch_steer, uploads, uploads_steer)  # wired by tabs.steer.connect
    return tab
