"""The training script on the committed 1,000-digit fixture: a real 2-step run and a resume."""

import dataclasses
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from gan.training import gan as train_mod
from gan.core.data import load_mnist
from gan.core.errors import DataError
from gan.core.pixels import to_model_range
from gan.core.step import build, train_step
from gan.core.models import Discriminator, Generator

from conftest import FIXTURE, ROOT


def run_train(*args):
    return subprocess.run([sys.executable, "-m", "gan", "train", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_help_documents_every_setting():
    out = run_train("--help")
    assert out.returncode == 0
    for f in dataclasses.fields(train_mod.Config):
        assert "--" + f.name.replace("_", "-") in out.stdout


@pytest.mark.parametrize("loss", [["bce", "--diversity-weight", "1"], ["wgan-gp"], ["rpgan", "--r1-gamma", "0.05", "--r1-every", "1"],
                                  ["bce", "--precision", "bf16"]],
                         ids=["bce-diversity", "wgan-gp", "rpgan-r1", "bce-bf16"])
def test_two_steps_then_resume(tmp_path, loss):
    common = ["--data-dir", str(FIXTURE), "--out", str(tmp_path), "--batch-size", "32", "--log-every", "1", "--loss", *loss, "--epochs", "2"]
    first = run_train(*common, "--max-steps", "2")
    assert first.returncode == 0, first.stderr
    ckpt = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert ckpt["step"] == 2
    rows = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    assert all(np.isfinite([r["loss_d"], r["loss_g"], r["d_real"], r["d_fake"]]).all() for r in rows)

    # The trained weights moved away from the initial ones (same seed, same init).
    torch.manual_seed(0)
    init = Generator("dcgan", 64, 128).state_dict()
    trained = load_file(tmp_path / "generator" / "model.safetensors")
    assert any(not torch.equal(init[k], trained[k]) for k in init if k.endswith("weight"))

    second = run_train(*common, "--max-steps", "4", "--resume")
    assert second.returncode == 0, second.stderr
    assert "resumed from" in second.stdout
    rows = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3, 4]  # continued, not restarted
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] == 4
    assert (tmp_path / "samples.png").exists() and (tmp_path / "progress.gif").exists()


def test_bf16_runs_the_convolutions_in_bfloat16_and_keeps_float32_weights():
    """--precision bf16: the same first step as float32 (same weights, same latents) to
    bfloat16's precision, with G's and D's convolutions computed in bfloat16 and every
    weight, gradient and loss still float32."""
    images, labels = load_mnist(FIXTURE)
    real, y = to_model_range(images[:64]), labels[:64]
    results = {}
    for precision in ("fp32", "bf16"):
        cfg = train_mod.Config(batch_size=64, precision=precision)
        torch.manual_seed(0)
        G, D, opt_g, opt_d = build(cfg)
        conv_dtypes = set()
        for m in [*G.modules(), *D.modules()]:
            if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
                m.register_forward_hook(lambda mod, inp, out: conv_dtypes.add(out.dtype))
        results[precision] = train_step(G, D, opt_g, opt_d, real, y, cfg, rng=torch.Generator().manual_seed(1))
        expected = torch.bfloat16 if precision == "bf16" else torch.float32
        assert conv_dtypes == {expected}
        assert {p.dtype for p in [*G.parameters(), *D.parameters()]} == {torch.float32}
        assert {p.grad.dtype for p in G.parameters()} == {torch.float32}
    for k in ("loss_d", "loss_g", "d_real", "d_fake"):
        assert results["bf16"][k] == pytest.approx(results["fp32"][k], rel=0.05), k


def test_kill_saves_a_checkpoint_to_resume_from(tmp_path):
    """SIGTERM (`kill`, a job scheduler) stops a run as Ctrl-C does: a checkpoint at the step it reached."""
    run = subprocess.Popen([sys.executable, "-m", "gan", "train", "--data-dir", str(FIXTURE), "--out", str(tmp_path),
                            "--batch-size", "32", "--log-every", "1", "--epochs", "50"],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    log, give_up = tmp_path / "train_log.jsonl", time.monotonic() + 300  # a guard against a hang, not a timing check
    while not (log.exists() and len(log.read_text().splitlines()) >= 3):
        assert run.poll() is None and time.monotonic() < give_up
        time.sleep(0.2)
    run.send_signal(signal.SIGTERM)
    stdout, _ = run.communicate(timeout=300)
    assert run.returncode == 0 and "interrupted at step" in stdout
    step = int(stdout.split("interrupted at step ")[1].split(":")[0])
    assert step >= 3 and torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] == step


