"""Write a labelled synthetic MNIST drawn by a generator, as an .npz that reads like MNIST.

    python -m gan.synth --per-class 6000 --out synth.npz      # 60,000 digits, 6,000 of each

Digit i of the file is seed S + i drawn as digit (S + i) % 10 (S = --seed), the app's and
gan.evaluate's convention (digit = seed mod 10): the file holds the contiguous seeds
S .. S + 10 * per-class - 1, drawn as the app draws them (batch norm folded in, float64:
gan.core.sampling.float64_copy), so the app redraws any one of them pixel for pixel from its
seed and digit (and truncation, --psi); gan.evaluate's CAS draws the same seeds in float32,
which puts about 1 digit in 350 one grey level apart in one pixel. The default S = 200,000 is
clear of the seeds gan.evaluate uses elsewhere (0-9,999, 50,000-59,999, 100,000-104,999) and starts the 60,000 digits the
Classification Accuracy Score trains on. The file has `images` (uint8 [N, 28, 28], 0 = black background, 255 = white ink,
MNIST's polarity) and `labels` (int64 [N]), the .npz form gan.core.data.load_mnist reads
(--data-dir synth.npz). `python -m gan.evaluate` measures what such a set is worth as
training data (the Classification Accuracy Score, gan.core.cas).
"""

from __future__ import annotations

from gan.core.cli import Parser


def build_parser() -> Parser:
    p = Parser(prog="python -m gan.synth", description=__doc__)
    p.add_argument("--per-class", type=int, required=True, help="digits of each class (the file holds 10x as many)")
    p.add_argument("--out", required=True, help="the .npz to write")
    p.add_argument("--weights", default=None, help="folder with generator/, a run folder, or a Hub repo id (default: $GAN_WEIGHTS, else the shipped weights/)")
    p.add_argument("--seed", type=int, default=None, help="first seed S: digit i is seed S + i, drawn as digit (S + i) %% 10 "
                   "(default: gan.core.sampling.SYNTH_SEED, 200000, where the CAS's training set starts)")
    p.add_argument("--psi", type=float, default=1.0, help="truncation: 1 leaves the latents alone, smaller trades variety for typical digits (default: 1)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads; 0 keeps torch's default")
    return p


if __name__ == "__main__":
    build_parser().parse_args()  # --help and usage errors answer here, before torch is imported

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from gan.core.errors import WeightsError  # noqa: E402
from gan.core.models import Generator, fold_batchnorm  # noqa: E402
from gan.core.sampling import SYNTH_SEED, float64_copy, seed_range, synthesize  # noqa: E402
from gan.core.weights import load_model, resolve_weights  # noqa: E402


def load_generator(weights: str | None) -> Generator:
    """G of a weights or run folder (its generator/), or of a Hub repo id (the app's resolve_weights)."""
    folder = resolve_weights(weights)
    return load_model(Generator, folder / "generator" if (folder / "generator").is_dir() else folder)


def main(argv: list[str] | None = None) -> None:
    p = build_parser()
    args = p.parse_args(argv)
    args.seed = SYNTH_SEED if args.seed is None else args.seed
    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.out.endswith(".npz"):
        p.error("--out must end in .npz (gan.core.data.load_mnist reads a file by that name as an .npz)")
    try:
        seeds = seed_range(args.per_class, args.seed)
    except ValueError as e:
        p.error(str(e))
    t0 = time.time()
    try:
        generator = float64_copy(fold_batchnorm(load_generator(args.weights)))  # the Studio's pixels (gan.space.studio)
    except WeightsError as e:
        sys.exit(f"error: {e}")
    images, labels = synthesize(generator, args.per_class, args.seed, args.psi)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, images=images, labels=labels)
    print(f"wrote {args.out}: {len(images):,} digits ({args.per_class:,} per class), seeds {seeds.start}-{seeds.stop - 1}, "
          f"psi {args.psi:g}, in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
