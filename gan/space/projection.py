"""Projection: find the latent (z, digit) whose generated image matches a given 28x28 digit,
so that every latent tool (truncation, sliders, interpolation) applies to a visitor's own
handwriting. After StyleGAN2-ADA's projector.py, made small for a 64-d z and a CPU:

1. The classifier reads the target. Its top reading is the digit to fit; when it is unsure
   (top probability below UNSURE), the runner-up is fitted too and the better fit is kept:
   the generator is class-conditional, so fitting the wrong class gives a poor fit, and the
   pixels (not the classifier) get the last word.
2. Start: for each digit tried, the best of the first N_STARTS seeds (`latents_from_seeds`)
   by pixel distance to the target. Their images are computed once per generator and kept.
3. Adam on z, for all starts in one batch: pixel loss (mean squared error in [-1, 1]) plus a
   perceptual term, the squared distance between the reference classifier's 128-d features
   of the two images (features trained on real digits, so it weighs strokes, not pixels), plus
   a light pull of |z|^2 toward its typical value (so sliders keep the meaning they have on
   seeds). As in StyleGAN's projector the learning rate ramps up, then down along a cosine,
   and noise added to z early on (scaled by its std, decaying quadratically) helps it leave a
   poor basin; the noise comes from a seeded generator.
4. z is rounded to float16 (the recipe carries exactly these 64 numbers) and the
   reconstruction is rendered from the rounded z by the generator that renders recipes (the
   Studio's float64 copy; the fit itself runs in float32): the recipe gives the same pixels.

Deterministic: the same target gives the same z bit for bit (fixed starts, seeded noise, no
global RNG), given the same torch build and thread count (float sums may be ordered
differently with more threads; the app and `--measure` use one).

Truncation for a projection: psi scales the projected z toward the mode (0) exactly as it
scales a seed's latent, so psi=1 is the fit itself and psi<1 a more typical version of the
visitor's digit.

    gan project --measure --data-dir ../shared/data --n 1000   # its figures (gan/project.py)
"""


from __future__ import annotations

import base64
import math
import weakref
from dataclasses import dataclass, field

import numpy as np
import torch

from gan.core.models import Classifier, Generator
from gan.core.pixels import to_model_range
from gan.core.sampling import images_from_latents, latents_from_seeds

N_STARTS = 256  # seeds 0..N_STARTS-1 per digit: the start candidates
STARTS_PER_DIGIT = 1  # best starts optimised together, per digit tried (2: pixel error 0.0203 vs 0.0207 on 40 digits, for twice the time)
UNSURE = 0.9  # below this top-1 probability the runner-up digit is fitted too
STEPS = 60
LR = 0.1
LR_RAMPUP, LR_RAMPDOWN = 0.05, 0.25  # shares of the steps, as in StyleGAN's projector
NOISE, NOISE_RAMP = 0.05, 0.75
FEATURE_WEIGHT = 0.05  # perceptual term relative to the pixel term
PRIOR_WEIGHT = 0.001  # pull of |z|^2/dim toward 1
NOISE_SEED = 1234

_start_banks: "weakref.WeakKeyDictionary[Generator, dict[int, torch.Tensor]]" = weakref.WeakKeyDictionary()


@dataclass
class Projection:
    """A fitted digit: z (float16-exact, [z_dim]) and digit, and what the fit looks like."""

    z: torch.Tensor
    digit: int
    target: np.ndarray  # uint8 [28, 28]
    reconstruction: np.ndarray  # uint8 [28, 28], rendered from z as the recipe renders it
    figures: dict = field(default_factory=dict)

    @property
    def code(self) -> str:
        """z as the recipe carries it: base64url (no padding) of 64 little-endian float16."""
        return encode_latent(self.z)

    @property
    def difference(self) -> np.ndarray:
        """uint8 [28, 28]: |target - reconstruction|, white where they differ."""
        return np.abs(self.target.astype(np.int16) - self.reconstruction.astype(np.int16)).astype(np.uint8)


def encode_latent(z: torch.Tensor) -> str:
    return base64.urlsafe_b64encode(z.detach().to(torch.float16).numpy().astype("<f2").tobytes()).decode().rstrip("=")


