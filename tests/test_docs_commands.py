"""Every `python -m gan...` command that README.md and docs/ give names a real command, and every
option it passes is one that command takes: a renamed module or a dropped flag fails here, not
on a reader's machine. (Running them all for real takes hours; their behaviour has tests of its own.)"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache

import pytest

from conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "docs" / "experiments.md.in"]
COMMAND = re.compile(r"python -m (gan(?:\.[a-z_]+)+)(?![\w.<])([^\n`#|;)&]*)")  # not gan.X or gan.<command>: placeholders


def documented_commands() -> dict[str, set[str]]:
    """module -> the options the docs pass it, over every page."""
    out: dict[str, set[str]] = {}
    for page in DOCS:
        for module, rest in COMMAND.findall(page.read_text()):
            options = {tok.split("=", 1)[0] for tok in rest.split() if re.fullmatch(r"--[a-z][\w-]*(=\S*)?", tok)}
            out.setdefault(module, set()).update(options)
    return out


@cache
def help_text(module: str) -> str:
    out = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"python -m {module} --help failed: {out.stderr[-500:]}"
    return out.stdout


def test_the_docs_give_commands():
    commands = documented_commands()
    assert {"gan.train", "gan.evaluate", "gan.ship", "gan.bench", "gan.tools.experiments"} <= set(commands)
    assert {"--recipe", "--data-dir", "--out"} <= commands["gan.train"]  # the options are read, too


@pytest.mark.parametrize("module, options", sorted((m, sorted(o)) for m, o in documented_commands().items()))
def test_a_documented_command_takes_its_options(module, options):
    text = help_text(module)
    missing = [o for o in options if not re.search(re.escape(o) + r"(?![\w-])", text)]
    assert not missing, f"python -m {module} has no option {missing}"
