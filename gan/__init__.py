"""MNIST GAN Studio: a class-conditional GAN on MNIST, and the Space around it.

    gan/core/      the GAN library (torch, numpy, PIL; never gradio): what a fork reads
    gan/makers/    synthetic uploads: photographed, drawn and scanned digits, things that are not digits
    gan/space/     what app.py loads, and nothing else: the Studio and the logic behind each tab
    gan/training/  the trainers: the GAN, the reference classifier, the verdict model, the digit detector
    gan/tools/     what developers run: benchmarks, load tests, the frontier, the docs' tables
    gan/*.py       the work behind the user commands: evaluate, ship, publish, synth, lab, project, human_eval
    gan/cli/       the one command line, `gan <command>` (python -m gan <command>): every parser, no torch

Imports only go down that list's layers; tests/test_layout.py keeps it so. The public surface
below is what `from gan import ...` offers.
"""

import importlib
import sys


def _refuse_module_commands() -> None:
    """`gan train` and its kind were the commands before `gan train`; their modules
    now hold functions only and would run as a silent no-op, so say where the command went.
    (During `python -m X`, importing X's package sees sys.argv[0] == "-m".)"""
    argv = getattr(sys, "orig_argv", [])
    flag = next((i for i, a in enumerate(argv) if a.startswith("-m")), None)
    if sys.argv[:1] != ["-m"] or flag is None:
        return
    target = argv[flag][2:] or (argv[flag + 1] if flag + 1 < len(argv) else "")
    if target.startswith("gan."):
        sys.exit(f"error: {target} is not a command: the commands are `gan <command>` (in a checkout without the "
                 "package installed, `python -m gan <command>`); `gan --help` lists them")


_refuse_module_commands()

# Imported on first use (PEP 562), not here: `gan <command> --help` imports this package first,
# and importing torch up front would make every --help take seconds.
_EXPORTS = {"Classifier": "core.models", "Discriminator": "core.models", "Generator": "core.models",
            "latents_from_seeds": "core.sampling", "sample": "core.sampling", "resolve_weights": "core.weights"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'gan' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
