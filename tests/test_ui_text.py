"""The presentation logic behind issue 14's fixes, without a browser: seed-grid cells and their
captions, the empty-drawing check, the training curves and the Model tab's text; and issue 42's:
each text says what it means in a visitor's words first, technical names after them (in a
parenthesis) or behind a "details" fold, and the game's second press keeps the reveal."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gan.space import ui
from gan.core.viz import grid


def test_grid_cells_are_the_grid_cut_up_with_their_captions(studio):
    cells, seeds, digits = studio.seed_cells(10, 3, 5)
    image, grid_seeds, grid_digits = studio.seed_grid(10, 3, 5)
    assert (seeds, digits) == (grid_seeds, grid_digits) and np.array_equal(grid(cells, 5), image)
    items = ui.grid_cells(cells, seeds, digits)
    assert len(items) == 15 and np.array_equal(items[7][0], cells[7])
    assert items[7][1] == "digit 1 · seed 12"  # row 1 (digit 1), column 2 (seed 10 + 2)


def test_drawn_image_is_none_for_an_empty_canvas():
    white = np.full((280, 280), 255, np.uint8)
    assert ui.drawn_image(None) is None and ui.drawn_image({"composite": None}) is None
    assert ui.drawn_image({"composite": white}) is None  # cleared: one flat colour
    stroke = white.copy()
    stroke[40:240, 135:145] = 0
    drawn = ui.drawn_image({"composite": stroke})
    assert drawn.shape == (280 + 56, 280 + 56) and (drawn[:28] == 255).all()  # a margin of background
    assert np.array_equal(drawn[28:-28, 28:-28], stroke)


def test_a_drawing_that_touches_the_canvas_edge_is_read_whole(studio):
    """A thick 0 whose sides touch the canvas's edges (as a big brush makes it) keeps its sides."""
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(canvas).ellipse((-10, 20, 290, 260), outline=0, width=45)  # clipped by the canvas: its sides lie on the edges
    drawing = ui.drawn_image({"composite": np.asarray(canvas)})
    result = studio.score(studio.load_upload(ui.png_bytes(drawing))[None])[0]
    assert result.digit == 0 and result.is_digit


def test_training_curves_cover_the_whole_log(studio):
    losses, d_outputs = ui.training_curves(studio.folder / "train_log.jsonl", points=100)
    assert set(losses["series"]) == {"loss D", "loss G"} and set(d_outputs["series"]) == {"D(real)", "D(fake)"}
    last_epoch = max(float(line.split('"epoch": ')[1].split(",")[0]) for line in (studio.folder / "train_log.jsonl").read_text().splitlines())
    assert losses["epoch"].max() == last_epoch and len(losses) <= 2 * 102


def test_model_text_explains_its_numbers_and_runs_in_a_clone(studio):
    text = ui.model_markdown(studio)
    assert "KID is an unbiased estimate" in text and "below 0.5 because" in text and "never saw in training" in text
    commands = text.split("```bash")[1].split("```")[0]
    assert "../shared" not in commands and "--threads" not in commands
    assert all(line.startswith("gan ") for line in commands.strip().splitlines())


def test_model_text_explains_each_row_and_when_the_floor_can_be_beaten(studio):
    import json

    text = ui.model_markdown(studio)
    for name, *_ in ui.METRICS:  # each row of the table has its line
        assert f"- **{name}**: " in text
    assert "no generator can do better" not in text
    m = json.loads((studio.folder / "metrics.json").read_text())
    if m["generator"]["inception_score"] > m["floor"]["inception_score"]:  # 7.571 > 7.542 for the shipped weights
        assert "the Inception Score is no such distance, so a generator can exceed it (here" in text


def test_lab_status_after_stop_says_what_happened_and_what_next():
    from tabs import lab

    training = f"**{lab.RUNNING}** step 230 of 450, 12.0 s of at most 60 s"
    after = lab.stopped(training)
    assert lab.RUNNING not in after and after.startswith(f"**{lab.STOPPED}** step 230 of 450") and lab.AGAIN in after
    finished = "**finished: step budget reached** step 450 of 450"
    assert lab.stopped(finished) == finished  # Stop after the end changes nothing
    assert lab.stopped("") == ""


# ---------------------------------------------------------------------------- issue 42: words for a visitor

# Names a visitor cannot be expected to know: each may appear only behind a "details" fold, or in
# a parenthesis after plain words on the same line ("... wrong on a 50/50 mix (HYPE∞)").
TECHNICAL = ("Platt", "Wilson", "MOVER", "AC-GAN", "AMX", "bf16", "HYPE")


