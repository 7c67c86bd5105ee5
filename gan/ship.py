"""Make a training run the shipped model: copy it into weights/ and compute what the app loads with it.

    gan ship runs/dcgan --data-dir ../shared/data              # into weights/
    gan ship runs/dcgan --data-dir ../shared/data --to DIR     # anywhere else, to try it first

Training (`gan train --out runs/<name>`) never writes to weights/; this is the one step that
does. It runs STEPS below in order, each a function of the Shipment (each step alone: gan dev ...):

  copy_run        generator/, discriminator/, samples.png, progress.gif, train_log.jsonl from the
                  run (never its checkpoint or grids); drops what was computed for the old model
  fit_directions  directions.json: the app's slider directions (gan dev directions)
  web_export      web/: the generator and directions for the visitor's page (gan dev webexport)
  evaluate        metrics.json, calibration.json, training_curves.png, real_digits.npz
                  (gan evaluate: about 4 minutes on a 2-core CPU, plus the Classification
                  Accuracy Score's three classifier trainings: 3 x 468 steps at its default --cas-epochs 1)
  verdict         verdict/: the real-vs-generated detector trained against this generator, frozen
                  (gan dev train-verdict train: about 2 minutes on a 2-core CPU)
  digit_detector  digit_detector/: the is-it-a-digit judge, whose digits include this generator's
                  (gan dev train-detector: about 10 minutes on an idle 2-core CPU)
  model_card      README.md: the Hugging Face model card, its model-index from metrics.json
  checksums       checksums.json, checked at start-up (gan dev checksums); always last

A new step is one function added to STEPS, before checksums. Then commit weights/ and the
README's figures. Importing this module loads no torch (each step imports what it needs):
`gan ship --help` lists STEPS by name.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from gan.core.weights import LISTING, SHIPPED, write_checksums

RUN_FILES = ("samples.png", "progress.gif", "train_log.jsonl")
# Computed for the model being replaced: removed first, so a failed or skipped step leaves no stale file behind.
DERIVED = ("directions.json", "calibration.json", "metrics.json", "training_curves.png", "README.md", LISTING)


@dataclass
class Shipment:
    run: Path  # the training run's folder (runs/<name>)
    to: Path  # the weights folder it becomes (weights/)
    data_dir: str  # MNIST, for the evaluation


def copy_run(s: Shipment) -> None:
    for name in ("generator", "discriminator"):
        if not (s.run / name / "model.safetensors").exists():
            raise SystemExit(f"error: {s.run / name / 'model.safetensors'} is missing: is {s.run} a finished training run?")
    s.to.mkdir(parents=True, exist_ok=True)
    for name in DERIVED:
        (s.to / name).unlink(missing_ok=True)
    shutil.rmtree(s.to / "verdict", ignore_errors=True)  # the detector was trained against the old generator
    shutil.rmtree(s.to / "digit_detector", ignore_errors=True)  # and the digit detector on its digits
    shutil.rmtree(s.to / "web", ignore_errors=True)  # the page's copy of the old generator
    for name in ("generator", "discriminator"):
        shutil.rmtree(s.to / name, ignore_errors=True)
        shutil.copytree(s.run / name, s.to / name)
    for name in RUN_FILES:
        (s.to / name).unlink(missing_ok=True)
        if (s.run / name).exists():
            shutil.copy2(s.run / name, s.to / name)
    if not (s.to / "classifier").exists():  # the metrics' judge and the app's digit reader: independent of the GAN
        shutil.copytree(SHIPPED / "classifier", s.to / "classifier")


def fit_directions(s: Shipment) -> None:
    from gan.core.directions import fit_and_write

    fit_and_write(s.to)


def web_export(s: Shipment) -> None:
    from gan.tools.webexport import export_web

    if not (s.to / "directions.json").exists():  # fit_directions was skipped: no page model, rather than a stale one
        print("   no directions.json: web/ left out (the page then renders through the server)")
        return
    print(f"wrote {export_web(s.to)}")


def evaluate(s: Shipment) -> None:
    from gan.evaluate import evaluate as measure

    measure(s.to, s.to, s.to / "classifier", s.data_dir)


def verdict(s: Shipment) -> None:
    from gan.training.verdict import train_verdict

    shutil.rmtree(s.to / "verdict", ignore_errors=True)  # trained for the old generator: never left stale
    train_verdict(s.to, s.data_dir)


def digit_detector(s: Shipment) -> None:
    from gan.training.detector import train

    shutil.rmtree(s.to / "digit_detector", ignore_errors=True)  # its digits included the old generator's: never left stale
    train(s.to, Path(s.data_dir), s.to / "digit_detector")


def model_card(s: Shipment) -> None:
    """README.md: the Hugging Face model card, its metadata and model-index from metrics.json."""
    path = s.to / "metrics.json"
    metrics = json.loads(path.read_text()) if path.exists() else None
    (s.to / "README.md").write_text(card_text(metrics))
    print(f"wrote {s.to / 'README.md'}")


CARD_METRICS = [  # metrics.json key, model-index metric type, its name on the card, digits shown
    ("fid", "fid", "FID (reference-classifier features)", 3), ("kid", "kid", "KID", 5),
    ("inception_score", "inception_score", "Inception Score (reference classifier)", 3),
    ("precision", "precision", "precision (k=3)", 3), ("recall", "recall", "recall (k=3)", 3),
    ("class_accuracy", "accuracy", "class accuracy (digit asked for, as read)", 4),
]


def card_text(metrics: dict | None) -> str:
    """The model card: YAML metadata (license, library, datasets, tags, model-index) and a short body."""
    from huggingface_hub import EvalResult, ModelCardData

    results = []
    if metrics:
        g = metrics["generator"]
        results = [EvalResult(task_type="image-generation", task_name="class-conditional digit generation", dataset_type="mnist",
                              dataset_name="MNIST", dataset_split="test", metric_type=kind, metric_name=name,
                              metric_value=round(float(g[key]), digits)) for key, kind, name, digits in CARD_METRICS]
        if "cas" in metrics:
            results.append(EvalResult(task_type="image-generation", task_name="class-conditional digit generation", dataset_type="mnist",
                                      dataset_name="MNIST", dataset_split="test", metric_type="accuracy",
                                      metric_name="Classification Accuracy Score", metric_value=round(float(metrics["cas"]["cas"]), 4)))
    data = ModelCardData(license="mit", library_name="mnist-gan-studio", datasets=["mnist"], model_name="mnist-gan-studio",
                         tags=["gan", "conditional-gan", "dcgan", "mnist", "image-generation", "pytorch", "model_hub_mixin"],
                         eval_results=results or None)
    rows = ""
    if metrics:
        g, f = metrics["generator"], metrics["floor"]
        rows = "\n".join(f"| {name} | {g[key]:.{digits}f} | {f[key]:.{digits}f} |" for key, _, name, digits in CARD_METRICS)
        rows = ("\n## Results\n\n10,000 generated digits (seeds 0-9,999, digit = seed mod 10) against the 10,000 MNIST test "
                "digits, beside the floor: 10,000 real training digits measured the same way.\n\n"
                "| metric | this generator | real digits (floor) |\n|---|---:|---:|\n" + rows + "\n")
        if "cas" in metrics:
            rows += f"\nClassification Accuracy Score: {metrics['cas']['cas']:.2%} (trained on generated digits) against {metrics['cas']['real']:.2%} (trained on real ones).\n"
    return f"""---
{data.to_yaml()}
---

