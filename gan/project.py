"""Measure projection (gan/space/projection.py) on MNIST test digits, in parallel processes.

    gan project --measure --data-dir ../shared/data --n 1000 --workers 2   # docs/projection.md's figures

Each test digit is projected as the Space projects a visitor's digit (one thread, the
shipped generator and classifier) and compared with the best of 1,000 seeds of the digit
the classifier reads: the share read as the target's digit, the pixel error and the
perceptual distance, and the CPU seconds per projection.
"""

from __future__ import annotations

import multiprocessing
import os
import time

import numpy as np
import torch

from gan.core.data import load_mnist
from gan.space.projection import STEPS, baseline, fit_figures, project, read, start_images, to_unit
from gan.space.studio import Studio


def _project_all(weights: str | None, targets: np.ndarray) -> tuple[list, list, list, int, float]:
    """One worker, one thread: project each target; reconstructions, CPU and wall seconds each."""
    torch.set_num_threads(1)
    studio = Studio(weights)
    t0 = time.perf_counter()
    for d in range(10):
        start_images(studio.generator, d)
    bank_s = time.perf_counter() - t0
    fits, cpus, walls, tried_two = [], [], [], 0
    for target in targets:
        t_wall, t_cpu = time.perf_counter(), time.thread_time()
        p = project(studio.generator, studio.classifier, target)
        cpus.append(time.thread_time() - t_cpu)
        walls.append(time.perf_counter() - t_wall)
        fits.append(p.reconstruction)
        tried_two += len(p.figures["digits_tried"]) > 1
    return fits, cpus, walls, tried_two, bank_s


def measure(weights: str | None, data_dir: str, n: int, workers: int = 1) -> dict:
    """Project the first n MNIST test digits (in `workers` processes of one thread each, each
    a contiguous share); compare with the best of 1,000 seeds."""
    torch.set_num_threads(1)
    images, labels = load_mnist(data_dir, train=False)
    targets, labels = images[:n].numpy(), labels[:n].numpy()
    shares = np.array_split(targets, workers)
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        results = pool.starmap(_project_all, [(weights, share) for share in shares])
    fits = [f for r in results for f in r[0]]
    cpus, walls = [c for r in results for c in r[1]], [w for r in results for w in r[2]]
    tried_two, bank_s = sum(r[3] for r in results), max(r[4] for r in results)
    studio = Studio(weights)
    _, probs = read(studio.classifier, to_unit(targets))
    base = np.stack([baseline(studio.generator, t, int(d)) for t, d in zip(targets, probs.argmax(1))])
    return {
        "n": n,
        "projection": fit_figures(studio.classifier, targets, np.stack(fits), labels),
        "best_of_1000_seeds": fit_figures(studio.classifier, targets, base, labels),
        "seconds_per_projection_cpu_median": round(float(np.median(cpus)), 3),
        "seconds_per_projection_cpu_p90": round(float(np.percentile(cpus, 90)), 3),
        "seconds_per_projection_wall_median": round(float(np.median(walls)), 3),
        "start_bank_seconds_once": round(bank_s, 3),
        "share_fitting_two_digits": round(tried_two / n, 4),
        "steps": STEPS,
        "workers": workers,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
