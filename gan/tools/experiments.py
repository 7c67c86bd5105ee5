"""The experiment log, docs/experiments.md, written from committed data: its prose lives in
the template docs/experiments.md.in, and each table in a JSON file under docs/experiments/.

    gan dev experiments            # rewrite docs/experiments.md
    gan dev experiments --check    # exit 1 if docs/experiments.md is not what it would write
    gan dev experiments --docs DIR # another docs folder (the tests use a copy)

A line `<!-- table: NAME -->` in the template becomes the table in docs/experiments/NAME.json:

    {"title": "...", "date": "2026-11-25", "command": "gan ...", "notes": "...",
     "columns": ["run", "FID", {"name": "point", "align": "left"}],
     "rows": [["literal", "cells"],
              {"from": {"file": "frontier_bf16_runs.json", "run": "...", "points": "end"},
               "cells": ["seed 0", "{fid:.3f}", "{generator}"]}]}

A row is a list of literal cells, or cells formatted (str.format) with the fields of points
recorded in another JSON file of docs/ ({run: [point, ...]}, as gan dev frontier --recorded
reads): "points" names one point, a list of them, or (left out) every point of the run, one
row each. Columns align right except the first, unless a column says otherwise. Standard
library only: the docs check runs before anything else is installed.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from pathlib import Path
from typing import Any


MARKER = re.compile(r"^<!-- table: ([A-Za-z0-9_.-]+) -->$")
HEADER = ("<!-- Written by `gan dev experiments` from docs/experiments.md.in and "
          "docs/experiments/*.json: edit those and rerun it, not this file. -->\n\n")

Table = dict[str, Any]


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not JSON ({e})") from None


def columns(table: Table) -> list[tuple[str, str]]:
    """(name, "left" or "right") per column: the first left, the rest right, unless given."""
    out = []
    for i, c in enumerate(table["columns"]):
        name, align = (c["name"], c.get("align")) if isinstance(c, dict) else (c, None)
        out.append((str(name), align or ("left" if i == 0 else "right")))
    return out


def recorded_points(spec: dict[str, Any], docs: Path) -> list[dict[str, Any]]:
    """The points a row's "from" names, in the recorded file's order (or the order asked)."""
    runs = load_json(docs / spec["file"])
    if spec["run"] not in runs:
        raise ValueError(f"{spec['file']}: no run {spec['run']!r}")
    points = runs[spec["run"]]
    wanted = spec.get("points")
    if wanted is None:
        return points
    by_name = {p["generator"]: p for p in points}
    names = [wanted] if isinstance(wanted, str) else wanted
    missing = [n for n in names if n not in by_name]
    if missing:
        raise ValueError(f"{spec['file']}: run {spec['run']!r} has no point {missing[0]!r}")
    return [by_name[n] for n in names]


def expand_row(row: list[str] | dict[str, Any], docs: Path) -> list[list[str]]:
    """One row of literal cells, or one row per recorded point with the cells formatted from it."""
    if isinstance(row, list):
        return [[str(c) for c in row]]
    try:
        return [[cell.format_map(point) for cell in row["cells"]] for point in recorded_points(row["from"], docs)]
    except KeyError as e:
        raise ValueError(f"{row['from']['file']}: a point of {row['from']['run']!r} has no field {e}") from None


def markdown_table(cols: list[tuple[str, str]], rows: list[list[str]]) -> str:
    rule = {"left": "---", "right": "---:", "center": ":---:"}
    lines = ["| " + " | ".join(name for name, _ in cols) + " |",
             "|" + "|".join(rule[align] for _, align in cols) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def render_table(table: Table, docs: Path, name: str = "table") -> str:
    """A table's Markdown: its title and date, the command that measured it, the table, its notes."""
    for key in ("title", "date", "columns", "rows"):
        if key not in table:
            raise ValueError(f"{name}: no {key!r}")
    cols = columns(table)
    rows = [cells for row in table["rows"] for cells in expand_row(row, docs)]
    for cells in rows:
        if len(cells) != len(cols):
            raise ValueError(f"{name}: a row has {len(cells)} cells for {len(cols)} columns: {cells}")
    parts = [f"**{table['title']}** (measured {table['date']})"]
    if table.get("command"):
        parts.append(f"```bash\n{table['command']}\n```")
    parts.append(markdown_table(cols, rows))
    if table.get("notes"):
        parts.append(str(table["notes"]))
    return "\n\n".join(parts)


def render(docs: Path) -> str:
    """docs/experiments.md as the template and the tables make it."""
    template = (docs / "experiments.md.in").read_text(encoding="utf-8")
    used, out = set(), []
    for line in template.splitlines():
        match = MARKER.match(line.strip())
        if match:
            name = match.group(1)
            used.add(name)
            out.append(render_table(load_json(docs / "experiments" / f"{name}.json"), docs, name))
        else:
            out.append(line)
    unused = sorted({p.stem for p in (docs / "experiments").glob("*.json")} - used)
    if unused:
        raise ValueError(f"docs/experiments/{unused[0]}.json is in no <!-- table: {unused[0]} --> line of the template")
    return HEADER + "\n".join(out).rstrip("\n") + "\n"


def check(docs: Path, text: str) -> int:
    target = docs / "experiments.md"
    current = target.read_text(encoding="utf-8") if target.exists() else ""
    if current == text:
        print(f"{target} is up to date")
        return 0
    diff = difflib.unified_diff(current.splitlines(), text.splitlines(), str(target), "as written now", lineterm="", n=1)
    print("\n".join(list(diff)[:40]), file=sys.stderr)
    print(f"{target} is out of date: run gan dev experiments", file=sys.stderr)
    return 1


def run(docs: Path, check_only: bool = False) -> int:
    """`gan dev experiments`: write docs/experiments.md, or with check_only say whether it is current; the exit status."""
    try:
        text = render(docs)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if check_only:
        return check(docs, text)
    (docs / "experiments.md").write_text(text, encoding="utf-8")
    print(f"wrote {docs / 'experiments.md'}")
    return 0
