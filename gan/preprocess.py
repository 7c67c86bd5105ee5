"""Turn a user's image (upload, photo, canvas drawing) into what the discriminator expects.

MNIST digits were made by size-normalising each digit into a 20x20 box (keeping its aspect
ratio, anti-aliased) and centring it by centre of mass in a 28x28 field; ink is white on
black. `to_mnist` does the same to any image: grayscale, invert a light background, crop to
the ink, fit into 20x20, centre by centre of mass.

`open_image` is the only door for untrusted files: it sets a pixel limit (decompression
bombs), treats PIL's bomb warning as an error, applies the EXIF rotation, and turns every
failure into an `ImageError` whose message can be shown to the user as is.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

MAX_PIXELS = 50_000_000  # 50 MP: above any phone photo, far below a decompression bomb
WORK_SIZE = 256  # images are shrunk to at most this many pixels a side before any numpy work
MIN_SIDE = 8
STROKE_WIDTH = 2.5  # MNIST stroke width in pixels (median 2.8 measured on the training set)
MAX_PEN_COVERAGE = 0.7  # share of its bounding box that handwriting inks (median MNIST digit 0.34, 99th percentile 0.64)


class ImageError(ValueError):
    """An upload we cannot use; str(e) is a message for the user."""


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
                    img.draft("RGB", (WORK_SIZE, WORK_SIZE))  # decode a big JPEG at 1/2..1/8 scale: much faster
                img.load()  # decode now, so truncated files fail here with our message
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(f"The image is too large to decode safely (limit {MAX_PIXELS // 1_000_000} megapixels).") from None
        except UnidentifiedImageError:
            raise ImageError("This file is not an image PIL can read (PNG, JPEG, WebP, GIF or BMP).") from None
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


def ink_map(img: Image.Image) -> np.ndarray:
    """Float [H, W] in [0, 1]: 1 where there is ink, 0 on the background, whatever the
    polarity, colour mode or transparency of the input."""
    img.thumbnail((WORK_SIZE, WORK_SIZE), Image.BOX)  # area average: thin strokes survive
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        gray = np.asarray(img, dtype=np.float64)
        gray = gray / (65535.0 if gray.max() > 255 else 255.0)
    elif "A" in img.getbands() or "transparency" in img.info:
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float64) / 255
        lum, alpha = rgba[..., :3] @ [0.299, 0.587, 0.114], rgba[..., 3]
        # Transparent areas become the background: the opposite shade of the visible strokes.
        visible = alpha > 0.5
        bg = 1.0 if not visible.any() or lum[visible].mean() < 0.5 else 0.0
        gray = alpha * lum + (1 - alpha) * bg
    else:
        gray = np.asarray(img.convert("L"), dtype=np.float64) / 255
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = np.median(border)
    ink = gray - background if background < 0.5 else background - gray
    ink = np.clip(ink, 0, None)
    peak = np.percentile(ink, 99.9)
    if peak < 0.1:  # less than a tenth of the contrast between paper and pen
        raise ImageError("No digit found: the image is blank (one flat shade, no ink).")
    ink = np.clip(ink / peak, 0, 1)
    ink[ink < 0.25] = 0  # paper texture, shadows and JPEG noise are not ink
    return ink


def to_mnist(img: Image.Image) -> np.ndarray:
    """Any image -> uint8 [28, 28] as MNIST made its digits (white ink on black)."""
    ink = ink_map(img.copy())
    rows, cols = np.nonzero(ink)
    box = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
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
