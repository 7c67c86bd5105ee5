"""The Training lab from the command line: run its presets and measure what each shows.

    gan lab --preset all          # run every preset and measure its signal
    gan lab --preset healthy --steps 200
    gan lab --make-data ../shared/data    # rewrite weights/lab_digits.npz

The lab itself (settings, presets, a run as a stream of updates, their signals) is
gan/space/lab.py, which the Space's "Training lab" tab streams.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import torch

from gan.core.data import load_mnist
from gan.core.models import Classifier, fold_batchnorm
from gan.core.weights import load_model, resolve_weights
from gan.space.lab import LAB_DIGITS, PRESET_NAMES, PRESETS, run_to_end, signals


def make_lab_digits(data_dir: str, out: Path = LAB_DIGITS, per_digit: int = 1200, seed: int = 0) -> None:
    """Write the shipped subset: `per_digit` random training digits of each class, in MNIST order."""
    images, labels = load_mnist(data_dir)
    x, y = images.numpy(), labels.numpy()
    rng = np.random.default_rng(seed)
    idx = np.sort(np.concatenate([rng.permutation(np.flatnonzero(y == d))[:per_digit] for d in range(10)]))
    np.savez_compressed(out, images=x[idx], labels=y[idx])
    print(f"wrote {out}")


def keep_busy(url: str, seconds: float) -> None:
    """Healthy lab runs back to back through the API, each read to its end as a visitor's page would."""
    from gradio_client import Client

    client, end, runs = Client(url, verbose=False), time.time() + seconds, 0
    while time.time() < end:
        t = time.time()
        summary = client.submit(api_name="/lab").result(timeout=600)[-1]
        runs += 1
        print(f"run {runs}: {summary['step']} steps in {time.time() - t:.1f} s, stopped by {summary['stopped_by']}", flush=True)


def run_presets(weights: str | Path | None = None, preset: str = "all", steps: int = 0, time_cap: bool = False,
                json_path: str | Path | None = None) -> dict:
    """Run `preset` (or every preset, "all") with one thread, the classifier of `weights` reading
    its samples as the Studio does; print each one's signals, and return them."""
    torch.set_num_threads(1)
    classifier = fold_batchnorm(load_model(Classifier, resolve_weights(weights) / "classifier"))  # as the Studio serves it
    names = PRESET_NAMES if preset == "all" else [preset]
    results = {}
    for name in names:
        s = PRESETS[name].settings
        if steps:
            s = dataclasses.replace(s, steps=steps)
        t = time.perf_counter()
        updates, log = run_to_end(s, classifier, time_cap=time_cap)
        wall = time.perf_counter() - t
        results[name] = {**signals(updates, log), "wall_s": round(wall, 1), "steps_per_s": round(len(log) / wall, 1),
                         "stopped_by": updates[-1].stopped_by}
        print(name, json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in results[name].items()}), flush=True)
    if json_path:
        Path(json_path).write_text(json.dumps(results, indent=1) + "\n")
    return results
