"""Pictures of digits: grids and animations, from uint8 [N, 28, 28] arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def grid(images: np.ndarray, cols: int, pad: int = 2) -> np.ndarray:
    """Tile uint8 [N, H, W] into one uint8 image, `cols` per row, row-major, dark padding."""
    n, h, w = images.shape
    rows = -(-n // cols)
    out = np.zeros((rows * (h + pad) + pad, cols * (w + pad) + pad), np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = img
    return out


def upscale(image: np.ndarray, factor: int) -> Image.Image:
    """Nearest-neighbour upscale: crisp pixels, no blur."""
    img = Image.fromarray(image)
    return img.resize((img.width * factor, img.height * factor), Image.NEAREST)


def save_gif(frames: list[np.ndarray], path: str | Path, ms_per_frame: int = 250, scale: int = 1) -> None:
    """An endlessly looping GIF of uint8 grayscale frames."""
    imgs = [upscale(f, scale) for f in frames]
    imgs[0].save(path, save_all=True, append_images=imgs[1:], duration=ms_per_frame, loop=0, optimize=True)
