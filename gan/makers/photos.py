"""Photo-like uploads of real MNIST test digits, made deterministically.

Each case is a real MNIST test digit written onto a page and photographed: paper colour and
lighting (gradient, vignette), ink (black, blue ballpoint, pencil, felt marker), ruled lines,
a shadow across the page, blur, sensor noise, JPEG quality, the digit's size and place, tilt,
and the table around the paper. Every condition varies the basics a little; each named
condition pushes one of them hard, and "everything" stacks several.

    gan dev photos --out photos/ -n 3 --data-dir ../shared/data   # write the JPEGs to look at
    gan dev uploads --photos --data-dir ../shared/data          # how well the Space reads them

`photo_cases(images, labels, n_per_condition, seed)` is what tests call.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageFilter

CONDITIONS = ["plain", "vignette", "blue ballpoint", "pencil", "marker", "ruled paper", "shadow",
              "small off-centre", "table border", "tilt", "blur noise jpeg", "everything"]


@dataclass
class PhotoCase:
    condition: str
    label: int
    jpeg: bytes  # the upload, as a phone would save it
    index: int  # which source digit


def photo_cases(images: np.ndarray, labels: np.ndarray, n_per_condition: int = 40, seed: int = 0,
                conditions: list[str] | None = None) -> list[PhotoCase]:
    """n_per_condition photos per condition of digits drawn from images (uint8 [N, 28, 28],
    MNIST polarity); the same arguments give the same bytes."""
    cases = []
    for ci, condition in enumerate(conditions or CONDITIONS):
        for k in range(n_per_condition):
            rng = np.random.default_rng([seed, CONDITIONS.index(condition), k])
            i = int(rng.integers(len(images)))
            cases.append(PhotoCase(condition, int(labels[i]), render(images[i], condition, rng), i))
    return cases


# ---------------------------------------------------------------------------- rendering


def _settings(condition: str, rng: np.random.Generator) -> dict:
    """Every knob, mild by default; the condition (or, for "everything", several) pushes its own."""
    s = dict(
        long_side=int(rng.integers(480, 900)), portrait=bool(rng.random() < 0.5),
        paper=np.clip(rng.normal(0.9, 0.03) + rng.normal(0, 0.015, 3), 0.7, 1.0),
        gradient=rng.uniform(0, 0.15), vignette=rng.uniform(0, 0.12),
        ink=np.full(3, rng.uniform(0.05, 0.2)) + rng.normal(0, 0.02, 3), ink_strength=rng.uniform(0.85, 1.0),
        pen=rng.uniform(0.25, 0.5), grain=0.0, size=rng.uniform(0.3, 0.6), tilt=rng.uniform(-4, 4),
        lines=False, shadow=0.0, table=False, blur=rng.uniform(0, 0.4), noise=rng.uniform(0.005, 0.02),
        quality=int(rng.integers(70, 96)),
    )
    pushes = [condition] if condition != "everything" else list(rng.choice(CONDITIONS[1:-1], size=3, replace=False))
    for push in pushes:
        if push == "vignette":
            s.update(paper=np.clip(rng.uniform(0.55, 0.8) + rng.normal(0, 0.02, 3), 0, 1), vignette=rng.uniform(0.35, 0.6), gradient=rng.uniform(0.1, 0.3))
        elif push == "blue ballpoint":
            s.update(ink=np.array([rng.uniform(0.05, 0.25), rng.uniform(0.1, 0.3), rng.uniform(0.45, 0.75)]), pen=rng.uniform(0.45, 0.65), ink_strength=rng.uniform(0.7, 0.95))
        elif push == "pencil":
            s.update(ink=np.full(3, rng.uniform(0.3, 0.5)), ink_strength=rng.uniform(0.55, 0.85), grain=rng.uniform(0.3, 0.6), pen=rng.uniform(0.35, 0.6))
        elif push == "marker":
            s.update(ink=np.array([rng.uniform(0, 0.15), rng.uniform(0, 0.15), rng.uniform(0, 0.3)]) if rng.random() < 0.5 else np.array([0.6, 0.05, 0.1]), pen=rng.uniform(0.1, 0.2))
        elif push == "ruled paper":
            s.update(lines=True)
        elif push == "shadow":
            s.update(shadow=rng.uniform(0.3, 0.55))
        elif push == "small off-centre":
            s.update(size=rng.uniform(0.1, 0.18))
        elif push == "table border":
            s.update(table=True)
        elif push == "tilt":
            s.update(tilt=float(rng.choice([-1, 1]) * rng.uniform(6, 12)))
        elif push == "blur noise jpeg":
            s.update(blur=rng.uniform(0.6, 1.2), noise=rng.uniform(0.03, 0.06), quality=int(rng.integers(25, 50)))
    return s


def render(digit: np.ndarray, condition: str, rng: np.random.Generator) -> bytes:
    """One photo of one MNIST digit (uint8 [28, 28]) as JPEG bytes."""
    return photograph(lambda side, pen: pen_stroke(digit, side, pen), condition, rng)


def photograph(draw: Callable[[int, float], np.ndarray], condition: str, rng: np.random.Generator) -> bytes:
    """A photo (JPEG bytes) of a drawing on paper. draw(side, pen) gives the drawing's ink
    coverage, float [side, side] in [0, 1]; pen in 0..1 is how thin the pen is."""
    s = _settings(condition, rng)
    long_side = s["long_side"]
    w, h = (long_side * 3 // 4, long_side) if s["portrait"] else (long_side, long_side * 3 // 4)
    short = min(w, h)
    # The page's content in page coordinates: the digit's ink coverage and the ruled lines.
    side = int(s["size"] * short)
    pad = int(0.08 * short)
    if s["table"]:
        pad += int(0.12 * short)  # the digit sits on the paper, not at its edge
    x0 = int(rng.integers(pad, max(pad + 1, w - side - pad)))
    y0 = int(rng.integers(pad, max(pad + 1, h - side - pad)))
    ink = np.zeros((h, w), np.float32)
    ink[y0:y0 + side, x0:x0 + side] = draw(side, s["pen"])
    if s["grain"]:
        ink *= np.clip(1 - s["grain"] * rng.random((h, w), dtype=np.float32), 0, 1)
    lines = _ruled_lines(h, w, side, y0, rng) if s["lines"] else None
    # Tilt: the page (ink and lines) turns in the frame; lighting and the table stay.
    if s["tilt"]:
        ink = _rotate(ink, s["tilt"])
        lines = None if lines is None else (_rotate(lines[0], s["tilt"]), lines[1])
    page = np.broadcast_to(s["paper"], (h, w, 3)).astype(np.float32)
    if lines is not None:
        alpha, colour = lines
        page = page * (1 - alpha[..., None]) + alpha[..., None] * colour
    page = page * (1 - (s["ink_strength"] * ink)[..., None]) + (s["ink_strength"] * ink)[..., None] * s["ink"]
    if s["table"]:
        page = _on_table(page, rng)
    page = page * _lighting(h, w, s, rng)[..., None]
    img = Image.fromarray((np.clip(page, 0, 1) * 255).astype(np.uint8))
    blur = s["blur"] * side / 28  # in MNIST pixels: the same softness whatever the photo's size
    if blur > 0.3:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(img, np.float32) + rng.normal(0, 255 * s["noise"], (h, w, 1)).astype(np.float32)
    buf = io.BytesIO()
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=s["quality"])
    return buf.getvalue()


def pen_stroke(digit: np.ndarray, side: int, pen: float) -> np.ndarray:
    """The digit's ink coverage at side x side: MNIST's soft strokes through a pen's edge
    (a higher `pen` threshold draws thinner lines)."""
    soft = np.asarray(Image.fromarray(digit).resize((side, side), Image.BICUBIC), np.float32) / 255
    return np.clip((soft - pen) / 0.15 + 0.5, 0, 1) * (soft > 0.02)  # no ink where MNIST has none


def _ruled_lines(h: int, w: int, digit_side: int, y0: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Blue-grey horizontal lines about one digit height apart, sometimes a red margin line."""
    alpha = np.zeros((h, w), np.float32)
    spacing = digit_side * rng.uniform(0.6, 1.1)
    thick = max(1, int(round(rng.uniform(0.002, 0.006) * min(h, w))))
    strength = rng.uniform(0.5, 0.9)
    start = y0 + rng.uniform(0, spacing) - 3 * spacing
    for y in np.arange(start, h, spacing):
        if 0 <= y < h - thick:
            alpha[int(y):int(y) + thick] = strength
    if rng.random() < 0.5:
        x = int(rng.uniform(0.05, 0.15) * w)
        alpha[:, x:x + thick + 1] = strength
    colour = np.array([0.45, 0.6, 0.85]) if rng.random() < 0.7 else np.array([0.55, 0.55, 0.6])
    return alpha, colour.astype(np.float32)


