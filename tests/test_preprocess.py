"""MNIST-style preprocessing on real-looking inputs, judged by the reference classifier."""

import numpy as np
import pytest
from PIL import Image

from gan.core.directions import measure
from gan.space.preprocess import open_image, stroke_width, to_mnist
from gan.core.errors import ImageError
from images import draw_stroke_digit_one, exif_rotated_jpeg, photo_of, png_bytes, save, scan_of


def read_digit(studio, image: np.ndarray) -> int:
    return studio.score(image[None])[0].digit


def test_mnist_digit_passes_through_nearly_unchanged(fixture_digits):
    images, _ = fixture_digits
    for img in images[:50]:
        out = to_mnist(Image.fromarray(img)).astype(int)
        # Same size, polarity and place up to the one-pixel rounding of the centre-of-mass shift.
        diff = min(np.abs(np.roll(out, (dy, dx), (0, 1)) - img).mean() for dy in (-1, 0, 1) for dx in (-1, 0, 1))
        assert diff < 4  # of 255 per pixel


def test_dark_on_light_scan_is_inverted_and_read(studio, fixture_digits, tmp_path):
    images, labels = fixture_digits
    right = 0
    for i in range(30):
        out = to_mnist(open_image(save(scan_of(images[i]), tmp_path / f"{i}.jpg", quality=85)))
        assert out[0].max() < 50 and out.max() == 255  # black background, white ink
        right += read_digit(studio, out) == labels[i]
    assert right >= 28


def test_photo_of_paper_with_off_centre_digit(studio, fixture_digits, tmp_path):
    images, labels = fixture_digits
    for i in range(5):
        path = save(photo_of(images[i], seed=i), tmp_path / "photo.jpg", quality=90)
        out = to_mnist(open_image(path))
        ys, xs = np.nonzero(out > 64)
        assert abs(ys.mean() - 13.5) < 3 and abs(xs.mean() - 13.5) < 3  # centred by centre of mass
        assert max(np.ptp(ys), np.ptp(xs)) <= 21  # fitted into the 20x20 box
        assert read_digit(studio, out) == labels[i]


def test_thin_pen_is_thickened_to_mnist_strokes():
    img = Image.new("L", (1000, 1000), 255)
    from PIL import ImageDraw

    ImageDraw.Draw(img).line([(300, 100), (700, 100), (450, 900)], fill=0, width=6)  # a fine-pen "7"
    out = to_mnist(img)
    assert 2.0 <= stroke_width(out > 127) <= 4.5


def test_thick_marker_keeps_its_shape(studio):
    img = Image.new("L", (300, 300), 255)
    from PIL import ImageDraw

    ImageDraw.Draw(img).ellipse((70, 30, 230, 270), outline=0, width=45)  # a fat "0"
    out = to_mnist(img)
    assert read_digit(studio, out) == 0
    assert measure(out[None])["thickness"][0] > 3


def test_transparent_png_with_dark_strokes(studio):
    img = Image.open(__import__("io").BytesIO(png_bytes(draw_stroke_digit_one(rgba=True))))
    out = to_mnist(img)
    assert out.max() == 255 and out[0].max() == 0
    assert read_digit(studio, out) == 1


def test_exif_rotation_is_applied(studio, fixture_digits, tmp_path):
    images, labels = fixture_digits
    i = int(np.nonzero(labels == 7)[0][0])
    out = to_mnist(open_image(exif_rotated_jpeg(images[i], tmp_path / "rot.jpg")))
    assert read_digit(studio, out) == 7


def test_sixteen_bit_and_cmyk(studio, fixture_digits, tmp_path):
    images, labels = fixture_digits
    img16 = Image.fromarray((255 - images[3]).astype(np.uint16) * 257)  # mode I;16
    assert read_digit(studio, to_mnist(open_image(save(img16, tmp_path / "16.png")))) == labels[3]
    cmyk = save(scan_of(images[4]).convert("CMYK"), tmp_path / "cmyk.jpg")
    assert read_digit(studio, to_mnist(open_image(cmyk))) == labels[4]


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"%PDF-1.4 not an image at all", "not a picture we can open"),
    (png_bytes(Image.new("L", (1, 1))), "at least"),
])
def test_unusable_bytes_are_refused_clearly(data, message):
    with pytest.raises(ImageError, match=message):
        open_image(data)


@pytest.mark.parametrize("shade", [0, 255, 128])
def test_blank_images_have_no_digit(shade):
    with pytest.raises(ImageError, match="No digit found"):
        to_mnist(Image.new("L", (64, 64), shade))


def test_truncated_png_is_refused(fixture_digits):
    data = png_bytes(scan_of(fixture_digits[0][0]))
    with pytest.raises(ImageError, match="damaged or truncated"):
        open_image(data[: len(data) // 2])
