"""The Training lab from the command line: run its presets and measure what each shows.

    python -m gan.lab --preset all          # run every preset and measure its signal
    python -m gan.lab --preset healthy --steps 200
    python -m gan.lab --make-data ../shared/data    # rewrite weights/lab_digits.npz

The lab itself (settings, presets, a run as a stream of updates, their signals) is
gan/space/lab.py, which the Space's "Training lab" tab streams.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from gan.core.cli import Parser

PRESET_CHOICES = ["healthy", "mode collapse", "non-convergence", "vanishing gradients", "too-high learning rate", "all"]


def build_parser() -> Parser:
    p = Parser(prog="python -m gan.lab", description=__doc__)
    p.add_argument("--preset", default="all", choices=PRESET_CHOICES, help="a preset (gan.space.lab.PRESETS), or all (default: all)")
    p.add_argument("--steps", type=int, default=0, help="override the preset's step budget")
    p.add_argument("--time-cap", action="store_true", help="stop each run at its max_seconds, as the Space does "
                   "(default: run every step of the budget, however long that takes on this machine)")
    p.add_argument("--json", help="also write the signals here")
    p.add_argument("--weights", default=None, help="the weights whose classifier reads the samples (default: the shipped weights)")
    p.add_argument("--make-data", metavar="MNIST_DIR", help="write weights/lab_digits.npz from full MNIST and exit")
    p.add_argument("--busy", metavar="URL", help="keep a running app's lab busy (healthy runs back to back, "
                   "through /lab) for --busy-seconds: the load beside `python -m gan.tools.loadtest --url URL`")
    p.add_argument("--busy-seconds", type=float, default=300)
    return p


if __name__ == "__main__":
    build_parser().parse_args()  # --help and usage errors answer here, before torch is imported

import numpy as np  # noqa: E402
import torch  # noqa: E402

from gan.core.data import load_mnist  # noqa: E402
from gan.core.models import Classifier, fold_batchnorm  # noqa: E402
from gan.core.weights import load_model, resolve_weights  # noqa: E402
from gan.space.lab import LAB_DIGITS, PRESET_NAMES, PRESETS, run_to_end, signals  # noqa: E402


def make_lab_digits(data_dir: str, out: Path = LAB_DIGITS, per_digit: int = 1200, seed: int = 0) -> None:
    """Write the shipped subset: `per_digit` random training digits of each class, in MNIST order."""
    images, labels = load_mnist(data_dir)
    x, y = images.numpy(), labels.numpy()
    rng = np.random.default_rng(seed)
    idx = np.sort(np.concatenate([rng.permutation(np.flatnonzero(y == d))[:per_digit] for d in range(10)]))
    np.savez_compressed(out, images=x[idx], labels=y[idx])


def keep_busy(url: str, seconds: float) -> None:
    """Healthy lab runs back to back through the API, each read to its end as a visitor's page would."""
    from gradio_client import Client

    client, end, runs = Client(url, verbose=False), time.time() + seconds, 0
    while time.time() < end:
        t = time.time()
        summary = client.submit(api_name="/lab").result(timeout=600)[-1]
        runs += 1
        print(f"run {runs}: {summary['step']} steps in {time.time() - t:.1f} s, stopped by {summary['stopped_by']}", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    torch.set_num_threads(1)
    if args.make_data:
        make_lab_digits(args.make_data)
        return print(f"wrote {LAB_DIGITS}")
    if args.busy:
        return keep_busy(args.busy, args.busy_seconds)
    classifier = fold_batchnorm(load_model(Classifier, resolve_weights(args.weights) / "classifier"))  # as the Studio serves it
    names = PRESET_NAMES if args.preset == "all" else [args.preset]
    results = {}
    for name in names:
        s = PRESETS[name].settings
        if args.steps:
            s = dataclasses.replace(s, steps=args.steps)
        t = time.perf_counter()
        updates, log = run_to_end(s, classifier, time_cap=args.time_cap)
        wall = time.perf_counter() - t
        results[name] = {**signals(updates, log), "wall_s": round(wall, 1), "steps_per_s": round(len(log) / wall, 1),
                         "stopped_by": updates[-1].stopped_by}
        print(name, json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in results[name].items()}), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
