"""gan train under torchrun (data-parallel over N processes, gloo on CPU) against one process,
and the plain single-process run against what it trained before torchrun support existed."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import FIXTURE, ROOT

from gan.core.config import Config
from gan.core.step import build

REFERENCE = ROOT / "tests" / "train_reference.json"
REFERENCE_ARGS = ["--data-dir", "tests/mnist_1000.npz", "--batch-size", "256", "--max-steps", "4", "--log-every", "1",
                  "--threads", "1", "--epochs", "2"]  # 3 steps an epoch: crosses an epoch's checkpoint, grid and shuffle
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
RUN_FILES = ("generator/model.safetensors", "discriminator/model.safetensors", "samples.png", "progress.gif",
             "grids/epoch_001.png", "grids/epoch_002.png")


def state_digest(state: object) -> str:
    """SHA-256 of every tensor's bytes and every other value in a (nested) state dict."""
    h = hashlib.sha256()

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for k in sorted(value, key=str):
                walk(f"{prefix}.{k}", value[k])
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(f"{prefix}.{i}", v)
        elif isinstance(value, torch.Tensor):
            h.update(prefix.encode())
            h.update(value.detach().contiguous().cpu().numpy().tobytes())
        else:
            h.update(f"{prefix}={value!r}".encode())

    walk("", state)
    return h.hexdigest()


def run_digests(out: Path) -> dict[str, str]:
    """What a run leaves, bit for bit: the checkpoint's states (not its wall-clock seconds or its --out) and the files it wrote."""
    ckpt = torch.load(out / "checkpoint.pt", weights_only=True)
    ckpt.pop("seconds"), ckpt["config"].pop("out")
    digests = {f"checkpoint {k}": state_digest(v) for k, v in ckpt.items()}
    digests.update({name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in RUN_FILES})
    return digests


def log_rows(out: Path) -> list[dict]:
    """train_log.jsonl without its wall-clock seconds."""
    return [{k: v for k, v in json.loads(line).items() if k != "seconds"} for line in (out / "train_log.jsonl").read_text().splitlines()]


