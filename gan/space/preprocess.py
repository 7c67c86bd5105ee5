"""Turn a user's image (upload, phone photo, canvas drawing) into what the discriminator expects.

MNIST digits were made by size-normalising each digit into a 20x20 box (keeping its aspect
ratio, anti-aliased) and centring it by centre of mass in a 28x28 field; ink is white on
black. `preprocess` does the same to any image, in steps a phone photo needs:

1. shrink early (JPEG draft decoding, then a box filter) to at most WORK_SIZE pixels a side;
2. decide the ink's polarity against a local median of the page (not the border: a vignette
   or the table around the paper makes the border darker than the paper);
3. flatten the lighting: divide each colour channel by the paper's brightness, estimated by a
   morphological closing wider than any pen stroke (vignette, gradients, shadows and the table
   around the paper are all wider than a stroke and become "paper"); ink is the strongest
   relative darkening in any channel, so blue or red ink counts as much as black;
4. threshold with hysteresis relative to the page's own noise and ink contrast;
5. cut out ruled lines (long thin lines running well past the rest of the ink), keeping the
   pixels where a stroke crosses them;
6. keep the digit's connected components: the heaviest one plus those near it, not every dark
   speck, shadow edge or paper edge;
7. MNIST's own normalisation of that ink.

A 28x28 upload that is already MNIST-formatted (white on black, or black on white) passes with
its pixels intact (inverted exactly when black on white): re-cropping and resampling would
change the very pixels the verdict judges.

`open_image` is the only door for untrusted files: it sets a pixel limit (decompression
bombs), treats PIL's bomb warning as an error, applies the EXIF rotation, and turns every
failure into an `ImageError` whose message can be shown to the user as is.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from gan.core.errors import ImageError

MAX_PIXELS = 50_000_000  # 50 MP: above any phone photo, far below a decompression bomb
WORK_SIZE = 320  # images are shrunk to at most this many pixels a side before any numpy work
MIN_WORK_SIZE = 112  # small images are enlarged to this, so stroke-scale filters have room
FINE_BELOW = 56  # a digit smaller than this at working size is read again from the decoded image...
FINE_SIZE = 160  # ...at up to this many pixels a side
MIN_SIDE = 8
STROKE_WIDTH = 2.5  # MNIST stroke width in pixels (median 2.8 measured on the training set)
MAX_PEN_COVERAGE = 0.7  # share of its bounding box that handwriting inks (median MNIST digit 0.34, 99th percentile 0.64)


NO_DIGIT = "No digit found: no pen strokes stand out from the background (the image is blank, or one even texture)."


def open_image(source: str | Path | bytes | Image.Image) -> Image.Image:
    """Open and fully decode an untrusted image; the first frame of an animation."""
    if isinstance(source, Image.Image):
        img = source
    else:
        data = source if isinstance(source, bytes) else _read(Path(source))
        if not data:
            raise ImageError("The file is empty (0 bytes).")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                img = Image.open(io.BytesIO(data))
                if img.width * img.height > MAX_PIXELS:
                    raise ImageError(f"The image is {img.width}x{img.height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels.")
                if img.format == "JPEG":
                    img.draft("RGB", _fit(img.size, WORK_SIZE))  # decode a big JPEG at 1/2..1/8 scale: much faster
                img.load()  # decode now, so truncated files fail here with our message
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(f"The image is too large to decode safely (limit {MAX_PIXELS // 1_000_000} megapixels).") from None
        except UnidentifiedImageError:
            raise ImageError("This file is not a picture we can open: use a PNG, JPEG, WebP, GIF or BMP image "
                             "(a photo or a screenshot of your digit will do).") from None
        except (OSError, SyntaxError, ValueError) as e:
            raise ImageError(f"The image file is damaged or truncated ({e}).") from None
    if min(img.size) < MIN_SIDE:
        raise ImageError(f"The image is {img.width}x{img.height} pixels; it needs at least {MIN_SIDE} pixels a side to hold a digit.")
    return ImageOps.exif_transpose(img)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise ImageError(f"Could not read the uploaded file ({e.strerror}).") from None


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """(w, h) scaled so the longer side is long_side, aspect kept."""
    w, h = size
    s = long_side / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


@dataclass
class Steps:
    """What preprocessing made of one image, step by step (the UI shows them)."""

    digit: np.ndarray  # uint8 [28, 28], MNIST polarity: what the classifier and discriminators see
    normalised: np.ndarray | None = None  # uint8 [h, w]: the page with its lighting removed, ink dark on white
    ink: np.ndarray | None = None  # uint8 [h, w]: 255 the digit's ink, 90 ink set aside (lines, specks, edges)
    passthrough: bool = False  # an MNIST-formatted 28x28 upload, pixels kept as they were
    stats: dict[str, float] = field(default_factory=dict)  # ink statistics (for the not-a-digit check)


def preprocess(img: Image.Image) -> Steps:
    """Any image -> its digit as MNIST made them, with the intermediate steps."""
    kept = _mnist_formatted(img)
    if kept is not None:
        return Steps(digit=kept, passthrough=True)
    source = _source_rgb(img)
    rgb = _working_rgb(source)
    light = _light_ink(rgb)
    if light:
        rgb = 1 - rgb
    darkness, normalised, page = _flatten(rgb)
    mask, low, high = _ink_mask(darkness)
    lines = _ruled_lines(mask) | _ruled_lines(mask.T).T
    mask &= ~lines
    darkness = np.where(_dilate(lines, 1) & ~mask, 0, darkness)
    labels, n = label_components(mask)
    chosen, stats = _choose_digit(labels, n, darkness)
    ink_view = np.where(chosen, 255, np.where(mask | lines, 90, 0)).astype(np.uint8)
    ink, kept = np.where(_dilate(chosen, 1), darkness, 0), chosen
    fine = _fine(source, light, page, chosen, lines, low, high)
    if fine is not None:
        ink, kept = fine
    digit = _mnist_field(ink, kept, halo=0.25 * low / high)  # half the low threshold, relative to the ink
    return Steps(digit=digit, normalised=(normalised * 255).round().astype(np.uint8), ink=ink_view, stats=stats)


def to_mnist(img: Image.Image) -> np.ndarray:
    """Any image -> uint8 [28, 28] as MNIST made its digits (white ink on black)."""
    return preprocess(img).digit


# ---------------------------------------------------------------------------- steps


def _mnist_formatted(img: Image.Image) -> np.ndarray | None:
    """The pixels of a 28x28 grey upload whose outer ring is one flat shade (as every MNIST
    digit's is), in MNIST polarity; None for anything else."""
    if img.size != (28, 28) or img.mode not in ("L", "RGB", "RGBA", "LA", "P", "1"):
        return None
    rgba = np.asarray(img.convert("RGBA"))
    if (rgba[..., 3] < 255).any() or not ((rgba[..., 0] == rgba[..., 1]) & (rgba[..., 1] == rgba[..., 2])).all():
        return None  # transparency or colour: not a plain MNIST-style digit
    gray = rgba[..., 0].copy()
    ring = np.concatenate([gray[:2].ravel(), gray[-2:].ravel(), gray[2:-2, :2].ravel(), gray[2:-2, -2:].ravel()])
    if np.ptp(gray) < 64:
        return None  # too faint to be a digit as it is: let the general path decide (or refuse)
    if (ring <= 24).mean() >= 0.9:
        return gray
    if (ring >= 231).mean() >= 0.9:
        return 255 - gray  # exact inverse: dark on light with the same pixels
    return None


def _source_rgb(img: Image.Image) -> Image.Image:
    """The image as 8-bit RGB at its decoded size, transparency composited onto the opposite
    shade of the visible strokes."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(img, dtype=np.float64)
        a = a / (65535.0 if a.max() > 255 else 255.0)
        img = Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8))
    if "A" in img.getbands() or "transparency" in img.info:
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255
        lum, alpha = rgba[..., :3] @ np.float32([0.299, 0.587, 0.114]), rgba[..., 3:]
        visible = alpha[..., 0] > 0.5
        bg = 1.0 if not visible.any() or lum[visible].mean() < 0.5 else 0.0
        img = Image.fromarray(((alpha * rgba[..., :3] + (1 - alpha) * bg) * 255).round().astype(np.uint8))
    return img.convert("RGB")


def _working_rgb(img: Image.Image) -> np.ndarray:
    """Float32 [H, W, 3] in [0, 1], longer side between MIN_WORK_SIZE and WORK_SIZE, lightly
    blurred (camera noise is not ink)."""
    long_side = max(img.size)
    if long_side > WORK_SIZE:
        factor = long_side // (2 * WORK_SIZE)
        if factor >= 2:
            img = img.reduce(factor)  # fast integer box shrink first
        img = img.resize(_fit(img.size, WORK_SIZE), Image.BOX)
    elif long_side < MIN_WORK_SIZE:
        img = img.resize(_fit(img.size, MIN_WORK_SIZE), Image.BILINEAR)
    return np.asarray(img.filter(ImageFilter.BoxBlur(0.6)), dtype=np.float32) / 255


def _light_ink(rgb: np.ndarray) -> bool:
    """Is the ink lighter than the page? The ink is the minority that departs strongly from
    the page. Two votes must agree on "lighter": against a local median of the page (a third
    of the picture wide, so a vignette's dark corners do not pass for the page), and against
    the whole picture's median (so the paper lying on a dark table does not pass for ink)."""
    lum = rgb[::3, ::3] @ np.float32([0.299, 0.587, 0.114])  # a global decision: a third of the resolution will do
    small = Image.fromarray((lum * 255).astype(np.uint8)).resize(_fit(lum.shape[::-1], 24), Image.BOX)
    local = np.asarray(small.filter(ImageFilter.MedianFilter(9)).resize(lum.shape[::-1], Image.BILINEAR), np.float32) / 255
    return _lighter_than(lum - local) and _lighter_than(lum - np.median(lum))


def _lighter_than(dev: np.ndarray) -> bool:
    noise = 1.4826 * np.median(np.abs(dev - np.median(dev))) + 0.01
    return bool(np.clip(dev - 3 * noise, 0, None).sum() > np.clip(-dev - 3 * noise, 0, None).sum())


def _flatten(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(darkness in [0, 1], the normalised page, the page's brightness) for dark ink on a lighter page. The page's
    brightness per channel is a closing (max then min filter) wider than any pen stroke: it
    erases strokes but keeps every lighting change wider than the window."""
    h, w = rgb.shape[:2]
    # One closing, of the brightest channel, at half resolution (a 2x2 max keeps the paper,
    # not the ink); each channel's page is that times the paper's tint (lighting is rarely
    # coloured differently across one sheet).
    bright = rgb.max(-1)
    pooled = np.maximum(np.maximum(bright[0:h - 1:2, 0:w - 1:2], bright[1::2, 0:w - 1:2]), np.maximum(bright[0:h - 1:2, 1::2], bright[1::2, 1::2]))
    closed = _closing(pooled, max(5, round(0.1 * max(h, w))) | 1).repeat(2, 0).repeat(2, 1)
    closed = np.pad(closed, ((0, h % 2), (0, w % 2)), mode="edge")
    paper = bright[::2, ::2] >= 0.9 * closed[::2, ::2]  # pixels at the page's own brightness
    tint = np.median(rgb[::2, ::2][paper] / np.maximum(closed[::2, ::2][paper, None], 1e-3), 0) if paper.any() else np.ones(3)
    page = closed[..., None] * tint.astype(np.float32)
    ratio = np.clip((rgb + 0.03) / (page + 0.03), 0, 1)  # +0.03: a black page has no darker ink
    normalised = ratio.min(-1)  # the strongest darkening in any channel: coloured ink counts fully
    return 1 - normalised, normalised, page


def _ink_mask(darkness: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Ink by hysteresis: pixels clearly darker than the page's noise and at least a third of
    the ink's own contrast, in regions that somewhere reach half of it. Returns the mask and
    the two thresholds."""
    noise = 1.4826 * np.median(np.abs(darkness - np.median(darkness)))
    strong = darkness > max(8 * noise, 0.1)
    if strong.sum() < 4:
        raise ImageError(NO_DIGIT)
    # The ink's contrast, from marks away from the picture's edge when there are any: a dark
    # table around the paper must not set the bar for a pencil digit.
    labels, _ = label_components(strong)
    edge_ids = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    inner = strong & ~np.isin(labels, edge_ids[edge_ids > 0])
    contrast = float(np.percentile(darkness[inner if inner.sum() >= 4 else strong], 90))
    if contrast < 0.1:
        raise ImageError(NO_DIGIT)
    low, high = max(4 * noise, 0.3 * contrast), max(6 * noise, 0.5 * contrast)
    return _hysteresis(darkness, low, high), low, high


def _hysteresis(darkness: np.ndarray, low: float, high: float) -> np.ndarray:
    """Pixels above low in connected regions that somewhere reach high."""
    labels, n = label_components(darkness > low)
    has_core = np.zeros(n + 1, bool)
    has_core[np.unique(labels[darkness > high])] = True
    has_core[0] = False
    return has_core[labels]


def _fine(source: Image.Image, light: bool, page: np.ndarray, chosen: np.ndarray, lines: np.ndarray,
          low: float, high: float) -> tuple[np.ndarray, np.ndarray] | None:
    """A digit that is small at working size, read again from the decoded image around it
    (up to FINE_SIZE pixels a side), with the page brightness and thresholds already found:
    (its ink, its mask), or None when the working size already has the detail."""
    h, w = chosen.shape
    scale = source.width / w
    rows, cols = np.nonzero(chosen)
    size = max(np.ptp(rows), np.ptp(cols)) + 1
    if scale < 1.5 or size >= FINE_BELOW:
        return None
    m = size // 4 + 2
    y0, y1, x0, x1 = max(0, rows.min() - m), min(h, rows.max() + m + 1), max(0, cols.min() - m), min(w, cols.max() + m + 1)
    box = (round(x0 * scale), round(y0 * scale), round(x1 * scale), round(y1 * scale))
    target = _fit((box[2] - box[0], box[3] - box[1]), min(FINE_SIZE, max(box[2] - box[0], box[3] - box[1])))
    crop = np.asarray(source.crop(box).resize(target, Image.BOX).filter(ImageFilter.BoxBlur(0.6)), np.float32) / 255
    if light:
        crop = 1 - crop
    page_crop = np.stack([_resize_float(page[y0:y1, x0:x1, c], target) for c in range(3)], -1)
    darkness = 1 - np.clip((crop + 0.03) / (page_crop + 0.03), 0, 1).min(-1)
    ruled = _resize_float(_dilate(lines, 1)[y0:y1, x0:x1].astype(np.float32), target) > 0.25
    mask = _hysteresis(darkness, low, high) & ~ruled
    guide = _resize_float(_dilate(chosen, 1)[y0:y1, x0:x1].astype(np.float32), target) > 0.25
    labels, _ = label_components(mask)
    ids = np.unique(labels[guide & mask])
    keep = np.isin(labels, ids[ids > 0])
    if keep.sum() < 4:
        return None
    return np.where(_dilate(keep, 1) & ~ruled, darkness, 0), keep


def _resize_float(a: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(Image.fromarray(np.ascontiguousarray(a, np.float32), mode="F").resize(size, Image.BILINEAR), np.float32)


def _ruled_lines(mask: np.ndarray) -> np.ndarray:
    """Pixels of near-horizontal ruled lines: thin lines, up to 8 degrees off, that run across at
    least a third of the picture and well past the rest of the ink (a 7's bar does not).
    Where a stroke crosses a line, the line's pixels are kept."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    out = np.zeros_like(mask)
    if len(ys) < 0.3 * w:
        return out
    best = (0, 0.0, None)
    for deg in np.arange(-8, 8.01, 0.5):
        rows = np.round(ys - (xs - w / 2) * np.tan(np.radians(deg))).astype(int) + w
        profile = np.bincount(rows, minlength=h + 3 * w)
        if profile.max() > best[0]:
            best = (int(profile.max()), deg, (rows, profile))
    peak, _, found = best
    if peak < 0.3 * w:
        return out
    rows, profile = found
    on_line = profile >= 0.3 * w
    max_thickness = max(3, h // 40)
    line_px = np.zeros(len(ys), bool)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on_line.astype(int), [0]])))
    for start, stop in zip(edges[::2], edges[1::2]):
        if stop - start <= max_thickness:
            line_px |= (rows >= start - 1) & (rows <= stop)  # the run of bins plus its soft edges
    if not line_px.any() or line_px.all():
        return out  # nothing line-like, or nothing but lines (a drawing of lines is not ruled paper)
    other_x = xs[~line_px]
    overhang = max(0, other_x.min() - xs[line_px].min()) + max(0, xs[line_px].max() - other_x.max())
    if overhang < 0.25 * w:
        return out
    out[ys[line_px], xs[line_px]] = True
    other = mask & ~out
    reach = max_thickness + 2
    above = np.zeros_like(mask)
    below = np.zeros_like(mask)
    for d in range(1, reach + 1):
        above[d:] |= other[:-d]
        below[:-d] |= other[d:]
    return out & ~(above & below)  # a stroke crossing the line keeps its pixels


def _choose_digit(labels: np.ndarray, n: int, darkness: np.ndarray) -> tuple[np.ndarray, dict]:
    """The digit's components: the heaviest (discounting ones along the picture's edge, where
    paper edges and shadows lie) plus every sizeable one near it."""
    if n == 0:
        raise ImageError(NO_DIGIT)
    h, w = labels.shape
    ys, xs = np.nonzero(labels)
    lab = labels[ys, xs] - 1
    mass = np.bincount(lab, weights=darkness[ys, xs], minlength=n)
    area = np.bincount(lab, minlength=n)
    y0, x0, y1, x1 = np.full(n, h), np.full(n, w), np.full(n, -1), np.full(n, -1)
    np.minimum.at(y0, lab, ys); np.minimum.at(x0, lab, xs)
    np.maximum.at(y1, lab, ys); np.maximum.at(x1, lab, xs)
    # Ink touching the picture's edge is mostly not the digit: the table around the paper,
    # the paper's own edge, a shadow's edge, a ruled line. Take it only when nothing else is
    # bigger than a speck (a digit cropped tightly touches the edge, alone).
    on_edge = (y0 == 0) | (x0 == 0) | (y1 == h - 1) | (x1 == w - 1)
    inside = ~on_edge & (area >= max(12, 0.0005 * labels.size))
    main = int(np.argmax(np.where(inside, mass, -1))) if inside.any() else int(np.argmax(mass))
    box = [y0[main], x0[main], y1[main], x1[main]]
    chosen = {main}
    changed = True
    while changed:
        changed = False
        size = max(box[2] - box[0], box[3] - box[1]) + 1
        for c in np.argsort(-mass):
            if c in chosen or mass[c] < 0.03 * mass[main] or (on_edge[c] and not on_edge[main]):
                continue
            gap = max(box[0] - y1[c], y0[c] - box[2], box[1] - x1[c], x0[c] - box[3], 0)
            if gap <= 0.25 * size:
                chosen.add(int(c))
                box = [min(box[0], y0[c]), min(box[1], x0[c]), max(box[2], y1[c]), max(box[3], x1[c])]
                changed = True
    ids = np.array(sorted(chosen)) + 1
    chosen_mask = np.isin(labels, ids)
    total = mass.sum()
    bh, bw = box[2] - box[0] + 1, box[3] - box[1] + 1
    stats = {
        "components": int((mass >= 0.03 * mass[main]).sum()),
        "digit_share_of_ink": float(mass[ids - 1].sum() / total),
        "ink_fraction": float(area.sum() / labels.size),
        "box_fraction": float(bh * bw / labels.size),
        "box_fill": float(area[ids - 1].sum() / (bh * bw)),
        "aspect": float(bh / bw),
    }
    return chosen_mask, stats


def _mnist_field(ink: np.ndarray, chosen: np.ndarray, halo: float) -> np.ndarray:
    """The chosen ink, cropped, at full contrast (values below `halo` of it dropped), fitted
    into 20x20 and centred by mass."""
    rows, cols = np.nonzero(chosen)
    box = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    core = box[chosen[rows.min():rows.max() + 1, cols.min():cols.max() + 1]]
    box = np.clip(box / max(float(np.percentile(core, 90)), 1e-6), 0, 1)
    box[box < halo] = 0  # the faint halo beyond the strokes' anti-aliased edge
    h, w = box.shape
    scale = 20 / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    box_img = _thicken(Image.fromarray((box * 255).astype(np.uint8)), min_width=STROKE_WIDTH / scale)
    small = np.asarray(box_img.resize(size, Image.LANCZOS), dtype=np.float64)
    small = np.clip(small / max(small.max(), 1e-6), 0, 1)  # thin strokes fade when shrunk: restore full contrast
    field = np.zeros((28, 28))
    top, left = (28 - size[1]) // 2, (28 - size[0]) // 2
    field[top:top + size[1], left:left + size[0]] = small
    return (_centre_of_mass_shift(field) * 255).round().astype(np.uint8)


# ---------------------------------------------------------------------------- image tools


def _running(a: np.ndarray, window: int, axis: int, op: np.ufunc) -> np.ndarray:
    """Running max or min (op) over a centred window along one axis, in O(N) whatever the window
    (van Herk / Gil-Werman: prefix and suffix extremes within blocks of the window's length)."""
    n, r = a.shape[axis], window // 2
    extra = (-(n + 2 * r)) % window
    pad = [(0, 0)] * a.ndim
    pad[axis] = (r, r + extra)
    padded = np.pad(a, pad, mode="edge")
    shape = padded.shape[:axis] + (-1, window) + padded.shape[axis + 1:]
    blocks = padded.reshape(shape)
    forward = op.accumulate(blocks, axis=axis + 1).reshape(padded.shape)
    backward = np.flip(op.accumulate(np.flip(blocks, axis + 1), axis=axis + 1), axis + 1).reshape(padded.shape)
    return op(np.take(backward, np.arange(n), axis), np.take(forward, np.arange(window - 1, window - 1 + n), axis))


def _closing(a: np.ndarray, window: int) -> np.ndarray:
    """Grey-level closing with a square window over the first two axes: removes dark
    features narrower than the window."""
    grown = _running(_running(a, window, 0, np.maximum), window, 1, np.maximum)
    return _running(_running(grown, window, 0, np.minimum), window, 1, np.minimum)


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Boolean dilation by a (2 radius + 1)-wide square."""
    out = mask.copy()
    for _ in range(radius):
        grown = out.copy()
        grown[1:] |= out[:-1]
        grown[:-1] |= out[1:]
        out = grown.copy()
        out[:, 1:] |= grown[:, :-1]
        out[:, :-1] |= grown[:, 1:]
    return out


def label_components(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected components of a boolean mask: (labels int32 [H, W] with 0 for background,
    count). Runs of each row are linked to the overlapping runs of the next row, and the links
    merged by label propagation with pointer jumping: all in numpy, no per-pixel Python."""
    h, w = mask.shape
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    run_row, run_start = np.nonzero(edges == 1)
    _, run_end = np.nonzero(edges == -1)  # exclusive; row-major order pairs starts with ends
    n_runs = len(run_row)
    labels = np.zeros((h, w), np.int32)
    if n_runs == 0:
        return labels, 0
    k = w + 2
    start_key, end_key = run_row * k + run_start, run_row * k + run_end
    # Runs of the next row touching run i (8-connectivity): end_b >= start_i and start_b <= end_i.
    lo = np.searchsorted(end_key, (run_row + 1) * k + run_start, side="left")
    hi = np.searchsorted(start_key, (run_row + 1) * k + run_end, side="right")
    count = np.clip(hi - lo, 0, None)
    a = np.repeat(np.arange(n_runs), count)
    b = np.repeat(lo, count) + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
    parent = np.arange(n_runs)
    while len(a):
        pa, pb = parent[a], parent[b]
        if (pa == pb).all():
            break
        low = np.minimum(pa, pb)
        np.minimum.at(parent, pa, low)
        np.minimum.at(parent, pb, low)
        while True:  # pointer jumping: every run points at its root
            nxt = parent[parent]
            if (nxt == parent).all():
                break
            parent = nxt
    roots, run_label = np.unique(parent, return_inverse=True)
    flat = np.zeros(h * (w + 1) + 1, np.int64)
    np.add.at(flat, run_row * (w + 1) + run_start, run_label + 1)
    np.add.at(flat, run_row * (w + 1) + run_end, -(run_label + 1))
    labels = np.cumsum(flat)[:-1].reshape(h, w + 1)[:, :w].astype(np.int32)
    return labels, len(roots)


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width of a binary drawing: area / half its outline length."""
    padded = np.pad(mask, 1)
    edges = (padded[1:-1, 1:-1] & ~(padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])).sum()
    return 2 * mask.sum() / max(edges, 1)


def _thicken(box: Image.Image, min_width: float) -> Image.Image:
    """Dilate a thin pen drawing so that, once fitted into 20x20, its strokes are as wide as
    MNIST's (about 2.5 px); a line from a fine pen on a big photo would otherwise vanish."""
    mask = np.asarray(box) > 127
    radius = int(min_width - stroke_width(mask)) // 2  # a (2r+1)-wide max filter widens strokes by 2r
    if radius < 1:
        return box  # (PIL's MaxFilter(1) also dies with SIGFPE: never ask for it)
    padded = ImageOps.expand(box, radius, fill=0)  # room to grow past the crop's edge
    grown = padded.filter(ImageFilter.MaxFilter(2 * radius + 1))
    chunky = min(mask.shape) > max(mask.shape) / 2  # not a '1', whose box is all stroke
    if chunky and (np.asarray(grown) > 127).mean() > MAX_PEN_COVERAGE:
        return box  # speckle (noise, texture), not pen strokes: growing it would fill a solid block
    return grown


def _centre_of_mass_shift(field: np.ndarray) -> np.ndarray:
    """Shift (by whole pixels, as MNIST did) so the centre of mass lands at the centre."""
    ys, xs = np.indices(field.shape)
    total = field.sum()
    dy = int(round(13.5 - (ys * field).sum() / total))
    dx = int(round(13.5 - (xs * field).sum() / total))
    out = np.zeros_like(field)
    src = field[max(0, -dy):28 - max(0, dy), max(0, -dx):28 - max(0, dx)]
    out[max(0, dy):max(0, dy) + src.shape[0], max(0, dx):max(0, dx) + src.shape[1]] = src
    return out
