"""Measure a generator honestly against MNIST, beside the floor any generator could reach.

    gan evaluate --data-dir ../shared/data                          # the shipped weights, into runs/eval-weights/
    gan evaluate --weights runs/dcgan --data-dir ../shared/data     # a training run, into runs/eval-dcgan/

Draws 1,000 samples per digit (seeds 0..9,999, digit = seed % 10) and compares them with the
10,000 MNIST test digits; 10,000 real training digits get the same treatment as the floor.
Writes metrics.json, calibration.json (Platt scaling of D for the app), training_curves.png,
and real_digits.npz (test digits for the app's game) into --out, and prints a Markdown table.
Measuring never touches what ships: only `gan ship` evaluates into a weights folder
(its checksums would no longer match, and the app would refuse to start). Last, the Classification Accuracy Score (gan.training.cas): the reference classifier
trained on 60,000 generated digits and tested on the real test set, beside the same
classifier trained on the 60,000 real training digits and on both (--cas-epochs 0 skips it).

Every figure is of one draw of 10,000 samples, and another draw of the same generator moves
it: --draws 5 measures four more disjoint sets of seeds and reports each figure's mean and
standard deviation, the yardstick for any difference between two generators. The
floor gets draws too, from disjoint sets of real training digits (six at most in MNIST's
60,000): what real data itself scores from one set of 10,000 to the next.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from gan.core import metrics as M
from gan.core.data import load_mnist
from gan.core.errors import DataError
from gan.core.models import Classifier, Discriminator, Generator
from gan.core.pixels import to_model_range
from gan.core.sampling import images_from_latents, latents_from_seeds, sample
from gan.core.weights import load_model
from gan.training import cas as CAS

SEEDS = range(0, 10_000)  # evaluation samples: the draw every quoted figure is of
CALIBRATION_SEEDS = range(50_000, 60_000)  # fresh fakes for D's calibration and ROC AUC


def d_logits(D: Discriminator, images: np.ndarray) -> torch.Tensor:
    """D's label-free logits for uint8 digits."""
    with torch.inference_mode():
        return torch.cat([D(to_model_range(images[i:i + 2000])) for i in range(0, len(images), 2000)])


def evaluate_set(C: Classifier, D: Discriminator, real: tuple, images: np.ndarray, labels: np.ndarray) -> dict:
    """All metrics of one image set against the real test set (`real`: features, labels,
    D logits of the test digits)."""
    real_feats, real_labels, real_d = real
    feats, logits = M.embed(C, images)
    precision, recall = M.precision_recall(real_feats, feats)
    kid_mean, kid_std = M.kid(real_feats, feats)
    is_mean, is_std = M.inception_score(logits)
    return {
        "fid": M.fid(real_feats, feats),
        "kid": kid_mean, "kid_std": kid_std,
        "inception_score": is_mean, "inception_score_std": is_std,
        "precision": precision, "recall": recall,
        "class_accuracy": M.class_accuracy(logits, labels),
        "per_class_fid": M.per_class_fid(real_feats, real_labels, feats, labels),
        "diversity_per_digit": [M.diversity(feats[torch.from_numpy(labels == d)]) for d in range(10)],
        # D's real-vs-this-set separability: ~0.5 for the floor, and the lower the better for G.
        "d_roc_auc": M.roc_auc(real_d, d_logits(D, images)),
    }


def draw_seeds(k: int, n: int = len(SEEDS)) -> range:
    """The seeds of the k-th draw of n samples: draw 0 is SEEDS; draw k starts at k million,
    clear of the calibration, label-free and CAS seeds."""
    return range(k * 1_000_000, k * 1_000_000 + n)


