"""The headline verdict (gan/space/verdict.py): it separates real MNIST test digits from the shipped
generator's digits uploaded as exact 28x28 PNGs, says so through /score, shows its evidence,
and loads only from checksummed safetensors."""

import io
import json
import shutil

import numpy as np
import pytest
import torch
from gradio_client import handle_file
from PIL import Image, ImageDraw

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
    assert studio.score(digit[None])[0].faint_grey_pixels == len(faint)


def test_a_resampled_upload_is_flagged_as_such(studio, fixture_digits, tmp_path):
    """A real digit enlarged as a scan has lost its pixel evidence: the verdict says it cannot
    tell, and its p_real stays near chance rather than confidently wrong."""
    from gan.space.verdict import NEITHER

    images, _ = fixture_digits
    results = [studio.score_upload(studio.load_upload_steps(save(scan_of(images[i]), tmp_path / f"scan{i}.png"))) for i in range(10)]
    assert sum(r.p_pixels_intact < 0.5 for r in results) >= 8
    assert all(r.outcome == NEITHER and not r.exact_28x28 for r in results)
    assert all(0.2 < r.p_real < 0.8 for r in results)


# ---------------------------------------------------------------------------- the three outcomes


def judged(studio, data) -> dict:
    return studio.score_upload(studio.load_upload_steps(data))


def stroke(side: int, length: float, width: int, slant: float = 0.0) -> bytes:
    """One straight pen stroke, dark on a white canvas, as the Sketchpad draws it."""
    from images import png_bytes

    img = Image.new("L", (side, side), 255)
    top, bottom = side * (1 - length) / 2, side * (1 + length) / 2
    ImageDraw.Draw(img).line([(side / 2 - slant * side, top), (side / 2 + slant * side, bottom)], fill=0, width=width)
    return png_bytes(img)


@pytest.mark.parametrize("length,width,slant", [(0.7, 12, 0.0), (0.3, 12, 0.0), (0.9, 40, 0.05), (0.5, 4, -0.08), (0.8, 25, 0.0)])
def test_a_vertical_stroke_is_never_called_generated(studio, length, width, slant):
    from gan.space.verdict import GENERATED

    result = judged(studio, stroke(280, length, width, slant))
    assert result.outcome != GENERATED
    assert "made by this GAN" not in ui_text(result).split("\n")[0]  # the headline


def ui_text(result) -> str:
    from gan.space.ui import verdict_markdown

    return verdict_markdown(result)


def test_drawn_digits_and_photos_are_never_called_generated_and_are_read(studio, fixture_digits):
    from gan.makers.drawings import KINDS, drawing_cases
    from gan.makers.photos import photo_cases
    from gan.space.verdict import GENERATED, NEITHER

    images, labels = fixture_digits
    cases = [(c.data, c.label) for c in drawing_cases(images, labels, 4, seed=3)]
    cases += [(c.jpeg, c.label) for c in photo_cases(images, labels, 1, seed=3)]
    results = [judged(studio, data) for data, _ in cases]
    assert len(cases) == 4 * len(KINDS) + 12
    assert not any(r.outcome == GENERATED for r in results)
    assert all(r.outcome == NEITHER for r in results)
    assert np.mean([r.digit == y for r, (_, y) in zip(results, cases)]) >= 0.9


def test_a_person_made_28x28_image_is_rarely_called_generated(studio, fixture_digits):
    """A digit drawn at 28x28 (or a drawing shrunk to it) arrives pixel-exact: hard pixel-editor
    strokes carry none of the generator's fringe, and an anti-aliased shrink that makes a fringe is
    almost never laid out as the generator's digits are (docs/verdict.md measures the rate)."""
    from gan.makers.drawings import drawing_cases
    from gan.space.verdict import GENERATED, REAL

    images, labels = fixture_digits
    made = []
    for case in drawing_cases(images, labels, 6, seed=4, kinds=["mouse", "touch", "marker"]):
        small = Image.open(io.BytesIO(case.data)).convert("L")
        made += [255 - np.asarray(small.resize((28, 28), resample)) for resample in (Image.NEAREST, Image.BOX, Image.BILINEAR, Image.LANCZOS)]
    made += [np.where(images[:20] > 127, 255, 0).astype(np.uint8)[i] for i in range(20)]  # MNIST digits made binary
    results = studio.score(np.stack(made))
    assert np.mean([r.outcome == GENERATED for r in results]) <= 0.05, [r.why for r in results if r.outcome == GENERATED]
    assert np.mean([r.outcome == REAL for r in results]) < 0.2


def test_each_outcome_appears_for_the_inputs_that_should_produce_it(studio, fixture_digits, tmp_path):
    from gan.space.verdict import GENERATED, NEITHER, REAL

    images, _ = fixture_digits
    fake = studio.generate_many([(d, 6_000_000 + d) for d in range(10)])
    real = [judged(studio, save(Image.fromarray(d), tmp_path / f"real{i}.png")) for i, d in enumerate(images[:10])]
    made = [judged(studio, save(Image.fromarray(255 - d), tmp_path / f"fake{i}.png")) for i, d in enumerate(fake)]
    assert all(r.outcome == REAL for r in real), [r.why for r in real]
    assert all(r.outcome == GENERATED for r in made), [r.why for r in made]
    resized = judged(studio, save(Image.fromarray(255 - fake[3]).resize((140, 140), Image.BICUBIC), tmp_path / "resized.png"))
    assert resized.outcome == NEITHER and "resized" in resized.why
    jpeg = judged(studio, save(Image.fromarray(fake[4]), tmp_path / "fake.jpg", quality=80))
    assert jpeg.outcome == NEITHER and "can't tell" in jpeg.why


