"""Latent directions that mean something, for the app's sliders.

    gan dev directions                 # refit the shipped weights' sliders (gan ship does it for a new model)

Named directions (InterFaceGAN-style, Shen et al. 2020): measure an attribute (stroke
thickness, slant, width, height) on many generated digits, standardise it within each digit
class, and fit a linear model attribute ~ z; the unit normal of that model is the direction.
Principal directions (GANSpace-style, Härkönen et al. 2020): PCA of G's first hidden layer
over many latents, each principal axis carried back to z by linear regression.

Directions are unit vectors, and z ~ N(0, I), so a slider value s moves a latent by s
standard deviations along one axis: -3..3 spans nearly all of the prior.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from .models import Generator
from .sampling import images_from_latents, latents_from_seeds
from .weights import load_model

ATTRIBUTES = ("thickness", "slant", "width", "height")
N_PRINCIPAL = 4
SLIDER_NAMES = (*ATTRIBUTES, *(f"pc{i + 1}" for i in range(N_PRINCIPAL)))  # the app's sliders, in order: /generate's parameters


def measure(images: np.ndarray) -> dict[str, np.ndarray]:
    """Shape attributes of uint8 digits [N, 28, 28], each an array [N], from ink moments.

    thickness: ink area / half the outline length (pixels); slant: horizontal shear of the
    ink (positive leans right, like italics); width, height: ink spread (2 standard deviations).
    """
    ink = images.astype(np.float64) / 255
    mass = ink.sum((1, 2)) + 1e-9
    ys, xs = np.indices((28, 28))
    cy, cx = (ink * ys).sum((1, 2)) / mass, (ink * xs).sum((1, 2)) / mass
    dy, dx = ys - cy[:, None, None], xs - cx[:, None, None]
    var_y, var_x = (ink * dy**2).sum((1, 2)) / mass, (ink * dx**2).sum((1, 2)) / mass
    cov = (ink * dx * dy).sum((1, 2)) / mass
    mask = images > 127
    padded = np.pad(mask, ((0, 0), (1, 1), (1, 1)))
    interior = padded[:, :-2, 1:-1] & padded[:, 2:, 1:-1] & padded[:, 1:-1, :-2] & padded[:, 1:-1, 2:]
    edges = (mask & ~interior).sum((1, 2))
    return {
        "thickness": 2 * mask.sum((1, 2)) / np.maximum(edges, 1),
        "slant": -cov / np.maximum(var_y, 1e-9),  # y grows downward: a right lean has negative cov
        "width": 2 * np.sqrt(var_x),
        "height": 2 * np.sqrt(var_y),
    }


def fit_named(generator: Generator, n: int = 20_000, seed_offset: int = 10**9) -> dict[str, torch.Tensor]:
    """Unit direction in z for each attribute, from least squares on standardised attributes."""
    z = latents_from_seeds(range(seed_offset, seed_offset + n), generator.z_dim)
    digits = torch.arange(n) % 10
    attrs = measure(images_from_latents(generator, z, digits))
    out = {}
    for name in ATTRIBUTES:
        a = attrs[name].copy()
        for d in range(10):  # within-class: "thicker 7", not "more like a 0"
            m = digits.numpy() == d
            a[m] = (a[m] - a[m].mean()) / (a[m].std() + 1e-9)
        w = torch.linalg.lstsq(z.double(), torch.from_numpy(a)[:, None]).solution[:, 0].float()
        out[name] = w / w.norm()
    return out


@torch.inference_mode()
def fit_principal(generator: Generator, k: int = N_PRINCIPAL, n: int = 20_000, seed_offset: int = 2 * 10**9) -> list[torch.Tensor]:
    """GANSpace: PCA of the first hidden layer's activations, regressed back onto z."""
    z = latents_from_seeds(range(seed_offset, seed_offset + n), generator.z_dim)
    labels = torch.arange(n) % 10
    g = generator.eval()
    first = g.net[:2] if g.arch == "mlp" else g.fc
    h = torch.cat([z, torch.nn.functional.one_hot(labels, 10).float()], 1)
    feats = first(h).double()
    feats = feats - feats.mean(0)
    if n < feats.shape[1]:  # fewer samples than features (the Studio's quick fit): eigenvectors of the n x n Gram
        # matrix give the same coordinates (feats = U S V^T, feats feats^T = U S^2 U^T, coords = U S), ~10x faster.
        eigenvalues, u = torch.linalg.eigh(feats @ feats.T)  # ascending
        coords = u[:, -k:].flip(1) * eigenvalues[-k:].flip(0).clamp_min(0).sqrt()
    else:
        _, _, v = torch.linalg.svd(feats, full_matrices=False)
        coords = feats @ v[:k].T  # [n, k] principal coordinates
    coords = coords / coords.std(0)
    u = torch.linalg.lstsq(coords, z.double()).solution  # z ~ coords @ u: row i is axis i in z
    return [(row / row.norm()).float() for row in u]


def fit_all(generator: Generator, samples: int = 20_000, principal_samples: int | None = None,
            log: Callable[[str], None] = lambda message: None) -> dict[str, list[float]]:
    """Every slider's direction, by name: the named ones, then pc1..pc4 (the app's order).
    `log` hears of each stage (the full fit takes about two minutes on 2 cores)."""
    t = time.perf_counter()
    log(f"fitting the named directions ({', '.join(ATTRIBUTES)}) on {samples:,} generated digits...")
    named = fit_named(generator, samples)
    log(f"  done in {time.perf_counter() - t:.0f} s; fitting the principal directions on {principal_samples or samples:,}...")
    principal = fit_principal(generator, n=principal_samples or samples)
    log(f"  done in {time.perf_counter() - t:.0f} s in all")
    return dict(zip(SLIDER_NAMES, [v.tolist() for v in [*named.values(), *principal]]))


def fit_and_write(folder: Path, samples: int = 20_000) -> Path:
    """Fit every slider's direction for folder/generator, write folder/directions.json, and
    print what each named direction does, measured on fresh digits at -2 and +2."""
    g = load_model(Generator, Path(folder) / "generator")
    directions = fit_all(g, samples, log=lambda message: print(message, flush=True))
    named = {k: torch.tensor(directions[k]) for k in ATTRIBUTES}
    out = Path(folder) / "directions.json"
    out.write_text(json.dumps({"z_dim": g.z_dim, "directions": directions}))
    z = latents_from_seeds(range(1000), g.z_dim)
    digits = torch.arange(1000) % 10
    for name, d in named.items():
        lo, hi = (measure(images_from_latents(g, z + s * d, digits))[name].mean() for s in (-2, 2))
        print(f"{name:9s}: {lo:.3f} at -2 -> {hi:.3f} at +2")
    print(f"wrote {out}")
    return out