def _rotate(a: np.ndarray, degrees: float) -> np.ndarray:
    return np.asarray(Image.fromarray(a, mode="F").rotate(degrees, Image.BILINEAR), np.float32)


def _on_table(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The paper as a slightly turned quadrilateral, the table (wood or dark grey) around it."""
    h, w = page.shape[:2]
    cover = rng.uniform(0.78, 0.92)
    angle = np.radians(rng.uniform(-6, 6))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = w / 2 + rng.uniform(-0.05, 0.05) * w, h / 2 + rng.uniform(-0.05, 0.05) * h
    u = (xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle)
    v = -(xx - cx) * np.sin(angle) + (yy - cy) * np.cos(angle)
    paper = (np.abs(u) < cover * w / 2) & (np.abs(v) < cover * h / 2)
    colour = np.array([0.35, 0.22, 0.12]) * rng.uniform(0.6, 1.3) if rng.random() < 0.6 else np.full(3, rng.uniform(0.1, 0.35))
    grain = 1 + 0.15 * np.sin(yy / rng.uniform(3, 9) + 0.3 * np.sin(xx / 40))
    table = colour[None, None, :] * grain[..., None]
    return np.where(paper[..., None], page, table).astype(np.float32)


def _lighting(h: int, w: int, s: dict, rng: np.random.Generator) -> np.ndarray:
    """Multiplicative light: a gradient in a random direction, a vignette around an off-centre
    bright spot, and a shadow with a soft edge across part of the page."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    xn, yn = xx / w - 0.5, yy / h - 0.5
    theta = rng.uniform(0, 2 * np.pi)
    light = 1 + s["gradient"] * (np.cos(theta) * xn + np.sin(theta) * yn) * 2
    cx, cy = rng.uniform(-0.15, 0.15, 2)
    light *= 1 - s["vignette"] * np.clip(((xn - cx) ** 2 + (yn - cy) ** 2) / 0.5, 0, 1.5)
    if s["shadow"]:
        phi = rng.uniform(0, 2 * np.pi)
        edge = np.cos(phi) * xn + np.sin(phi) * yn - rng.uniform(-0.25, 0.25)
        softness = rng.uniform(0.005, 0.08)
        light *= 1 - s["shadow"] / (1 + np.exp(-edge / softness))
    return light / max(float(light.max()), 1e-6) * rng.uniform(0.85, 1.05)


def test_digits(data_dir: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST test split as uint8 [N, 28, 28] and labels [N] (torchvision layout or .npz)."""
    from gan.core.data import load_mnist

    images, labels = load_mnist(data_dir, train=False)
    return images.numpy(), labels.numpy()


def write_photos(out: Path, data_dir: str | Path, per_condition: int = 40, seed: int = 0) -> None:
    """`gan dev photos`: per_condition photo-like uploads of each condition, as JPEGs in `out`."""
    images, labels = test_digits(data_dir)
    out.mkdir(parents=True, exist_ok=True)
    for k, case in enumerate(photo_cases(images, labels, per_condition, seed)):
        (out / f"{k:04d}_{case.condition.replace(' ', '-')}_{case.label}.jpg").write_bytes(case.jpeg)
