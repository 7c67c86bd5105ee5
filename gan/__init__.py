"""MNIST GAN Studio: a class-conditional GAN on MNIST, its evaluation, and the Space's logic."""

import importlib

# Imported on first use (PEP 562), not here: `python -m gan.<cli> --help` imports this package
# first, and importing torch up front would make every --help take seconds.
_EXPORTS = {"Classifier": "models", "Discriminator": "models", "Generator": "models",
            "latents_from_seeds": "sampling", "sample": "sampling", "resolve_weights": "studio"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'gan' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
