"""The tree shows the architecture, and the imports keep to it.

Layers, lowest first: the GAN library (gan/core), the synthetic-data makers (gan/makers), what
the Space loads (gan/space), the trainers (gan/training), the developer tools (gan/tools), the
work behind the commands (gan/*.py), the command line (gan/cli, gan/__main__.py), the Space's
tabs (tabs/) and app.py. A module may import its own layer or one below, never above, and no
group of modules may import each other in a cycle. Imports inside functions count: they run when
the function does. gan/space is exactly what the app loads: the app's import graph reaches every
module of it, and no maker, trainer, tool, command or command line; the library imports without gradio.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

LAYERS = ["gan.core", "gan.makers", "gan.space", "gan.training", "gan.tools", "gan.<command>", "gan.cli", "tabs", "app"]
PACKAGES = LAYERS[:5]  # the layers that are packages of gan; gan/*.py is gan.<command>, gan.cli and gan.__main__ are gan.cli
NOT_FOR_THE_APP = ("gan.makers", "gan.training", "gan.tools", "gan.<command>", "gan.cli")


def module_name(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


def project_modules(root: Path) -> dict[str, Path]:
    files = [root / "app.py", *(root / "gan").rglob("*.py"), *(root / "tabs").rglob("*.py")]
    return {module_name(p, root): p for p in files if p.exists()}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `path` imports, at module level or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]  # a submodule, or a name in base
        else:
            continue
        for target in targets:
            while target and target not in known:  # gan.core.models.Generator -> gan.core.models
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = project_modules(root)
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def layer(name: str) -> int:
    if name == "app":
        return LAYERS.index("app")
    if name == "tabs" or name.startswith("tabs."):
        return LAYERS.index("tabs")
    if name == "gan":  # the package's public surface: lazy re-exports of the library
        return LAYERS.index("gan.core")
    if name in ("gan.cli", "gan.__main__") or name.startswith("gan.cli."):
        return LAYERS.index("gan.cli")
    for i, prefix in enumerate(PACKAGES):
        if name == prefix or name.startswith(prefix + "."):
            return i
    return LAYERS.index("gan.<command>")  # gan/evaluate.py, gan/ship.py, ...


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{a} ({LAYERS[layer(a)]}) imports {b} ({LAYERS[layer(b)]})"
                  for a, targets in graph.items() for b in targets if layer(b) > layer(a))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, out, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def reached_from(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        v = todo.pop()
        if v not in seen:
            seen.add(v)
            todo += graph.get(v, ())
    return seen


def not_for_the_app(name: str) -> bool:
    return LAYERS[layer(name)] in NOT_FOR_THE_APP


def test_imports_only_go_down_the_layers():
    assert not upward_imports(import_graph())


def test_no_import_cycles():
    assert not cycles(import_graph())


def test_the_app_reaches_no_tool_maker_command_or_trainer():
    reached = reached_from(import_graph(), "app")
    assert not sorted(filter(not_for_the_app, reached))
    assert {"gan.space.studio", "gan.core.models", "tabs.generate"} <= reached  # the walk does follow the app's imports


def test_gan_space_is_exactly_what_the_app_loads():
    """A module of gan/space that the app never imports belongs in another package (a trainer in
    gan/training, a step of shipping in gan/tools), so `gan/space` means "what app.py loads"."""
    graph = import_graph()
    space = {m for m in graph if m == "gan.space" or m.startswith("gan.space.")}
    assert space - reached_from(graph, "app") == set()
    assert {"gan.space.studio", "gan.space.verdict", "gan.space.detector"} <= space


def test_the_readme_tree_shows_every_package():
    """The README's Layout shows each package of gan/ in the layers' order, and no module that is gone."""
    readme = (ROOT / "README.md").read_text()
    tree = readme.split("## Layout", 1)[1].split("```")[1]
    packages = [f"  {p.name}/" for p in sorted((ROOT / "gan").iterdir()) if (p / "__init__.py").exists()]
    assert all(p in tree for p in packages), [p for p in packages if p not in tree]
    order = [tree.index(f"  {name}/") for name in ("core", "makers", "space", "training", "tools", "cli")]
    assert order == sorted(order)
    named = {w for line in tree.splitlines() for w in line.split() if w.endswith(".py") and "/" not in w}
    files = {p.name for p in (ROOT / "gan").rglob("*.py")} | {"app.py"}
    assert named <= files, sorted(named - files)


def test_the_library_imports_without_gradio():
    modules = [m for m in project_modules(ROOT) if m.startswith("gan.core")]
    code = f"import sys; import {', '.join(modules)}; print(sorted(m for m in ('gradio', 'pandas', 'gan.space', 'gan.tools') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_public_surface():
    from gan import Discriminator, Generator, latents_from_seeds, resolve_weights, sample

    g = Generator.from_pretrained(resolve_weights() / "generator")
    assert sample(g, seeds=range(3), digits=7).shape == (3, 28, 28)
    assert latents_from_seeds([0], g.z_dim).shape == (1, g.z_dim) and Discriminator.__module__ == "gan.core.models"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize("upward", ["from gan.space.studio import Studio", "from ..space import studio", "import gan.tools.bench"])
def test_the_checker_catches_an_upward_import_and_a_cycle(tmp_path, upward):
    """Guard the guard, on a small tree of its own: the same checks fail where they should."""
    root = write(tmp_path, {"app.py": "import tabs.generate\n", "tabs/__init__.py": "", "tabs/generate.py": "from gan.space import studio\n",
                            "gan/__init__.py": "", "gan/core/__init__.py": "", "gan/space/__init__.py": "", "gan/tools/__init__.py": "",
                            "gan/tools/bench.py": "from gan.space.studio import Studio\n",
                            "gan/space/studio.py": "from gan.core import models\n",
                            "gan/core/models.py": f"def f():\n    {upward}\n"})
    graph = import_graph(root)
    assert upward_imports(graph)
    write(root, {"gan/core/models.py": "import gan.core.data\n", "gan/core/data.py": "def f():\n    from .models import g\n"})
    graph = import_graph(root)
    assert not upward_imports(graph) and cycles(graph) == [["gan.core.data", "gan.core.models"]]
    write(root, {"gan/space/studio.py": "from gan.core import models\ndef f():\n    import gan.tools.bench\n"})
    assert "gan.tools.bench" in {m for m in reached_from(import_graph(root), "app") if not_for_the_app(m)}
    write(root, {"gan/training/__init__.py": "", "gan/training/verdict.py": "from gan.cli import main\n", "gan/cli/__init__.py": ""})
    assert "gan.training.verdict (gan.training) imports gan.cli (gan.cli)" in upward_imports(import_graph(root))
