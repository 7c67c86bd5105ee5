"""The headline verdict: is this a real MNIST digit or one of the shipped generator's?

Trained by gan.training.verdict (gan.ship runs it); this module is what the Space loads.

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
sits near 0.5). What the page says is `judge` below: three outcomes, by what the pixels can carry.
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

    def platt_for(self, logits: torch.Tensor, resampled: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Each digit's Platt (scale, bias), chosen by its pixels-intact logit [N, 2] -> [N], [N];
        `resampled` [N] (bool) marks digits known to be resampled, whatever the head says."""
        intact = logits[:, 1] >= 0
        if resampled is not None:
            intact &= ~resampled
        ab = torch.where(intact[:, None], self.platt, self.platt_resampled)
        return ab[:, 0], ab[:, 1]

    def p_real(self, logits: torch.Tensor, resampled: torch.Tensor | None = None) -> torch.Tensor:
        """Calibrated P(real MNIST) from raw logits [N, 2]."""
        a, b = self.platt_for(logits, resampled)
        return torch.sigmoid(a * logits[:, 0] + b)

    @torch.inference_mode()
    def explain(self, digits: np.ndarray, resampled: list[bool] | None = None) -> list[dict]:
        """Per digit: calibrated p_real, p_pixels_intact, the faint-pixel count, and how much
        of the verdict's (calibrated) logit came from the histogram and from the CNN. Digits
        known to be resampled (`resampled`; the head may be fooled by drawings unlike anything
        it was trained on) are calibrated as resampled: what little evidence survives."""
        t = torch.from_numpy(np.ascontiguousarray(digits, np.uint8)).reshape(-1, 28, 28)
        known = None if resampled is None else torch.tensor(resampled, dtype=torch.bool)
        hist, cnn = self.parts(t)
        logits = hist + cnn
        a, b = self.platt_for(logits, known)
        p_real = self.p_real(logits, known)
        p_intact = torch.sigmoid(logits[:, 1])
        faint = faint_mask(t.numpy()).sum((1, 2))
        return [{"p_real": round(float(p), 4), "p_pixels_intact": round(float(q), 4), "faint_grey_pixels": int(f),
                 "from_histogram": round(float(a * h), 3), "from_cnn": round(float(a * c + b), 3)}
                for p, q, f, h, c, a, b in zip(p_real, p_intact, faint, hist[:, 0], cnn[:, 0], a, b)]


# ---------------------------------------------------------------------------- the judgement
# Three outcomes a visitor understands. The model above can only see origin in pixels that
# arrived exactly as they left their maker, so the judgement asks first whether they did.

REAL, GENERATED, NEITHER = "a real MNIST digit", "made by this GAN", "neither / can't tell"
CONFIDENT = 0.8  # calibrated p_real at or above which (or at or below 1 - it) the verdict commits
# "Made by this GAN" needs the generator's fingerprint itself: every one of 2,000 fresh generated
# digits has at least 12 faint grey pixels (0.1th percentile), while a person's 28x28 drawing
# has none, and the model, shown such an image, is arbitrary (it calls 30% of them generated).
MIN_FINGERPRINT = 8
# Both classes are laid out as MNIST lays out its digits (LeCun's 20x20 box, centred by mass in
# the 28x28 field), which person-made 28x28 images almost never are (their ink's median span is
# 15-18 px, measured on downsampled drawings). "A real MNIST digit" needs MNIST's exact layout:
# every MNIST digit's ink (any non-zero pixel) spans 20 px, its centre of mass within a pixel of
# the centre. "Made by this GAN" needs the generator's: its strokes (pixels above 30, the faint
# fringe left out) span 19-23 px (99% of 3,000 fresh digits), centred within 1.5 px; a drawing
# downsampled with anti-aliasing has a faint fringe too, and the model called most of those
# generated, but few are laid out like this (with both checks, 0.7% of 960 are called generated).
MNIST_LAYOUT = {"ink": 0, "span": (19, 21)}
GENERATOR_LAYOUT = {"ink": 30, "span": (19, 23)}
MAX_CENTRE_OFFSET = 1.5


def laid_out(digit: np.ndarray, ink: int, span: tuple[int, int]) -> bool:
    """Whether a uint8 [28, 28] digit's pixels above `ink` span a box side within `span` and are
    centred by mass within MAX_CENTRE_OFFSET of the field's centre."""
    strokes = np.where(np.asarray(digit) > ink, np.asarray(digit, np.float64), 0.0)
    ys, xs = np.nonzero(strokes)
    if len(ys) == 0:
        return False
    side = max(ys.max() - ys.min(), xs.max() - xs.min()) + 1
    centre = np.array([(strokes.sum(1) * np.arange(28)).sum(), (strokes.sum(0) * np.arange(28)).sum()]) / strokes.sum()
    return span[0] <= int(side) <= span[1] and float(np.abs(centre - 13.5).max()) <= MAX_CENTRE_OFFSET


def judge(evidence, exact: bool, digit: np.ndarray) -> tuple[str, str]:
    """(outcome, why) for one scored image: `evidence` its Score (gan/space/score.py: the verdict
    model's p_real, p_pixels_intact and faint_grey_pixels, the detector's is_digit), `exact`
    whether the upload reached us as a pixel-exact 28x28 image (no resampling on our side),
    `digit` the uint8 [28, 28] image itself."""
    if not evidence.is_digit:
        return NEITHER, "not a digit: it does not look like handwriting, so neither real MNIST nor this GAN's output"
    if not exact:
        return NEITHER, ("not this GAN's output as it stands: the generator makes 28x28 images, and this one was resized on "
                         "its way here (a drawing, a photo, a scan or a resized copy). Resizing erases the pixel-level "
                         "fingerprint, so a resized copy of a generated digit cannot be told from anything else")
    if evidence.p_pixels_intact < 0.5:
        return NEITHER, ("can't tell: a 28x28 image, but its pixels were re-encoded (JPEG, a filter), which erases the "
                         "fingerprint the verdict reads")
    p, faint = evidence.p_real, evidence.faint_grey_pixels
    if p <= 1 - CONFIDENT and faint >= MIN_FINGERPRINT and laid_out(digit, **GENERATOR_LAYOUT):
        return GENERATED, f"the generator's fingerprint: {faint} faint grey pixels around the strokes, and the verdict model agrees"
    if p >= CONFIDENT and laid_out(digit, **MNIST_LAYOUT):
        return REAL, "MNIST's own pixels: its anti-aliased strokes in a 20-pixel box, and none of the generator's fingerprint"
    if p <= 1 - CONFIDENT and faint < MIN_FINGERPRINT:
        return NEITHER, (f"can't tell: the verdict model leans generated, but the image has only {faint} faint grey pixels, "
                         "too few for the generator's fingerprint (a 28x28 image made some other way)")
    if p <= 1 - CONFIDENT:
        return NEITHER, ("can't tell: the verdict model leans generated, but the digit is not laid out as this generator "
                         "lays out its digits (a 20-pixel box, centred): a 28x28 image made some other way")
    if p >= CONFIDENT:
        return NEITHER, ("can't tell: no generator fingerprint, but it is not laid out as MNIST's digits are (a 20-pixel box, "
                         "centred): a 28x28 image made some other way")
    return NEITHER, f"can't tell: the evidence is mixed (P(real) = {p:.2f})"
