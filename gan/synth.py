"""Write a labelled synthetic MNIST drawn by a generator, as an .npz that reads like MNIST.

    gan synth --per-class 6000 --out synth.npz      # 60,000 digits, 6,000 of each

Digit i of the file is seed S + i drawn as digit (S + i) % 10 (S = --seed), the app's and
gan.evaluate's convention (digit = seed mod 10): the file holds the contiguous seeds
S .. S + 10 * per-class - 1, drawn as the app draws them (batch norm folded in, float64:
gan.core.sampling.float64_copy), so the app redraws any one of them pixel for pixel from its
seed and digit (and truncation, --psi); gan.evaluate's CAS draws the same seeds in float32,
which puts about 1 digit in 350 one grey level apart in one pixel. The default S = 200,000 is
clear of the seeds gan.evaluate uses elsewhere (0-9,999, 50,000-59,999, 100,000-104,999) and starts the 60,000 digits the
Classification Accuracy Score trains on. The file has `images` (uint8 [N, 28, 28], 0 = black background, 255 = white ink,
MNIST's polarity) and `labels` (int64 [N]), the .npz form gan.core.data.load_mnist reads
(--data-dir synth.npz). `gan evaluate` measures what such a set is worth as
training data (the Classification Accuracy Score, gan.training.cas).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from gan.core.models import Generator, fold_batchnorm
from gan.core.sampling import SYNTH_SEED, float64_copy, seed_range, synthesize
from gan.core.weights import load_model, resolve_weights


def load_generator(weights: str | Path | None) -> Generator:
    """G of a weights or run folder (its generator/), or of a Hub repo id (the app's resolve_weights)."""
    folder = resolve_weights(weights)
    return load_model(Generator, folder / "generator" if (folder / "generator").is_dir() else folder)


def write_synth(out: str | Path, per_class: int, weights: str | Path | None = None, seed: int = SYNTH_SEED, psi: float = 1.0,
                threads: int = 0) -> Path:
    """Draw 10 * per_class digits from seed `seed` on as the app draws them, and write them to `out` (.npz)."""
    if threads:
        torch.set_num_threads(threads)
    seeds = seed_range(per_class, seed)
    t0 = time.time()
    generator = float64_copy(fold_batchnorm(load_generator(weights)))  # the Studio's pixels (gan.space.studio)
    images, labels = synthesize(generator, per_class, seed, psi)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, images=images, labels=labels)
    print(f"wrote {out}: {len(images):,} digits ({per_class:,} per class), seeds {seeds.start}-{seeds.stop - 1}, "
          f"psi {psi:g}, in {time.time() - t0:.1f} s")
    return out
