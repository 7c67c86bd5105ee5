"""The benchmark still runs end to end (a few repetitions) and reports every row.
No timing is asserted: CI machines are too noisy for that; `gan bench` is for people."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

from conftest import ROOT, WEIGHTS

ROWS = [
    "in-process: one digit (seed, digit, 8 sliders) (ms)",
    "in-process: 64-digit grid (8x8) (ms)",
    "in-process: 16-frame interpolation (ms)",
    "in-process: score a 28x28 image (ms)",
    "in-process: preprocess + score 4000x3000 JPEG (ms)",
    "float32 matmul 1024x1024 (GFLOP/s)",
    "generator FLOPs per image (MFLOP)",
    "generator throughput, batch 256 (images/s)",
    "FLOP bound at matmul speed (images/s)",
    "training: float32 matmul 1024x1024, 2 threads (GFLOP/s)",
    "training: bfloat16 matmul 1024x1024, 2 threads (GFLOP/s)",
    "training: FLOPs per image, step of 32 (MFLOP)",
    "training: step of 32, 2 threads (images/s)",
    "training: FLOP bound at float32 matmul speed, 2 threads, step of 32 (images/s)",
    "training: epoch of 60,000 in steps of 32 at that rate (s)",
    "training: step of 32, --precision bf16, 2 threads (images/s)",
    "training: FLOP bound at bfloat16 matmul speed, 2 threads, step of 32 (images/s)",
    "training: epoch of 60,000 in steps of 32, --precision bf16 at that rate (s)",
    "training: FLOPs per image, step of 128 (MFLOP)",
    "training: step of 128, 2 threads (images/s)",
    "training: FLOP bound at float32 matmul speed, 2 threads, step of 128 (images/s)",
    "training: epoch of 60,000 in steps of 128 at that rate (s)",
    "training: step of 128, --precision bf16, 2 threads (images/s)",
    "training: FLOP bound at bfloat16 matmul speed, 2 threads, step of 128 (images/s)",
    "training: epoch of 60,000 in steps of 128, --precision bf16 at that rate (s)",
    "bare import gradio, torch (s)",
    "cold start to first /generate (s)",
    "cold start beyond imports (s)",
    "app peak RSS, VmHWM (MB)",
    "app RSS after the run, VmRSS (MB)",
    "HTTP /generate (ms)",
    "HTTP trivial endpoint (fixed 28x28 PNG) (ms)",
    "HTTP /grid (8x8) (ms)",
    "HTTP /score (280x280 PNG upload) (ms)",
    "/generate ÷ trivial endpoint (ratio)",
    "Gradio's per-request event summary, 10,000 events (off in app.py) (ms)",
]
# A difference of two timings: on a busy machine it can come out negative, and still be a result.
SIGNED = {"cold start beyond imports (s)"}


def test_smoke_run_prints_and_writes_every_row(tmp_path):
    out = tmp_path / "bench.json"
    env = {**os.environ, "GAN_WEIGHTS": str(WEIGHTS), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.run([sys.executable, "-m", "gan", "bench", "--smoke", "--json", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)  # a hang guard, not a timing assert: a busy 2-core machine can be slow
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    rows = {r["name"]: r for r in json.loads(out.read_text())["rows"]}
    assert sorted(rows) == sorted(ROWS)
    for name, row in rows.items():
        for key in ("median", "p95"):
            assert math.isfinite(row[key]) and (name in SIGNED or row[key] > 0), (name, row)
        assert row["n"] >= 1 and row["met"] in (None, True, False)
        assert f"| {name} |" in proc.stdout  # and the printed Markdown table has the row
    assert proc.stdout.count("\n|") == len(ROWS) + 2  # header, rule, one line per row
