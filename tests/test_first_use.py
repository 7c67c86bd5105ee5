"""What a newcomer tripped over, each now a sentence instead of a surprise: measuring never
rewrites the shipped weights, a mistyped weights path is named in one line, every command finds
the weights from any directory, and the model card is what gan ship writes from metrics.json.
What was typed is checked before anything heavy loads: a mistyped GAN_WEIGHTS, a run folder
that already holds a run, MNIST missing where --data-dir points each answer in one sentence
without importing torch; gan evaluate says what it is doing, and reading the game's rounds
writes nothing."""

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
    out = run(["-m", "gan", "evaluate", "--weights", str(WEIGHTS), "--out", str(WEIGHTS), "--data-dir", str(FIXTURE)])
    one_sentence(out, "shipped weights folder", "--out")
    assert {p: p.stat().st_mtime_ns for p in WEIGHTS.rglob("*")} == before


def test_evaluate_writes_beside_the_runs_by_default():
    from gan.cli.commands import default_out

    assert default_out(WEIGHTS).as_posix() == f"runs/eval-{WEIGHTS.name}"
    assert default_out(ROOT / "runs" / "dcgan").as_posix() == "runs/eval-dcgan"


@pytest.mark.parametrize("spec", ["runs/typo", "./typo", "no/such/folder"])
def test_a_mistyped_weights_folder_is_named_in_one_sentence(spec, tmp_path):
    one_sentence(run(["app.py"], GAN_WEIGHTS=spec), "weights folder not found", spec)
    one_sentence(run(["-m", "gan", "evaluate", "--weights", spec, "--data-dir", str(FIXTURE), "--out", str(tmp_path)]), spec)
    one_sentence(run(["-m", "gan", "synth", "--weights", spec, "--per-class", "1", "--out", str(tmp_path / "s.npz")]), spec)


def test_an_unreachable_hub_repo_is_one_sentence_too():
    out = run(["app.py"], GAN_WEIGHTS="someone/no-such-gan")
    one_sentence(out, "someone/no-such-gan", "Hub")


