"""docs/experiments.md is written from docs/experiments.md.in and docs/experiments/*.json by
gan dev experiments: the committed file is what the command writes, a changed
measurement makes --check fail, and a table renders as the Markdown it should."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from gan.tools.experiments import render, render_table

ROOT = Path(__file__).resolve().parents[1]


def run_check(docs: Path | None = None) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "gan", "dev", "experiments", "--check"] + (["--docs", str(docs)] if docs else [])
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_committed_log_is_what_the_command_writes():
    out = run_check()
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_changed_measurement_makes_the_check_fail(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    assert run_check(docs).returncode == 0
    path = docs / "experiments" / "probes.json"
    table = json.loads(path.read_text())
    table["rows"][0][2] = "99.999"
    path.write_text(json.dumps(table))
    out = run_check(docs)
    assert out.returncode == 1
    assert "99.999" in out.stderr and "out of date" in out.stderr


def test_a_changed_recorded_point_makes_the_check_fail(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    path = docs / "frontier_bf16_runs.json"
    runs = json.loads(path.read_text())
    runs["70 epochs, --precision bf16 (BF16_30), seed 1"][-1]["fid"] = 0.5
    path.write_text(json.dumps(runs))
    assert run_check(docs).returncode == 1


def test_small_table_renders_as_markdown(tmp_path):
    (tmp_path / "points.json").write_text(json.dumps({"run a": [{"generator": "epoch 2", "fid": 0.4567, "class_accuracy": 0.98765},
                                                                {"generator": "end", "fid": 0.2, "class_accuracy": 0.99}]}))
    table = {"title": "A probe", "date": "2026-11-24", "command": "gan train --epochs 2",
             "columns": ["run", {"name": "point", "align": "left"}, "FID", "class accuracy"],
             "rows": [["literal", "end", "0.300", "98.00%"],
                      {"from": {"file": "points.json", "run": "run a"}, "cells": ["a", "{generator}", "{fid:.3f}", "{class_accuracy:.2%}"]},
                      {"from": {"file": "points.json", "run": "run a", "points": "end"}, "cells": ["a again", "{generator}", "{fid:.3f}", "-"]}],
             "notes": "One note."}
    assert render_table(table, tmp_path) == (
        "**A probe** (measured 2026-11-24)\n\n"
        "```bash\ngan train --epochs 2\n```\n\n"
        "| run | point | FID | class accuracy |\n"
        "|---|---|---:|---:|\n"
        "| literal | end | 0.300 | 98.00% |\n"
        "| a | epoch 2 | 0.457 | 98.77% |\n"
        "| a | end | 0.200 | 99.00% |\n"
        "| a again | end | 0.200 | - |\n\n"
        "One note.")


def test_template_markers_and_table_files_match(tmp_path):
    docs = tmp_path / "docs"
    (docs / "experiments").mkdir(parents=True)
    (docs / "experiments.md.in").write_text("# Log\n\nProse.\n\n<!-- table: one -->\n\nMore prose.\n")
    (docs / "experiments" / "one.json").write_text(json.dumps({"title": "T", "date": "2026-11-25", "columns": ["a", "b"], "rows": [["x", "1"]]}))
    text = render(docs)
    assert "Prose.\n\n**T** (measured 2026-11-25)\n\n| a | b |\n|---|---:|\n| x | 1 |\n\nMore prose.\n" in text
    (docs / "experiments" / "two.json").write_text(json.dumps({"title": "U", "date": "2026-11-25", "columns": ["a"], "rows": []}))
    out = run_check(docs)
    assert out.returncode == 2 and "two.json" in out.stderr  # a table no template line uses is an error, not silently dropped
