"""The headline verdict (gan/space/verdict.py): it separates real MNIST test digits from the shipped
generator's digits uploaded as exact 28x28 PNGs, says so through /score, shows its evidence,
and loads only from checksummed safetensors."""

import json
import shutil

import numpy as np
import pytest
import torch
from gradio_client import handle_file
from PIL import Image

from conftest import WEIGHTS
from images import save, scan_of


def score(client, path) -> dict:
    return client.predict(image=handle_file(str(path)), api_name="/score")[3]  # seen, verdict, plot, scores, steps


def test_verdict_separates_real_from_generated_28x28_pngs_through_the_api(client, studio, tmp_path):
    from gan.core.metrics import roc_auc

    real = studio.real_digits[:30]  # MNIST test digits: never seen in the detector's training
    fake = studio.generate_many([(i % 10, 5_000_000 + i) for i in range(30)])  # seeds far from its training seeds
    p = {}
    for name, digits in [("real", real), ("fake", fake)]:
        results = [score(client, save(Image.fromarray(d), tmp_path / f"{name}{i}.png")) for i, d in enumerate(digits)]
        assert all(r["p_pixels_intact"] > 0.5 for r in results)  # an exact 28x28 PNG keeps its pixels
        assert all({"p_real_gan_d", "gan_d_logit", "faint_grey_pixels", "digit"} <= set(r) for r in results)
        p[name] = torch.tensor([r["p_real"] for r in results])
    assert roc_auc(p["real"], p["fake"]) > 0.9
    assert (p["real"] >= 0.5).float().mean() > 0.8 and (p["fake"] < 0.5).float().mean() > 0.8


def test_a_dark_on_white_28x28_png_is_scored_on_its_exact_pixels(studio, tmp_path):
    fake = studio.generate_many([(3, 5_000_100)])[0]
    path = save(Image.fromarray(255 - fake), tmp_path / "inverted.png")
    assert np.array_equal(studio.load_upload(path), fake)


def test_only_plain_28x28_grey_images_keep_their_exact_pixels():
    from gan.space.preprocess import preprocess

    def exact_mnist(img):
        steps = preprocess(img)
        return steps.digit if steps.passthrough else None

    digit = np.zeros((28, 28), np.uint8)
    digit[8:20, 12:16] = 200
    digit[7, 12:16] = 3  # a faint fringe that resampling would erase
    assert np.array_equal(exact_mnist(Image.fromarray(digit)), digit)
    assert np.array_equal(exact_mnist(Image.fromarray(digit).convert("RGB")), digit)
    assert np.array_equal(exact_mnist(Image.fromarray(255 - digit)), digit)
    assert exact_mnist(Image.fromarray(digit).resize((56, 56))) is None
    colour = np.stack([digit, digit, np.zeros_like(digit)], 2)
    assert exact_mnist(Image.fromarray(colour)) is None


def test_evidence_image_marks_exactly_the_faint_grey_pixels(studio):
    from gan.space.verdict import evidence_image

    digit = np.zeros((28, 28), np.uint8)
    digit[5:23, 13:15] = 255
    faint = [(4, 13), (4, 14), (23, 13), (10, 12)]
    for y, x in faint:
        digit[y, x] = 1 + (y % 9)
    image = evidence_image(digit, scale=4)
    assert image.shape == (112, 112, 3)
    magenta = (image == (255, 0, 200)).all(2)[::4, ::4]
    assert sorted(zip(*np.nonzero(magenta))) == sorted(faint)
    assert studio.score(digit[None])[0]["faint_grey_pixels"] == len(faint)


def test_a_resampled_upload_is_flagged_as_such(studio, fixture_digits, tmp_path):
    """A real digit enlarged as a scan has lost its pixel evidence: the detector says so
    rather than calling it generated with confidence."""
    images, _ = fixture_digits
    results = [studio.score(studio.load_upload(save(scan_of(images[i]), tmp_path / f"scan{i}.png"))[None])[0] for i in range(10)]
    assert sum(r["p_pixels_intact"] < 0.5 for r in results) >= 8
    assert all(r["p_real"] > 0.1 for r in results)  # not confidently wrong


def test_verdict_weights_are_safetensors_only_and_checksummed():
    folder = WEIGHTS / "verdict"
    assert {p.name for p in folder.iterdir()} <= {"config.json", "model.safetensors", "metrics.json", "README.md"}  # no pickles
    listed = json.loads((WEIGHTS / "checksums.json").read_text())
    assert {"verdict/model.safetensors", "verdict/config.json", "verdict/metrics.json"} <= set(listed)


def test_tampered_or_incomplete_verdict_weights_are_refused(tmp_path):
    from safetensors.torch import load_file, save_file

    from gan.core.errors import WeightsError
    from gan.space.studio import Studio
    from gan.core.weights import load_model as _load
    from gan.space.verdict import Verdict

    copy = tmp_path / "weights"
    shutil.copytree(WEIGHTS, copy, ignore=shutil.ignore_patterns("*.gif", "*.png", "*.jsonl"))  # what checksums.json lists
    blob = bytearray((copy / "verdict" / "model.safetensors").read_bytes())
    blob[-1] ^= 1
    (copy / "verdict" / "model.safetensors").write_bytes(bytes(blob))
    with pytest.raises(WeightsError, match="checksum"):
        Studio(copy)
    state = load_file(WEIGHTS / "verdict" / "model.safetensors")
    del state["platt"]  # a model saved without its calibration must not load with a default one
    save_file(state, copy / "verdict" / "model.safetensors")
    with pytest.raises(WeightsError):
        _load(Verdict, copy / "verdict")


def test_the_ship_step_retrains_the_verdict_for_each_new_generator():
    from gan import ship
    from gan.space.train_verdict import train_verdict

    assert ship.STEPS.index(ship.copy_run) < ship.STEPS.index(ship.verdict) < ship.STEPS.index(ship.checksums)
    assert "train_verdict" in ship.verdict.__code__.co_names and callable(train_verdict)


def test_the_verdict_in_a_word_is_what_the_page_says():
    """gan.space.verdict.verdict_label holds the thresholds; the page's sentence and an agent's
    score_digit answer (tabs/agents.py) both read it."""
    from gan.space.ui import verdict_markdown
    from gan.space.verdict import VERDICTS, verdict_label

    evidence = {"digit": 3, "digit_confidence": 0.99, "is_digit": True, "faint_grey_pixels": 4, "from_histogram": 1.0,
                "from_cnn": 1.0, "p_real_gan_d": 0.5}
    intact = {"p_pixels_intact": 0.99}
    cases = {"real": {"p_real": 0.95, **intact}, "leans real": {"p_real": 0.7, **intact}, "leans generated": {"p_real": 0.3, **intact},
             "generated": {"p_real": 0.05, **intact}, "uncertain": {"p_real": 0.95, "p_pixels_intact": 0.2},
             "not a digit": {"p_real": 0.95, **intact, "is_digit": False}}
    assert set(cases) == set(VERDICTS)
    shown = {"real": "looks like a real MNIST digit", "leans real": "leans real", "leans generated": "leans generated",
             "generated": "looks generated by this GAN", "uncertain": "**uncertain**", "not a digit": "does not look like a handwritten digit"}
    for word, fields in cases.items():
        score = {**evidence, **fields}
        assert verdict_label(score) == word and shown[word] in verdict_markdown(score), word
    assert verdict_label({"p_real": 0.6, "is_digit": True}) == "real"  # no detector (a training run): the GAN's own D at 0.5
