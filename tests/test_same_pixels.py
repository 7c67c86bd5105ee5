"""Same recipe, same pixels, whatever the batch (issue 42, item 8): a grid's cells, /generate's
digit and `sample` at any batch size or thread count give identical pixels. In float32 they did
not: a batch's kernels differ by batch size and CPU by up to ~2e-6 before rounding, and now
and then that moved a pixel across a rounding boundary (seed 103 as a 0 in `seed_grid(100, 3, 10)`
on an AVX-512 EPYC). The Studio draws in float64 (gan.core.sampling.float64_copy)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan.core.sampling import latents_from_seeds, sample


@pytest.mark.parametrize("psi", [1.0, 0.7, 1.5])
def test_every_grid_cell_is_its_recipe_drawn_alone(studio, psi):
    cells, seeds, digits = studio.seed_cells(100, 10, 10, None, psi)  # 100 cells, one row per digit
    assert len(cells) == 100 and sorted(set(digits)) == list(range(10))
    for cell, seed, digit in zip(cells, seeds, digits):
        assert np.array_equal(cell, studio.generate(studio.recipe(digit, seed, psi))), (seed, digit, psi)


def served_batch(studio, batch_size: int) -> np.ndarray:
    """200 digits: the issue's grid (seeds 100-109 as each digit; float32 moved a pixel of seed
    103 as a 0 here), and 100 more with truncation and sliders."""
    grid = sample(studio.generator64, [100 + c for _ in range(10) for c in range(10)], [d for d in range(10) for _ in range(10)],
                  batch_size=batch_size)
    seeds = range(5_000, 5_100)
    offset = studio.offset({name: (-1.5, 0.5, 2.0)[i % 3] for i, name in enumerate(studio.slider_names)})
    steered = sample(studio.generator64, seeds, [s % 10 for s in seeds], truncation=0.8, offset=offset, batch_size=batch_size)
    return np.concatenate([grid, steered])


def test_sample_gives_the_same_pixels_at_any_batch_size_and_thread_count(studio):
    before, drawn = torch.get_num_threads(), {}
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            for batch_size in (1, 7, 30, 100):
                drawn[threads, batch_size] = served_batch(studio, batch_size)
    finally:
        torch.set_num_threads(before)
    for (threads, batch_size), images in drawn.items():
        assert np.array_equal(images, drawn[1, 1]), (threads, batch_size)


def test_a_batch_and_its_digits_alone_agree_to_1e_12_before_rounding(studio):
    """Not vacuous: the served generator's outputs before rounding to grey levels agree to
    ~1e-15 between batches and one digit at a time; the float32 generator's differ by 2e-6
    (AVX-512 EPYC, torch 2.14), enough to cross a rounding boundary now and then."""
    g = studio.generator64
    z, labels = latents_from_seeds(range(100), g.z_dim).double(), torch.arange(100) % 10
    with torch.inference_mode():
        alone = torch.cat([g(z[i:i + 1], labels[i:i + 1]) for i in range(len(z))])
        for batch_size in (7, 16, 30, 100):
            batched = torch.cat([g(zc, lc) for zc, lc in zip(z.split(batch_size), labels.split(batch_size))])
            assert float((batched - alone).abs().max()) < 1e-12, batch_size