def decode_latent(code: str, z_dim: int | None = None) -> torch.Tensor:
    """Inverse of encode_latent -> float32 [z_dim]; ValueError on anything else (z_dim None:
    any whole number of float16 values)."""
    try:
        raw = base64.b64decode(code + "=" * (-len(code) % 4), altchars=b"-_", validate=True)
    except (ValueError, TypeError):  # binascii.Error is a ValueError
        raise ValueError("z is not base64url text") from None
    if z_dim is None and (len(raw) % 2 or not raw):
        raise ValueError(f"z must hold whole float16 numbers, got {len(raw)} bytes")
    if z_dim is not None and len(raw) != 2 * z_dim:
        raise ValueError(f"z must hold {z_dim} float16 numbers ({2 * z_dim} bytes), got {len(raw)} bytes")
    z = np.frombuffer(raw, dtype="<f2").astype(np.float32)
    if not np.isfinite(z).all():
        raise ValueError("z holds a non-finite number")
    return torch.from_numpy(z.copy())


def to_unit(digits: np.ndarray) -> torch.Tensor:
    """uint8 [N, 28, 28] -> float [N, 1, 28, 28] in [-1, 1], as G draws and the classifier reads."""
    return to_model_range(digits)


@torch.inference_mode()
def start_images(generator: Generator, digit: int) -> torch.Tensor:
    """Images [N_STARTS, 784] in [-1, 1] of seeds 0..N_STARTS-1 for `digit`; computed once
    per generator and digit (about 0.45 s on one thread) and kept while the generator lives."""
    bank = _start_banks.setdefault(generator, {})
    if digit not in bank:
        z = latents_from_seeds(range(N_STARTS), generator.z_dim)
        bank[digit] = generator(z, torch.full((N_STARTS,), digit)).flatten(1)
    return bank[digit]


