"""Uploads that are not handwritten digits, made deterministically: noise, letters and words
in real fonts, scribbles, shapes, drawings (a sun, a smiley face, a house), photos of textures
and gradients, blank pages. Each is shown as a clean digital image or photographed on paper
with `gan.photoset`'s lighting, ink and camera.

Two disjoint splits keep the measured figure honest: "train" (what the digit detector may
learn from) and "test" (what it is measured on). They differ in seeds and, for most kinds,
in the kind itself: other fonts (Liberation, not DejaVu), other scribbles (smooth curves, not
random walks), other shapes (pentagon, arrow, heart), other drawings (a sun, a smiley face, a
house, where training has trees, flowers, clouds, envelopes, spirals), other textures, and
blank pages and Gaussian noise that the train split has none of.

    python -m gan.nondigits --out nondigits/ -n 4    # write some to look at
"""

from __future__ import annotations

import argparse
import io
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .photoset import CONDITIONS, photograph

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation")]
# Letters only: "O", "l", "I" and friends stay in, as a reader would not call them digits.
LETTERS = string.ascii_letters
WORDS = ["cat", "dog", "sun", "hello", "the", "yes", "no", "ok", "mnist", "gan", "Hi", "abc", "zebra", "tree", "love",
         "hey", "why", "box", "pizza", "real", "fake", "art", "go", "Way", "kite", "moon", "star", "fish", "Bob", "xyz"]


@dataclass
class NonDigit:
    kind: str
    data: bytes  # PNG or JPEG bytes, as uploaded


def fonts(split: str) -> list[Path]:
    """DejaVu for training, Liberation for measuring (whichever of them this machine has)."""
    family = "DejaVu" if split == "train" else "Liberation"
    found = sorted(p for d in FONT_DIRS if d.exists() for p in d.glob(f"{family}*.ttf"))
    return found or sorted(p for d in FONT_DIRS if d.exists() for p in d.glob("*.ttf"))


# ---------------------------------------------------------------------------- drawings
# Each draws ink coverage, float [side, side] in [0, 1], with a pen about `width` px wide.


