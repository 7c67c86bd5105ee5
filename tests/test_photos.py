"""Uploads as people make them: photo-like digits read right, MNIST 28x28 uploads kept pixel
for pixel, and things that are not digits called so (in process and through /score)."""

import io

import numpy as np
from gradio_client import handle_file
from PIL import Image, ImageDraw, ImageFilter

from gan.makers.nondigits import DRAWN, TEXTURES, fonts, nondigit_cases
from gan.makers.photos import CONDITIONS, photo_cases
from gan.space.preprocess import open_image, preprocess
from gan.space.ui import NOT_A_DIGIT

from images import scan_of


def read(studio, data: bytes) -> dict:
    return studio.score(studio.load_upload(data)[None])[0]


def test_photo_like_digits_read_right_in_every_condition(studio, fixture_digits):
    images, labels = fixture_digits
    cases = photo_cases(images, labels, n_per_condition=6, seed=1)  # another seed than the README's figures
    right = {c: 0 for c in CONDITIONS}
    for case in cases:
        right[case.condition] += read(studio, case.jpeg).digit == case.label
    assert sum(right.values()) >= 0.95 * len(cases), right
    assert min(right.values()) >= 5, right  # at least 5 of 6 in the hardest condition


def test_photo_set_is_deterministic(fixture_digits):
    images, labels = fixture_digits
    a = photo_cases(images, labels, 1, seed=3, conditions=["everything"])[0]
    b = photo_cases(images, labels, 1, seed=3, conditions=["everything"])[0]
    assert a.jpeg == b.jpeg and a.label == b.label


def jpeg(img: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def gradient_paper(w: int, h: int, top: tuple, bottom: tuple) -> Image.Image:
    t = np.linspace(0, 1, h)[:, None, None]
    rgb = np.asarray(top)[None, None] * (1 - t) + np.asarray(bottom)[None, None] * t
    return Image.fromarray(np.broadcast_to(rgb, (h, w, 3)).astype(np.uint8))


# Drawn with PIL, unlike anything gan.makers.photos makes: checks that preprocessing was not fitted to it.
def test_thick_marker_seven_on_gradient_paper(studio):
    img = gradient_paper(1200, 900, (235, 225, 200), (120, 110, 95))
    ImageDraw.Draw(img).line([(420, 250), (760, 250), (520, 720)], fill=(20, 20, 30), width=55, joint="curve")
    assert read(studio, jpeg(img.filter(ImageFilter.GaussianBlur(2)))).digit == 7


def test_chalk_four_on_a_blackboard(studio):
    img = Image.new("RGB", (800, 600), (40, 60, 50))
    draw = ImageDraw.Draw(img)
    draw.line([(380, 120), (300, 330), (470, 330)], fill=(225, 225, 215), width=16, joint="curve")
    draw.line([(430, 200), (430, 480)], fill=(225, 225, 215), width=16)
    assert read(studio, jpeg(img)).digit == 4


def test_red_pen_one_on_notebook_paper_with_a_margin(studio):
    img = Image.new("RGB", (900, 1200), (250, 248, 235))
    draw = ImageDraw.Draw(img)
    for y in range(80, 1200, 70):
        draw.line([(0, y), (900, y + 6)], fill=(150, 180, 230), width=3)  # ruled, slightly turned
    draw.line([(110, 0), (110, 1200)], fill=(230, 120, 120), width=3)  # the margin
    draw.line([(520, 400), (560, 370), (540, 640)], fill=(200, 30, 40), width=9, joint="curve")
    assert read(studio, jpeg(img)).digit == 1


def test_small_zero_in_a_corner_with_a_shadow(studio):
    img = Image.new("RGB", (2000, 1500), (230, 230, 225))
    ImageDraw.Draw(img).ellipse((1500, 1050, 1620, 1220), outline=(30, 30, 30), width=12)
    shade = np.ones((1500, 2000, 1), np.float32)
    shade[:, :900] = 0.55  # a phone's shadow over the left of the page
    img = Image.fromarray((np.asarray(img) * shade).astype(np.uint8))
    assert read(studio, jpeg(img)).digit == 0


def test_mnist_upload_keeps_its_pixels(studio, fixture_digits, tmp_path):
    images, _ = fixture_digits
    for img in images[:20]:
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="PNG")
        assert np.array_equal(studio.load_upload(buf.getvalue()), img)
        buf = io.BytesIO()
        Image.fromarray(255 - img).convert("RGB").save(buf, format="PNG")  # black on white, RGB
        assert np.array_equal(studio.load_upload(buf.getvalue()), img)


def test_generated_digit_keeps_its_pixels(studio):
    digit = studio.generate(studio.recipe(3, 77))
    buf = io.BytesIO()
    Image.fromarray(digit).save(buf, format="PNG")
    steps = preprocess(open_image(buf.getvalue()))
    assert steps.passthrough and np.array_equal(steps.digit, digit)


def test_steps_are_returned_for_a_photo(fixture_digits):
    images, labels = fixture_digits
    case = photo_cases(images, labels, 1, seed=0, conditions=["table border"])[0]
    steps = preprocess(open_image(case.jpeg))
    assert not steps.passthrough and steps.normalised.shape == steps.ink.shape
    assert steps.digit.shape == (28, 28) and (steps.ink == 255).any()


