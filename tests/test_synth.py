"""gan.synth writes a labelled synthetic MNIST from a generator; gan.training.cas trains the reference
classifier's recipe on it and tests on real digits (the Classification Accuracy Score)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import ROOT, WEIGHTS

torch.set_num_threads(1)  # the machine is shared


@pytest.fixture(scope="module")
def generator():
    from gan.synth import load_generator

    return load_generator(str(WEIGHTS))


def test_synth_writes_the_requested_counts_with_the_right_labels(tmp_path, studio):
    from gan import synth
    from gan.core.data import load_mnist
    from gan.core.metrics import class_accuracy, embed

    out = tmp_path / "synth.npz"
    synth.write_synth(out, 30, WEIGHTS)
    images, labels = (t.numpy() for t in load_mnist(out))  # the form --data-dir file.npz reads
    assert images.shape == (300, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels, minlength=10).tolist() == [30] * 10
    assert labels.tolist() == [s % 10 for s in range(synth.SYNTH_SEED, synth.SYNTH_SEED + 300)]  # digit i: seed SEED + i, digit seed % 10
    assert images[:, 0, 0].max() < 64 and images.max() == 255  # MNIST polarity: black background, white ink
    # The labels are what the digits show: the independent reference classifier reads them so.
    assert class_accuracy(embed(studio.classifier, images)[1], labels) >= 0.95


def test_a_synthetic_digit_is_the_apps_digit_for_its_seed(tmp_path, studio):
    from gan import synth

    out = tmp_path / "s.npz"
    synth.write_synth(out, 1, WEIGHTS, seed=7, psi=0.7)
    with np.load(out) as f:
        images, labels = f["images"], f["labels"]
    assert labels.dtype == np.int64 and labels.tolist() == [7, 8, 9, 0, 1, 2, 3, 4, 5, 6]
    for i in range(10):  # seed 7 + i, drawn as its digit, with the same truncation: the app's pixels, drawn in a batch of 10
        assert np.array_equal(images[i], studio.generate(studio.recipe(int(labels[i]), 7 + i, 0.7))), i
    assert not np.array_equal(images[0], studio.generate(studio.recipe(7, 7)))  # psi was applied


def test_synth_refuses_what_load_mnist_could_not_read():
    run = lambda *a: subprocess.run([sys.executable, "-m", "gan", "synth", *a], cwd=ROOT, capture_output=True, text=True)
    bad_name = run("--per-class", "1", "--out", "synth.pt")
    assert bad_name.returncode == 2 and "--out must end in .npz" in bad_name.stderr
    no_digits = run("--per-class", "0", "--out", "x.npz")
    assert no_digits.returncode == 2 and "--per-class at least 1" in no_digits.stderr
    assert not (ROOT / "x.npz").exists()


def test_cas_on_a_tiny_budget(fixture_digits, generator):
    from gan.training.cas import classification_accuracy_score, summary

    images, labels = fixture_digits
    cas = classification_accuracy_score(generator, images[:600], labels[:600], images[600:], labels[600:],
                                        epochs=1, batch_size=10, progress=False)
    assert cas["synthetic_digits"] == cas["real_digits"] == 600 and cas["test_digits"] == 400
    assert cas["steps"] == 60 and cas["synthetic_seeds"] == "200000-200599"
    # 60 steps of 10 digits teach the recipe most of MNIST, from real digits and from generated ones.
    for key in ("cas", "real", "real_plus_synthetic"):
        assert 0.6 <= cas[key] <= 1, (key, cas[key])
    assert cas["cas_over_real"] == pytest.approx(cas["cas"] / cas["real"])
    assert cas["target_met"] == (cas["cas"] >= 0.98 * cas["real"])
    assert "CAS" in summary(cas)


def test_train_classifier_counts_steps_across_passes(fixture_digits):
    """A budget in steps runs whole passes, then a cut-short one: 25 steps over 100 digits in batches of 10."""
    from gan.training.classifier import train_classifier

    images, labels = (torch.from_numpy(a[:100]) for a in fixture_digits)
    passes = []
    model = train_classifier(images, labels, batch_size=10, steps=25, progress=False, on_epoch=lambda e, m: passes.append(e))
    assert passes == [1, 2, 3] and not model.training
    with pytest.raises(ValueError, match="nothing to train"):
        train_classifier(images[:5], labels[:5], batch_size=10, progress=False)


def test_model_tab_shows_the_cas_when_metrics_json_has_it(tmp_path, studio):
    """The Model tab's text reads the CAS from metrics.json, and stays whole without it."""
    import json
    from types import SimpleNamespace

    from gan.space import ui

    metrics = json.loads((studio.folder / "metrics.json").read_text())
    metrics.pop("cas", None)
    bundle = SimpleNamespace(folder=tmp_path, generator=studio.generator, discriminator=studio.discriminator)
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    without = ui.model_markdown(bundle)
    assert "## Architecture" in without and "Classification Accuracy Score" not in without
    metrics["cas"] = {"cas": 0.9851, "real": 0.9934, "real_plus_synthetic": 0.9940, "cas_over_real": 0.9851 / 0.9934, "target_met": True,
                      "steps": 468, "batch_size": 128, "epochs": 1, "synthetic_digits": 60000, "real_digits": 60000}
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    text = ui.model_markdown(bundle)
    assert "Classification Accuracy Score" in text and "**98.51%**" in text and "99.34%" in text and "99.2% of real" in text
    assert "99.40%" in text and "468 steps of 128 digits (1 epoch of the real set)" in text and "## Architecture" in text
