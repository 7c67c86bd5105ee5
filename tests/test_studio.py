"""gan.space.studio without a UI: validation, recipes, directions, interpolation, the game, and
the refusal of weights that are missing, truncated or tampered with."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from gan.core.weights import write_checksums
from gan.core.directions import measure
from gan.core.models import Classifier, Generator
from gan.core.sampling import sample
from gan.space.studio import Recipe, Studio, as_float, as_int, slerp
from gan.core.errors import InputError, WeightsError
from gan.core.weights import load_model as _load

from conftest import ROOT, WEIGHTS


@pytest.mark.parametrize("value", [-1, 10, 1.5, "3", None, True, math.nan, math.inf, [3]])
def test_as_int_refuses(value):
    with pytest.raises(InputError, match="digit"):
        as_int(value, "digit", 0, 9)


def test_as_int_accepts_whole_floats_and_numpy():
    assert as_int(3.0, "digit", 0, 9) == 3 and as_int(np.int64(9), "digit", 0, 9) == 9


def test_as_float_clamps_but_refuses_non_finite():
    assert as_float(99, "psi", 0, 1.5) == 1.5 and as_float(-1e300, "psi", 0, 1.5) == 0
    for bad in (math.nan, math.inf, "1", None):
        with pytest.raises(InputError, match="psi"):
            as_float(bad, "psi", 0, 1.5)


def test_recipe_round_trip(studio):
    r = studio.recipe(7, 2**32 - 1, 0.7, thickness=1.25, pc2=-3)
    query = r.to_query()
    assert query == "digit=7&seed=4294967295&psi=0.7&thickness=1.25&pc2=-3"
    back = Recipe.from_query("https://example.org/space?" + query, studio.slider_names)
    assert back == r and np.array_equal(studio.generate(back), studio.generate(r))


@pytest.mark.parametrize("query, message", [
    ("digit=3&seed=1&colour=red", "Unknown recipe keys: colour"),
    ("digit=three", "not a number"),
    ("seed=-4", "seed must be in"),
    ("digit=3&psi=nan", "finite"),
])
def test_bad_recipes_are_refused(studio, query, message):
    with pytest.raises(InputError, match=message):
        Recipe.from_query(query, studio.slider_names)


def test_sliders_change_the_image_and_unknown_sliders_are_refused(studio):
    base = studio.generate(studio.recipe(5, 1))
    assert not np.array_equal(base, studio.generate(studio.recipe(5, 1, pc1=2)))
    with pytest.raises(InputError, match="Unknown sliders: colour"):
        studio.recipe(5, 1, colour=1)


@pytest.mark.parametrize("name", ["thickness", "slant", "width", "height"])
def test_named_directions_move_their_attribute_the_named_way(studio, name):
    seeds, digits = range(100_000, 100_200), [s % 10 for s in range(200)]
    values = {}
    for s in (-2.0, 0.0, 2.0):
        images = np.stack([studio.generate(studio.recipe(d, seed, **{name: s})) for seed, d in zip(seeds, digits)])
        values[s] = measure(images)[name]
    assert values[-2.0].mean() < values[0.0].mean() < values[2.0].mean()
    assert (values[2.0] > values[-2.0]).mean() > 0.8  # for most digits, not just on average


def test_seed_grid_rows_are_digits_and_cells_are_capped(studio):
    image, seeds, digits = studio.seed_grid(40, rows=3, cols=4)
    assert seeds[:5] == [40, 41, 42, 43, 40] and digits[::4] == [0, 1, 2]
    with pytest.raises(InputError, match="at most 100 cells"):
        studio.seed_grid(0, rows=10, cols=11)


def test_served_models_have_batch_norm_folded_in_and_the_same_outputs(studio):
    is_bn = lambda m: isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
    plain_g, plain_c = _load(Generator, WEIGHTS / "generator"), _load(Classifier, WEIGHTS / "classifier")
    assert any(map(is_bn, plain_g.modules())) and any(map(is_bn, plain_c.modules()))
    assert not any(map(is_bn, studio.generator.modules())) and not any(map(is_bn, studio.classifier.modules()))
    seeds, digits = range(200), [i % 10 for i in range(200)]
    served, plain = sample(studio.generator, seeds, digits), sample(plain_g, seeds, digits)
    assert np.abs(served.astype(int) - plain).max() <= 1 and (served != plain).mean() < 0.001  # float rounding only
    x = torch.from_numpy(plain).float().div(127.5).sub(1).unsqueeze(1)
    with torch.inference_mode():
        assert torch.allclose(studio.classifier(x), plain_c(x), atol=1e-3)


def test_slerp_ends_and_norms():
    a, b = torch.randn(1, 64, generator=torch.Generator().manual_seed(0)), torch.randn(1, 64, generator=torch.Generator().manual_seed(1))
    path = slerp(a, b, torch.linspace(0, 1, 9)[:, None])
    assert torch.allclose(path[0], a[0], atol=1e-5) and torch.allclose(path[-1], b[0], atol=1e-5)
    # Between equal-norm ends a spherical path keeps the norm; a straight line would sag.
    a, b = a / a.norm(), b / b.norm()
    assert torch.allclose(slerp(a, b, torch.tensor([[0.5]])).norm(), torch.tensor(1.0), atol=1e-5)


def test_interpolation_starts_and_ends_on_the_two_digits(studio):
    frames = studio.interpolate(1, 2, 3, 8, frames=5)
    assert frames.shape == (5, 28, 28)
    assert np.array_equal(frames[0], studio.generate(studio.recipe(3, 1)))
    assert np.array_equal(frames[-1], studio.generate(studio.recipe(8, 2)))


def test_game_rounds_are_real_or_generated_and_redrawn_from_what_they_name(studio):
    rng = np.random.default_rng(0)
    rounds = [studio.game_round(rng) for _ in range(40)]
    assert {r.is_real for r in rounds} == {True, False}
    for r in rounds:
        assert r.image.dtype == np.uint8 and r.image.shape == (28, 28)
        if r.is_real:
            assert np.array_equal(r.image, studio.real_digits[r.real_index]) and r.digit == studio.real_labels[r.real_index]
            assert r.seed is None
        else:
            assert r.real_index is None and 0 <= r.digit <= 9
            assert np.array_equal(r.image, studio.generate(studio.recipe(r.digit, r.seed, r.truncation)))
        assert np.array_equal(studio.game_image(r.is_real, r.digit, r.real_index, r.seed, r.truncation or 1.0), r.image)


# ------------------------------------------------------------------------ weights


@pytest.fixture
def weights_copy(tmp_path):
    folder = tmp_path / "weights"
    shutil.copytree(WEIGHTS, folder, ignore=shutil.ignore_patterns("checkpoint*", "grids", "baseline_mlp", "*.gif", "*.png"), symlinks=False)
    write_checksums(folder)
    return folder


def test_intact_copy_loads(weights_copy):
    assert Studio(weights_copy).generator.z_dim > 0


@pytest.mark.parametrize("damage", ["missing", "truncated", "tampered"])
@pytest.mark.parametrize("name", ["generator/model.safetensors", "discriminator/model.safetensors", "directions.json"])
def test_damaged_weights_are_refused_naming_the_file(weights_copy, damage, name):
    path = weights_copy / name
    data = path.read_bytes()
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one flipped bit
    with pytest.raises(WeightsError, match=re.escape(str(path))):
        Studio(weights_copy)


def test_truncated_weights_without_checksums_are_still_refused(weights_copy):
    (weights_copy / "checksums.json").unlink()
    path = weights_copy / "generator" / "model.safetensors"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(WeightsError, match=re.escape(str(path))):
        Studio(weights_copy)


def test_app_start_up_names_the_damaged_file(weights_copy):
    path = weights_copy / "discriminator" / "model.safetensors"
    path.write_bytes(path.read_bytes()[:100])
    run = subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "GAN_WEIGHTS": str(weights_copy)})
    assert run.returncode != 0 and str(path) in run.stderr and "Traceback" not in run.stderr


def test_committed_checksums_match():
    from gan.core.weights import verify_checksums

    assert (WEIGHTS / "checksums.json").exists()
    verify_checksums(WEIGHTS)


def test_no_pickle_anywhere():
    """Only safetensors, JSON and allow_pickle=False npz are read; torch.load only with weights_only=True."""
    for path in [ROOT / "app.py", *(ROOT / "gan").glob("*.py")]:
        text = path.read_text()
        assert "import pickle" not in text and "allow_pickle=True" not in text, path
        for call in re.findall(r"torch\.load\([^)]*\)", text):
            assert "weights_only=True" in call, (path, call)
        for call in re.findall(r"np\.load\([^)]*\)", text):
            assert "allow_pickle=False" in call, (path, call)
