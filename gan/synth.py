"""Write a labelled synthetic MNIST drawn by a generator, as an .npz that reads like MNIST.

    python -m gan.synth --per-class 6000 --out synth.npz      # 60,000 digits, 6,000 of each

Digit i of the file is seed S + i drawn as digit (S + i) % 10 (S = --seed), the app's and
gan.evaluate's convention (digit = seed mod 10): the file holds the contiguous seeds
S .. S + 10 * per-class - 1, and the app redraws any one of them from its seed and digit
(and truncation, --psi). The default S = 200,000 is clear of the seeds gan.evaluate uses
elsewhere (0-9,999, 50,000-59,999, 100,000-104,999) and starts the 60,000 digits the
Classification Accuracy Score trains on. The file has `images` (uint8 [N, 28, 28], 0 = black background, 255 = white ink,
MNIST's polarity) and `labels` (int64 [N]), the .npz form gan.data.load_mnist reads
(--data-dir synth.npz). `python -m gan.evaluate` measures what such a set is worth as
training data (the Classification Accuracy Score, gan.cas).
"""

from __future__ import annotations

import argparse

SEED = 200_000  # the first seed; also the Classification Accuracy Score's training set


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gan.synth", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--per-class", type=int, required=True, help="digits of each class (the file holds 10x as many)")
    p.add_argument("--out", required=True, help="the .npz to write")
    p.add_argument("--weights", default="weights", help="folder with generator/, a run folder, or a Hub repo id (default: weights)")
    p.add_argument("--seed", type=int, default=SEED, help=f"first seed: digit i is seed SEED + i, drawn as digit (SEED + i) %% 10 (default: {SEED})")
    p.add_argument("--psi", type=float, default=1.0, help="truncation: 1 leaves the latents alone, smaller trades variety for typical digits (default: 1)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads; 0 keeps torch's default")
    return p


if __name__ == "__main__":
    build_parser().parse_args()  # --help and usage errors answer here, before torch is imported

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from .models import Generator  # noqa: E402
from .sampling import MAX_SEED, sample  # noqa: E402
from .studio import resolve_weights  # noqa: E402


def seed_range(per_class: int, seed: int = SEED) -> range:
    """The seeds of a synthetic set: 10 * per_class contiguous seeds from `seed`."""
    seeds = range(seed, seed + 10 * per_class)
    if per_class < 1 or seed < 0 or seeds[-1] > MAX_SEED:
        raise ValueError(f"need per_class >= 1 and seeds within 0..{MAX_SEED}, got per_class {per_class} from seed {seed}")
    return seeds


def synthesize(generator: Generator, per_class: int, seed: int = SEED, psi: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 [10 * per_class, 28, 28] and labels int64: seed + i drawn as digit (seed + i) % 10."""
    seeds = seed_range(per_class, seed)
    labels = np.array([s % 10 for s in seeds], dtype=np.int64)
    return sample(generator, seeds, labels, truncation=psi, batch_size=1000), labels


def load_generator(weights: str) -> Generator:
    """G of a weights or run folder (its generator/), or of a Hub repo id (the app's resolve_weights)."""
    folder = resolve_weights(weights)
    return Generator.from_pretrained(folder / "generator" if (folder / "generator").is_dir() else folder, strict=True).eval()


def main(argv: list[str] | None = None) -> None:
    p = build_parser()
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.out.endswith(".npz"):
        p.error("--out must end in .npz (gan.data.load_mnist reads a file by that name as an .npz)")
    try:
        seeds = seed_range(args.per_class, args.seed)
    except ValueError as e:
        p.error(str(e))
    t0 = time.time()
    images, labels = synthesize(load_generator(args.weights), args.per_class, args.seed, args.psi)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, images=images, labels=labels)
    print(f"wrote {args.out}: {len(images):,} digits ({args.per_class:,} per class), seeds {seeds.start}-{seeds.stop - 1}, "
          f"psi {args.psi:g}, in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