def test_class_losses_train_the_class_head_and_its_twin(tmp_path):
    heads, twins = [], []
    for steps in ("1", "3"):  # same seed, same init: only the class losses can move the class heads
        out = run_train("--data-dir", str(FIXTURE), "--out", str(tmp_path / steps), "--aux-weight", "1", "--twin-classifier",
                        "--max-steps", steps, "--batch-size", "32")
        assert out.returncode == 0, out.stderr
        D = Discriminator.from_pretrained(tmp_path / steps / "discriminator", strict=True)
        assert D.aux_classifier and D.twin_classifier
        heads.append(D.classify.weight.detach())
        twins.append(D.classify_fakes.weight.detach())
    assert not torch.equal(*heads) and not torch.equal(*twins)


def test_mlp_baseline_trains(tmp_path):
    out = run_train("--data-dir", str(FIXTURE), "--out", str(tmp_path), "--arch", "mlp", "--z-dim", "100", "--max-steps", "2", "--batch-size", "32")
    assert out.returncode == 0, out.stderr
    assert Generator.from_pretrained(tmp_path / "generator").arch == "mlp"


def test_corrupt_data_dir_gives_a_clear_error(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]:
        (raw / name).write_bytes(b"not an idx file")
    out = run_train("--data-dir", str(tmp_path), "--out", str(tmp_path / "run"))
    assert out.returncode != 0
    assert "is not an MNIST idx file" in out.stderr and "Traceback" not in out.stderr


def test_bad_npz_gives_a_clear_error(tmp_path):
    bad = tmp_path / "digits.npz"
    np.savez(bad, images=np.zeros((3, 5, 5), np.uint8), labels=np.zeros(3, np.int64))
    with pytest.raises(DataError, match=r"expected uint8 images of shape \[N, 28, 28\]"):
        load_mnist(bad)
    with pytest.raises(DataError, match="could not read"):
        load_mnist(tmp_path / "missing.npz")


def test_resume_drops_log_lines_written_after_the_checkpoint(tmp_path):
    from gan.training.gan import trim_log

    log = tmp_path / "train_log.jsonl"
    log.write_text("".join(json.dumps({"step": s, "loss_d": 1.0}) + "\n" for s in (50, 100, 150, 200)))
    trim_log(log, 100)  # killed at step ~200, last checkpoint at 100
    assert [json.loads(l)["step"] for l in log.read_text().splitlines()] == [50, 100]


@pytest.mark.parametrize("args", [["--loss", "hinge"], ["--r1-gamma", "0.05", "--r1-every", "0"], ["--r1-gamma", "-1"], ["--diversity-weight", "-1"],
                                  ["--twin-classifier", "--aux-weight", "0"], ["--precision", "fp16"],
                                  ["--class-shares", "1,1,1"], ["--class-shares", "1,1,1,1,1,1,1,1,-1,1"], ["--class-shares", "0,0,0,0,0,0,0,0,0,0"],
                                  ["--class-shares", "1,1,1,1,1,1,1,1,nan,1"], ["--class-shares", "a,b"]])
def test_bad_settings_are_refused_before_training(tmp_path, args):
    out = run_train("--data-dir", str(FIXTURE), "--out", str(tmp_path / "run"), *args)
    assert out.returncode == 2 and "error:" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "run").exists()


def test_class_shares_set_each_digits_share_of_an_epoch():
    """--class-shares draws digits in the given proportions, whatever the data's own; without
    it an epoch is a shuffle that visits every digit once. Both depend on the seed alone."""
    from gan.training.gan import epoch_order

    labels = torch.tensor([0] * 900 + [8] * 100 + list(range(1, 8)) * 100 + [9] * 100)  # 0 is 9 times as common as 8
    plain = epoch_order(labels, None, seed=3)
    assert sorted(plain.tolist()) == list(range(len(labels))) and torch.equal(plain, epoch_order(labels, None, seed=3))
    shares = [1, 1, 1, 1, 1, 1, 1, 1, 3, 1]
    order = epoch_order(labels, shares, seed=3)
    assert len(order) == len(labels) and torch.equal(order, epoch_order(labels, shares, seed=3))
    drawn = torch.bincount(labels[order], minlength=10).float() / len(order)
    assert drawn[8].item() == pytest.approx(3 / 12, abs=0.03) and drawn[0].item() == pytest.approx(1 / 12, abs=0.03)
    assert (labels[epoch_order(labels, [0, 0, 0, 0, 0, 0, 0, 0, 1, 0], seed=0)] == 8).all()


