"""Builders for realistic and hostile test images, made at test time from the MNIST fixture."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def scan_of(digit: np.ndarray, size: int = 280) -> Image.Image:
    """An MNIST digit as a user would upload it: dark ink on white paper, large."""
    return Image.fromarray(255 - digit).resize((size, size), Image.BICUBIC)


def photo_of(digit: np.ndarray, size=(4000, 3000), box=(2300, 700, 3300, 1900), seed: int = 0) -> Image.Image:
    """A phone photo: an off-centre dark digit on unevenly lit, noisy paper."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    paper = 190 + 45 * xx / w - 25 * yy / h + np.random.default_rng(seed).normal(0, 5, (h, w))
    ink = np.asarray(Image.fromarray(digit).resize((box[2] - box[0], box[3] - box[1]), Image.BICUBIC), dtype=np.float64) / 255
    region = paper[box[1]:box[3], box[0]:box[2]]
    paper[box[1]:box[3], box[0]:box[2]] = region * (1 - ink) + 35 * ink
    return Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8)).convert("RGB")


def save(img: Image.Image, path: Path, **kwargs) -> Path:
    img.save(path, **kwargs)
    return path


def decompression_bomb(path: Path, side: int = 30000) -> Path:
    """A valid grayscale PNG of side x side black pixels, compressed to well under 1 MB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    comp = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + pixels
    idat = b"".join(comp.compress(row * 1000) for _ in range(side // 1000)) + comp.flush()
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    path.write_bytes(png)
    return path


def animated_gif(frames: list[np.ndarray], path: Path) -> Path:
    imgs = [scan_of(f, 112) for f in frames]
    imgs[0].save(path, save_all=True, append_images=imgs[1:], duration=100, loop=0)
    return path


def exif_rotated_jpeg(digit: np.ndarray, path: Path) -> Path:
    """The pixels are stored rotated 90 degrees; EXIF orientation 6 tells viewers to turn them back."""
    img = scan_of(digit).rotate(90, expand=True)  # counter-clockwise; orientation 6 = rotate 90 CW to display
    exif = Image.Exif()
    exif[0x0112] = 6
    img.save(path, format="JPEG", exif=exif.tobytes())
    return path


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def draw_stroke_digit_one(size: int = 200, rgba: bool = False) -> Image.Image:
    img = Image.new("RGBA" if rgba else "L", (size, size), (0, 0, 0, 0) if rgba else 255)
    ImageDraw.Draw(img).line([(size // 2, size // 10), (size // 2, size * 9 // 10)], fill=(0, 0, 0, 255) if rgba else 0, width=size // 14)
    return img