# MNIST GAN Studio: a class-conditional GAN for handwritten digits

A class-conditional DCGAN trained on MNIST (generator 0.6 M parameters, a projection
discriminator with an auxiliary classifier), with everything its Space loads beside it: the
reference classifier, the real-or-generated verdict model, the digit detector, the slider
directions and the generator exported for the browser. Trained and shipped by the MNIST GAN
Studio project's `gan train` and `gan ship`.

![rows: digits 0-9; columns: seeds 0-9](samples.png)

## Use

```python
from gan import Generator, resolve_weights, sample
folder = resolve_weights()                                       # a checkout's weights/; resolve_weights("<Hub repo id>") downloads a copy
g = Generator.from_pretrained(folder / "generator")
digits = sample(g, seeds=range(10), digits=7, truncation=0.8)    # uint8 [10, 28, 28], white ink on black
```

`GAN_WEIGHTS=<this folder or its Hub repo id> python app.py` serves it in the Space.
{rows}
FID, KID, IS and precision/recall are computed on the features of a reference MNIST
classifier (classifier/), not Inception's: they compare only with figures measured the same way.
"""


def checksums(s: Shipment) -> None:
    print(f"wrote {s.to / LISTING}: {len(write_checksums(s.to))} files")


STEPS: list[Callable[[Shipment], None]] = [copy_run, fit_directions, web_export, evaluate, verdict, digit_detector, model_card, checksums]


def ship(run: Path, to: Path = SHIPPED, data_dir: str = "data", skip: Iterable[str] = ()) -> None:
    """Run every step of STEPS but those named in `skip`, in order, each timed."""
    shipment = Shipment(Path(run), Path(to), str(data_dir))
    started = time.perf_counter()
    for step in STEPS:
        if step.__name__ in skip:
            print(f"== {step.__name__}: skipped")
            continue
        print(f"== {step.__name__}", flush=True)
        t = time.perf_counter()
        step(shipment)
        print(f"   {step.__name__}: {time.perf_counter() - t:.1f} s", flush=True)
    print(f"shipped {run} as {to} in {time.perf_counter() - started:.0f} s")
