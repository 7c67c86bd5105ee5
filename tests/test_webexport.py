"""The page's generator (gan.tools.webexport + web/gan.js): the committed export is the served
generator, the exporter notices stale files, and the JavaScript and WebAssembly kernels in
Node draw torch's latents and the server's pixels."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from conftest import ROOT, WEIGHTS
from gan.core.sampling import latents_from_seeds
from gan.tools.webexport import MODEL_FILE, WEB_DIR, WEIGHTS_FILE, export_web, exported_matches, folded_generator

NODE = shutil.which("node")


def test_committed_export_is_the_served_generator():
    # Fails when weights/generator (or directions.json) changed and `gan dev webexport` was not rerun.
    assert exported_matches(WEIGHTS) == []


def test_export_is_float16_of_the_folded_generator(tmp_path):
    for name in ("generator", "directions.json"):
        (shutil.copytree if name == "generator" else shutil.copy)(WEIGHTS / name, tmp_path / name)
    out = export_web(tmp_path)
    tensors = load_file(str(out / WEIGHTS_FILE))
    folded = folded_generator(WEIGHTS)
    assert tensors["fc.weight"].dtype == torch.float16
    assert torch.equal(tensors["conv1.weight"], folded.conv[0].weight.detach().half())
    # the page's model: the float16 weights put back into the folded generator
    fp16 = folded_generator(WEIGHTS)
    for name, path in {"fc": fp16.fc[0], "conv1": fp16.conv[0], "conv2": fp16.conv[2]}.items():
        path.weight.data, path.bias.data = tensors[f"{name}.weight"].float(), tensors[f"{name}.bias"].float()
    z, labels = latents_from_seeds(range(64), 64), torch.arange(64) % 10
    with torch.inference_mode():
        gap = (fp16(z, labels) - folded(z, labels)).abs().max().item() * 127.5
    assert gap < 1.0, f"float16 weights move pixels by {gap:.2f} grey levels"
    model = json.loads((out / MODEL_FILE).read_text())
    assert model["slider_names"] == list(json.loads((WEIGHTS / "directions.json").read_text())["directions"])
    assert exported_matches(tmp_path) == []


def test_stale_export_is_named(tmp_path):
    for name in ("generator", "directions.json"):
        (shutil.copytree if name == "generator" else shutil.copy)(WEIGHTS / name, tmp_path / name)
    export_web(tmp_path)
    path = tmp_path / WEB_DIR / WEIGHTS_FILE
    tensors = load_file(str(path))
    tensors["conv2.bias"] = tensors["conv2.bias"] + 0.5  # as if the generator had been retrained
    save_file(tensors, str(path))
    directions = json.loads((tmp_path / "directions.json").read_text())
    directions["directions"]["slant"][0] += 0.1
    (tmp_path / "directions.json").write_text(json.dumps(directions))
    assert exported_matches(tmp_path) == ["conv2.bias", "directions"]


@pytest.fixture(scope="module")
def node_run(tmp_path_factory):
    if NODE is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is needed in CI for the in-page generator's test", pytrace=False)
        pytest.skip("node is not installed")

    def run(cases: list[dict], *flags: str) -> list[dict]:
        path = tmp_path_factory.mktemp("node") / "cases.json"
        path.write_text(json.dumps(cases))
        done = subprocess.run([NODE, str(ROOT / "web" / "node_render.mjs"), *flags, str(WEIGHTS / WEB_DIR), str(path)],
                              capture_output=True, text=True, timeout=120, check=True)
        return json.loads(done.stdout)

    return run


def recipes(studio, n: int) -> list[dict]:
    rng = np.random.default_rng(0)
    cases = []
    for i in range(n):
        sliders = [float(np.round(rng.uniform(-3, 3), 1)) if rng.random() < 0.4 else 0.0 for _ in studio.slider_names]
        cases.append({"seed": int([0, 42, 2**32 - 1][i] if i < 3 else rng.integers(2**32)), "digit": i % 10,
                      "truncation": float([1.0, 0.0, 1.5, 0.7, 0.35][i % 5]), "sliders": sliders})
    return cases


@pytest.mark.parametrize("kernel", ["wasm", "js"])
def test_node_kernel_matches_the_server(studio, node_run, kernel):
    cases = recipes(studio, 40)
    results = node_run(cases, *(["--js"] if kernel == "js" else []))
    for case, got in zip(cases, results):
        seed_latent = latents_from_seeds([case["seed"]], 64)[0].numpy()
        assert np.abs(np.array(got["seed_latent"], np.float32) - seed_latent).max() < 1e-5  # torch.randn, per seed
        recipe = studio.recipe(case["digit"], case["seed"], case["truncation"], **dict(zip(studio.slider_names, case["sliders"])))
        server = studio.generate(recipe).astype(int).ravel()
        assert np.abs(np.array(got["pixels"]) - server).max() <= 2, case
        assert got["recipe"] == recipe.to_query()


def test_node_kernel_renders_a_projected_digit_as_the_server(studio, node_run):
    """A digit steered after "Steer this digit" carries its latent (z) instead of a seed: the
    page decodes it (float16, base64url) and renders what the server renders."""
    from gan.space.projection import decode_latent, encode_latent

    code = encode_latent(latents_from_seeds([7], 64)[0] * 0.9)
    cases = [{"seed": 0, "digit": d, "truncation": psi, "sliders": [s if k == 1 else 0.0 for k in range(len(studio.slider_names))], "z": code}
             for d, psi, s in [(7, 1.0, 0.0), (2, 0.5, 1.5), (0, 1.5, -2.0)]]
    for case, got in zip(cases, node_run(cases)):
        assert np.array_equal(np.array(got["seed_latent"], np.float32), decode_latent(code, 64).numpy())
        recipe = studio.recipe(case["digit"], 0, case["truncation"], z=code, **dict(zip(studio.slider_names, case["sliders"])))
        assert np.abs(np.array(got["pixels"]) - studio.generate(recipe).astype(int).ravel()).max() <= 2, case
        assert got["recipe"] == recipe.to_query()


@pytest.mark.skipif(shutil.which("clang") is None or shutil.which("wasm-ld") is None, reason="clang and lld build web/kernel.wasm")
def test_committed_kernel_is_built_from_its_source(tmp_path):
    shutil.copy(ROOT / "web" / "kernel.c", tmp_path / "kernel.c")
    shutil.copy(ROOT / "web" / "build_kernel.sh", tmp_path / "build_kernel.sh")
    subprocess.run(["sh", str(tmp_path / "build_kernel.sh")], check=True, capture_output=True, timeout=120)
    assert (tmp_path / "kernel.wasm").read_bytes() == (ROOT / "web" / "kernel.wasm").read_bytes()


def test_ship_exports_the_page_model(tmp_path):
    from gan import ship

    assert ship.STEPS.index(ship.web_export) < ship.STEPS.index(ship.checksums)  # the export is checksummed
    assert ship.STEPS.index(ship.fit_directions) < ship.STEPS.index(ship.web_export)  # and carries the new directions
    shutil.copytree(WEIGHTS / "generator", tmp_path / "generator")
    shipment = ship.Shipment(run=tmp_path, to=tmp_path, data_dir="")
    ship.web_export(shipment)
    assert not (tmp_path / WEB_DIR).exists()  # no directions yet: nothing, never a stale page model
    shutil.copy(WEIGHTS / "directions.json", tmp_path / "directions.json")
    ship.web_export(shipment)
    assert exported_matches(tmp_path) == []
