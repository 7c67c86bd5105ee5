"""The cost-quality frontier: what each minute of training buys, for one or more runs.

    gan train --data-dir ../shared/data --out runs/fast --threads 2 --snapshot-every 4
    gan dev frontier runs/fast --data-dir ../shared/data --plot docs/frontier.png

A run trained with --snapshot-every N keeps its EMA generator every N epochs under
snapshots/epoch_NNN/ with the training seconds it had cost (cost.json); its final generator/
is the last point. Each point is measured as `gan evaluate` measures the shipped model
(10,000 digits, seeds 0-9999, digit = seed % 10, against the 10,000 MNIST test digits in the
reference classifier's feature space): FID, IS, precision, recall, class accuracy, and the
worst digit's FID with its ratio to the median digit's. Results
go to <run>/frontier.json (reused unless --again), and the table is printed in Markdown.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from gan.core import metrics as M
from gan.core.data import load_mnist
from gan.core.models import Classifier, Generator
from gan.core.sampling import sample
from gan.core.weights import load_model


def points(run: Path) -> list[tuple[Path, float]]:
    """(generator folder, training seconds) for each snapshot and the final generator."""
    log = run / "train_log.jsonl"
    last = json.loads(log.read_text().splitlines()[-1]) if log.exists() else None
    final = [(run / "generator", last["seconds"])] if last and (run / "generator" / "model.safetensors").exists() else []
    out = []
    for folder in sorted((run / "snapshots").glob("epoch_*")):
        cost = json.loads((folder / "cost.json").read_text())
        if not (final and cost["step"] == last["step"]):  # the last epoch's snapshot is the final generator
            out.append((folder, cost["seconds"]))
    return out + final


def measure(generator: Path, C: Classifier, real_feats, real_labels, samples: int = 10_000) -> dict:
    """The headline metrics of one generator, as gan.evaluate defines them."""
    G = load_model(Generator, generator)
    seeds = range(samples)
    digits = np.array([s % 10 for s in seeds])
    feats, logits = M.embed(C, sample(G, seeds, digits))
    precision, recall = M.precision_recall(real_feats, feats)
    per_class = M.per_class_fid(real_feats, real_labels, feats, digits)
    return {"fid": M.fid(real_feats, feats), "inception_score": M.inception_score(logits)[0],
            "precision": precision, "recall": recall, "class_accuracy": M.class_accuracy(logits, digits),
            **M.worst_digit(per_class)}


def frontier(run: Path, C: Classifier, real_feats, real_labels, samples: int = 10_000, again: bool = False) -> list[dict]:
    path = run / "frontier.json"
    known = {} if again or not path.exists() else {r["generator"]: r for r in json.loads(path.read_text())}
    rows = []
    for folder, seconds in points(run):
        key = str(folder.relative_to(run))
        row = known.get(key) or {"generator": key, **measure(folder, C, real_feats, real_labels, samples)}
        rows.append({**row, "minutes": round(seconds / 60, 2)})
        path.write_text(json.dumps(rows, indent=1) + "\n")
    return rows


def plot(results: dict[str, list[dict]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter

    rows_of_legend = (len(results) + 1) // 2
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6 + 0.25 * rows_of_legend))
    for name, rows in results.items():
        minutes = [r["minutes"] for r in rows]
        a.plot(minutes, [r["fid"] for r in rows], "o-", label=name)
        b.plot(minutes, [r["recall"] for r in rows], "o-", label=name)
    a.set_yscale("log"); a.set_ylabel("FID (lower is better)")
    low, high = a.get_ylim()
    if high / low < 10:  # within one decade matplotlib labels the log axis "2 x 10^-1": plain decimals read better
        a.yaxis.set_major_formatter(FormatStrFormatter("%.2f"))
        a.yaxis.set_minor_formatter(FormatStrFormatter("%.2f"))
    b.set_ylabel("recall (higher is better)")
    for ax in (a, b):
        ax.set_xlabel("training minutes")
        ax.grid(alpha=0.3)
    # one legend under both panels: inside either it hides points once the names are long
    fig.legend(*a.get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07 * rows_of_legend, 1, 1))
    fig.savefig(out, dpi=90)
    plt.close(fig)


def run(args: argparse.Namespace) -> None:
    """`gan dev frontier` (args: gan.cli.dev's options): measure the runs' points, print the table, plot."""
    results = {name: rows for path in args.recorded for name, rows in json.loads(path.read_text()).items()}
    if args.runs:  # the classifier and the real digits only when there is something to measure
        C = load_model(Classifier, args.classifier)
        images, labels = (t.numpy() for t in load_mnist(args.data_dir, train=False))
        real_feats = M.embed(C, images)[0]
        results.update({str(run): frontier(run, C, real_feats, labels, args.samples, args.again) for run in args.runs})
    print("| run | point | minutes | FID | IS | precision | recall | class accuracy | worst digit's FID | worst/median |\n"
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, rows in results.items():
        for r in rows:  # points measured before the per-class columns existed leave them blank (--again fills them)
            worst = f"{r['worst_class_fid']:.3f} | {r['per_class_fid_ratio']:.2f}x" if "worst_class_fid" in r else " | "
            print(f"| {name} | {r['generator']} | {r['minutes']:.1f} | {r['fid']:.3f} | {r['inception_score']:.2f} | "
                  f"{r['precision']:.3f} | {r['recall']:.3f} | {100 * r['class_accuracy']:.2f}% | {worst} |")
    if args.plot:
        plot(results, args.plot)
        print(f"wrote {args.plot}")
