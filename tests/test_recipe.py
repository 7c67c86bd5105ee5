"""The one-command recipe: its defaults train, its schedule is Config's, snapshots feed the frontier."""

import json
import math
import subprocess
import sys

import pytest

from gan.core.config import Config

from conftest import FIXTURE, ROOT

DEFAULT_RUN_STEPS = Config().epochs * (60_000 // Config().batch_size)  # the default command's whole run on MNIST's 60,000 digits


def run(*command):
    return subprocess.run([sys.executable, "-m", "gan", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_the_default_recipe_trains_two_steps_on_the_fixture(tmp_path):
    out = run("train", "--data-dir", str(FIXTURE), "--out", str(tmp_path), "--max-steps", "2", "--log-every", "1")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    cfg = Config()
    assert rows[0]["aux_weight"] == cfg.aux_weight and rows[0]["lr_g"] == pytest.approx(cfg.lr_g)
    assert (tmp_path / "generator" / "model.safetensors").exists()


@pytest.mark.parametrize("total", [100, 10_530, DEFAULT_RUN_STEPS])
def test_schedule_at_given_steps_matches_config(total):
    cfg = Config()
    decay, late = math.ceil(cfg.lr_decay_start * total), math.ceil(cfg.aux_late_start * total)  # the first steps past each fraction
    assert cfg.lr_factor(0, total) == 1.0 and cfg.lr_factor(decay - 1, total) == 1.0
    assert cfg.lr_factor(decay + (total - decay) // 2, total) == pytest.approx(0.5, abs=1.5 / (total - decay))
    assert cfg.lr_factor(total, total) == 0.0
    assert cfg.aux_weight_at(0, total) == cfg.aux_weight and cfg.aux_weight_at(late - 1, total) == cfg.aux_weight
    assert cfg.aux_weight_at(late, total) == cfg.aux_weight_late == cfg.aux_weight_at(total - 1, total)


def test_the_shipped_weights_are_one_run_of_the_default_command():
    """weights/train_log.jsonl is one run of `gan train` with its defaults: every
    logged step on Config's schedule, from the first line to the run's last step, never resumed
    with other settings (a resume that changed the schedule would break the learning rates)."""
    cfg, total = Config(), DEFAULT_RUN_STEPS
    rows = [json.loads(line) for line in (ROOT / "weights" / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [*range(cfg.log_every, total, cfg.log_every), total]
    assert [r["lr_g"] for r in rows] == pytest.approx([cfg.lr_g * cfg.lr_factor(r["step"], total) for r in rows], abs=1e-12)
    assert [r["aux_weight"] for r in rows] == [cfg.aux_weight_at(r["step"] - 1, total) for r in rows]
    seconds = [r["seconds"] for r in rows]
    assert seconds == sorted(seconds) and seconds[0] > 0


def test_ema_half_life_ramps_up_to_its_setting():
    cfg = Config()
    images_per_half_life = lambda step: cfg.batch_size * 0.693147 / -math.log(cfg.ema_beta(step))
    early, late = images_per_half_life(10), images_per_half_life(10**6)
    assert early == pytest.approx(11 * cfg.batch_size * cfg.ema_rampup, rel=1e-3)  # a short memory at first
    assert late == pytest.approx(cfg.ema_images, rel=1e-3)


def test_the_log_follows_the_schedule(tmp_path):
    """8 steps (2 epochs of 4): the learning rate falls from the middle, the class loss drops at 3/4."""
    out = run("train", "--data-dir", str(FIXTURE), "--out", str(tmp_path), "--batch-size", "250", "--epochs", "2",
              "--lr-decay-start", "0.5", "--aux-weight", "1", "--aux-weight-late", "0.25", "--aux-late-start", "0.75", "--log-every", "1")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    lr = Config().lr_g
    # Logged after each step: the rate the next step uses.
    assert [r["lr_g"] / lr for r in rows] == pytest.approx([1, 1, 1, 1, 0.75, 0.5, 0.25, 0])
    assert [r["aux_weight"] for r in rows] == [1, 1, 1, 1, 1, 1, 0.25, 0.25]


def test_snapshots_make_a_frontier(tmp_path):
    """Snapshots every epoch; the last one is the final generator itself, measured once."""
    run_dir = tmp_path / "run"
    out = run("train", "--data-dir", str(FIXTURE), "--out", str(run_dir), "--batch-size", "500", "--epochs", "3", "--snapshot-every", "1")
    assert out.returncode == 0, out.stderr
    snaps = sorted(p.name for p in (run_dir / "snapshots").iterdir())
    assert snaps == ["epoch_001", "epoch_002", "epoch_003"]
    cost = [json.loads((run_dir / "snapshots" / s / "cost.json").read_text()) for s in snaps]
    assert [c["step"] for c in cost] == [2, 4, 6] and 0 < cost[0]["seconds"] <= cost[1]["seconds"] <= cost[2]["seconds"]

    png = tmp_path / "frontier.png"
    out = run("dev", "frontier", str(run_dir), "--data-dir", str(FIXTURE), "--samples", "500", "--plot", str(png))
    assert out.returncode == 0, out.stderr
    rows = json.loads((run_dir / "frontier.json").read_text())
    assert [r["generator"] for r in rows] == ["snapshots/epoch_001", "snapshots/epoch_002", "generator"]
    assert all(r["fid"] > 0 and 0 <= r["recall"] <= 1 and 0 <= r["class_accuracy"] <= 1 for r in rows)
    assert all(r["worst_class_fid"] > 0 and r["per_class_fid_ratio"] >= 1 for r in rows)
    assert rows[0]["minutes"] <= rows[1]["minutes"] <= rows[2]["minutes"] and png.stat().st_size > 10_000
    assert out.stdout.count("| " + str(run_dir)) == 3


def test_frontier_plots_recorded_points_alone(tmp_path):
    """Points measured before (runs since deleted) plot without a run folder or MNIST; nothing at all is a usage error."""
    recorded = tmp_path / "recorded.json"
    point = {"minutes": 10.0, "fid": 0.3, "inception_score": 7.5, "precision": 0.8, "recall": 0.7, "class_accuracy": 0.99}
    recorded.write_text(json.dumps({"old recipe": [{"generator": "epoch 5", **point}, {"generator": "epoch 10", **point, "minutes": 20.0}]}))
    png = tmp_path / "frontier.png"
    out = run("dev", "frontier", "--recorded", str(recorded), "--plot", str(png), "--data-dir", str(tmp_path / "no-mnist-here"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("| old recipe |") == 2 and png.stat().st_size > 10_000
    assert not (tmp_path / "no-mnist-here").exists()  # nothing was measured, so nothing was downloaded

    out = run("dev", "frontier")
    assert out.returncode == 2 and "--recorded" in out.stderr and "Traceback" not in out.stderr
