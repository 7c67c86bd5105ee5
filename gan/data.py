"""MNIST as uint8 tensors in memory: small enough (47 MB) that a plain index beats a DataLoader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch


class DataError(RuntimeError):
    """The training data is missing, unreadable or malformed."""


def load_mnist(path: str | Path, train: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Images uint8 [N, 28, 28] and labels int64 [N].

    `path` is either a folder in torchvision's MNIST layout (downloaded there when missing)
    or an .npz file with `images` and `labels` arrays (the tests' small fixture).
    """
    path = Path(path)
    if path.suffix == ".npz":
        return _load_npz(path)
    import torchvision  # imported here: the app never trains and need not pay for it

    try:
        ds = torchvision.datasets.MNIST(root=str(path), train=train, download=True)
    except Exception as e:  # offline with no data, a half-written file, a bad checksum...
        raise DataError(
            f"could not load MNIST from {path} ({type(e).__name__}: {e}). Point --data-dir at a folder "
            "holding MNIST/raw/*-ubyte (torchvision's layout), or run once with network access to download it."
        ) from e
    images, labels = ds.data, ds.targets
    _check(images, labels, path)
    return images, labels


def _load_npz(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    try:
        with np.load(path, allow_pickle=False) as f:
            images, labels = torch.from_numpy(f["images"]), torch.from_numpy(f["labels"]).long()
    except Exception as e:
        raise DataError(f"could not read {path} as an .npz with 'images' and 'labels': {e}") from e
    _check(images, labels, path)
    return images, labels


def _check(images: torch.Tensor, labels: torch.Tensor, path: Path) -> None:
    if images.dtype != torch.uint8 or images.dim() != 3 or tuple(images.shape[1:]) != (28, 28):
        raise DataError(f"{path}: expected uint8 images of shape [N, 28, 28], got {images.dtype} {tuple(images.shape)}")
    if len(labels) != len(images) or len(images) == 0 or labels.min() < 0 or labels.max() > 9:
        raise DataError(f"{path}: expected one label in 0..9 per image")


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 [N, 28, 28] -> float [N, 1, 28, 28] in [-1, 1], the range G's tanh produces."""
    return images.float().div(127.5).sub(1).unsqueeze(1)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """float [N, 1, 28, 28] in [-1, 1] -> uint8 numpy [N, 28, 28] (0 = background, 255 = ink)."""
    return images.squeeze(1).add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8).cpu().numpy()
