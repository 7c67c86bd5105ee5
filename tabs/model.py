"""Model tab: the metrics (and how to read them), the architecture, how to reproduce the
weights, and the training curves and progress animation. Static: no events."""

from __future__ import annotations

import gradio as gr

from gan.space import ui
from gan.space.human_eval import HumanEval, as_json
from gan.space.studio import Studio

TEXTS = ":is(#model-text, #verdict-text, #human-eval-text)"
# The commands (in their "details" folds) wrap instead of running off a phone's screen.
# Tables never split a word (Gradio's Markdown sets `word-break: break-word` on tables, which let a
# phone squeeze a column to one letter a line, "verdi/ct/mode/l"): a column is at least as wide
# as its longest word, the first column a little wider, and a table too wide for the screen
# scrolls inside its own box with its first column kept in view. The metrics table's column names
# stay on one line ("generator", not "gener / ator"): its rows' names wrap instead.
CSS = f"""{TEXTS} :is(pre, code) {{ white-space: pre-wrap; overflow-wrap: break-word; }}
{TEXTS} table {{ display: block; max-width: 100%; overflow-x: auto; padding: 0; border: none; word-break: normal; overflow-wrap: normal; }}
{TEXTS} :is(th, td) {{ word-break: normal; overflow-wrap: normal; hyphens: none; }}
@media (max-width: 480px) {{ {TEXTS} :is(th, td) {{ padding: 6px 8px; }} }}
{TEXTS} :is(th, td):first-child {{ position: sticky; left: 0; min-width: 6em; background: var(--background-fill-primary); }}
#model-text th {{ white-space: nowrap; }}
{TEXTS} summary {{ cursor: pointer; font-weight: 600; }}"""


def build(studio: Studio, evaluation: HumanEval) -> gr.Blocks:
    with gr.Blocks() as tab:
        gr.Markdown(ui.model_markdown(studio), elem_id="model-text")
        gr.Markdown(ui.verdict_model_markdown(studio), elem_id="verdict-text")
        human_eval_section(tab, evaluation)
        gr.Markdown("## Training")
        # Curves drawn by the browser (not a picture of a plot): their text stays readable on a phone.
        # (A training run's folder may lack a file: an empty box, not a broken link.)
        existing = lambda name: studio.folder / name if (studio.folder / name).exists() else None
        log = existing("train_log.jsonl")
        losses, d_outputs = ui.training_curves(log) if log else (None, None)
        with gr.Row():
            gr.LinePlot(losses, x="epoch", y="value", color="series", label="losses", y_title="loss",
                        color_map={"loss D": "#1f77b4", "loss G": "#ff7f0e"}, elem_id="curve-losses")
            gr.LinePlot(d_outputs, x="epoch", y="value", color="series", label="discriminator outputs (mean)", y_title="D",
                        color_map={"D(real)": "#1f77b4", "D(fake)": "#ff7f0e"}, y_lim=[0, 1], elem_id="curve-d")
        # Title above, not a label chip or icons laid over the picture's first row.
        gr.Markdown("**Training progress**: fixed seeds, one row per digit, one frame per epoch.")
        gr.Image(existing("progress.gif"), show_label=False, buttons=[], interactive=False, elem_classes="pixels",
                 height=420, elem_id="progress")
    return tab


def human_eval_section(tab: gr.Blocks, evaluation: HumanEval) -> None:
    """The Real-or-fake game's figures (gan.space.human_eval), read from the database on page
    load and on Refresh, and the /human_eval API that returns them as JSON."""
    def shown() -> tuple[str, str]:
        figures = evaluation.figures()
        return ui.human_eval_markdown(figures), ui.human_eval_plot(figures)

    def human_eval() -> dict:
        """The live human evaluation's figures: counts, rates with 95% intervals, per digit, for
        people, the verdict model and the GAN's discriminator on the same rounds; `answered` is
        the number of answered rounds they count."""
        return as_json(evaluation.figures())

    text = gr.Markdown(elem_id="human-eval-text")
    plot = gr.HTML(elem_id="human-eval-plot")
    refresh = gr.Button("Refresh the game's figures", size="sm")
    tab.load(shown, None, [text, plot], api_visibility="private")
    refresh.click(shown, None, [text, plot], api_visibility="private")
    gr.api(human_eval, api_name="human_eval")
