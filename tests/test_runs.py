"""A training run never touches weights/, serves as it is (GAN_WEIGHTS=runs/<name>), and
becomes the shipped weights only through `gan ship`."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import numpy as np
import pytest

from gan.core.weights import verify_checksums
from gan.space.studio import Studio

from conftest import FIXTURE, ROOT, WEIGHTS


def run(args: list[str], cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # gan importable from any directory, as `pip install -e .` makes it
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A 2-step training with no --out, started from a fresh directory: it lands in runs/default there."""
    cwd = tmp_path_factory.mktemp("cwd")
    before = {p: p.stat().st_mtime_ns for p in WEIGHTS.rglob("*")}
    out = run(["-m", "gan", "train", "--data-dir", str(FIXTURE), "--max-steps", "2", "--batch-size", "32", "--log-every", "1"], cwd)
    assert out.returncode == 0, out.stderr
    assert {p: p.stat().st_mtime_ns for p in WEIGHTS.rglob("*")} == before  # weights/ untouched
    assert "run: 100%" in out.stdout and "done: 2 steps, wall time" in out.stdout  # the whole run's bar, then its wall time
    return cwd / "runs" / "default"


def test_training_writes_a_run_folder(trained_run):
    assert sorted(p.name for p in trained_run.iterdir()) == [
        "checkpoint.pt", "discriminator", "generator", "grids", "progress.gif", "samples.png", "train_log.jsonl"]


def test_the_studio_serves_a_run_folder_as_it_is(trained_run, caplog):
    with caplog.at_level(logging.WARNING, logger="gan.space.assets"):
        studio = Studio(trained_run)
    said = caplog.text
    for what in ("has no checksums.json", "using the shipped", "fitted the slider directions", "uncalibrated"):
        assert what in said
    assert studio.slider_names == ["thickness", "slant", "width", "height", "pc1", "pc2", "pc3", "pc4"]
    assert studio.calibration == (1.0, 0.0)
    digit = studio.generate(studio.recipe(3, 42, thickness=2.0))
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    assert not np.array_equal(digit, studio.generate(studio.recipe(3, 42)))  # the fitted slider moves the digit
    score = studio.score(studio.real_digits[:2])[0]
    assert 0 <= score.p_real <= 1 and 0 <= score.digit <= 9
    hist = studio.score_histogram
    assert len(hist["edges"]) == 21 and sum(hist["real"]) == pytest.approx(1, abs=1e-3)


def test_ship_copies_the_run_and_writes_checksums(trained_run, tmp_path):
    # Evaluation needs the full MNIST (4 minutes), the directions 20,000 digits, the verdict and the digit
    # detector (10 minutes) tens of thousands: left out here.
    out = run(["-m", "gan", "ship", str(trained_run), "--to", str(tmp_path / "w"), "--data-dir", str(FIXTURE),
               "--skip", "fit_directions", "--skip", "evaluate", "--skip", "verdict", "--skip", "digit_detector"], ROOT)
    assert out.returncode == 0, out.stderr
    shipped = tmp_path / "w"
    for name in ("generator/model.safetensors", "discriminator/model.safetensors", "train_log.jsonl", "samples.png"):
        assert (shipped / name).read_bytes() == (trained_run / name).read_bytes()
    assert not (shipped / "checkpoint.pt").exists() and not (shipped / "grids").exists()
    assert (shipped / "classifier" / "model.safetensors").exists()
    verify_checksums(shipped)  # written last, over everything that was copied
    assert "classifier/model.safetensors" in (shipped / "checksums.json").read_text()
    assert Studio(shipped).verdict is None  # skipped: no detector for the old generator left behind
    assert not (shipped / "digit_detector").exists()  # nor a digit detector trained on its digits


def test_ship_refuses_a_folder_that_is_not_a_finished_run(tmp_path):
    (tmp_path / "run").mkdir()
    out = run(["-m", "gan", "ship", str(tmp_path / "run"), "--to", str(tmp_path / "w")], ROOT)
    assert out.returncode != 0 and "has no generator/model.safetensors" in out.stderr and "finished training run" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "w").exists()
