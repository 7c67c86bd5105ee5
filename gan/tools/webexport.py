"""The generator for the visitor's browser: batch norm folded in, weights in float16.

    gan dev webexport weights      # writes weights/web/, then: gan dev checksums weights

The page (web/gan.js) renders a digit from these files with no server request:
- weights/web/generator.safetensors: the folded generator's four weights and biases in
  float16 (1.2 MB; safetensors, so the page parses an 8-byte length, a JSON header and
  raw data, and gan.core.weights covers the file like every other weights file).
- weights/web/model.json: the shapes the page expects, the slider names and directions
  (float32, as the server uses them), and the ranges the server clamps to.

The export is a pure function of weights/generator and weights/directions.json, so a
retrained model only needs this command (a step of `gan ship`) to update the page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported by the functions that need it
    import torch

    from gan.core.models import Generator

WEB_DIR = "web"
WEIGHTS_FILE = "generator.safetensors"
MODEL_FILE = "model.json"
# The folded DCGAN generator's layers, named for the page: fc (Linear, BN folded), conv1
# (ConvTranspose2d 128->64, BN folded), conv2 (ConvTranspose2d 64->1).
LAYERS = {"fc": "fc.0", "conv1": "conv.0", "conv2": "conv.2"}


def folded_generator(weights: str | Path) -> Generator:
    """weights/generator loaded strictly and with each batch norm folded in, as the server runs it."""
    from gan.core.models import Generator, fold_batchnorm
    from gan.core.weights import load_model

    return fold_batchnorm(load_model(Generator, Path(weights) / "generator"))


def web_tensors(generator: Generator) -> dict[str, torch.Tensor]:
    """The folded generator's parameters as the page reads them, float16, in torch's layouts."""
    import torch

    if generator.arch != "dcgan":
        raise ValueError(f"the page renders the dcgan generator only, not {generator.arch!r}")
    modules = dict(generator.named_modules())
    tensors = {}
    for name, path in LAYERS.items():
        layer = modules[path]
        tensors[f"{name}.weight"] = layer.weight.detach().to(torch.float16).contiguous()
        tensors[f"{name}.bias"] = layer.bias.detach().to(torch.float16).contiguous()
    return tensors


def export_web(weights: str | Path) -> Path:
    """Write weights/web/ (the page's generator and its slider directions); returns the folder."""
    from safetensors.torch import save_file

    from gan.core.weights import read_json

    from gan.space.studio import SLIDER_RANGE, TRUNCATION_RANGE

    weights = Path(weights)
    generator = folded_generator(weights)
    tensors = web_tensors(generator)
    directions = read_json(weights / "directions.json")
    out = weights / WEB_DIR
    out.mkdir(exist_ok=True)
    save_file(tensors, str(out / WEIGHTS_FILE), metadata={"format": "mnist-gan-studio web generator, batch norm folded"})
    model = {
        "z_dim": generator.z_dim, "width": generator.width, "n_classes": generator.n_classes,
        "shapes": {k: list(t.shape) for k, t in tensors.items()},
        "slider_names": list(directions["directions"]),
        "directions": directions["directions"],
        "slider_range": SLIDER_RANGE, "truncation_range": list(TRUNCATION_RANGE),
    }
    (out / MODEL_FILE).write_text(json.dumps(model) + "\n")
    return out


def exported_matches(weights: str | Path) -> list[str]:
    """Names of exported tensors (and 'directions') that differ from what weights/ would export
    now; empty when the page's model is the served model."""
    import torch
    from safetensors.torch import load_file

    from gan.core.weights import read_json

    weights = Path(weights)
    expected = web_tensors(folded_generator(weights))
    found = load_file(str(weights / WEB_DIR / WEIGHTS_FILE))
    stale = [k for k in expected.keys() | found.keys()
             if k not in expected or k not in found or expected[k].shape != found[k].shape or not torch.equal(expected[k], found[k])]
    model = read_json(weights / WEB_DIR / MODEL_FILE)
    if model["directions"] != read_json(weights / "directions.json")["directions"]:
        stale.append("directions")
    return sorted(stale)


def export_and_say(weights: Path) -> Path:
    """`gan dev webexport`: export_web, and say what was written and what to run next."""
    folder = export_web(weights)
    size = sum(f.stat().st_size for f in folder.iterdir())
    print(f"wrote {folder}: {', '.join(sorted(f.name for f in folder.iterdir()))} ({size / 1e6:.2f} MB); "
          f"now run: gan dev checksums {folder.parent}")
    return folder
