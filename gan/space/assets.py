"""What the Studio needs beside G and D, and what stands in when a training run's folder lacks it.

A shipped weights folder (`gan ship`) holds everything: classifier/, directions.json,
calibration.json, real_digits.npz and checksums.json. A run folder (`gan train
--out runs/<name>`) holds only generator/ and discriminator/ (and its log, grids and samples),
and `GAN_WEIGHTS=runs/<name> python app.py` serves it as it is:

- classifier/ and real_digits.npz come from the shipped weights/: neither depends on the GAN
  (the classifier is trained on real MNIST only; the digits are real test digits);
- slider directions are fitted at start-up on fewer digits than gan.ship uses (a few seconds);
- calibration is skipped: the app shows D's raw sigmoid, and the histogram of those raw scores;
- checksums are skipped (a run has none); the borrowed shipped files are still checked.

Each stand-in is logged once, as a warning, naming the folder and what it does instead.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
import torch

from gan.core.directions import fit_all
from gan.core.errors import WeightsError
from gan.core.models import Discriminator, Generator
from gan.core.pixels import to_model_range
from gan.core.sampling import sample
from gan.core.weights import LISTING, SHIPPED, verify_checksums

STARTUP_NAMED_SAMPLES = 2_000  # gan.ship (gan.core.directions) fits on 20,000; this keeps start-up to seconds
STARTUP_PRINCIPAL_SAMPLES = 1_000  # the principal axes need an n x n eigendecomposition
HISTOGRAM_SAMPLES = 1_000  # generated digits for the uncalibrated score histogram

log = logging.getLogger(__name__)


def verify(folder: Path) -> None:
    """The folder's checksums, or a note that it has none (a training run never does)."""
    if (folder / LISTING).exists():
        verify_checksums(folder)
    else:
        log.warning("%s has no %s: its files are not checked (gan ship writes one)", folder, LISTING)


def find(folder: Path, name: str) -> Path:
    """folder/name, else the shipped copy (verified): for the parts that do not depend on the GAN."""
    if (folder / name).exists() or folder.resolve() == SHIPPED.resolve():
        return folder / name
    if not (SHIPPED / name).exists():
        raise WeightsError(f"{folder} has no {name}, and there are no shipped weights at {SHIPPED} to borrow it from")
    verify_checksums(SHIPPED)
    log.warning("%s has no %s: using the shipped %s", folder, name, SHIPPED / name)
    return SHIPPED / name


def directions(folder: Path, generator: Generator) -> dict[str, list[float]]:
    """Slider name -> unit direction in z: directions.json, or fitted now for a run folder."""
    path = folder / "directions.json"
    if path.exists():
        try:
            return json.loads(path.read_text())["directions"]
        except (OSError, ValueError, KeyError) as e:
            raise WeightsError(f"could not read {path}: {e}") from e
    started = time.perf_counter()
    fitted = fit_all(generator, STARTUP_NAMED_SAMPLES, STARTUP_PRINCIPAL_SAMPLES)
    log.warning("%s has no directions.json: fitted the slider directions on %s generated digits (principal ones on %s) "
                "in %.1f s; gan ship fits them on 20,000", folder, f"{STARTUP_NAMED_SAMPLES:,}",
                STARTUP_PRINCIPAL_SAMPLES, time.perf_counter() - started)
    return fitted


@torch.inference_mode()
def calibration(folder: Path, discriminator: Discriminator, generator: Generator, real_digits: np.ndarray) -> dict:
    """Platt scale, bias and score histogram: calibration.json, or for a run folder D's raw
    sigmoid (scale 1, bias 0) with the histogram of those raw scores on real and generated digits."""
    path = folder / "calibration.json"
    if path.exists():
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise WeightsError(f"could not read {path}: {e}") from e
    seeds = range(50_000, 50_000 + HISTOGRAM_SAMPLES)
    fake = sample(generator, seeds, [s % 10 for s in seeds])
    edges = np.linspace(0, 1, 21)

    def shares(images: np.ndarray) -> list[float]:
        x = to_model_range(images)
        counts = np.histogram(torch.sigmoid(discriminator(x)).numpy(), edges)[0]
        return (counts / counts.sum()).round(4).tolist()

    log.warning("%s has no calibration.json: the Discriminator tab shows D's uncalibrated sigmoid "
                "(gan ship fits the calibration)", folder)
    return {"scale": 1.0, "bias": 0.0, "histogram": {"edges": edges.round(3).tolist(), "real": shares(real_digits), "generated": shares(fake)}}