def floor_picks(n_train: int, draws: int, n: int = len(SEEDS)) -> list[np.ndarray]:
    """Indices of the real training digits each floor draw measures: draw 0 is the quoted
    floor; further draws are disjoint sets of n from the rest, as many as the rest holds."""
    first = np.random.default_rng(0).choice(n_train, n, replace=False)
    rest = np.random.default_rng(1).permutation(np.setdiff1d(np.arange(n_train), first))
    return [first] + [rest[k * n:(k + 1) * n] for k in range(min(draws - 1, len(rest) // n))]


def evaluate_draws(C: Classifier, D: Discriminator, real: tuple, G: Generator, draws: int, n: int = len(SEEDS),
                   progress: Callable[[str], None] = lambda step: None) -> list[dict]:
    """evaluate_set of G's samples from each of `draws` disjoint sets of seeds (digit = seed % 10)."""
    results = []
    for k in range(draws):
        progress(f"the generator: {n:,} digits drawn and measured" + (f" (draw {k + 1} of {draws})" if draws > 1 else ""))
        seeds = draw_seeds(k, n)
        digits = np.array([s % 10 for s in seeds])
        results.append(evaluate_set(C, D, real, sample(G, seeds, digits), digits))
    return results


def headline(m: dict) -> dict[str, float]:
    """The figures of one draw that a comparison of two generators rests on."""
    keys = ["fid", "kid", "inception_score", "precision", "recall", "class_accuracy", "d_roc_auc"]
    return {**{k: m[k] for k in keys}, **M.worst_digit(m["per_class_fid"])}


def spread(results: list[dict]) -> dict[str, dict]:
    """Each headline figure over the draws: its values, mean and standard deviation (ddof 1;
    None for a single draw, which has no spread to measure)."""
    rows = [headline(r) for r in results]
    values = {k: [r[k] for r in rows] for k in rows[0]}
    return {k: {"values": v, "mean": float(np.mean(v)), "std": float(np.std(v, ddof=1)) if len(v) > 1 else None}
            for k, v in values.items()}


def calibrate(D: Discriminator, G: Generator, real: np.ndarray) -> dict:
    """Platt-scale D's unconditional logit on half the test digits vs fresh fakes; report
    ECE on the other half, and the histogram of calibrated scores the app draws."""
    fake = sample(G, CALIBRATION_SEEDS, [s % 10 for s in CALIBRATION_SEEDS])
    lr, lf = d_logits(D, real), d_logits(D, fake)
    half = len(real) // 2
    fit_logits, fit_labels = torch.cat([lr[:half], lf[:half]]), torch.cat([torch.ones(half), torch.zeros(half)])
    ev_logits = torch.cat([lr[half:], lf[half:]])
    ev_labels = torch.cat([torch.ones(len(lr) - half), torch.zeros(len(lf) - half)]).long()
    scale, bias = M.fit_platt(fit_logits, fit_labels)
    p_ev = torch.sigmoid(scale * ev_logits + bias)
    edges = np.linspace(0, 1, 21)
    real_hist = np.histogram(p_ev[ev_labels == 1].numpy(), edges)[0]
    fake_hist = np.histogram(p_ev[ev_labels == 0].numpy(), edges)[0]
    return {
        "scale": scale, "bias": bias,
        "ece_before": M.expected_calibration_error(torch.sigmoid(ev_logits), ev_labels),
        "ece_after": M.expected_calibration_error(p_ev, ev_labels),
        "histogram": {"edges": edges.round(3).tolist(), "real": (real_hist / real_hist.sum()).round(4).tolist(),
                      "generated": (fake_hist / fake_hist.sum()).round(4).tolist()},
    }


def label_free_histogram(G: Generator, C: Classifier, n: int = 5000) -> list[float]:
    """Digits G draws when given no digit (a uniform label vector): a collapsed G piles into
    a few classes, a healthy one spreads over all ten."""
    z = latents_from_seeds(range(100_000, 100_000 + n), G.z_dim)
    images = images_from_latents(G, z, torch.full((n, 10), 0.1))
    return (np.bincount(M.embed(C, images)[1].argmax(1).numpy(), minlength=10) / n).round(4).tolist()


def plot_training_curves(log_path: Path, out_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    epoch = [r["epoch"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    a.plot(epoch, [r["loss_d"] for r in rows], label="loss D (all heads)")
    a.plot(epoch, [r["loss_g"] for r in rows], label="loss G (all heads)")
    a.set_xlabel("epoch"); a.set_title("losses"); a.legend()
    b.plot(epoch, [r["d_real"] for r in rows], label="mean D(x), real")
    b.plot(epoch, [r["d_fake"] for r in rows], label="mean D(G(z)), fake")
    b.axhline(0.5, color="gray", lw=0.8, ls="--")
    b.set_ylim(0, 1); b.set_xlabel("epoch"); b.set_title("discriminator outputs"); b.legend()
    fig.tight_layout()
    fig.savefig(out_path, dpi=90)
    plt.close(fig)


TARGETS = [
    ("FID <= 2x floor", lambda g, f: g["fid"] <= 2 * f["fid"]),
    ("class accuracy >= 99%", lambda g, f: g["class_accuracy"] >= 0.99),
    ("IS >= 97% of floor", lambda g, f: g["inception_score"] >= 0.97 * f["inception_score"]),
    ("precision >= 90% of floor", lambda g, f: g["precision"] >= 0.9 * f["precision"]),
    ("recall >= 90% of floor", lambda g, f: g["recall"] >= 0.9 * f["recall"]),
    ("per-class FID <= 2x median", lambda g, f: M.per_class_ratio(g["per_class_fid"]) <= 2),
]


def markdown_table(result: dict) -> str:
    g, f = result["generator"], result["floor"]
    rows = [("FID (lower is better)", "fid", "{:.3f}"), ("KID", "kid", "{:.5f}"), ("Inception Score (max 10)", "inception_score", "{:.3f}"),
            ("precision (k=3)", "precision", "{:.3f}"), ("recall (k=3)", "recall", "{:.3f}"), ("class accuracy", "class_accuracy", "{:.4f}"),
            ("worst / median per-class FID", None, None), ("D ROC AUC vs real test", "d_roc_auc", "{:.3f}")]
    out = ["| metric | generator | real-data floor |", "|---|---|---|"]
    for name, key, fmt in rows:
        if key is None:
            out.append(f"| {name} | {M.per_class_ratio(g['per_class_fid']):.2f}x | {M.per_class_ratio(f['per_class_fid']):.2f}x |")
        else:
            out.append(f"| {name} | {fmt.format(g[key])} | {fmt.format(f[key])} |")
    return "\n".join(out)


def spread_table(draws: dict, floor: dict) -> str:
    """The generator's figures as mean ± standard deviation over its draws, beside the floor's."""
    n, n_floor = len(draws["fid"]["values"]), len(floor["fid"]["values"])
    out = [f"| metric | mean ± std over {n} draws | min | max | real-data floor over {n_floor} draws |", "|---|---|---|---|---|"]
    for key, d in draws.items():
        f = ("{:.5f}" if key == "kid" else "{:.4f}").format  # KID's figures are a tenth of the others'
        pm = lambda s: f(s["mean"]) + (f" ± {f(s['std'])}" if s["std"] is not None else " (one set)")
        out.append(f"| {key} | {pm(d)} | {f(min(d['values']))} | {f(max(d['values']))} | {pm(floor[key])} |")
    return "\n".join(out)


class Progress:
    """One line per step on stderr, with the seconds since the start: the measurement takes
    minutes, and a step that takes more than a few seconds is named before it starts."""

    def __init__(self):
        self.started = time.perf_counter()

    def __call__(self, step: str) -> None:
        print(f"[{time.perf_counter() - self.started:4.0f} s] {step}", file=sys.stderr, flush=True)


def evaluate(weights: Path, out: Path, classifier: Path, data_dir: str | Path, *, app_assets: bool = True, cas_epochs: int = 1,
             draws: int = 1, samples: int = len(SEEDS), progress: Callable[[str], None] | None = None) -> dict:
    """Measure the generator in `weights` (a folder with generator/ and discriminator/) with the
    reference classifier in `classifier`; write metrics.json (and with app_assets the app's
    files) into `out`, print the tables, and return what metrics.json holds. Every quoted figure
    is of `samples` = 10,000 digits; fewer is a quicker, noisier look (the tests')."""
    progress = progress or Progress()
    t0 = time.time()
    G = load_model(Generator, weights / "generator")
    D = load_model(Discriminator, weights / "discriminator")
    C = load_model(Classifier, classifier)
    progress(f"reading MNIST from {data_dir}")
    test_x, test_y = (t.numpy() for t in load_mnist(data_dir, train=False))
    train_x, train_y = (t.numpy() for t in load_mnist(data_dir, train=True))
    if len(train_x) < samples:
        raise DataError(f"{data_dir} holds {len(train_x):,} training digits: the floor measures {samples:,} of them (give the full MNIST)")
    out.mkdir(parents=True, exist_ok=True)
    progress(f"the reference classifier's features of the {len(test_x):,} test digits")
    real_feats, real_logits = M.embed(C, test_x)
    real = (real_feats, test_y, d_logits(D, test_x))
    results = evaluate_draws(C, D, real, G, draws, samples, progress)
    floors = []
    for k, picks in enumerate(floor_picks(len(train_x), draws, samples)):
        progress(f"the floor: {len(picks):,} real training digits measured the same way" + (f" (draw {k + 1} of {draws})" if draws > 1 else ""))
        floors.append(evaluate_set(C, D, real, train_x[picks], train_y[picks]))
    progress("the label-free class histogram")
    result = {
        "generator": results[0],
        "floor": floors[0],
        "floor_diversity_per_digit_test": [M.diversity(real_feats[torch.from_numpy(test_y == d)]) for d in range(10)],
        "label_free_class_histogram": label_free_histogram(G, C),
        "classifier_test_accuracy": M.class_accuracy(real_logits, test_y),
        "config": {"weights": str(weights), "arch": G.arch, "samples": samples, "seeds": f"{SEEDS.start}-{SEEDS.start + samples - 1}"},
    }
    if draws > 1:
        result["draws"] = spread(results)
        result["floor_draws"] = spread(floors)
        result["config"]["draw_seeds"] = [f"{s.start}-{s.stop - 1}" for s in (draw_seeds(k, samples) for k in range(draws))]
    result["targets"] = {name: bool(check(result["generator"], result["floor"])) for name, check in TARGETS}
    if app_assets:
        progress("the app's assets: D's calibration, the training curves, the game's real digits")
        calib = calibrate(D, G, test_x)
        result["calibration"] = {k: v for k, v in calib.items() if k != "histogram"}
        (out / "calibration.json").write_text(json.dumps(calib, indent=1) + "\n")
        if (weights / "train_log.jsonl").exists():
            plot_training_curves(weights / "train_log.jsonl", out / "training_curves.png")
        keep = np.random.default_rng(1).choice(len(test_x), 1000, replace=False)
        np.savez_compressed(out / "real_digits.npz", images=test_x[keep], labels=test_y[keep])
    if cas_epochs > 0:  # last: it reseeds torch, and the metrics above stay as they were without it
        progress(f"the Classification Accuracy Score: three classifiers of {cas_epochs} epoch{'s' if cas_epochs != 1 else ''} each")
        result["cas"] = CAS.classification_accuracy_score(G, train_x, train_y, test_x, test_y, epochs=cas_epochs)
    result["seconds"] = round(time.time() - t0, 1)
    (out / "metrics.json").write_text(json.dumps(result, indent=1) + "\n")
    print(markdown_table(result))
    if "draws" in result:
        print("\n" + spread_table(result["draws"], result["floor_draws"]))
    print("\ntargets:", ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in result["targets"].items()))
    if "calibration" in result:
        c = result["calibration"]
        print(f"calibration: ECE {c['ece_before']:.3f} -> {c['ece_after']:.3f} (scale {c['scale']:.3f}, bias {c['bias']:.3f})")
    if "cas" in result:
        print(CAS.summary(result["cas"]))
    print(f"wrote {out / 'metrics.json'} in {result['seconds']} s")
    return result
