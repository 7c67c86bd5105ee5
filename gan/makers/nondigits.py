"""Uploads that are not handwritten digits, made deterministically: noise, letters and words
in real fonts, scribbles, shapes, drawings (a sun, a smiley face, a house), photos of textures
and gradients, blank pages. Each is shown as a clean digital image or photographed on paper
with `gan.makers.photos`'s lighting, ink and camera.

Two disjoint splits keep the measured figure honest: "train" (what the digit detector may
learn from) and "test" (what it is measured on). They differ in seeds and, for most kinds,
in the kind itself: other fonts (Liberation, not DejaVu, STIX or Computer Modern), other
scribbles (smooth sums of sinusoids, not random walks, coils or zigzags), other shapes
(pentagon, arrow, heart), other drawings (a sun, a smiley face, a house, where training has
trees, flowers, clouds, envelopes, spirals and outline drawings of random primitives), other
textures (wood, fabric, linear wrapped gradients, colour blobs; training has stripes,
checkers, smooth or banded low-frequency fields and smudged paper), and blank pages and
Gaussian noise that the train split has none of. Training has more of the broad families
(TRAIN_SHARE): letters come in 52 shapes and many fonts, drawings in endless compositions.

    gan dev nondigits --out nondigits/ -n 4    # write some to look at
"""

from __future__ import annotations

import io
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .drawings import PENS, pen_drawing, png_bytes, skeleton
from .photos import CONDITIONS, photograph

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation")]
# Letters only: "O", "l", "I" and friends stay in, as a reader would not call them digits.
LETTERS = string.ascii_letters
# Letters that, as one glyph, can pass for a digit (l and I for 1, O and o for 0, S for 5, Z for
# 2, b for 6, g and q for 9): reported apart, still counted in the headline figure.
LOOK_ALIKES = "lIOoSsZzbgq"
# Drawn with a pen, a look-alike *is* its digit (an O drawn on the Sketchpad is a 0): as a
# negative it would teach the detector to refuse drawn 0s, 2s and 5s (it did: 5% of drawn digits).
DRAWN_LETTERS = "".join(c for c in LETTERS if c not in LOOK_ALIKES)
WORDS = ["cat", "dog", "sun", "hello", "the", "yes", "no", "ok", "mnist", "gan", "Hi", "abc", "zebra", "tree", "love",
         "hey", "why", "box", "pizza", "real", "fake", "art", "go", "Way", "kite", "moon", "star", "fish", "Bob", "xyz"]


@dataclass
class NonDigit:
    kind: str
    data: bytes  # PNG or JPEG bytes, as uploaded
    text: str = ""  # the letter or word drawn, for letters and words


def fonts(split: str) -> list[Path]:
    """DejaVu (and matplotlib's STIX and Computer Modern, where installed) for training,
    Liberation for measuring (whichever of them this machine has)."""
    family = "DejaVu" if split == "train" else "Liberation"
    found = sorted(p for d in FONT_DIRS if d.exists() for p in d.glob(f"{family}*.ttf"))
    if split == "train":
        found += _matplotlib_fonts()
    return found or sorted(p for d in FONT_DIRS if d.exists() for p in d.glob("*.ttf"))


def _matplotlib_fonts() -> list[Path]:
    """More letter styles to learn from (serif, italic, typewriter): matplotlib ships them."""
    try:
        import matplotlib
    except ImportError:
        return []
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    names = ["STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
             "cmr10.ttf", "cmb10.ttf", "cmss10.ttf", "cmti10.ttf", "cmtt10.ttf"]
    return [ttf / n for n in names if (ttf / n).exists()]


# ---------------------------------------------------------------------------- drawings
# Each draws ink coverage, float [side, side] in [0, 1], with a pen about `width` px wide.


