"""MNIST as uint8 tensors in memory: small enough (47 MB) that a plain index beats a DataLoader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .errors import DataError
from .inputs import IDX_FILES, LOCAL_COPY

NPZ_MAGIC = b"PK\x03\x04"  # an .npz is a zip archive


def load_mnist(path: str | Path, train: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Images uint8 [N, 28, 28] and labels int64 [N].

    `path` is either a folder in torchvision's MNIST layout (downloaded there when missing)
    or an .npz file with `images` and `labels` arrays (the tests' small fixture). Every
    problem is a DataError naming the file and what is wrong with it.
    """
    path = Path(path)
    if path.suffix == ".npz":
        return _load_npz(path)
    for name in IDX_FILES[True] + IDX_FILES[False]:
        if (path / "MNIST" / "raw" / name).exists():
            check_idx(path / "MNIST" / "raw" / name)
    import torchvision  # imported here: the app never trains and need not pay for it

    created = [p for p in (path / "MNIST" / "raw", path / "MNIST", *path.parents, path) if not p.exists()]
    try:
        ds = torchvision.datasets.MNIST(root=str(path), train=train, download=True)
    except Exception as e:  # offline with no data, a bad checksum...
        for folder in sorted(created, key=lambda p: len(p.parts), reverse=True):  # a mistyped --data-dir leaves nothing behind
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        # One sentence: torchvision's own message is several lines, a URL per mirror tried.
        raise DataError(f"could not load MNIST from {path}: it is not there and downloading it failed "
                        f"({type(e).__name__}): give --data-dir {LOCAL_COPY}, or run once with network access") from e
    images, labels = ds.data, ds.targets
    _check(images, labels, path)
    return images, labels


def check_idx(path: Path) -> None:
    """Refuse an idx file (MNIST's raw format) whose header is not an MNIST one or whose size
    disagrees with its header, in one sentence naming it (torchvision would fail with a reshape
    error or an empty AssertionError)."""
    shape = (28, 28) if "images" in path.name else ()
    data = path.read_bytes()[:4 + 4 * (1 + len(shape))]
    magic = bytes([0, 0, 0x08, 1 + len(shape)])  # two zero bytes, type 0x08 (unsigned byte), number of dimensions
    if len(data) < len(magic) + 4 * (1 + len(shape)) or data[:4] != magic:
        raise DataError(f"{path} is not an MNIST idx file: it should start with the bytes {magic.hex(' ')} "
                        f"(unsigned bytes, {1 + len(shape)} dimensions), but starts with {data[:4].hex(' ') or 'nothing'}.")
    dims = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(1 + len(shape)))
    if dims[1:] != shape:
        raise DataError(f"{path} holds items of shape {dims[1:]}, not MNIST's {shape}.")
    expected, actual = len(data) + int(np.prod(dims)), path.stat().st_size
    if actual != expected:
        raise DataError(f"{path} is {'truncated' if actual < expected else 'longer than its header says'}: its header "
                        f"promises {dims[0]:,} items ({expected:,} bytes), but the file has {actual:,} bytes.")


def _load_npz(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    try:
        with path.open("rb") as f:
            is_zip = f.read(4) == NPZ_MAGIC
    except OSError as e:
        raise DataError(f"could not read {path}: {e.strerror}.") from e
    if not is_zip:  # np.load would try it as a pickle and suggest allow_pickle, which is the wrong advice
        raise DataError(f"{path} is not an .npz file (not a zip archive); expected one with 'images' and 'labels' arrays.")
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in ("images", "labels") if k not in f.files]
            if missing:
                raise DataError(f"{path} has no {' or '.join(repr(k) for k in missing)} array (it has: {', '.join(f.files) or 'none'}).")
            images, labels = torch.from_numpy(f["images"]), torch.from_numpy(f["labels"]).long()
    except DataError:
        raise
    except Exception as e:  # a damaged archive, an object array...
        raise DataError(f"could not read {path} as an .npz with 'images' and 'labels' arrays ({type(e).__name__}: {e}).") from e
    _check(images, labels, path)
    return images, labels


def _check(images: torch.Tensor, labels: torch.Tensor, path: Path) -> None:
    if images.dtype != torch.uint8 or images.dim() != 3 or tuple(images.shape[1:]) != (28, 28):
        raise DataError(f"{path}: expected uint8 images of shape [N, 28, 28], got {images.dtype} {tuple(images.shape)}")
    if len(labels) != len(images) or len(images) == 0 or labels.min() < 0 or labels.max() > 9:
        raise DataError(f"{path}: expected one label in 0..9 per image")