def test_commands_find_the_shipped_weights_from_any_directory(tmp_path):
    """As after `pip install -e .`: no --weights, run from elsewhere."""
    out = run(["-m", "gan", "synth", "--per-class", "1", "--out", "s.npz"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "s.npz").exists()


# A command run in a fresh process that reports, after it exits, whether it imported torch.
REFUSED = """
import json, sys
import gan.core.inputs
gan.core.inputs.reachable = lambda *a, **k: False  # as offline, wherever the test runs
from gan.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as e:
    code = e.code
if isinstance(code, str):  # sys.exit(message) prints it on the way out; caught here, it is printed as it would be
    print(code, file=sys.stderr)
print(json.dumps({"code": code if isinstance(code, int) else 1, "torch": "torch" in sys.modules}))
"""


def refused_before_loading(args: list[str], *words: str, **env: str) -> str:
    """`gan ARGS` fails in one sentence holding `words`, and never imported torch."""
    out = run(["-c", REFUSED, *args], **env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"code": result["code"], "torch": False} and result["code"] != 0, (result, out.stderr)
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert all(w in out.stderr for w in words), out.stderr
    return out.stderr


def test_a_mistyped_gan_weights_is_named_before_loading(tmp_path):
    for command in (["evaluate", "--data-dir", str(FIXTURE), "--out", str(tmp_path / "e")], ["synth", "--per-class", "1", "--out", str(tmp_path / "s.npz")],
                    ["lab"], ["project", "--measure"], ["bench"]):
        refused_before_loading(command, "weights folder not found: runs/typo", "$GAN_WEIGHTS", GAN_WEIGHTS="runs/typo")


def test_a_run_folder_that_holds_a_run_is_refused_before_loading(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "train_log.jsonl").write_text("")
    refused_before_loading(["train", "--data-dir", str(FIXTURE), "--out", str(tmp_path / "run")], "already holds a run", "--resume")
    refused_before_loading(["train", "--data-dir", str(FIXTURE), "--out", str(tmp_path / "new"), "--resume"], "no checkpoint")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("command", [["train", "--out", "{tmp}/run"], ["evaluate", "--out", "{tmp}/e"], ["lab", "--make-data", "{data}"],
                                     ["ship", "{weights}", "--to", "{tmp}/w"], ["dev", "train-classifier", "--out", "{tmp}/c"]])
def test_missing_mnist_is_one_sentence_before_loading(command, tmp_path):
    """No MNIST where --data-dir points and no network to download it: what to do, in one
    sentence (not torchvision's lines with a URL per mirror), at once."""
    data = tmp_path / "no-mnist-here"
    args = [a.format(tmp=tmp_path, data=data, weights=WEIGHTS) for a in command]
    option = "--make-data" if "--make-data" in args else "--data-dir"
    if option == "--data-dir":
        args += ["--data-dir", str(data)]
    said = refused_before_loading(args, f"MNIST is not in {data}", f"give {option} a local copy of MNIST")
    assert "http" not in said
    assert not data.exists() and not (tmp_path / "run").exists()
    npz = refused_before_loading([*args[:-1], str(tmp_path / "typo.npz")] if option == "--data-dir" else ["lab", "--make-data", str(tmp_path / "typo.npz")],
                                 "no such file", "typo.npz")
    assert "http" not in npz


def test_what_the_data_check_accepts(tmp_path, monkeypatch):
    from gan.core import inputs
    from gan.core.errors import DataError

    raw = tmp_path / "mnist" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in [*inputs.IDX_FILES[True], *inputs.IDX_FILES[False]]:
        (raw / (name + ".gz" if "labels" in name else name)).write_bytes(b"")  # torchvision extracts the .gz a download left
    monkeypatch.setattr(inputs, "reachable", lambda *a, **k: False)
    assert inputs.check_data(tmp_path / "mnist") == "" and inputs.check_data(FIXTURE) == ""
    with pytest.raises(DataError, match="neither a folder nor an .npz"):
        inputs.check_data(FIXTURE.with_name("conftest.py"))
    monkeypatch.setattr(inputs, "reachable", lambda *a, **k: True)  # online: a folder without MNIST is where it will be downloaded
    assert inputs.check_data(tmp_path / "new") == f"MNIST is not in {tmp_path / 'new'}: torchvision will download it there (about 12 MB)"


def test_the_cli_seed_limits_are_the_samplers():
    from gan.cli import commands
    from gan.core import sampling

    assert (commands.MAX_SEED, commands.SYNTH_SEED) == (sampling.MAX_SEED, sampling.SYNTH_SEED)  # gan synth checks seeds before torch loads


def test_the_old_module_commands_say_where_the_command_went():
    for module in ("gan.train", "gan.evaluate", "gan.tools.loadtest"):
        out = run(["-m", module, "--help"])
        one_sentence(out, f"{module} is not a command", "gan <command>", "python -m gan <command>")
        assert out.stdout == ""


def test_evaluate_says_what_it_is_doing_and_nothing_else(tmp_path, recwarn):
    """Each step of a measurement that takes more than a moment is named on stderr before it
    starts; torchmetrics' warning about keeping every feature never reaches the user."""
    import warnings

    from gan.evaluate import evaluate

    steps = []
    warnings.simplefilter("always")
    result = evaluate(WEIGHTS, tmp_path, WEIGHTS / "classifier", FIXTURE, cas_epochs=0, samples=500, progress=steps.append)
    assert result["config"]["samples"] == 500 and (tmp_path / "metrics.json").exists()
    assert [s.split(":")[0].split(" ")[0] for s in steps] == ["reading", "the", "the", "the", "the", "the"]
    assert any("drawn and measured" in s for s in steps) and any("floor" in s for s in steps) and any("calibration" in s for s in steps)
    assert [str(w.message) for w in recwarn if "torchmetrics" in w.filename or "Metric" in str(w.message)] == []


def test_reading_the_games_rounds_writes_nothing(tmp_path):
    """gan human-eval --export reads the database: it neither creates one where there is none
    nor touches one that exists (no schema written, no WAL or journal files, no migration)."""
    from gan.space.human_eval import DB_NAME, Store

    empty = tmp_path / "empty"
    empty.mkdir()
    out = run(["-m", "gan", "human-eval", "--data-dir", str(empty), "--export", str(tmp_path / "a.csv")])
    one_sentence(out, "no rounds stored yet")
    assert list(empty.iterdir()) == []

    folder = tmp_path / "data"
    store = Store(folder / DB_NAME)
    store.add({"id": "r1", "session": "s", "model": "m", "is_real": 1, "digit": 3, "real_index": 5, "shown_at": 1.0})
    store.close()
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    out = run(["-m", "gan", "human-eval", "--data-dir", str(folder), "--export", str(tmp_path / "r.csv"), "--figures"])
    assert out.returncode == 0, out.stderr
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()} == before
    assert "r1" in (tmp_path / "r.csv").read_text() and json.loads(out.stdout)["shown"] == 1

    live = Store(folder / DB_NAME)  # the app running: its latest rounds are still in the write-ahead log
    live.add({"id": "r2", "session": "s", "model": "m", "is_real": 1, "digit": 4, "real_index": 6, "shown_at": 2.0})
    out = run(["-m", "gan", "human-eval", "--data-dir", str(folder), "--export", str(tmp_path / "r.csv")])
    live.close()
    assert out.returncode == 0 and "r2" in (tmp_path / "r.csv").read_text(), out.stderr


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