def _canvas(side: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("L", (side, side), 0)
    return img, ImageDraw.Draw(img)


def _done(img: Image.Image) -> np.ndarray:
    return np.asarray(img.filter(ImageFilter.GaussianBlur(0.6)), np.float32) / 255


def _pen_width(side: int, pen: float, rng: np.random.Generator) -> int:
    return max(2, int(side * rng.uniform(0.03, 0.09) * (1.3 - pen)))


def text_drawing(text: str, font_path: Path, side: int, rng: np.random.Generator, warp: bool = False) -> np.ndarray:
    """Text in a font; with `warp`, made hand-written-like: sheared, squeezed, wobbled, and
    sometimes only its outline (bubble letters)."""
    img, draw = _canvas(side)
    size = int(side * (rng.uniform(0.5, 0.85) if len(text) == 1 else rng.uniform(0.7, 1.1) / max(1, len(text)) * 1.6))
    font = ImageFont.truetype(str(font_path), max(8, size))
    box = draw.textbbox((0, 0), text, font=font)
    tw, th = box[2] - box[0], box[3] - box[1]
    x = (side - tw) / 2 - box[0] + rng.uniform(-0.1, 0.1) * side
    y = (side - th) / 2 - box[1] + rng.uniform(-0.1, 0.1) * side
    if warp and rng.random() < 0.2:
        draw.text((x, y), text, fill=0, font=font, stroke_width=max(1, size // 25), stroke_fill=255)
    else:
        draw.text((x, y), text, fill=255, font=font, stroke_width=int(rng.integers(0, max(1, size // 20) + 1)), stroke_fill=255)
    if warp:
        img = _wobble(img, rng)
    return _done(img.rotate(rng.uniform(-10, 10), Image.BILINEAR))


def glyph(text: str, font_path: Path, rng: np.random.Generator, side: int = 112) -> np.ndarray:
    """A glyph's filled shape (bool [side, side]), tilted a little: what a hand traces."""
    img, draw = _canvas(side)
    font = ImageFont.truetype(str(font_path), int(side * 0.8))
    draw.text((side / 2, side / 2), text, fill=255, font=font, anchor="mm")
    return np.asarray(img.rotate(rng.uniform(-12, 12), Image.BILINEAR)) > 127


def _wobble(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A random shear and squeeze, then a smooth wobble (a 4x4 mesh with jittered corners)."""
    side = img.size[0]
    shear, squeeze = rng.uniform(-0.35, 0.35), rng.uniform(0.7, 1.3)
    img = img.transform(img.size, Image.AFFINE, (squeeze, shear, -shear * side / 2 + (1 - squeeze) * side / 2, 0, 1, 0), Image.BILINEAR)
    n, step = 4, side / 4
    corners = np.stack(np.meshgrid(np.arange(n + 1) * step, np.arange(n + 1) * step, indexing="xy"), -1)
    corners = corners + rng.normal(0, 0.06 * side, corners.shape) * (corners > 0) * (corners < side)
    mesh = []
    for i in range(n):
        for j in range(n):
            box = (int(j * step), int(i * step), int((j + 1) * step), int((i + 1) * step))
            quad = (*corners[i, j], *corners[i + 1, j], *corners[i + 1, j + 1], *corners[i, j + 1])
            mesh.append((box, tuple(float(v) for v in quad)))
    return img.transform(img.size, Image.MESH, mesh, Image.BILINEAR)


def walk_scribble(side: int, pen: float, rng: np.random.Generator) -> np.ndarray:
    img, draw = _canvas(side)
    steps = np.cumsum(rng.normal(0, side * 0.08, (int(rng.integers(15, 60)), 2)), 0)
    steps = (steps - steps.min(0)) / max(np.ptp(steps, 0).max(), 1) * side * 0.8 + side * 0.1
    draw.line([tuple(p) for p in steps], fill=255, width=_pen_width(side, pen, rng), joint="curve")
    return _done(img)


def coil(side: int, pen: float, rng: np.random.Generator) -> np.ndarray:
    """One long stroke that no digit makes: a coil of loops, a zigzag, or cursive-like humps
    and loops along a line, turned and squeezed at random."""
    img, draw = _canvas(side)
    style = int(rng.integers(3))
    turns = rng.uniform(3, 8)
    theta = np.linspace(0, 2 * np.pi * turns, 600)
    if style == 0:  # a coil: loops when the radius beats the advance
        r = rng.uniform(1.2, 3)
        pts = np.stack([theta + r * np.sin(theta), r * np.cos(theta)], 1)
    elif style == 1:  # a zigzag (or a sawtooth) of at least four strokes
        k = int(rng.integers(4, 12))
        pts = np.stack([np.arange(k + 1) * rng.uniform(0.5, 2), (np.arange(k + 1) % 2) * rng.uniform(1, 4) + rng.normal(0, 0.2, k + 1)], 1)
    else:  # cursive-like: humps and loops of varying height along a baseline
        heights = np.repeat(rng.uniform(0.5, 2.5, int(np.ceil(turns)) + 1), 600 // (int(np.ceil(turns)) + 1) + 1)[:600]
        loop = rng.uniform(0.5, 1.8)
        pts = np.stack([theta * rng.uniform(0.25, 0.6) + loop * np.sin(theta), heights * (1 - np.cos(theta)) / 2], 1)
    # Compact (at most 2.5 times as long as high), so that it never shrinks to a 1-like line.
    pts = (pts - pts.min(0)) / np.maximum(np.ptp(pts, 0), 1e-6) * np.array([1, rng.uniform(0.4, 1)])
    a = rng.uniform(0, 2 * np.pi)
    pts = pts @ np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    pts = (pts - pts.min(0)) / max(np.ptp(pts, 0).max(), 1e-6) * side * 0.8 + side * 0.1
    draw.line([tuple(p) for p in pts], fill=255, width=_pen_width(side, pen, rng), joint="curve")
    return _done(img)


def outline_drawing(side: int, pen: float, rng: np.random.Generator) -> np.ndarray:
    """A drawing of some object: 3 to 7 primitives (boxes, ellipses, arcs, lines, triangles,
    polylines, dots), each mostly attached to the one before, fitted to the frame."""
    parts, anchor = [], np.zeros(2)
    for _ in range(int(rng.integers(3, 8))):
        size = rng.uniform(0.3, 1.0, 2)
        corner = anchor - size * rng.uniform(0, 1, 2) if rng.random() < 0.75 else rng.uniform(-1, 1, 2)
        box = np.concatenate([corner, corner + size])
        kind = str(rng.choice(["rectangle", "ellipse", "arc", "line", "triangle", "polyline", "dot"]))
        parts.append((kind, box, rng.uniform(0, 360, 2), rng.random((5, 2))))
        anchor = box[:2] + (box[2:] - box[:2]) * rng.choice([0.0, 0.5, 1.0], 2)
    boxes = np.array([b for _, b, _, _ in parts])
    lo, hi = boxes[:, :2].min(0), boxes[:, 2:].max(0)
    scale = side * 0.8 / max((hi - lo).max(), 1e-6)
    offset = side * 0.1 + (side * 0.8 - (hi - lo) * scale) / 2
    img, draw = _canvas(side)
    width = _pen_width(side, pen, rng)
    for kind, box, angles, pts in parts:
        x0, y0, x1, y1 = [float(v) for v in np.concatenate([(box[:2] - lo) * scale + offset, (box[2:] - lo) * scale + offset])]
        inside = [(x0 + px * (x1 - x0), y0 + py * (y1 - y0)) for px, py in pts]
        if kind == "rectangle":
            draw.rectangle((x0, y0, x1, y1), outline=255, width=width)
        elif kind == "ellipse":
            draw.ellipse((x0, y0, x1, y1), outline=255, width=width)
        elif kind == "arc":
            draw.arc((x0, y0, x1, y1), float(angles[0]), float(angles[0] + 60 + angles[1] / 2), fill=255, width=width)
        elif kind == "line":
            draw.line([(x0, y0), (x1, y1)] if angles[0] < 180 else [(x0, y1), (x1, y0)], fill=255, width=width)
        elif kind == "triangle":
            draw.line(inside[:3] + inside[:1], fill=255, width=width, joint="curve")
        elif kind == "polyline":
            draw.line(inside, fill=255, width=width, joint="curve")
        else:
            r = max(width, (x1 - x0) * 0.1)
            draw.ellipse(((x0 + x1) / 2 - r, (y0 + y1) / 2 - r, (x0 + x1) / 2 + r, (y0 + y1) / 2 + r), fill=255)
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
    elif name == "smooth field":  # low-frequency fields, shaded smoothly or wrapped into bands
        small = rng.random((int(rng.integers(2, 6)), int(rng.integers(2, 6)))).astype(np.float32)
        field = np.asarray(Image.fromarray((small * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC), np.float32) / 255
        cx, cy = rng.uniform(-0.5, 1.5) * w, rng.uniform(-0.5, 1.5) * h
        shape = [field, np.hypot(xx - cx, yy - cy) / max(w, h), (np.arctan2(yy - cy, xx - cx) / (2 * np.pi)) % 1][int(rng.integers(3))]
        v = shape * rng.uniform(0.5, 4) + field * rng.uniform(0, 0.5)
        v = v % 1 if rng.random() < 0.6 else (v - v.min()) / max(np.ptp(v), 1e-6)
        v = v + rng.normal(0, 0.02, (h, w))
    elif name == "paper":  # an empty page with smudges, a fold and specks
        v = np.ones((h, w), np.float32)
        for _ in range(int(rng.integers(0, 5))):
            sx, sy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.03, 0.3) * min(w, h)
            v -= rng.uniform(0.05, 0.35) * np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * r * r))
        if rng.random() < 0.6:  # a fold: a step in the light (a thin crease would be a 1)
            a = rng.uniform(0, 2 * np.pi)
            dist = (xx - rng.uniform(0.3, 0.7) * w) * np.cos(a) + (yy - rng.uniform(0.3, 0.7) * h) * np.sin(a)
            v -= rng.uniform(0.03, 0.15) * (dist > 0)
        specks = rng.random((h, w)) < rng.uniform(0, 0.002)
        v = np.where(specks, v * rng.uniform(0.2, 0.7), v)
        v = np.clip(v + rng.normal(0, 0.02, (h, w)), 0, 1)
        paper = rng.uniform(0.75, 1.0, 3)
        return Image.fromarray((np.clip(v[..., None] * paper, 0, 1) * 255).astype(np.uint8))
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
              "hexagon", "diamond", "envelope", "tree", "flower", "cloud", "spiral",
              "hand letter", "coil", "outline drawing", "drawn letter"],
    "test": ["letter", "drawn letter", "word", "curve scribble", "pentagon", "arrow", "heart", "sun", "smiley", "house", "gaussian noise", "blank page"],
}
TEXTURES = {"train": ["stripes", "checker", "smooth field", "paper"], "test": ["wood", "fabric", "gradient", "blobs"]}
# Training needs more of the broad families (52 letters in many fonts; drawings of anything).
TRAIN_SHARE = {"letter": 4, "hand letter": 6, "drawn letter": 24, "word": 2, "coil": 3, "outline drawing": 6, "smooth field": 3, "paper": 2}


def _drawing(kind: str, split: str, rng: np.random.Generator) -> tuple[Callable[[int, float], np.ndarray], str]:
    """How to draw one of `kind` (side, pen -> ink coverage), and the text it draws if any."""
    font = fonts(split)[int(rng.integers(len(fonts(split))))]
    if kind in ("letter", "hand letter"):
        text = LETTERS[int(rng.integers(len(LETTERS)))]
        return (lambda side, pen: text_drawing(text, font, side, rng, warp=kind == "hand letter")), text
    if kind == "word":
        text = WORDS[int(rng.integers(len(WORDS)))] if split == "test" else "".join(rng.choice(list(LETTERS), int(rng.integers(2, 7))))
        return (lambda side, pen: text_drawing(text, font, side, rng)), text
    if kind == "walk scribble":
        return (lambda side, pen: walk_scribble(side, pen, rng)), ""
    if kind == "coil":
        return (lambda side, pen: coil(side, pen, rng)), ""
    if kind == "outline drawing":
        return (lambda side, pen: outline_drawing(side, pen, rng)), ""
    if kind == "curve scribble":
        return (lambda side, pen: curve_scribble(side, pen, rng)), ""
    if kind.endswith("noise"):
        return (lambda side, pen: speckle(side, pen, rng, gaussian=kind.startswith("gaussian"))), ""
    if kind == "blank page":
        return (lambda side, pen: np.zeros((side, side), np.float32)), ""
    return (lambda side, pen: shape(kind, side, pen, rng)), ""


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
        for k in range(n_per_kind * (TRAIN_SHARE.get(kind, 1) if split == "train" else 1)):
            rng = np.random.default_rng([seed, base, sum(map(ord, kind)), k])
            if kind in TEXTURES[split]:
                buf = io.BytesIO()
                texture(kind, rng).save(buf, format="JPEG", quality=int(rng.integers(60, 95)))
                cases.append(NonDigit(kind, buf.getvalue()))
                continue
            if kind == "drawn letter":  # on a Sketchpad or with a pen: large and dark on white
                font = fonts(split)[int(rng.integers(len(fonts(split))))]
                text = DRAWN_LETTERS[int(rng.integers(len(DRAWN_LETTERS)))]
                lines = skeleton(glyph(text, font, rng))
                cases.append(NonDigit(kind, png_bytes(pen_drawing(lines, str(rng.choice(list(PENS))), rng)), text))
                continue
            draw, text = _drawing(kind, split, rng)
            if kind != "blank page" and rng.random() < 0.5:
                side = int(rng.choice([28, 64, 200, 400]))
                cases.append(NonDigit(kind, _digital(draw(side, rng.uniform(0.2, 0.6)), rng), text))
            else:
                condition = str(rng.choice(CONDITIONS))
                cases.append(NonDigit(kind, photograph(draw, condition, rng), text))
    return cases


def write_nondigits(out: Path, per_kind: int = 4, split: str = "test") -> None:
    """`gan dev nondigits`: per_kind non-digits of each kind of `split`, as files in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for k, case in enumerate(nondigit_cases(per_kind, split)):
        ext = "png" if case.data[:4] == b"\x89PNG" else "jpg"
        (out / f"{k:04d}_{case.kind.replace(' ', '-')}.{ext}").write_bytes(case.data)
