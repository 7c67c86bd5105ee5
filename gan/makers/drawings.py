"""Digits made by a person, made deterministically: real MNIST digits redrawn the ways a
visitor draws one, with nothing from the GAN in them (the measurements draw test digits, the
digit detector learns from training digits).

Each real digit's strokes are traced (thinned to a one-pixel centre line) and drawn again
with a round pen on a white canvas: a Sketchpad drawn with a mouse (thin to medium pen, a
steady hand), drawn by touch (a thick fingertip, a shaky hand), a felt marker (MNIST's own
stroke outline filled solid), a thin ballpoint scanned on grey paper, and plain pen strokes of
a 1 (one straight or slanted line, any length and width). Every kind varies the canvas size
(280 px like the Space's Sketchpad, up to 600 px), the pen, the digit's size and place.

    gan dev drawings --out drawings/ -n 3 --data-dir ../shared/data   # write PNGs to look at
    gan dev uploads --verdict --data-dir ../shared/data                # how the Space judges them

`drawing_cases(images, labels, n_per_kind, seed)` is what the measurement and the tests call.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .photos import pen_stroke

KINDS = ["mouse", "touch", "marker", "thin pen scan", "one stroke"]


@dataclass
class Drawing:
    kind: str
    label: int
    data: bytes  # the upload: PNG (JPEG for scans)
    index: int  # which source digit (-1 for the one-stroke 1s)


def drawing_cases(images: np.ndarray, labels: np.ndarray, n_per_kind: int = 60, seed: int = 0,
                  kinds: list[str] | None = None) -> list[Drawing]:
    """n_per_kind drawings of each kind from images (uint8 [N, 28, 28], MNIST polarity);
    the same arguments give the same bytes."""
    cases = []
    for kind in kinds or KINDS:
        for k in range(n_per_kind):
            rng = np.random.default_rng([seed, 77, KINDS.index(kind), k])
            if kind == "one stroke":
                cases.append(Drawing(kind, 1, png_bytes(one_stroke(rng)), -1))
                continue
            i = int(rng.integers(len(images)))
            cases.append(Drawing(kind, int(labels[i]), redraw(images[i], kind, rng), i))
    return cases


# ---------------------------------------------------------------------------- drawing


def redraw(digit: np.ndarray, kind: str, rng: np.random.Generator) -> bytes:
    """One MNIST digit drawn again as `kind` (dark strokes on a light canvas), as file bytes."""
    if kind == "marker":  # MNIST's stroke outline, filled solid: a felt marker's even line
        side = int(rng.choice([280, 280, 400, 600]))
        box = int(rng.uniform(0.55, 0.9) * side)
        x0, y0 = rng.integers(0, side - box + 1, 2)
        canvas = np.zeros((side, side), np.float32)
        canvas[y0:y0 + box, x0:x0 + box] = pen_stroke(digit, box, rng.uniform(0.25, 0.55))
        return png_bytes(1 - canvas)
    big = np.asarray(Image.fromarray(digit).resize((digit.shape[1] * 4, digit.shape[0] * 4), Image.BICUBIC)) > 100
    light = pen_drawing(skeleton(big), kind, rng)
    if kind == "thin pen scan":  # grey paper, a little blur, saved as a scanner's JPEG
        a = np.asarray(Image.fromarray((light * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0))), np.float32)
        a = a * rng.uniform(0.8, 0.95) + rng.normal(0, 3, a.shape)
        buf = io.BytesIO()
        Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=int(rng.integers(70, 95)))
        return buf.getvalue()
    return png_bytes(light)


PENS = {"mouse": (0.012, 0.04, 0.004), "touch": (0.04, 0.09, 0.012), "thin pen scan": (0.006, 0.015, 0.002)}  # pen width range and hand shake, shares of the canvas


def pen_drawing(centre_lines: np.ndarray, pen_kind: str, rng: np.random.Generator) -> np.ndarray:
    """Centre lines (bool [h, w], one pixel wide) drawn with a round pen on a white canvas, as a
    Sketchpad or a pen on paper draws them: light float [side, side], 0 = ink, 1 = paper.
    The drawing fills 55-90% of a 280-600 px canvas, anywhere on it."""
    side = int(rng.choice([280, 280, 400, 600]))
    box = rng.uniform(0.55, 0.9) * side
    x0, y0 = rng.uniform(0, side - box, 2)
    lo, hi, shake = PENS[pen_kind]
    pen = rng.uniform(lo, hi) * side
    ys, xs = np.nonzero(centre_lines)
    scale = box / max(centre_lines.shape)
    pts = np.stack([x0 + (xs + 0.5) * scale, y0 + (ys + 0.5) * scale], 1) + _wobble(xs, ys, shake * side, rng)
    img = Image.new("L", (side, side), 255)
    draw = ImageDraw.Draw(img)
    ink = int(rng.integers(0, 40)) if pen_kind == "thin pen scan" else 0
    for x, y in pts:
        draw.ellipse([x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2], fill=ink)
    return np.asarray(img, np.float32) / 255


def one_stroke(rng: np.random.Generator) -> np.ndarray:
    """A 1 as one pen stroke: a straight line, upright or slanted, of any length and width."""
    side = int(rng.choice([280, 400, 600]))
    length, slant = rng.uniform(0.2, 0.9) * side, np.radians(rng.uniform(-25, 25))
    cx, cy = rng.uniform(0.3, 0.7, 2) * side
    dx, dy = np.sin(slant) * length / 2, np.cos(slant) * length / 2
    img = Image.new("L", (side, side), 255)
    ImageDraw.Draw(img).line([cx - dx, cy - dy, cx + dx, cy + dy], fill=0, width=max(2, int(rng.uniform(0.01, 0.12) * side)))
    return np.asarray(img, np.float32) / 255


def skeleton(mask: np.ndarray) -> np.ndarray:
    """Strokes (bool [h, w]) thinned to one-pixel centre lines (Zhang and Suen, 1984)."""
    img = np.pad(mask, 1).astype(np.uint8)
    while True:
        changed = False
        for step in (0, 1):
            p = [np.roll(np.roll(img, -dy, 0), -dx, 1) for dy, dx in
                 ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))]  # P2..P9, clockwise from north
            neighbours = sum(p)
            transitions = sum((p[i] == 0) & (p[(i + 1) % 8] == 1) for i in range(8))
            if step == 0:
                cut = (p[0] * p[2] * p[4] == 0) & (p[2] * p[4] * p[6] == 0)
            else:
                cut = (p[0] * p[2] * p[6] == 0) & (p[0] * p[4] * p[6] == 0)
            remove = (img == 1) & (neighbours >= 2) & (neighbours <= 6) & (transitions == 1) & cut
            if remove.any():
                img[remove] = 0
                changed = True
        if not changed:
            return img[1:-1, 1:-1].astype(bool)


def _wobble(xs: np.ndarray, ys: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """A smooth displacement (a hand's slow drift, not noise) at each skeleton point."""
    fx, fy, px, py = rng.uniform(0.05, 0.2, 2).tolist() + rng.uniform(0, 2 * np.pi, 2).tolist()
    return amount * np.stack([np.sin(fy * ys + px), np.sin(fx * xs + py)], 1)


def png_bytes(light: np.ndarray) -> bytes:
    """A [0, 1] image, 1 = white paper, as PNG bytes."""
    buf = io.BytesIO()
    Image.fromarray((np.clip(light, 0, 1) * 255).round().astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def write_drawings(out: Path, data_dir: str | Path, n: int = 3) -> None:
    """`gan dev drawings`: n drawings of each kind, of MNIST test digits, as files in `out`."""
    from .photos import test_digits

    images, labels = test_digits(data_dir)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for k, case in enumerate(drawing_cases(images, labels, n)):
        ext = "jpg" if case.data[:2] == b"\xff\xd8" else "png"
        (out / f"{case.kind.replace(' ', '_')}_{k:03d}_label{case.label}.{ext}").write_bytes(case.data)
    print(f"wrote {len(list(out.iterdir()))} drawings to {out}")