def in_plain_view(text: str) -> str:
    """What a visitor reads without opening a fold or reading a parenthesis that follows words:
    the Markdown less its <details> folds and less every (...) preceded by a word on its line."""
    text = re.sub(r"<details>.*?</details>", "", text, flags=re.S)
    while True:  # innermost parentheses first
        shorter = re.sub(r"([\w*%.,:;][ \t]*)\([^()\n]*\)", r"\1", text)
        if shorter == text:
            return text
        text = shorter


def test_in_plain_view_keeps_names_that_come_first():
    assert "Platt" in in_plain_view("Platt scaling turns scores into probabilities.")
    assert "Platt" in in_plain_view("### (Platt scaling)")
    assert "Platt" not in in_plain_view("Probabilities that mean what they say (Platt scaling).")
    assert "Platt" not in in_plain_view("In words.\n\n<details><summary>Details</summary>\n\nPlatt scaling\n\n</details>")


def figures_after(studio, tmp_path, answers):
    """Everyone's figures after `answers` (said_real per round) from one visitor at a person's pace."""
    from gan.space.human_eval import MIN_ANSWER_S, HumanEval, RateLimiter, Shown

    now = [1_764_547_200.0]
    evaluation = HumanEval(studio, tmp_path, RateLimiter(10_000, 10_000), clock=lambda: now[0])
    for i, said_real in enumerate(answers):
        shown = evaluation.show("s1", "127.0.0.1", np.random.default_rng(i))
        assert isinstance(shown, Shown)
        now[0] += MIN_ANSWER_S + 1
        assert evaluation.answer(shown.id, "s1", said_real).recorded
    return evaluation.figures()


def drawing_result(studio, exact: bool):
    """The verdict on a drawn 1 sent from the page's canvas (resized on its way), or on a generated
    digit uploaded as the exact 28x28 PNG the Generate tab downloads, with what the models saw."""
    if exact:
        data = ui.png_bytes(studio.generate_many([(7, 0)])[0])
    else:
        canvas = np.full((280, 280), 255, np.uint8)
        canvas[40:240, 130:150] = 0
        data = ui.png_bytes(ui.drawn_image({"composite": canvas}))
    steps = studio.load_upload_steps(data)
    return studio.score_upload(steps), steps.digit


def test_the_model_tab_and_the_game_name_techniques_only_after_plain_words(studio, tmp_path):
    figures = figures_after(studio, tmp_path, [True, False, True, False, True])
    from gan.space.human_eval import MIN_ANSWER_S

    from gan.space.score import Score

    verdict = Score(p_real=0.03, p_real_gan_d=0.51, gan_d_logit=0.0, digit=3, digit_confidence=0.99, is_digit=True,
                    faint_grey_pixels=41)
    texts = {"model": ui.model_markdown(studio), "verdict model": ui.verdict_model_markdown(studio),
             "human eval": ui.human_eval_markdown(figures), "game figures": ui.human_eval_summary(figures),
             "game reveal": ui.game_reveal(True, False, verdict, 2.0, MIN_ANSWER_S)}
    for exact in (False, True):
        texts[f"verdict, exact={exact}"] = ui.verdict_markdown(drawing_result(studio, exact)[0])
    for where, text in texts.items():
        seen = in_plain_view(text)
        named = [t for t in TECHNICAL if t in seen]
        assert not named, f"{where}: {named} named before plain words, outside a details fold"
        assert "```" not in seen and "python -m" not in seen, f"{where}: a shell command outside a details fold"


def first_paragraph(section: str) -> str:
    """A Markdown section's first paragraph after its heading."""
    body = section.split("\n", 1)[1].strip() if section.startswith("#") else section.strip()
    return body.split("\n\n")[0]


JARGON = TECHNICAL + ("ROC AUC", "ECE", "FID", "KID", "P(real)", "verdict model", "fingerprint", "pixel-level", "`", "|")


def test_each_model_tab_section_starts_in_plain_words(studio, tmp_path):
    figures = figures_after(studio, tmp_path, [True, False])
    text = "\n\n".join([ui.model_markdown(studio), ui.verdict_model_markdown(studio), ui.human_eval_markdown(figures)])
    sections = [s if s.startswith("## ") else "## " + s for s in text.split("\n## ")]
    assert [s.split("\n")[0] for s in sections] == ["## Metrics", "## Architecture", "## Reproduce",
                                                    "## The verdict: real or generated?", "## Can people tell? The Real-or-fake game, live"]
    for section in sections:
        first = first_paragraph(section)
        assert len(first.split()) >= 12, f"{section.splitlines()[0]}: starts with {first!r}"
        assert not [w for w in JARGON if w in first], f"{section.splitlines()[0]} starts with jargon: {first!r}"


