"""Every `gan ...` command that README.md and docs/ give names a real command, and every option it
passes is one that command takes: a renamed command or a dropped flag fails here, not on a
reader's machine. (Running them all for real takes hours; their behaviour has tests of its own.)
And the old form, `python -m gan.<module>`, which now runs nothing, is gone from the docs, the
code and the tests."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache

import pytest

from conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "docs" / "experiments.md.in"]
CODE = re.compile(r"```[^\n]*\n(.*?)```|`([^`\n]+)`", re.S)  # fenced blocks and inline code: where a command is written
# `gan train ...`, `gan dev frontier ...`; not `gan <command>` or `gan X` (placeholders), not `from gan import`.
COMMAND = re.compile(r"(?<![\w./-])gan ((?:dev )?[a-z][a-z0-9-]*)\b([^\n`#|;)&]*)")
OLD_FORM = re.compile(r"python -m gan" + r"\.[a-z_]+|\"-m\", \"gan" + r"\.[a-z_]+\"")  # split: this file is searched too


def code_of(text: str) -> str:
    return "\n".join(block or span for block, span in CODE.findall(text))


def documented_commands() -> dict[str, set[str]]:
    """command -> the options the docs pass it, over every page."""
    out: dict[str, set[str]] = {}
    for page in DOCS:
        for command, rest in COMMAND.findall(code_of(page.read_text())):
            if command == "import":
                continue
            options = {tok.split("=", 1)[0] for tok in rest.split() if re.fullmatch(r"--[a-z][\w-]*(=\S*)?", tok)}
            out.setdefault(command, set()).update(options)
    return out


@cache
def help_text(command: str) -> str:
    out = subprocess.run([sys.executable, "-m", "gan", *command.split(), "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"gan {command} --help failed: {out.stderr[-500:]}"
    return out.stdout


def test_the_docs_give_commands():
    commands = documented_commands()
    assert {"train", "evaluate", "ship", "publish", "synth", "lab", "bench", "human-eval", "dev experiments"} <= set(commands)
    assert {"--recipe", "--data-dir", "--out"} <= commands["train"]  # the options are read, too
    assert "--out" in commands["synth"] and "--dry-run" in commands["publish"]


@pytest.mark.parametrize("command, options", sorted((c, sorted(o)) for c, o in documented_commands().items()))
def test_a_documented_command_takes_its_options(command, options):
    text = help_text(command)
    assert f"usage: gan {command}" in text
    missing = [o for o in options if not re.search(re.escape(o) + r"(?![\w-])", text)]
    assert not missing, f"gan {command} has no option {missing}"


def test_the_old_command_form_is_gone():
    files = [*DOCS, *(ROOT / "docs" / "experiments").glob("*.json"), ROOT / "app.py", ROOT / ".ci" / "run",
             *(ROOT / "gan").rglob("*.py"), *(ROOT / "tabs").glob("*.py"), *(ROOT / "tests").glob("*.py")]
    found = [f"{path.relative_to(ROOT)}: {m}" for path in files for m in OLD_FORM.findall(path.read_text())]
    assert not found


def test_the_checker_reads_code_only():
    text = "Run `gan train --epochs 2` or\n```bash\ngan dev frontier runs/x --plot f.png  # a comment --not-an-option\n```\n" \
           "the gan train in prose, `from gan import sample`, `gan <command>`."
    assert COMMAND.findall(code_of(text)) == [("train", " --epochs 2"), ("dev frontier", " runs/x --plot f.png  "), ("import", " sample")]
