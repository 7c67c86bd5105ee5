"""The weights folder: where it is, how a model loads from it safely, and its checksums.

Every model class derives from gan.core.models.HubModel (huggingface_hub's
PyTorchModelHubMixin). Everything that loads weights goes through `load_model`, which is
strict (the mixin's default hides missing keys) and turns every failure into a WeightsError
that names the file. Standard library only, so a command can name its default weights
before torch is imported. `checksums.json` holds the SHA-256 of every file the app loads, so
truncated or tampered weights are refused at start-up.

    gan dev checksums weights     # rewrite weights/checksums.json after changing a file by hand
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .errors import WeightsError

CHECKOUT = Path(__file__).resolve().parents[2]  # the repository: app.py, weights/, docs/ beside the package
SHIPPED = CHECKOUT / "weights"  # the committed weights
LISTING = "checksums.json"
SUFFIXES = (".safetensors", ".json", ".npz")  # everything the app loads
LOCAL_PREFIXES = ("runs", "weights")  # this project's own folders: a missing runs/x is a typo, not a Hub repo


def looks_like_path(spec: str) -> bool:
    """A Hub repo id is exactly `owner/name`; anything else, or a name under one of this
    project's folders, is meant as a local path."""
    parts = spec.replace("\\", "/").split("/")
    return (len(parts) != 2 or not all(parts) or spec.startswith((".", "~", "/"))
            or parts[0] in LOCAL_PREFIXES or Path(parts[0]).is_dir())


def resolve_weights(spec: str | Path | None = None) -> Path:
    """A local weights folder, or a Hub repo id downloaded to the local cache.
    Default: $GAN_WEIGHTS, else the committed weights/ beside the package (so every command
    finds them from any directory after `pip install -e .`)."""
    from_env = not spec and bool(os.environ.get("GAN_WEIGHTS"))
    spec = str(spec or os.environ.get("GAN_WEIGHTS") or SHIPPED)
    if Path(spec).is_dir():
        return Path(spec)
    if looks_like_path(spec):
        hint = (" (a non-editable `pip install .` copies the code, not weights/: set GAN_WEIGHTS)" if Path(spec) == SHIPPED
                else " (from $GAN_WEIGHTS)" if from_env else "")
        raise WeightsError(f"weights folder not found: {spec}{hint}")
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(spec))
    except Exception as e:  # offline, no such repo, no access: one sentence, not a traceback
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise WeightsError(f"weights not found: {spec} is no local folder, and the Hub repo {spec} could not be "
                           f"downloaded ({type(e).__name__}: {reason[:160]})") from e


def load_model(cls: type, path: str | Path):
    """A HubModel subclass `cls` from a folder's config.json + model.safetensors, strictly, in eval mode."""
    path = Path(path)
    if not (path / "model.safetensors").exists() or not (path / "config.json").exists():
        raise WeightsError(f"missing weights: {path / 'model.safetensors'} and {path / 'config.json'} are both needed")
    try:
        return cls.from_pretrained(path, strict=True).eval()  # the mixin's default, strict=False, hides missing keys
    except Exception as e:
        raise WeightsError(f"could not load {path / 'model.safetensors'}: {e}") from e


def read_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise WeightsError(f"could not read {path}: {e}") from e


# ---------------------------------------------------------------------------- checksums


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_checksums(folder: Path) -> dict[str, str]:
    files = sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.name != LISTING and "checkpoint" not in p.name)
    sums = {p.relative_to(folder).as_posix(): sha256(p) for p in files}
    (folder / LISTING).write_text(json.dumps(sums, indent=1) + "\n")
    return sums


def verify_checksums(folder: Path) -> None:
    """Compare every listed file with its SHA-256, naming the first that is missing or differs."""
    listing = folder / LISTING
    if not listing.exists():
        return  # someone else's Hub repo need not ship one; loading still checks what it can
    for name, expected in json.loads(listing.read_text()).items():
        path = folder / name
        if not path.exists():
            raise WeightsError(f"missing weights file: {path}")
        if sha256(path) != expected:
            raise WeightsError(f"weights file does not match its checksum (truncated or modified): {path}")
