"""Real or fake? tab: the visitor guesses whether a digit is a real MNIST test digit or a
generated one, and sees what the discriminator said. No API (the answer stays on the server)."""

from __future__ import annotations

import gradio as gr
import numpy as np

from gan.space import ui
from gan.space.studio import Studio


def build(studio: Studio) -> gr.Blocks:
    def new_round(state):
        """A new digit; the answer stays on the server, in session state."""
        image, is_real = studio.game_round(np.random.default_rng())
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

    with gr.Blocks() as tab:
        state = gr.State({"image": None, "is_real": None, "answered": True, "played": 0, "right": 0, "d_right": 0})
        with gr.Row():
            image = gr.Image(format="png", elem_classes="pixels", height=280, interactive=False, show_label=False)
            with gr.Column():
                text = gr.Markdown()
                with gr.Row():
                    real_btn = gr.Button("Real", variant="primary")
                    fake_btn = gr.Button("Fake")
                new_btn = gr.Button("New digit")
                score = gr.Markdown()

        new_btn.click(new_round, state, [image, text, score, state], api_visibility="private")
        real_btn.click(lambda s: guess(s, True), state, [text, score, state], api_visibility="private")
        fake_btn.click(lambda s: guess(s, False), state, [text, score, state], api_visibility="private")
        tab.load(new_round, state, [image, text, score, state], api_visibility="private")
    return tab