def machine() -> dict[str, str]:
    """What decides the float arithmetic's last bits: the same torch on the same CPU model computes the
    same bits. The vector width alone is not enough: two AVX-512 machines (the recording's and an AMD
    EPYC) took other kernels and trained other bits from the same code."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    line = lambda key: next((l.split(":", 1)[1].strip() for l in info.splitlines() if l.startswith(key)), "")
    flags = hashlib.sha256(" ".join(sorted(line("flags").split())).encode()).hexdigest()[:16]
    return {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "cpu_model": line("model name"), "cpu_flags": flags}


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:  # how tests/train_reference.json was made
    out = Path("/tmp/train_reference_run")
    subprocess.run([sys.executable, "-m", "gan", "train", *REFERENCE_ARGS, "--out", str(out)], cwd=ROOT, check=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    REFERENCE.write_text(json.dumps({"made_by": f"python tests/test_ddp.py --record at {commit}", "args": REFERENCE_ARGS,
                                     **machine(), "digests": run_digests(out), "log": log_rows(out)}, indent=1) + "\n")


@pytest.fixture(scope="module")
def one_process(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference run's settings in one plain process: 4 steps of 256 on the fixture."""
    out = tmp_path_factory.mktemp("one_process")
    done = run_train(*REFERENCE_ARGS, "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_a_single_process_run_is_unchanged_bit_for_bit(one_process):
    """Plain `gan train` trains what it trained before torchrun support: the same
    weights, optimiser states, images and log, bit for bit, as tests/train_reference.json
    recorded from the code before it (4 steps across an epoch's end). Bits depend on the
    arithmetic: where torch or the CPU's vector instructions differ from the recording's,
    the log's losses (rounded to 5 places) are the check instead."""
    reference = json.loads(REFERENCE.read_text())
    assert reference["args"] == REFERENCE_ARGS
    if machine() == {k: reference.get(k) for k in machine()}:
        assert run_digests(one_process) == reference["digests"]
        assert log_rows(one_process) == reference["log"]
    else:
        for row, expected in zip(log_rows(one_process), reference["log"], strict=True):
            assert row == pytest.approx(expected, abs=2e-5)


def test_two_processes_train_the_weights_one_process_trains(one_process, tmp_path):
    """torchrun with 2 processes (gloo), each on half of every batch of 256, trains the weights
    one process trains on the whole batches, across an epoch's end; rank 0 alone writes."""
    done = torchrun(2, *REFERENCE_ARGS, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert_same_training(tmp_path, one_process)
    assert done.stdout.count("done: 4 steps") == 1 and done.stdout.count("saved ") == 1
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == sorted(p.relative_to(one_process) for p in one_process.rglob("*"))


def test_two_processes_resume_where_they_stopped(tmp_path):
    """A 2-process run's checkpoint, resumed on 2 processes, trains on as one process resuming
    it does (a resumed run reseeds torch's generator, so the reference is a resume too), and its
    log continues rather than restarts."""
    args = ["--data-dir", str(FIXTURE), "--batch-size", "64", "--log-every", "1", "--threads", "1"]
    first = torchrun(2, *args, "--max-steps", "1", "--out", str(tmp_path / "two"))
    assert first.returncode == 0, first.stderr
    shutil.copytree(tmp_path / "two", tmp_path / "one")
    one = run_train(*args, "--max-steps", "2", "--resume", "--out", str(tmp_path / "one"))
    assert one.returncode == 0, one.stderr
    two = torchrun(2, *args, "--max-steps", "2", "--resume", "--out", str(tmp_path / "two"))
    assert two.returncode == 0, two.stderr
    assert two.stdout.count("resumed from") == 1 and [row["step"] for row in log_rows(tmp_path / "two")] == [1, 2]
    assert_same_training(tmp_path / "two", tmp_path / "one")


def test_synchronised_batch_norm_and_averaged_gradients_are_the_whole_batchs(tmp_path):
    """On 2 processes with half a batch each, a generator step (tests/ddp_worker.py) gives
    each process the output rows and every process the weights, batch-norm statistics
    included, that one process's step on the whole batch gives. Under plain SGD, so the
    gradients' mean, not their sum, is what matches."""
    from ddp_worker import generator_and_batch, one_step

    done = subprocess.run([*TORCHRUN, "--nproc_per_node=2", "tests/ddp_worker.py", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    g, z, y = generator_and_batch()
    out = one_step(g, z, y)
    for rank in (0, 1):
        got = torch.load(tmp_path / f"rank{rank}.pt", weights_only=True)
        torch.testing.assert_close(got["out"], out[rank::2], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(got["state"], g.state_dict(), rtol=1e-5, atol=1e-6)


def test_sigterm_to_torchrun_stops_every_process_at_one_step_with_a_checkpoint(tmp_path):
    """`kill` of torchrun (a job scheduler's stop) reaches every process: they stop together at
    one step, and rank 0 leaves the checkpoint of that step to --resume from, as a plain run does."""
    run = subprocess.Popen(torchrun_command(2, *REFERENCE_ARGS, "--max-steps", "0", "--epochs", "50", "--out", str(tmp_path)),
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    log, give_up = tmp_path / "train_log.jsonl", time.monotonic() + 300  # a guard against a hang, not a timing check
    while not (log.exists() and len(log.read_text().splitlines()) >= 2):
        assert run.poll() is None and time.monotonic() < give_up
        time.sleep(0.2)
    run.send_signal(signal.SIGTERM)
    stdout, _ = run.communicate(timeout=300)
    assert stdout.count("interrupted at step") == 1, stdout
    step = int(stdout.split("interrupted at step ")[1].split(":")[0])
    assert step >= 2 and torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] == step
    assert [row["step"] for row in log_rows(tmp_path)] == list(range(1, step + 1))


def test_a_batch_that_does_not_divide_among_the_processes_is_refused(tmp_path):
    done = torchrun(2, "--data-dir", str(FIXTURE), "--batch-size", "33", "--out", str(tmp_path / "run"))
    assert done.returncode != 0
    assert done.stderr.count("error: --batch-size 33 does not divide among 2 processes: give a multiple of 2") == 1, done.stderr
    assert "gan/train.py" not in done.stderr  # a sentence, not a worker's traceback (torchrun adds its own report)
    assert not (tmp_path / "run").exists()


# Biases right before a batch norm: the norm subtracts them again, so their gradient is 0 up to
# rounding, and Adam, which divides a gradient by its own size, steps them by the rounding's
# sign. One process and two move them by unrelated noise; nothing downstream sees them.
CANCELLED_BY_BATCHNORM = {"fc.0.bias", "conv.0.bias"}


def assert_same_training(run: Path, reference: Path) -> None:
    """`run` holds `reference`'s training to float rounding: at the same step, every tensor of
    G, D and the EMA within 1% of how far training moved it from the initial weights (what a
    wrong shard of the data or of the latents, unaveraged gradients or per-process batch norm
    miss by 15-100%: docs/training.md), and the same log to 4 places."""
    a, b = (torch.load(p / "checkpoint.pt", weights_only=True) for p in (run, reference))
    assert a["step"] == b["step"]
    torch.manual_seed(0)
    G, D, _, _ = build(Config())
    initial = {"G": G.state_dict(), "D": D.state_dict(), "ema": G.state_dict()}
    for model in ("G", "D", "ema"):
        for name, trained in b[model].items():
            if not trained.is_floating_point():
                assert torch.equal(a[model][name], trained), f"{model}.{name}"
            elif name not in CANCELLED_BY_BATCHNORM:
                moved = (trained - initial[model][name]).norm()
                assert (a[model][name] - trained).norm() <= 0.01 * moved, f"{model}.{name}"
    for row, expected in zip(log_rows(run), log_rows(reference), strict=True):
        assert row == pytest.approx(expected, abs=1e-4)


def run_train(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gan", "train", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def torchrun_command(processes: int, *args: str) -> list[str]:
    return [*TORCHRUN, f"--nproc_per_node={processes}", "-m", "gan", "train", *args]


def torchrun(processes: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(torchrun_command(processes, *args), cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