def test_a_drawing_verdict_says_first_in_plain_words_that_it_cannot_tell_and_shows_no_fingerprint(studio):
    result, seen = drawing_result(studio, exact=False)
    assert not result.exact_28x28
    text = ui.verdict_markdown(result)
    headline, meaning = text.split("\n")[:2]
    assert headline == "### Neither / can't tell"
    assert meaning.startswith("**Can't tell where this digit came from.**") and "resized to 28x28" in meaning
    assert not [w for w in JARGON if w in meaning], meaning
    shown = in_plain_view(text)
    for hidden in ("P(real", "verdict model", "discriminator", "fingerprint"):
        assert hidden not in shown, f"{hidden!r} outside the details fold"
    assert "reads a **1**" in shown  # the digit read stays in view
    assert "P(real" in text and "near chance" in text  # the numbers are still there, in the fold
    assert ui.evidence_picture(seen, result) is None  # no magenta picture beside "not readable"


def test_an_exact_upload_keeps_its_evidence_in_view(studio):
    result, seen = drawing_result(studio, exact=True)
    assert result.exact_28x28 and result.outcome == "made by this GAN"
    text = ui.verdict_markdown(result)
    assert text.split("\n")[1].startswith("**This GAN drew it.**")
    assert "<details>" not in text and "**The evidence**" in text and "Faint grey pixels" in text
    picture = ui.evidence_picture(seen, result)
    assert picture is not None and picture.ndim == 3  # the digit, its faint grey pixels in magenta


def test_the_game_explains_hype_and_its_intervals_in_words(studio, tmp_path):
    figures = figures_after(studio, tmp_path, [True, False, True])
    summary = ui.human_eval_summary(figures)
    assert "95% sure the true rate is between" in summary and "answers so far" in summary
    assert "n=" not in summary and "95%:" not in summary
    assert re.search(r"\(95% sure [^()]*; this is HYPE∞, a human-evaluation measure", summary)
    table = [line for line in ui.human_eval_markdown(figures).splitlines() if line.startswith("|")]
    assert "n=" not in "".join(table) and all(line.count("|") == 5 for line in table)  # four columns: a phone's width


def test_the_plot_has_axis_titles_and_text_sized_for_a_phone(studio, tmp_path):
    svg = ui.human_eval_plot(figures_after(studio, tmp_path, [True, False]))
    assert "share of answers" in svg and "digit shown" in svg
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    # A 390 px phone draws the plot about 300 px wide: every text at least 12 px there.
    assert min(sizes) * 300 / width >= 12, (width, sizes)


def test_a_second_press_keeps_the_reveal_and_says_the_round_is_answered(studio, tmp_path):
    from gan.space.human_eval import MIN_ANSWER_S, HumanEval, RateLimiter
    from tabs import game

    now = [1_764_547_200.0]
    evaluation = HumanEval(studio, tmp_path, RateLimiter(10_000, 10_000), clock=lambda: now[0])
    _, prompt, state = game.start(evaluation, dict(game.NEW_STATE), "s1", "127.0.0.1")
    assert prompt == game.PROMPT
    now[0] += MIN_ANSWER_S + 1
    reveal, score, summary, plot, state = game.play(evaluation, state, False, "s1")
    assert "it was" in reveal and score.startswith("**You: ") and "/1**" in score
    again, *updates, state = game.play(evaluation, state, True, "s1")
    assert again.startswith(reveal) and "You already answered this round" in again  # the reveal stays, with a note
    assert evaluation.figures()["answered"] == 1  # the second press counted nothing
    _, prompt, state = game.start(evaluation, state, "s1", "127.0.0.1")
    assert prompt == game.PROMPT and state["reveal"] is None  # a new round starts clean


def test_an_unreadable_file_says_so_in_plain_words():
    from gan.core.errors import ImageError
    from gan.space.preprocess import open_image

    with pytest.raises(ImageError) as refused:
        open_image(b"%PDF-1.4 not an image at all")
    assert str(refused.value).startswith("This file is not a picture we can open") and "PIL" not in str(refused.value)