def test_real_mnist_digits_are_digits(studio, fixture_digits):
    images, _ = fixture_digits
    flagged = sum(not r.is_digit for r in studio.score(images))
    assert flagged <= 0.01 * len(images)


def test_generated_digits_are_digits(studio):
    digits = studio.generate_many([(d, s) for d in range(10) for s in range(20)])
    assert sum(not r.is_digit for r in studio.score(digits)) <= 4


def test_nondigit_splits_differ_in_kind():
    assert set(DRAWN["test"]).isdisjoint({"walk scribble", "triangle", "square", "star", "hatching", "uniform noise",
                                          "hand letter", "coil", "outline drawing"})
    assert set(TEXTURES["train"]).isdisjoint(TEXTURES["test"])
    # Letters are measured in fonts the detector never learnt from.
    train, test = {p.name for p in fonts("train")}, {p.name for p in fonts("test")}
    assert train and test and train.isdisjoint(test)


def flagged(studio, data: bytes) -> bool:
    try:
        return not read(studio, data).is_digit
    except Exception as e:  # preprocessing found nothing that stands out: not a digit either
        assert "No digit found" in str(e)
        return True


def test_non_digits_are_flagged(studio):
    cases = nondigit_cases(4, "test", seed=5)  # another seed than the README's figures
    hits = [flagged(studio, c.data) for c in cases]
    # 92.2% on docs/uploads.md's 320 (drawn letters included since issue 34): the target is 90%.
    assert np.mean(hits) >= 0.9, {c.kind: h for c, h in zip(cases, hits)}


def test_scanned_real_digits_are_rarely_flagged(studio, fixture_digits):
    """All 1,000 fixture digits uploaded as 280x280 scans (dark ink on white): the detector's
    budget for real digits is 1% (0.19% on the 10,000 MNIST test digits as 28x28)."""
    images, labels = fixture_digits
    uploads = []
    for digit in images:
        buf = io.BytesIO()
        scan_of(digit).save(buf, format="PNG")
        uploads.append(studio.load_upload(buf.getvalue()))
    results = studio.score(np.stack(uploads))
    assert np.mean([not r.is_digit for r in results]) <= 0.015
    assert np.mean([r.digit == y for r, y in zip(results, labels)]) >= 0.98


def test_noise_is_not_read_as_a_digit(studio):
    rng = np.random.default_rng(0)
    for size in (28, 200):
        buf = io.BytesIO()
        Image.fromarray((rng.random((size, size)) * 255).astype(np.uint8)).save(buf, format="PNG")
        assert flagged(studio, buf.getvalue())


# ---------------------------------------------------------------------------- through the API


def score_api(client, path):
    seen, verdict, _, result, steps, _closest = client.predict(image=handle_file(str(path)), api_name="/score")
    return seen, verdict, result, steps


def test_api_reads_a_photo_of_each_condition(client, fixture_digits, tmp_path):
    images, labels = fixture_digits
    right = digits = 0
    for case in photo_cases(images, labels, 1, seed=2):
        path = tmp_path / f"{case.condition.replace(' ', '_')}.jpg"
        path.write_bytes(case.jpeg)
        _, verdict, result, steps = score_api(client, path)
        assert np.asarray(Image.open(steps)).shape[0] > 28  # the steps strip, larger than the digit
        assert (NOT_A_DIGIT in verdict) == (not result["is_digit"])
        right += result["digit"] == case.label
        digits += result["is_digit"]
    assert right >= len(CONDITIONS) - 1 and digits >= len(CONDITIONS) - 1


def test_api_keeps_an_mnist_upload_exact(client, fixture_digits, tmp_path):
    images, _ = fixture_digits
    path = tmp_path / "mnist.png"
    Image.fromarray(images[7]).save(path)
    seen, _, result, _ = score_api(client, path)
    assert np.array_equal(np.asarray(Image.open(seen).convert("L")), images[7])


def test_api_says_plainly_when_it_is_not_a_digit(client, tmp_path):
    kinds = ["gaussian noise", "word", "smiley", "heart", "arrow", "wood", "blobs"]
    cases = [next(c for c in nondigit_cases(1, "test", seed=9) if c.kind == kind) for kind in kinds]
    said = 0
    for case in cases:
        path = tmp_path / "upload.img"
        path.write_bytes(case.data)
        try:
            _, verdict, result, _ = score_api(client, path)
        except Exception as e:  # refused: nothing stands out from the background, and it says so
            assert "No digit found" in str(e)
            said += 1
            continue
        if not result["is_digit"]:
            assert NOT_A_DIGIT in verdict and "reads a" not in verdict  # no digit named
            said += 1
        else:
            assert NOT_A_DIGIT not in verdict
    assert said >= len(cases) - 1


def test_verdict_names_no_digit_for_a_non_digit():
    from dataclasses import replace

    from gan.space.score import Score
    from gan.space.ui import verdict_markdown

    no_digit = Score(p_real=0.7, p_real_gan_d=0.5, gan_d_logit=0.0, digit=8, digit_confidence=1.0, is_digit=False)
    text = verdict_markdown(no_digit)
    assert NOT_A_DIGIT in text and "**8**" not in text
    assert "**8**" in verdict_markdown(replace(no_digit, is_digit=True))
