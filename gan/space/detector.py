"""Does an image look like a handwritten digit? A small CNN on the 28x28 the classifier sees.

The reference classifier answers "which digit" with near-certainty even for noise (it was
never shown anything else), so "is it a digit at all" needs its own judge: this one, with a
threshold that keeps 99.5% of held-out digits, and a count of separate marks (handwriting draws
a digit in one or two strokes). It is trained by gan.training.detector and measured by
`gan dev uploads --nondigits`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gan.core.models import HubModel
from gan.core.pixels import to_model_range

from .preprocess import label_components


class DigitDetector(HubModel):
    """28x28 MNIST-polarity image -> logit that it is a handwritten digit."""

    def __init__(self, width: int = 16, threshold: float = 0.0):
        super().__init__()
        self.threshold = threshold  # on the logit; chosen at training time, saved in config.json
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 14
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 7
            nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(2 * width * 49, 64), nn.ReLU(), nn.Linear(64, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images [N, 1, 28, 28] in [-1, 1] -> logits [N]."""
        return self.net(x).squeeze(1)


MAX_PIECES = 3  # handwriting draws a digit in one or two strokes: 6 of the 10,000 MNIST test digits fall in 4+ pieces


def separate_pieces(digit: np.ndarray) -> int:
    """Separate marks of at least 3 pixels in a 28x28 digit (a smiley face has four)."""
    labels, n = label_components(digit > 100)
    return int((np.bincount(labels.ravel(), minlength=n + 1)[1:] >= 3).sum())


@torch.inference_mode()
def looks_like_digit(detector: DigitDetector, digits: np.ndarray) -> list[bool]:
    """uint8 [N, 28, 28] -> per image: the detector's logit clears its threshold, and the
    image is not in more separate pieces than handwriting makes."""
    logits = detector(to_model_range(digits))
    return [bool(l >= detector.threshold) and separate_pieces(d) <= MAX_PIECES for l, d in zip(logits, digits)]
