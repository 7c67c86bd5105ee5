"""The presentation logic behind issue 14's fixes, without a browser: seed-grid cells and their
captions, the empty-drawing check, the training curves and the Model tab's text."""

from __future__ import annotations

import numpy as np

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
    assert result["digit"] == 0 and result["is_digit"]


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