def _canvas(side: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("L", (side, side), 0)
    return img, ImageDraw.Draw(img)


def _done(img: Image.Image) -> np.ndarray:
    return np.asarray(img.filter(ImageFilter.GaussianBlur(0.6)), np.float32) / 255


def _pen_width(side: int, pen: float, rng: np.random.Generator) -> int:
    return max(2, int(side * rng.uniform(0.03, 0.09) * (1.3 - pen)))


def text_drawing(text: str, font_path: Path, side: int, rng: np.random.Generator) -> np.ndarray:
    img, draw = _canvas(side)
    size = int(side * (rng.uniform(0.5, 0.85) if len(text) == 1 else rng.uniform(0.7, 1.1) / max(1, len(text)) * 1.6))
    font = ImageFont.truetype(str(font_path), max(8, size))
    box = draw.textbbox((0, 0), text, font=font)
    tw, th = box[2] - box[0], box[3] - box[1]
    x = (side - tw) / 2 - box[0] + rng.uniform(-0.1, 0.1) * side
    y = (side - th) / 2 - box[1] + rng.uniform(-0.1, 0.1) * side
    draw.text((x, y), text, fill=255, font=font, stroke_width=int(rng.integers(0, max(1, size // 20) + 1)), stroke_fill=255)
    return _done(img.rotate(rng.uniform(-10, 10), Image.BILINEAR))


def walk_scribble(side: int, pen: float, rng: np.random.Generator) -> np.ndarray:
    img, draw = _canvas(side)
    steps = np.cumsum(rng.normal(0, side * 0.08, (int(rng.integers(15, 60)), 2)), 0)
    steps = (steps - steps.min(0)) / max(np.ptp(steps, 0).max(), 1) * side * 0.8 + side * 0.1
    draw.line([tuple(p) for p in steps], fill=255, width=_pen_width(side, pen, rng), joint="curve")
    return _done(img)


def curve_scribble(side: int, pen: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth loops: a sum of a few random sinusoids, like a pen circling on the page."""
    img, draw = _canvas(side)
    t = np.linspace(0, 2 * np.pi * rng.uniform(1.5, 4), 400)
    x = sum(rng.uniform(0.1, 0.35) * np.sin(rng.uniform(0.5, 3) * t + rng.uniform(0, 6)) for _ in range(3))
    y = sum(rng.uniform(0.1, 0.35) * np.cos(rng.uniform(0.5, 3) * t + rng.uniform(0, 6)) for _ in range(3))
    pts = np.stack([x, y], 1)
    pts = (pts - pts.min(0)) / max(np.ptp(pts, 0).max(), 1e-6) * side * 0.8 + side * 0.1
    draw.line([tuple(p) for p in pts], fill=255, width=_pen_width(side, pen, rng), joint="curve")
    return _done(img)


def _polygon(draw: ImageDraw.ImageDraw, points: np.ndarray, width: int, fill: bool) -> None:
    pts = [tuple(p) for p in points]
    if fill:
        draw.polygon(pts, fill=255)
    else:
        draw.line(pts + [pts[0]], fill=255, width=width, joint="curve")


def shape(name: str, side: int, pen: float, rng: np.random.Generator) -> np.ndarray:
    img, draw = _canvas(side)
    c, r = side / 2, side * rng.uniform(0.3, 0.42)
    width, fill = _pen_width(side, pen, rng), rng.random() < 0.3
    turn = rng.uniform(0, 2 * np.pi)
    ring = lambda n, radii: np.stack([c + np.asarray(radii) * np.cos(turn + np.arange(n) * 2 * np.pi / n),
                                      c + np.asarray(radii) * np.sin(turn + np.arange(n) * 2 * np.pi / n)], 1)
    if name == "triangle":
        _polygon(draw, ring(3, r), width, fill)
    elif name == "square":
        _polygon(draw, ring(4, r), width, fill)
    elif name == "star":
        _polygon(draw, ring(10, [r, r * 0.45] * 5), width, fill)
    elif name == "hatching":
        for k in range(int(rng.integers(4, 9))):
            y = side * (0.15 + 0.7 * k / 8)
            draw.line([(side * 0.1, y), (side * 0.9, y + rng.uniform(-0.2, 0.2) * side)], fill=255, width=width)
    elif name == "hexagon":
        _polygon(draw, ring(6, r), width, fill)
    elif name == "diamond":
        _polygon(draw, np.array([[c, c - r], [c + r * 0.6, c], [c, c + r], [c - r * 0.6, c]]), width, fill)
    elif name == "envelope":
        box = np.array([[c - r, c - r * 0.6], [c + r, c - r * 0.6], [c + r, c + r * 0.6], [c - r, c + r * 0.6]])
        _polygon(draw, box, width, False)
        draw.line([tuple(box[0]), (c, c + r * 0.1), tuple(box[1])], fill=255, width=width)
    elif name == "tree":
        draw.rectangle((c - r * 0.12, c + r * 0.2, c + r * 0.12, c + r), outline=255, width=width)
        draw.ellipse((c - r * 0.7, c - r, c + r * 0.7, c + r * 0.25), outline=255, width=width)
    elif name == "flower":
        for a in turn + np.arange(5) * 2 * np.pi / 5:
            px, py = c + r * 0.55 * np.cos(a), c + r * 0.55 * np.sin(a)
            draw.ellipse((px - r * 0.35, py - r * 0.35, px + r * 0.35, py + r * 0.35), outline=255, width=width)
    elif name == "cloud":
        for dx, dy, rr in [(-0.5, 0.1, 0.4), (0, -0.15, 0.5), (0.5, 0.1, 0.4), (0, 0.25, 0.35)]:
            draw.arc((c + dx * r - rr * r, c + dy * r - rr * r, c + dx * r + rr * r, c + dy * r + rr * r), 150, 390, fill=255, width=width)
    elif name == "spiral":
        t = np.linspace(0, rng.uniform(3, 5) * np.pi, 200)
        draw.line([(c + r * tt / t[-1] * np.cos(tt + turn), c + r * tt / t[-1] * np.sin(tt + turn)) for tt in t], fill=255, width=width, joint="curve")
    elif name == "pentagon":
        _polygon(draw, ring(5, r), width, fill)
    elif name == "arrow":
        pts = np.array([[0.1, 0.45], [0.6, 0.45], [0.6, 0.3], [0.9, 0.5], [0.6, 0.7], [0.6, 0.55], [0.1, 0.55]]) * side
        _polygon(draw, pts, width, fill)
    elif name == "heart":
        t = np.linspace(0, 2 * np.pi, 100)
        x, y = 16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        _polygon(draw, np.stack([c + x / 17 * r, c + y / 17 * r], 1), width, fill)
    elif name == "sun":
        k = int(rng.integers(6, 13))
        draw.ellipse((c - r * 0.45, c - r * 0.45, c + r * 0.45, c + r * 0.45), outline=255, width=width)
        for a in turn + np.arange(k) * 2 * np.pi / k:
            draw.line([(c + r * 0.6 * np.cos(a), c + r * 0.6 * np.sin(a)), (c + r * np.cos(a), c + r * np.sin(a))], fill=255, width=width)
    elif name == "smiley":
        draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=width)
        for dx in (-0.35, 0.35):
            draw.ellipse((c + dx * r - r * 0.1, c - r * 0.4, c + dx * r + r * 0.1, c - r * 0.2), fill=255)
        draw.arc((c - r * 0.55, c - r * 0.4, c + r * 0.55, c + r * 0.6), 20, 160, fill=255, width=width)
    elif name == "house":
        draw.rectangle((c - r * 0.7, c - r * 0.1, c + r * 0.7, c + r), outline=255, width=width)
        draw.line([(c - r * 0.85, c - r * 0.05), (c, c - r), (c + r * 0.85, c - r * 0.05)], fill=255, width=width)
        draw.rectangle((c - r * 0.15, c + r * 0.4, c + r * 0.15, c + r), outline=255, width=width)
    else:
        raise ValueError(name)
    return _done(img)


def speckle(side: int, pen: float, rng: np.random.Generator, gaussian: bool) -> np.ndarray:
    if gaussian:
        a = np.clip(rng.normal(0.5, 0.3, (side // 4, side // 4)), 0, 1)
        return np.asarray(Image.fromarray((a * 255).astype(np.uint8)).resize((side, side), Image.BICUBIC), np.float32) / 255
    return (rng.random((side, side)) < rng.uniform(0.05, 0.5)).astype(np.float32)


# ---------------------------------------------------------------------------- textures (whole pictures)


def texture(name: str, rng: np.random.Generator) -> Image.Image:
    """A photo of something other than a page: uint8 RGB."""
    w, h = int(rng.integers(300, 900)), int(rng.integers(300, 900))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    colour = rng.uniform(0.2, 1.0, 3)
    if name == "stripes":
        v = 0.5 + 0.5 * np.sign(np.sin((xx * np.cos(a := rng.uniform(0, np.pi)) + yy * np.sin(a)) / rng.uniform(4, 30)))
    elif name == "checker":
        k = rng.uniform(10, 60)
        v = ((xx // k + yy // k) % 2).astype(np.float32)
    elif name == "wood":
        v = 0.5 + 0.5 * np.sin(yy / rng.uniform(4, 12) + 3 * np.sin(xx / rng.uniform(30, 120)) + rng.normal(0, 0.3, (h, w)))
    elif name == "fabric":
        v = 0.5 + 0.25 * np.sin(xx / 2.5) * np.sin(yy / 2.5) + 0.15 * rng.normal(0, 1, (h, w))
    elif name == "gradient":
        v = (xx / w * rng.uniform(-1, 1) + yy / h * rng.uniform(-1, 1)) % 1 + rng.normal(0, 0.02, (h, w))
    elif name == "blobs":
        small = rng.random((int(rng.integers(3, 8)), int(rng.integers(3, 8)), 3))
        return Image.fromarray((small * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
    else:
        raise ValueError(name)
    rgb = np.clip(v[..., None] * colour + (1 - v[..., None]) * colour[::-1] * 0.3, 0, 1)
    return Image.fromarray((rgb * 255).astype(np.uint8))


# ---------------------------------------------------------------------------- the sets

DRAWN = {
    "train": ["letter", "word", "walk scribble", "triangle", "square", "star", "hatching", "uniform noise",
              "hexagon", "diamond", "envelope", "tree", "flower", "cloud", "spiral"],
    "test": ["letter", "word", "curve scribble", "pentagon", "arrow", "heart", "sun", "smiley", "house", "gaussian noise", "blank page"],
}
TEXTURES = {"train": ["stripes", "checker"], "test": ["wood", "fabric", "gradient", "blobs"]}


def _drawing(kind: str, split: str, rng: np.random.Generator) -> Callable[[int, float], np.ndarray]:
    font = fonts(split)[int(rng.integers(len(fonts(split))))]
    if kind == "letter":
        text = LETTERS[int(rng.integers(len(LETTERS)))]
        return lambda side, pen: text_drawing(text, font, side, rng)
    if kind == "word":
        text = WORDS[int(rng.integers(len(WORDS)))] if split == "test" else "".join(rng.choice(list(LETTERS), int(rng.integers(2, 7))))
        return lambda side, pen: text_drawing(text, font, side, rng)
    if kind == "walk scribble":
        return lambda side, pen: walk_scribble(side, pen, rng)
    if kind == "curve scribble":
        return lambda side, pen: curve_scribble(side, pen, rng)
    if kind.endswith("noise"):
        return lambda side, pen: speckle(side, pen, rng, gaussian=kind.startswith("gaussian"))
    if kind == "blank page":
        return lambda side, pen: np.zeros((side, side), np.float32)
    return lambda side, pen: shape(kind, side, pen, rng)


def _digital(coverage: np.ndarray, rng: np.random.Generator) -> bytes:
    """A clean digital image of the drawing (dark on white or white on black), as PNG."""
    ink = coverage if rng.random() < 0.5 else 1 - coverage
    img = Image.fromarray((ink * 255).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def nondigit_cases(n_per_kind: int, split: str = "test", seed: int = 0) -> list[NonDigit]:
    """n_per_kind non-digits of every kind of the split; half photographed, half digital."""
    base = 1000 if split == "test" else 0  # disjoint seeds as well as disjoint kinds
    cases = []
    for kind in DRAWN[split] + TEXTURES[split]:
        for k in range(n_per_kind):
            rng = np.random.default_rng([seed, base, sum(map(ord, kind)), k])
            if kind in TEXTURES[split]:
                buf = io.BytesIO()
                texture(kind, rng).save(buf, format="JPEG", quality=int(rng.integers(60, 95)))
                cases.append(NonDigit(kind, buf.getvalue()))
                continue
            draw = _drawing(kind, split, rng)
            if kind != "blank page" and rng.random() < 0.5:
                side = int(rng.choice([28, 64, 200, 400]))
                cases.append(NonDigit(kind, _digital(draw(side, rng.uniform(0.2, 0.6)), rng)))
            else:
                condition = str(rng.choice(CONDITIONS))
                cases.append(NonDigit(kind, photograph(draw, condition, rng)))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m gan.nondigits", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--per-kind", type=int, default=4)
    parser.add_argument("--split", default="test", choices=["train", "test"])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for k, case in enumerate(nondigit_cases(args.per_kind, args.split)):
        ext = "png" if case.data[:4] == b"\x89PNG" else "jpg"
        (args.out / f"{k:04d}_{case.kind.replace(' ', '-')}.{ext}").write_bytes(case.data)


if __name__ == "__main__":
    main()
