"""What a fresh clone in a new virtual environment needs: every package the code imports is
named in a requirement file (the app's in requirements.txt), every module imports, and every
command line answers --help without importing torch. Modules are found by globbing, so a new
module or tab is checked the day it lands."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

# Import name -> distribution name, where they differ (the rest: the same, up to - and _).
DISTRIBUTION = {"PIL": "pillow", "yaml": "pyyaml", "sklearn": "scikit-learn", "cv2": "opencv-python", "skimage": "scikit-image"}
APP_ENTRY = [ROOT / "app.py", *sorted((ROOT / "tabs").glob("**/*.py"))]
PROJECT_FILES = sorted({*APP_ENTRY, *(ROOT / "gan").glob("**/*.py"), *(ROOT / "tests").glob("**/*.py")})
# Names that resolve inside the repository: its packages, top-level scripts and the tests' helper modules.
LOCAL = {p.stem for p in [*ROOT.glob("*.py"), *(ROOT / "tests").glob("*.py")]} | {p.parent.name for p in ROOT.glob("*/__init__.py")}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(path: Path) -> set[str]:
    """Distribution names in a requirements file, following -r includes."""
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r"):
            names |= requirements(path.parent / line[2:].strip())
        elif line:
            names.add(normalise(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]))
    return names


def imports(path: Path) -> tuple[set[str], set[str], set[Path]]:
    """(third-party modules imported at module level, those imported only inside functions,
    the repository's own module files imported at module level: what importing this file runs)."""
    top, nested, own = set(), set(), set()
    tree = ast.parse(path.read_text())
    # Module level: top-level statements, and what sits in a top-level if/try (try: import x except ImportError).
    module_level = {id(n) for stmt in tree.body for n in (ast.walk(stmt) if isinstance(stmt, (ast.If, ast.Try)) else [stmt])}
    package = ".".join(path.relative_to(ROOT).parent.parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = f"{package}.{node.module or ''}".rstrip(".") if node.level else node.module
            candidates = [f"{base}.{a.name}" for a in node.names] + [base]  # `from pkg import module` or a name in pkg
        else:
            continue
        for name in candidates:
            root = name.split(".")[0]
            if root in LOCAL:
                if id(node) in module_level:  # a local import inside a function (a CLI's training path) runs only when called
                    own |= {f for f in [module_file(name)] if f is not None}
            elif root not in sys.stdlib_module_names and root != "__future__":
                (top if id(node) in module_level else nested).add(root)
    return top, nested, own


def module_file(name: str) -> Path | None:
    path = ROOT.joinpath(*name.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.exists():
            return candidate
    return None


def app_start_files() -> set[Path]:
    """app.py, the tabs, and every module of the repository they import, followed through their own imports."""
    seen, todo = set(), list(APP_ENTRY)
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo += imports(path)[2]
    return seen


def distribution(module: str) -> str:
    return normalise(DISTRIBUTION.get(module, module))


def test_the_apps_imports_are_in_requirements_txt():
    """What `python app.py` imports when it starts must install from requirements.txt alone
    (the Space installs only that file)."""
    runtime = requirements(ROOT / "requirements.txt")
    missing = {f"{path.relative_to(ROOT)}: {m}" for path in app_start_files() for m in imports(path)[0] if distribution(m) not in runtime}
    assert not missing, f"imported when the app starts, but not in requirements.txt: {sorted(missing)}"


def test_every_import_is_in_a_requirement_file():
    everything = requirements(ROOT / "requirements-dev.txt")
    missing = {f"{path.relative_to(ROOT)}: {m}" for path in PROJECT_FILES for m in set.union(*imports(path)[:2])
               if distribution(m) not in everything}
    assert not missing, f"imported, but in neither requirement file: {sorted(missing)}"


def test_the_checker_sees_the_app_and_its_dependencies():
    """Guard the guard: the import walk reaches the Studio and finds what it really imports."""
    files = {p.relative_to(ROOT).as_posix() for p in app_start_files()}
    assert {"app.py", "gan/space/studio.py", "gan/core/models.py", "gan/space/ui.py"} <= files
    found = set().union(*(imports(ROOT / f)[0] for f in files))
    assert {"torch", "gradio", "numpy", "PIL", "huggingface_hub", "pandas"} <= found
    assert "safetensors" in requirements(ROOT / "requirements.txt")  # from_pretrained needs it; nothing imports it by name


def project_modules() -> list[str]:
    names = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in sorted([*(ROOT / "gan").rglob("*.py"), *(ROOT / "tabs").glob("*.py")])]
    return [n.removesuffix(".__init__") for n in names] + ["app"]


@pytest.mark.parametrize("name", project_modules())
def test_every_module_imports(name):
    importlib.import_module(name)


# Every `gan` command's --help, in one process: what each printed, and which heavy modules were imported.
ALL_HELP = """
import contextlib, io, json, sys
from gan.cli import TABLE, main
from gan.cli.command import Group

commands = [[]] + [[name, *([tool] if tool else [])] for name, entry in TABLE.items()
                   for tool in ([None, *entry.commands] if isinstance(entry, Group) else [None])]
shown = {}
for command in commands:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = main([*command, "--help"])
        except SystemExit as e:
            code = e.code
    shown[" ".join(command)] = [code or 0, out.getvalue()]
heavy = sorted(m for m in ("torch", "torchvision", "torchmetrics", "gradio", "safetensors", "huggingface_hub", "PIL") if m in sys.modules)
print(json.dumps({"shown": shown, "heavy": heavy}))
"""


def test_every_help_answers_without_importing_torch():
    """`gan --help`, `gan dev --help` and every command's --help load nothing heavy (numpy at
    most, for gan dev webbench's own parser): each answers in a fraction of a second."""
    import json

    out = subprocess.run([sys.executable, "-c", ALL_HELP], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["heavy"] == []
    shown = result["shown"]
    assert {"", "train", "evaluate", "ship", "publish", "synth", "lab", "project", "bench", "human-eval", "dev",
            "dev train-verdict", "dev train-detector", "dev train-classifier", "dev checksums", "dev webbench"} <= set(shown)
    for command, (code, text) in shown.items():
        assert code == 0, command
        assert f"usage: gan {command}".rstrip() in text, (command, text[:200])  # its real program name
    for name in ("train", "evaluate", "ship", "publish", "synth", "lab", "project", "bench", "human-eval", "dev"):
        assert f"\n  {name} " in shown[""][1]  # gan --help lists every command


def test_only_gan_main_runs_as_a_script():
    """One command line: no module of gan/ but gan/__main__.py runs as `python -m`, and none
    parses its arguments before importing torch (the `# noqa: E402` of that pattern)."""
    scripts = [p.relative_to(ROOT).as_posix() for p in (ROOT / "gan").rglob("*.py") if "__name__ == \"__main__\"" in p.read_text()]
    assert scripts == ["gan/__main__.py"]
    assert [p.relative_to(ROOT).as_posix() for p in (ROOT / "gan").rglob("*.py") if "noqa: E402" in p.read_text()] == []


def test_loading_weights_prints_nothing(capsys):
    """huggingface_hub 2.4's from_pretrained prints "Loading weights from local directory" once
    per model (a bare print, not a log record); gan.core.models.HubModel loads without it."""
    from gan.space.studio import Studio

    from conftest import WEIGHTS

    Studio(WEIGHTS)
    assert "Loading weights" not in capsys.readouterr().out
