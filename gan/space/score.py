"""What the Space says of one 28x28 digit: the `Score` every reader renders from (the
Discriminator tab's verdict and table, `/score`'s JSON, the MCP tool `score_digit`, the game's
machine judges), and `Judgement`, one upload judged once: preprocessed, scored, and fitted."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .preprocess import Steps
from .projection import Projection


@dataclass(frozen=True)
class Score:
    """One digit's scores and judgement (Studio.score). The JSON an API caller reads is
    `as_json()`: these fields, less those that are None."""

    p_real: float
    """Calibrated P(a real MNIST digit): the verdict model's (gan/space/verdict.py), or the GAN's
    own discriminator's when the weights come without a verdict model (a training run)."""
    p_real_gan_d: float
    """The GAN's own discriminator's calibrated P(real): near chance on this generator's digits."""
    gan_d_logit: float
    """The GAN's own discriminator's raw logit (its label-free head)."""
    digit: int
    """The digit the reference classifier reads."""
    digit_confidence: float
    """The classifier's probability for that digit."""
    is_digit: bool
    """Whether the image looks like a handwritten digit at all (gan.space.detector)."""
    p_pixels_intact: float | None = None
    """The verdict model's P(the pixels arrived exactly as made); None without a verdict model."""
    faint_grey_pixels: int | None = None
    """Pixels of grey 1-9, the generator's fingerprint; None without a verdict model."""
    from_histogram: float | None = None
    """The share of the verdict's calibrated logit from the grey-level histogram."""
    from_cnn: float | None = None
    """The share of the verdict's calibrated logit from its small CNN (and the bias)."""
    exact_28x28: bool | None = None
    """Whether the image reached the models pixel-exact (an upload's Steps.passthrough): only then
    can its origin show in its pixels; None without a verdict model (no judgement is made)."""
    outcome: str | None = None
    """The judgement (gan.space.verdict.judge): REAL, GENERATED or NEITHER; None without a verdict model."""
    why: str | None = None
    """The judgement's reason, one sentence."""

    def as_json(self) -> dict:
        """The fields as /score returns them (None-valued ones left out)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Judgement:
    """One upload judged once (Studio.judge): what preprocessing made of it, its score, and the
    closest digit the generator can draw (its projection; None for what is not a digit)."""

    steps: Steps
    score: Score
    closest: Projection | None

    @property
    def digit(self) -> np.ndarray:
        """The 28x28 digit the models saw."""
        return self.steps.digit