def test_a_run_with_class_shares_trains(tmp_path):
    out = run_train("--data-dir", str(FIXTURE), "--out", str(tmp_path), "--max-steps", "2", "--class-shares", "1,1,1,1,1,1,1,1,2,1")
    assert out.returncode == 0, out.stderr
    assert [json.loads(line)["step"] for line in (tmp_path / "train_log.jsonl").read_text().splitlines()] == [2]
    ckpt = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert ckpt["step"] == 2 and ckpt["config"]["class_shares"] == "1,1,1,1,1,1,1,1,2,1"


def test_class_shares_that_leave_nothing_to_draw_are_refused(tmp_path):
    """Shares only for digits the data lacks: a sentence before training, not torch's error mid-run."""
    images, labels = load_mnist(str(FIXTURE))
    keep = labels < 8
    np.savez(tmp_path / "no_8_or_9.npz", images=images[keep].numpy(), labels=labels[keep].numpy())
    out = run_train("--data-dir", str(tmp_path / "no_8_or_9.npz"), "--out", str(tmp_path / "run"), "--max-steps", "2",
                    "--class-shares", "0,0,0,0,0,0,0,0,1,1")
    assert out.returncode == 1 and "--class-shares gives a share of 0 to every digit" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / "run").exists()


def test_a_second_run_into_the_same_folder_is_refused_without_resume(tmp_path):
    first = run_train("--data-dir", str(FIXTURE), "--out", str(tmp_path), "--batch-size", "32", "--max-steps", "2", "--log-every", "1")
    assert first.returncode == 0, first.stderr
    log_before = (tmp_path / "train_log.jsonl").read_text()
    again = run_train("--data-dir", str(FIXTURE), "--out", str(tmp_path), "--batch-size", "32", "--max-steps", "2")
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert "already holds a run" in again.stderr and "--resume" in again.stderr and "--out" in again.stderr
    assert (tmp_path / "train_log.jsonl").read_text() == log_before  # nothing appended, the checkpoint kept


@pytest.mark.parametrize("args, words", [
    (["--precision", "bf61"], ["--precision", "'bf61'", "'fp32', 'bf16'"]),
    (["--loss", "hinge"], ["--loss", "'hinge'", "wgan-gp"]),
    (["--epohcs", "3"], ["unrecognized arguments: --epohcs", "did you mean --epochs?"]),
    (["--epoch", "3"], ["unrecognized arguments: --epoch", "did you mean --epochs?"]),  # no silent abbreviation
    (["--recipe", "bf16-31"], ["--recipe", "'bf16-31'", "bf16-30"]),
])
def test_a_wrong_option_is_named(args, words):
    out = run_train("--out", "runs/never", *args)
    assert out.returncode == 2 and all(w in out.stderr for w in words), out.stderr
    assert len(out.stderr.strip().splitlines()) == 1  # the error, not a usage dump around it


def test_recipes_are_named_settings_and_flags_beside_them_win():
    from gan.cli.commands import train_config as parse_args
    from gan.core.config import RECIPES, Config, recipe

    field_names = {f.name for f in dataclasses.fields(Config)}
    assert {"shipped", "bf16-30", "fast30", "quick"} <= set(RECIPES) and RECIPES["shipped"] == {}
    assert all(set(values) <= field_names for values in RECIPES.values())
    assert parse_args([]) == Config() == recipe("shipped")
    assert parse_args(["--recipe", "bf16-30"]) == Config(precision="bf16", epochs=70)
    assert parse_args(["--recipe", "bf16-30", "--epochs", "5", "--seed", "1"]) == Config(precision="bf16", epochs=5, seed=1)
    assert parse_args(["--epochs", "5", "--recipe", "fast30"]).epochs == 5  # wherever the flag stands
    assert recipe("quick").epochs < Config().epochs


def test_the_command_lines_loss_names_are_the_losses():
    from gan.core.config import LOSS_NAMES
    from gan.core.losses import LOSSES

    assert set(LOSS_NAMES) == set(LOSSES)


def test_help_shows_the_recipes_values():
    out = run_train("--recipe", "bf16-30", "--help")
    assert out.returncode == 0 and "(default: 70)" in out.stdout and "(default: bf16)" in out.stdout
