"""What a newcomer tripped over, each now a sentence instead of a surprise: measuring never
rewrites the shipped weights, a mistyped weights path is named in one line, every command finds
the weights from any directory, and the model card is what gan.ship writes from metrics.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import FIXTURE, ROOT, WEIGHTS


def run(args: list[str], cwd=ROOT, **env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", **env}  # gan importable anywhere, as `pip install -e .` makes it
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def one_sentence(out: subprocess.CompletedProcess, *words: str) -> None:
    assert out.returncode != 0
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert all(w in out.stderr for w in words), out.stderr


def test_measuring_never_rewrites_the_shipped_weights():
    before = {p: p.stat().st_mtime_ns for p in WEIGHTS.rglob("*")}
    out = run(["-m", "gan.evaluate", "--weights", str(WEIGHTS), "--out", str(WEIGHTS), "--data-dir", str(FIXTURE)])
    one_sentence(out, "shipped weights folder", "--out")
    assert {p: p.stat().st_mtime_ns for p in WEIGHTS.rglob("*")} == before


def test_evaluate_writes_beside_the_runs_by_default():
    from gan.evaluate import default_out

    assert default_out(WEIGHTS).as_posix() == f"runs/eval-{WEIGHTS.name}"
    assert default_out(ROOT / "runs" / "dcgan").as_posix() == "runs/eval-dcgan"


@pytest.mark.parametrize("spec", ["runs/typo", "./typo", "no/such/folder"])
def test_a_mistyped_weights_folder_is_named_in_one_sentence(spec, tmp_path):
    one_sentence(run(["app.py"], GAN_WEIGHTS=spec), "weights folder not found", spec)
    one_sentence(run(["-m", "gan.evaluate", "--weights", spec, "--data-dir", str(FIXTURE), "--out", str(tmp_path)]), spec)
    one_sentence(run(["-m", "gan.synth", "--weights", spec, "--per-class", "1", "--out", str(tmp_path / "s.npz")]), spec)


def test_an_unreachable_hub_repo_is_one_sentence_too():
    out = run(["app.py"], GAN_WEIGHTS="someone/no-such-gan")
    one_sentence(out, "someone/no-such-gan", "Hub")


def test_commands_find_the_shipped_weights_from_any_directory(tmp_path):
    """As after `pip install -e .`: no --weights, run from elsewhere."""
    out = run(["-m", "gan.synth", "--per-class", "1", "--out", "s.npz"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "s.npz").exists()


def test_the_model_card_is_gan_ships_and_parses_as_a_hub_card():
    from huggingface_hub import ModelCard

    from gan.ship import card_text

    metrics = json.loads((WEIGHTS / "metrics.json").read_text())
    text = (WEIGHTS / "README.md").read_text()
    assert text == card_text(metrics)  # rewritten whenever gan.ship writes metrics.json
    data = ModelCard(text).data
    assert data.license == "mit" and data.datasets == ["mnist"] and "gan" in data.tags
    fid = next(r for r in data.eval_results if r.metric_type == "fid")
    assert fid.metric_value == round(metrics["generator"]["fid"], 3) and fid.dataset_type == "mnist"
