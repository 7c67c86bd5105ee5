"""The headline verdict: is this a real MNIST digit or one of the shipped generator's?

Trained by gan.space.train_verdict (gan.ship runs it); this module is what the Space loads.

The GAN's own discriminator is near chance at the end of adversarial training: the generator
was trained to fool exactly that network, and did. This detector is trained afterwards,
against the frozen shipped generator, until its held-out loss stops improving. It is a
forensic detector more than a critic of shapes: the generator's tanh output, rounded to
uint8, leaves many faint grey values (1-9) around its strokes, which MNIST's own digits
almost never have (median 38 such pixels per generated digit, 5 per real one). The model is

    verdict logit = w . log1p(grey-level histogram) + small CNN(image, faint-grey mask) + b

and a second head on the same inputs estimates whether the pixels are still intact (an exact
28x28 digit) or were resampled on the way (an upscaled, blurred, JPEG'd upload re-read by
`gan.space.preprocess`), which erases that evidence. It is trained on exact and round-tripped
digits alike, so on a resampled upload it says what survives (often little: its p_real then
sits near 0.5) and the app says the verdict is uncertain instead of confidently wrong.
The logit is Platt-scaled on held-out digits, separately for those the intact head calls
intact and resampled; `evaluate` writes <weights>/verdict/metrics.json.

Data, disjoint by construction: training on real MNIST *training* digits (the first 50,000)
and fakes from seeds 1,000,000+; calibration on training digits 50,000+ and seeds
2,000,000+; evaluation on the MNIST *test* digits and seeds 3,000,000+.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gan.core.models import HubModel
from gan.core.pixels import to_model_range

# Grey-level bands of a uint8 digit whose pixel counts are the histogram features: finest
# near 0 (the generator's faint fringe) and near 255 (MNIST's strokes peak at 252-254, the
# generator's at 255 and 250).
GREY_BANDS = ((1, 1), (2, 3), (4, 9), (10, 31), (32, 127), (128, 223), (224, 249), (250, 251), (252, 254), (255, 255))
FAINT = (1, 9)  # the grey values shown to the visitor as the evidence


# ---------------------------------------------------------------------------- evidence


def grey_histogram(digits: torch.Tensor) -> torch.Tensor:
    """uint8 [N, 28, 28] -> pixel counts per GREY_BANDS band, float [N, B]."""
    x = digits.reshape(len(digits), -1).long()
    counts = torch.zeros(len(digits), 256).scatter_add_(1, x, torch.ones(x.shape))
    return torch.stack([counts[:, lo:hi + 1].sum(1) for lo, hi in GREY_BANDS], 1)


def faint_mask(digits: np.ndarray) -> np.ndarray:
    """Boolean mask of the faint grey pixels (values 1-9) of uint8 digits."""
    digits = np.asarray(digits)
    return (digits >= FAINT[0]) & (digits <= FAINT[1])


def evidence_image(digit: np.ndarray, scale: int = 8) -> np.ndarray:
    """The digit (uint8 [28, 28]) as RGB, upscaled `scale` times, with its faint grey pixels
    (1-9: nearly black to the eye) painted magenta: where the detector's main evidence is."""
    digit = np.asarray(digit, np.uint8)
    rgb = np.repeat(digit[..., None], 3, axis=2)
    rgb[faint_mask(digit)] = (255, 0, 200)
    return np.kron(rgb, np.ones((scale, scale, 1), np.uint8))


# ---------------------------------------------------------------------------- the verdict in a word

LEANING = (0.2, 0.8)  # p_real strictly between these: the evidence leans one way, no more
VERDICTS = ("not a digit", "uncertain", "real", "leans real", "leans generated", "generated")


