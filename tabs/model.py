"""Model tab: the metrics, the architecture, how to reproduce the weights, and the training
curves and progress animation. Static: no events."""

from __future__ import annotations

import gradio as gr

from gan import ui
from gan.studio import Studio


def build(studio: Studio) -> gr.Blocks:
    with gr.Blocks() as tab:
        gr.Markdown(ui.model_markdown(studio))
        with gr.Row():
            gr.Image(str(studio.folder / "training_curves.png"), label="training curves", interactive=False)
            gr.Image(str(studio.folder / "progress.gif"), label="training progress (fixed seeds, rows = digits)", interactive=False, elem_classes="pixels")
    return tab