def test_the_judgement_needs_the_fingerprint_and_the_layout(studio, fixture_digits):
    from dataclasses import replace

    from gan.space.score import Score
    from gan.space.verdict import GENERATED, NEITHER, REAL, judge

    made = studio.generate_many([(3, 6_100_000)])[0]
    real = fixture_digits[0][0]
    small = np.zeros((28, 28), np.uint8)  # the same digit drawn at half the size, off-centre: not laid out as MNIST's
    small[2:16, 2:16] = np.asarray(Image.fromarray(made).resize((14, 14), Image.BILINEAR))
    base = Score(p_real=0.01, p_real_gan_d=0.5, gan_d_logit=0.0, digit=3, digit_confidence=0.99, is_digit=True,
                 p_pixels_intact=0.99, faint_grey_pixels=30)
    assert judge(base, exact=True, digit=made)[0] == GENERATED
    assert judge(replace(base, faint_grey_pixels=0), exact=True, digit=made)[0] == NEITHER  # no fingerprint, no "generated"
    assert judge(base, exact=True, digit=small)[0] == NEITHER  # not the generator's layout
    assert judge(base, exact=False, digit=made)[0] == NEITHER  # resampled: never "generated"
    assert judge(replace(base, p_pixels_intact=0.1), exact=True, digit=made)[0] == NEITHER
    sure_real = replace(base, p_real=0.97, faint_grey_pixels=2)
    assert judge(sure_real, exact=True, digit=real)[0] == REAL
    assert judge(sure_real, exact=True, digit=small)[0] == NEITHER  # not laid out as MNIST's digits are
    assert judge(replace(sure_real, p_real=0.5), exact=True, digit=real)[0] == NEITHER
    assert judge(replace(sure_real, is_digit=False), exact=True, digit=real)[0] == NEITHER

def test_examples_captions_agree_with_their_verdicts(studio):
    from gan.space.ui import example_files
    from gan.space.verdict import GENERATED, NEITHER, REAL

    expected = {"real MNIST": REAL, "by this GAN": GENERATED, "a drawing": NEITHER, "not a digit": NEITHER}
    examples = example_files(studio)
    assert len({caption for _, caption in examples}) == 4
    for path, caption in examples:
        result = judged(studio, path)
        assert result.outcome == next(v for k, v in expected.items() if k in caption), (caption, result.why)
        assert result.is_digit == ("not a digit" not in caption), caption


def test_api_score_returns_the_judgement_and_the_closest_digit(client, fixture_digits, tmp_path):
    from gan.space.verdict import NEITHER

    _, verdict, _, result, _, closest = client.predict(image=handle_file(str(save(Image.open(io.BytesIO(stroke(280, 0.7, 12))), tmp_path / "one.png"))),
                                                       api_name="/score")
    assert result["outcome"] == NEITHER and result["digit"] == 1
    assert np.asarray(Image.open(closest).convert("L")).shape == (28, 28)
    assert "discriminator" in verdict and "near chance" in verdict


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
    from gan.training.verdict import train_verdict

    assert ship.STEPS.index(ship.copy_run) < ship.STEPS.index(ship.verdict) < ship.STEPS.index(ship.checksums)
    assert "train_verdict" in ship.verdict.__code__.co_names and callable(train_verdict)
    # and the digit detector, whose digits include the generator's: removed with the old model, retrained, checksummed
    assert ship.STEPS.index(ship.copy_run) < ship.STEPS.index(ship.digit_detector) < ship.STEPS.index(ship.checksums)
    assert "train" in ship.digit_detector.__code__.co_names and "digit_detector" in ship.copy_run.__code__.co_consts


def test_an_upload_is_scored_once_and_fitted_once(studio, fixture_digits, tmp_path, monkeypatch):
    """Studio.judge: one score and one projection per upload (its projection reuses the score's
    is_digit instead of scoring again)."""
    import gan.space.studio as studio_module

    calls = {"score": 0, "project": 0}
    score, project = studio.score, studio_module.project

    def counted_score(*args, **kwargs):
        calls["score"] += 1
        return score(*args, **kwargs)

    def counted_project(*args, **kwargs):
        calls["project"] += 1
        return project(*args, **kwargs)

    monkeypatch.setattr(studio, "score", counted_score)
    monkeypatch.setattr(studio_module, "project", counted_project)
    judgement = studio.judge(save(scan_of(fixture_digits[0][1]), tmp_path / "scan.png"))
    assert calls == {"score": 1, "project": 1}
    assert judgement.score.is_digit and judgement.closest is not None and judgement.digit.shape == (28, 28)
    calls.update(score=0, project=0)
    studio.judge(save(scan_of(fixture_digits[0][1]), tmp_path / "scan2.png"), fit=False)
    assert calls == {"score": 1, "project": 0}
