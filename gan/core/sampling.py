"""Seeds, latents and images: the one path from a user's (seed, digit) to pixels.

As in stylegan2-ada's generate.py, a seed is the user's handle on the latent space: each seed
gets its own CPU torch.Generator, so the latent of seed 42 does not depend on which other
seeds share the batch, on the device, or on the platform.
"""

from __future__ import annotations

import copy
from typing import Iterable, Sequence

import numpy as np
import torch

from .models import Generator, as_label_vectors
from .pixels import to_uint8

MAX_SEED = 2**32 - 1
SYNTH_SEED = 200_000  # the first seed of a synthetic set (gan synth): clear of gan.evaluate's, and the CAS's training set


def latents_from_seeds(seeds: Iterable[int], z_dim: int) -> torch.Tensor:
    """Standard normal latents [N, z_dim], one per seed in 0..2**32-1, the same everywhere."""
    rows = []
    for seed in seeds:
        if not (0 <= seed <= MAX_SEED and int(seed) == seed):  # NaN fails the first test
            raise ValueError(f"seed must be an integer in 0..{MAX_SEED}, got {seed!r}")
        rows.append(torch.randn(z_dim, generator=torch.Generator().manual_seed(int(seed))))
    if not rows:
        return torch.empty(0, z_dim)
    return torch.stack(rows)


def truncate(z: torch.Tensor, psi: float) -> torch.Tensor:
    """The truncation trick: shrink latents toward the mode (0) by psi. psi=1 leaves them
    alone; smaller psi trades variety for typical, cleaner digits."""
    return z * psi


def float64_copy(generator: Generator) -> Generator:
    """A float64 copy of G, in eval mode and frozen, for pixels that must not depend on the batch:
    a batch's float32 kernels differ by CPU and batch size (by 2e-6 on an AVX-512 EPYC, enough to
    move a pixel across a rounding boundary now and then); in float64 their difference, ~1e-15,
    never reaches one in practice. It costs about 2x float32's time for one digit, 3x for 100."""
    return copy.deepcopy(generator).double().eval().requires_grad_(False)


@torch.inference_mode()
def images_from_latents(generator: Generator, z: torch.Tensor, labels: torch.Tensor, batch_size: int = 256) -> np.ndarray:
    """Run G (in eval mode, on G's device, in G's dtype: latents and labels are cast to it) ->
    uint8 [N, 28, 28], MNIST polarity, batch_size latents at a time (a server passes a small
    one: a 100-digit batch raises peak memory ~20 MB)."""
    weight = next(generator.parameters())
    if generator.training:  # eval() walks every module: ~0.2 ms, a tenth of one digit's time
        generator.eval()
    z = z.to(weight.device, weight.dtype)
    labels = as_label_vectors(labels.to(weight.device), generator.n_classes).to(weight.dtype)  # one-hot ints are exact in any dtype
    if len(z) <= batch_size:  # the common case (one digit) skips split and cat: ~30 us of ~1 ms
        return to_uint8(generator(z, labels))
    return to_uint8(torch.cat([generator(zc, lc) for zc, lc in zip(z.split(batch_size), labels.split(batch_size))]))


def sample(
    generator: Generator,
    seeds: Iterable[int],
    digits: Sequence[int] | int,
    *,
    truncation: float = 1.0,
    offset: torch.Tensor | None = None,
    batch_size: int = 256,
) -> np.ndarray:
    """Digits for seeds: uint8 [N, 28, 28], 0 = black background, 255 = white ink.

    `digits` is one digit for all seeds or one per seed; `offset` [z_dim] is added to each
    latent after truncation (the latent sliders' sum of directions). Latents, truncation and
    offset are in G's dtype: float32 latents cast exactly to a float64 G's (float64_copy).
    """
    dtype = next(generator.parameters()).dtype
    z = truncate(latents_from_seeds(seeds, generator.z_dim).to(dtype), truncation)
    if offset is not None:
        z = z + offset.to(dtype)
    # Checked in numpy: the same checks on a tensor cost ~20 us of a ~1 ms digit.
    labels = np.broadcast_to(digits, len(z)) if np.ndim(digits) == 0 else np.asarray(digits)
    if labels.shape != (len(z),) or (len(labels) and (labels.min() < 0 or labels.max() > 9)):
        raise ValueError("digits must be one digit in 0..9 or one per seed")
    return images_from_latents(generator, z, torch.from_numpy(labels.astype(np.int64)), batch_size)


def seed_range(per_class: int, seed: int = SYNTH_SEED) -> range:
    """The seeds of a synthetic set: 10 * per_class contiguous seeds from `seed`."""
    seeds = range(seed, seed + 10 * per_class)
    if per_class < 1 or seed < 0 or seeds[-1] > MAX_SEED:
        raise ValueError(f"need per_class >= 1 and seeds within 0..{MAX_SEED}, got per_class {per_class} from seed {seed}")
    return seeds


def synthesize(generator: Generator, per_class: int, seed: int = SYNTH_SEED, psi: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 [10 * per_class, 28, 28] and labels int64: seed + i drawn as digit (seed + i) % 10."""
    seeds = seed_range(per_class, seed)
    labels = np.array([s % 10 for s in seeds], dtype=np.int64)
    return sample(generator, seeds, labels, truncation=psi, batch_size=1000), labels
