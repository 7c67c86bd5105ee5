"""MNIST GAN Studio: a class-conditional GAN on MNIST, and the Space around it.

    gan/core/     the GAN library (torch, numpy, PIL; never gradio): what a fork reads
    gan/space/    what app.py loads: the Studio and the logic behind each tab
    gan/makers/   synthetic uploads: photographed digits, things that are not digits
    gan/tools/    what developers run: benchmarks, load tests, the frontier, the docs' tables
    gan/*.py      the commands: python -m gan.train | evaluate | ship | synth | lab | project | bench

Imports only go down that list's layers (core, makers, space, tools, commands); tests/test_layout.py
keeps it so. The public surface below is what `from gan import ...` offers.
"""

import importlib

# Imported on first use (PEP 562), not here: `python -m gan.<command> --help` imports this
# package first, and importing torch up front would make every --help take seconds.
_EXPORTS = {"Classifier": "core.models", "Discriminator": "core.models", "Generator": "core.models",
            "latents_from_seeds": "core.sampling", "sample": "core.sampling", "resolve_weights": "core.weights"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'gan' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
