"""gan.train under torchrun (data-parallel over N processes, gloo on CPU) against one process,
and the plain single-process run against what it trained before torchrun support existed."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import ROOT

REFERENCE = ROOT / "tests" / "train_reference.json"
REFERENCE_ARGS = ["--data-dir", "tests/mnist_1000.npz", "--batch-size", "256", "--max-steps", "4", "--log-every", "1",
                  "--threads", "1", "--epochs", "2"]  # 3 steps an epoch: crosses an epoch's checkpoint, grid and shuffle
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
    """What decides the float arithmetic's last bits: the same torch on the same kind of CPU computes the same bits."""
    return {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability()}


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:  # how tests/train_reference.json was made
    out = Path("/tmp/train_reference_run")
    subprocess.run([sys.executable, "-m", "gan.train", *REFERENCE_ARGS, "--out", str(out)], cwd=ROOT, check=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    REFERENCE.write_text(json.dumps({"made_by": f"python tests/test_ddp.py --record at {commit}", "args": REFERENCE_ARGS,
                                     **machine(), "digests": run_digests(out), "log": log_rows(out)}, indent=1) + "\n")


def test_a_single_process_run_is_unchanged_bit_for_bit(tmp_path):
    """Plain `python -m gan.train` trains what it trained before torchrun support: the same
    weights, optimiser states, images and log, bit for bit, as tests/train_reference.json
    recorded from the code before it (4 steps across an epoch's end). Bits depend on the
    arithmetic: where torch or the CPU's vector instructions differ from the recording's,
    the log's losses (rounded to 5 places) are the check instead."""
    reference = json.loads(REFERENCE.read_text())
    out = run_train(*reference["args"], "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    if machine() == {k: reference[k] for k in machine()}:
        assert run_digests(tmp_path) == reference["digests"]
        assert log_rows(tmp_path) == reference["log"]
    else:
        for row, expected in zip(log_rows(tmp_path), reference["log"], strict=True):
            assert row == pytest.approx(expected, abs=2e-5)


def run_train(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gan.train", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
