"""Bad training data gets one sentence naming the file and what is wrong with it, and a
mistyped --data-dir or a failed start leaves no empty folders behind."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from gan.core.data import load_mnist
from gan.core.errors import DataError

from conftest import FIXTURE, ROOT

IMAGES, LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"


def idx_folder(tmp_path, n: int = 10):
    """A real (tiny) MNIST in torchvision's layout: idx headers and bytes as in the originals."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    images, labels = np.load(FIXTURE)["images"][:n], np.load(FIXTURE)["labels"][:n]
    for prefix in ("train", "t10k"):
        (raw / f"{prefix}-images-idx3-ubyte").write_bytes(bytes([0, 0, 8, 3]) + b"".join(d.to_bytes(4, "big") for d in (n, 28, 28)) + images.tobytes())
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(bytes([0, 0, 8, 1]) + n.to_bytes(4, "big") + labels.astype(np.uint8).tobytes())
    return raw


def test_a_well_formed_idx_folder_loads(tmp_path):
    idx_folder(tmp_path)
    images, labels = load_mnist(tmp_path)
    assert images.shape == (10, 28, 28) and np.array_equal(labels.numpy(), np.load(FIXTURE)["labels"][:10])


def test_truncated_idx_file(tmp_path):
    raw = idx_folder(tmp_path)
    data = (raw / IMAGES).read_bytes()
    (raw / IMAGES).write_bytes(data[:-100])
    with pytest.raises(DataError) as e:
        load_mnist(tmp_path)
    assert str(raw / IMAGES) in str(e.value) and "truncated" in str(e.value)
    assert f"{len(data) - 100:,} bytes" in str(e.value) and e.value.__cause__ is None


def test_bad_idx_header(tmp_path):
    raw = idx_folder(tmp_path)
    (raw / LABELS).write_bytes(b"\x00\x00\x0d\x01" + (raw / LABELS).read_bytes()[4:])  # float32 labels: not MNIST
    with pytest.raises(DataError, match="is not an MNIST idx file") as e:
        load_mnist(tmp_path)
    assert str(raw / LABELS) in str(e.value)


def test_garbage_npz(tmp_path):
    bad = tmp_path / "digits.npz"
    bad.write_bytes(b"this is not a zip archive at all" * 10)
    with pytest.raises(DataError) as e:
        load_mnist(bad)
    assert str(bad) in str(e.value) and "not an .npz file" in str(e.value) and "allow_pickle" not in str(e.value)


def test_npz_without_labels(tmp_path):
    bad = tmp_path / "digits.npz"
    np.savez(bad, images=np.zeros((3, 28, 28), np.uint8), targets=np.zeros(3))
    with pytest.raises(DataError, match="has no 'labels' array \\(it has: images, targets\\)") as e:
        load_mnist(bad)
    assert str(bad) in str(e.value)


def test_a_mistyped_data_dir_leaves_no_folders(tmp_path, monkeypatch):
    import torchvision

    # The real download, from a mirror that refuses at once (this port is closed): no network needed.
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    typo = tmp_path / "shraed" / "data"
    with pytest.raises(DataError, match=f"could not load MNIST from {typo}") as refused:
        load_mnist(typo)
    assert list(tmp_path.iterdir()) == []  # not even shraed/
    said = str(refused.value)  # one sentence saying what to do, not torchvision's lines with a URL per mirror tried
    assert "\n" not in said and "http" not in said and "give --data-dir a local copy of MNIST" in said


def test_a_failed_start_creates_no_run_folder(tmp_path):
    bad = tmp_path / "digits.npz"
    bad.write_bytes(b"garbage")
    for extra in ([], ["--resume"]):
        data = str(bad) if not extra else str(FIXTURE)
        out = subprocess.run([sys.executable, "-m", "gan", "train", "--data-dir", data, "--out", str(tmp_path / "run"), *extra],
                             cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr
        assert not (tmp_path / "run").exists()