@torch.inference_mode()
def read(classifier: Classifier, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Images [N, 1, 28, 28] in [-1, 1] -> features [N, 128] and class probabilities [N, 10]."""
    h = classifier.features(x)
    return h, torch.softmax(classifier.logits(h), 1)


def digits_to_try(probs: torch.Tensor) -> list[int]:
    """The classifier's reading, and its runner-up when it is unsure."""
    top = torch.topk(probs, 2)
    digits = [int(top.indices[0])]
    if float(top.values[0]) < UNSURE:
        digits.append(int(top.indices[1]))
    return digits


def schedule(t: float) -> tuple[float, float]:
    """(learning rate, noise scale) at fraction t of the steps (StyleGAN2-ADA's projector)."""
    ramp = min(1.0, (1.0 - t) / LR_RAMPDOWN)
    ramp = 0.5 - 0.5 * math.cos(ramp * math.pi)
    ramp *= min(1.0, t / LR_RAMPUP)
    return LR * ramp, NOISE * max(0.0, 1.0 - t / NOISE_RAMP) ** 2


def project(generator: Generator, classifier: Classifier, target: np.ndarray, *, steps: int | None = None,
            render: Generator | None = None) -> Projection:
    """Fit (z, digit) so that G(z, digit) matches `target`, uint8 [28, 28] in MNIST polarity.
    `render`: the generator that draws the reconstruction, the one a recipe's z is drawn with
    (the Studio's float64 copy of `generator`); default `generator` itself."""
    steps = STEPS if steps is None else steps
    target = np.asarray(target, np.uint8)
    if target.shape != (28, 28):
        raise ValueError(f"target must be a 28x28 digit, got shape {target.shape}")
    generator.eval(), classifier.eval()
    x_target = to_unit(target[None])
    target_feats, target_probs = read(classifier, x_target)
    digits = digits_to_try(target_probs[0])

    # Starts: the best STARTS_PER_DIGIT seeds by pixel distance, for each digit tried.
    starts, labels = [], []
    for d in digits:
        dist = (start_images(generator, d) - x_target.flatten(1)).square().mean(1)
        for seed in torch.topk(dist, STARTS_PER_DIGIT, largest=False).indices.tolist():
            starts.append(seed)
            labels.append(d)
    z = latents_from_seeds(starts, generator.z_dim).requires_grad_(True)
    labels_t = torch.tensor(labels)
    opt = torch.optim.Adam([z], lr=LR, betas=(0.9, 0.999))
    noise_rng = torch.Generator().manual_seed(NOISE_SEED)
    for step in range(steps):
        lr, noise = schedule(step / steps)
        for group in opt.param_groups:
            group["lr"] = lr
        z_in = z + noise * torch.randn(z.shape, generator=noise_rng)
        loss = _loss(generator, classifier, z_in, labels_t, x_target, target_feats).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward(inputs=[z])  # gradients for z only: the models' weights stay untouched
        opt.step()

    with torch.no_grad():
        z16 = z.detach().to(torch.float16).float()
        final = _loss(generator, classifier, z16, labels_t, x_target, target_feats)
    best = int(final.argmin())
    zb, digit = z16[best], labels[best]
    recon = images_from_latents(generator if render is None else render, zb[None], torch.tensor([digit]))[0]
    feats, probs = read(classifier, to_unit(np.stack([target, recon])))
    figures = {
        "digit": digit,
        "digits_tried": digits,
        "pixel_error": round(float(np.abs(target.astype(np.float32) - recon).mean() / 255), 4),
        "perceptual_distance": round(float((feats[0] - feats[1]).norm()), 4),
        "target_reading": {"digit": int(probs[0].argmax()), "confidence": round(float(probs[0].max()), 4)},
        "reconstruction_reading": {"digit": int(probs[1].argmax()), "confidence": round(float(probs[1].max()), 4)},
    }
    return Projection(z=zb, digit=digit, target=target, reconstruction=recon, figures=figures)


def _loss(generator: Generator, classifier: Classifier, z: torch.Tensor, labels: torch.Tensor,
          x_target: torch.Tensor, target_feats: torch.Tensor) -> torch.Tensor:
    """Per-row loss [N]: pixels + classifier features + a light prior on |z|."""
    x = generator(z, labels)
    pixel = (x - x_target).square().flatten(1).mean(1)
    feature = (classifier.features(x) - target_feats).square().mean(1)
    prior = (z.square().mean(1) - 1).square()
    return pixel + FEATURE_WEIGHT * feature + PRIOR_WEIGHT * prior


# ---------------------------------------------------------------------------- measure


def baseline(generator: Generator, target: np.ndarray, digit: int, n_seeds: int = 1000) -> np.ndarray:
    """The best of seeds 0..n_seeds-1 for `digit` by pixel distance: what a projection must beat."""
    images = _baseline_images(generator, digit, n_seeds)
    dist = (images - torch.from_numpy(target).float().flatten()).square().mean(1)
    return images[int(dist.argmin())].view(28, 28).to(torch.uint8).numpy()


_baseline_cache: dict[tuple[int, int, int], torch.Tensor] = {}


def _baseline_images(generator: Generator, digit: int, n_seeds: int) -> torch.Tensor:
    key = (id(generator), digit, n_seeds)
    if key not in _baseline_cache:
        z = latents_from_seeds(range(n_seeds), generator.z_dim)
        _baseline_cache[key] = torch.from_numpy(images_from_latents(generator, z, torch.full((n_seeds,), digit))).float().flatten(1)
    return _baseline_cache[key]


def fit_figures(classifier: Classifier, targets: np.ndarray, fits: np.ndarray, labels: np.ndarray) -> dict:
    """Over pairs (target, fit), uint8 [N, 28, 28]: the share of fits the classifier reads as
    the target's digit (its reading of the target, and the true label), mean pixel error in
    [0, 1], mean perceptual distance (L2 between the classifier's 128-d features)."""
    f_t, p_t = read(classifier, to_unit(targets))
    f_f, p_f = read(classifier, to_unit(fits))
    read_t, read_f = p_t.argmax(1).numpy(), p_f.argmax(1).numpy()
    return {
        "same_digit_as_target_reading": round(float((read_f == read_t).mean()), 4),
        "same_digit_as_label": round(float((read_f == labels).mean()), 4),
        "pixel_error": round(float(np.abs(targets.astype(np.float32) - fits).mean() / 255), 4),
        "perceptual_distance": round(float((f_t - f_f).norm(dim=1).mean()), 4),
    }
