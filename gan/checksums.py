"""SHA-256 of every weights file, so truncated or tampered weights are refused at start-up.

    python -m gan.checksums weights     # rewrite weights/checksums.json after retraining
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

LISTING = "checksums.json"
SUFFIXES = (".safetensors", ".json", ".npz")  # everything the app loads


class WeightsError(RuntimeError):
    """Weights that are missing, truncated or do not match their recorded checksum."""


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


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m gan.checksums", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", nargs="?", default="weights", type=Path, help="weights folder (default: weights)")
    folder = p.parse_args(argv).folder
    if not folder.is_dir():
        p.error(f"no such folder: {folder}")
    print(f"wrote {folder / LISTING}: {len(write_checksums(folder))} files")


if __name__ == "__main__":
    main()
