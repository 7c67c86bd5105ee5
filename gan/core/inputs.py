"""What a person typed, checked with the standard library alone: the `gan` commands run these
before importing torch, so a mistyped path is one sentence in a fraction of a second rather
than a traceback half a minute later; the loaders (gan.core.data, gan.training.gan) run them too.
"""

from __future__ import annotations

import socket
from pathlib import Path

from .errors import DataError, RunFolderError

# MNIST's four files in torchvision's layout (<data dir>/MNIST/raw/): training and test images and labels.
IDX_FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"), False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
# Where torchvision downloads MNIST from (torchvision.datasets.MNIST.mirrors' first), tried before a download is attempted.
MNIST_HOST = ("ossci-datasets.s3.amazonaws.com", 443)
LOCAL_COPY = "a local copy of MNIST in torchvision's layout (DIR/MNIST/raw/*-ubyte) or an .npz with images and labels"


def has_mnist(path: str | Path) -> bool:
    """Whether the folder holds all four MNIST files in torchvision's layout (or the .gz files a
    download left, which torchvision extracts without the network)."""
    raw = Path(path) / "MNIST" / "raw"
    return all((raw / name).is_file() or (raw / f"{name}.gz").is_file() for names in IDX_FILES.values() for name in names)


def reachable(host: tuple[str, int] = MNIST_HOST, timeout: float = 3.0) -> bool:
    try:
        socket.create_connection(host, timeout=timeout).close()
        return True
    except OSError:  # no network, no name resolution, refused
        return False


def check_data(path: str | Path, option: str = "--data-dir") -> str:
    """MNIST as `option` names it: an .npz file that exists, or a folder holding MNIST, or
    (returns a note to print) a folder MNIST can be downloaded into; else a DataError in one sentence."""
    path = Path(path)
    if path.suffix == ".npz":
        if not path.is_file():
            raise DataError(f"no such file: {path} ({option} takes {LOCAL_COPY})")
        return ""
    if path.exists() and not path.is_dir():
        raise DataError(f"{path} is neither a folder nor an .npz file: {option} takes {LOCAL_COPY}")
    if has_mnist(path):
        return ""
    if not reachable():
        raise DataError(f"MNIST is not in {path} and cannot be downloaded there (no network): give {option} {LOCAL_COPY}")
    return f"MNIST is not in {path}: torchvision will download it there (about 12 MB)"


def check_run_folder(out: str | Path, resume: bool) -> None:
    """A new run needs an --out holding no run; --resume needs one with a checkpoint (each a sentence)."""
    out = Path(out)
    found = [name for name in ("checkpoint.pt", "train_log.jsonl") if (out / name).exists()]
    if not resume and found:
        raise RunFolderError(f"{out} already holds a run ({found[0]}): add --resume to continue it, or give a new --out")
    if resume and not (out / "checkpoint.pt").exists():
        raise RunFolderError(f"--resume: no checkpoint at {out / 'checkpoint.pt'}")
