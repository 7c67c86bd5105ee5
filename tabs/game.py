"""Real or fake? tab: the visitor guesses whether a digit is a real MNIST test digit or a
generated one; every round is stored (gan.space.human_eval) and everyone's answers so far
are shown after each guess, in words first (HYPE∞ and the intervals explained). A second
press after answering keeps the reveal and says the round is answered. The answer stays on
the server (in the database and the session's state) until the guess. The picture sent is the
digit enlarged (gan.space.human_eval.game_picture: Lanczos to 250x250), never its exact 28x28
pixels, so a saved copy scored on the Discriminator tab says "neither / can't tell" whatever its
kind; it has no download button either."""

from __future__ import annotations

import gradio as gr

from gan.space import ui
from gan.space.human_eval import MIN_ANSWER_S, HumanEval, Shown, address_of

PROMPT = "Real MNIST digit or generated? Make your guess."
NEW_STATE = {"round": None, "verdict": None, "reveal": None, "played": 0, "right": 0, "d_right": 0}


def start(evaluation: HumanEval, state: dict, session: str, address: str) -> tuple:
    """A new round, decided and stored by the server; only its image leaves it. Outputs: the
    image, the text, the state (rate-limited: the current digit kept, the reason as the text)."""
    shown = evaluation.show(session, address)
    if not isinstance(shown, Shown):
        return gr.update(), shown, state
    return shown.image, PROMPT, {**state, "round": shown.id, "verdict": shown.verdict, "reveal": None}


def play(evaluation: HumanEval, state: dict, said_real: bool, session: str) -> tuple:
    """A Real or Fake press. Outputs: the text, the score, everyone's figures, the plot, the
    state. A second press on a round this visitor answered keeps the reveal in view and says so
    under it; any other refusal (expired, unknown round) is said in its place."""
    if state["round"] is None:
        return "Press **New digit** first.", gr.update(), gr.update(), gr.update(), state
    answer = evaluation.answer(state["round"], session, said_real)
    if not answer.recorded:
        text = f"{state['reveal']}\n\n{ui.ALREADY_ANSWERED}" if state.get("reveal") else answer.message
        return text, gr.update(), gr.update(), gr.update(), state
    is_real = bool(answer.round["is_real"])
    right, machine_right = said_real == is_real, (state["verdict"].p_real >= 0.5) == is_real
    reveal = ui.game_reveal(right, is_real, state["verdict"], answer.seconds, MIN_ANSWER_S)
    state = {**state, "played": state["played"] + 1, "right": state["right"] + right, "d_right": state["d_right"] + machine_right,
             "reveal": reveal}
    figures = evaluation.figures()
    return reveal, ui.score_markdown(state), ui.human_eval_summary(figures), ui.human_eval_plot(figures), state


def build(evaluation: HumanEval, tab: gr.Tab) -> gr.Blocks:
    def new_round(state: dict, request: gr.Request):
        """A new round, decided and stored by the server; only its image leaves it."""
        return start(evaluation, state, request.session_hash or "", address_of(request.headers, request.client.host if request.client else None))

    def open_tab(state: dict, request: gr.Request):
        """Opening the tab shows everyone's figures and starts the first round (not the page
        load: a round's time starts when it can be seen)."""
        figures = evaluation.figures()
        started = new_round(state, request) if state["round"] is None else (gr.update(), gr.update(), state)
        return *started, ui.human_eval_summary(figures), ui.human_eval_plot(figures)

    def guess_real(state: dict, request: gr.Request):
        return play(evaluation, state, True, request.session_hash or "")

    def guess_fake(state: dict, request: gr.Request):
        return play(evaluation, state, False, request.session_hash or "")

    with gr.Blocks() as blocks:
        state = gr.State(dict(NEW_STATE))
        with gr.Row():
            image = gr.Image(format="png", elem_classes="pixels", height=280, interactive=False, show_label=False,
                             buttons=[], elem_id="game-digit")
            with gr.Column():
                text = gr.Markdown(elem_id="game-text")
                with gr.Row():
                    real_btn = gr.Button("Real", variant="primary")
                    fake_btn = gr.Button("Fake")
                new_btn = gr.Button("New digit")
                score = gr.Markdown()
        summary = gr.Markdown(elem_id="game-figures")
        plot = gr.HTML(elem_id="game-plot")

        # Undocumented, not private: the load test (gan.tools.human_eval_load) plays over HTTP as a browser would.
        new_btn.click(new_round, state, [image, text, state], api_name="game_new", api_visibility="undocumented")
        real_btn.click(guess_real, state, [text, score, summary, plot, state],
                       api_name="game_real", api_visibility="undocumented")
        fake_btn.click(guess_fake, state, [text, score, summary, plot, state],
                       api_name="game_fake", api_visibility="undocumented")
        tab.select(open_tab, state, [image, text, state, summary, plot], api_visibility="private")
    return blocks
