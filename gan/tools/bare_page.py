"""The framework's floor for the first screen: a bare Gradio Blocks page with one radio and one
28x28 image (elem_id "output", as the app's digit), no CSS, no events. `gan dev webbench`
serves it beside the app and loads both, cold, in the same run.

    gan dev bare-page      # serves on $GRADIO_SERVER_PORT (default 7860)
"""

from __future__ import annotations

import gradio as gr
import numpy as np


def build() -> gr.Blocks:
    ramp = np.tile(np.arange(0, 252, 9, dtype=np.uint8), (28, 1))  # any 28x28 grey picture: a PNG of the digit's size
    with gr.Blocks(title="bare page") as demo:
        gr.Radio(list(range(10)), value=3, label="digit", elem_id="digit")
        gr.Image(ramp, format="png", label="image", elem_id="output", interactive=False)
    return demo