def verdict_label(score: dict) -> str:
    """One of VERDICTS for a Studio.score result: what the Space's verdict says, in a word (the
    page's sentence and an agent's answer both start from it). "uncertain": the upload was
    resampled, which erases the evidence (p_pixels_intact < 0.5); weights without this detector
    (a training run) judge by the GAN's own D, real at p_real >= 0.5."""
    if not score.get("is_digit", True):
        return "not a digit"
    p = score["p_real"]
    if "p_pixels_intact" in score:
        if score["p_pixels_intact"] < 0.5:
            return "uncertain"
        if LEANING[0] < p < LEANING[1]:
            return "leans real" if p >= 0.5 else "leans generated"
    return "real" if p >= 0.5 else "generated"


# ---------------------------------------------------------------------------- the model


class Verdict(HubModel):
    """Real-vs-generated detector for uint8 28x28 digits, with a pixels-intact head.

    Both heads are linear in [histogram features ‖ CNN features], so a verdict splits into
    the histogram's share and the CNN's share of the logit (`explain`)."""

    def __init__(self, width: int = 8, n_bands: int = len(GREY_BANDS)):
        super().__init__()
        self.cnn = nn.Sequential(  # input: the image in [-1, 1] and its faint-grey mask; every pixel is seen
            nn.Conv2d(2, width, 3, stride=2, padding=1), nn.ReLU(),  # 14x14
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),  # 7x7
            nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.hist_head = nn.Linear(n_bands, 2, bias=False)
        self.cnn_head = nn.Linear(2 * width, 2)  # outputs: [verdict logit, pixels-intact logit]
        # Fitted, not learnt by gradient: feature standardisation and the Platt scaling.
        self.register_buffer("hist_mean", torch.zeros(n_bands))
        self.register_buffer("hist_std", torch.ones(n_bands))
        self.register_buffer("platt", torch.tensor([1.0, 0.0]))  # for digits the intact head calls intact
        self.register_buffer("platt_resampled", torch.tensor([1.0, 0.0]))  # and for resampled ones: little evidence survives

    def parts(self, digits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """uint8 [N, 28, 28] -> the histogram's and the CNN's contributions, each [N, 2]."""
        hist = (torch.log1p(grey_histogram(digits)) - self.hist_mean) / self.hist_std
        x = to_model_range(digits)
        faint = ((digits >= FAINT[0]) & (digits <= FAINT[1])).float().unsqueeze(1)
        return self.hist_head(hist), self.cnn_head(self.cnn(torch.cat([x, faint], 1)))

    def forward(self, digits: torch.Tensor) -> torch.Tensor:
        """Raw logits [N, 2]: real-vs-generated (uncalibrated) and pixels-intact."""
        hist, cnn = self.parts(digits)
        return hist + cnn

    def platt_for(self, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Each digit's Platt (scale, bias), chosen by its pixels-intact logit [N, 2] -> [N], [N]."""
        ab = torch.where((logits[:, 1] >= 0)[:, None], self.platt, self.platt_resampled)
        return ab[:, 0], ab[:, 1]

    def p_real(self, logits: torch.Tensor) -> torch.Tensor:
        """Calibrated P(real MNIST) from raw logits [N, 2]."""
        a, b = self.platt_for(logits)
        return torch.sigmoid(a * logits[:, 0] + b)

    @torch.inference_mode()
    def explain(self, digits: np.ndarray) -> list[dict]:
        """Per digit: calibrated p_real, p_pixels_intact, the faint-pixel count, and how much
        of the verdict's (calibrated) logit came from the histogram and from the CNN."""
        t = torch.from_numpy(np.ascontiguousarray(digits, np.uint8)).reshape(-1, 28, 28)
        hist, cnn = self.parts(t)
        logits = hist + cnn
        a, b = self.platt_for(logits)
        p_real = self.p_real(logits)
        p_intact = torch.sigmoid(logits[:, 1])
        faint = faint_mask(t.numpy()).sum((1, 2))
        return [{"p_real": round(float(p), 4), "p_pixels_intact": round(float(q), 4), "faint_grey_pixels": int(f),
                 "from_histogram": round(float(a * h), 3), "from_cnn": round(float(a * c + b), 3)}
                for p, q, f, h, c, a, b in zip(p_real, p_intact, faint, hist[:, 0], cnn[:, 0], a, b)]
