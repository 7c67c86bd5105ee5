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


def command_lines() -> list[str]:
    """Every gan module that runs as `python -m gan...`."""
    return sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "gan").rglob("*.py")
                  if 'if __name__ == "__main__"' in p.read_text())


RUN_HELP = """
import runpy, sys
sys.argv = [sys.argv[1], "--help"]
try:
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
except SystemExit as e:
    assert e.code in (0, None), e.code
print("torch imported:", "torch" in sys.modules)
"""


def test_the_command_lines_are_found():
    assert {"gan.train", "gan.evaluate", "gan.ship", "gan.core.weights", "gan.tools.loadtest", "gan.bench"} <= set(command_lines())


@pytest.mark.parametrize("module", command_lines())
def test_help_answers_without_importing_torch(module):
    out = subprocess.run([sys.executable, "-c", RUN_HELP, module], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    name = {"gan.tools.bench": "gan.bench"}.get(module, module)  # the benchmark's command keeps its short name
    assert f"usage: python -m {name}" in out.stdout  # its real program name, not runpy's or "__main__.py"
    assert "torch imported: False" in out.stdout


def test_loading_weights_prints_nothing(capsys):
    """huggingface_hub 2.4's from_pretrained prints "Loading weights from local directory" once
    per model (a bare print, not a log record); gan.core.models.HubModel loads without it."""
    from gan.space.studio import Studio

    from conftest import WEIGHTS

    Studio(WEIGHTS)
    assert "Loading weights" not in capsys.readouterr().out
