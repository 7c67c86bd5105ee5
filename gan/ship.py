"""Make a training run the shipped model: copy it into weights/ and compute what the app loads with it.

    python -m gan.ship runs/dcgan --data-dir ../shared/data              # into weights/
    python -m gan.ship runs/dcgan --data-dir ../shared/data --to DIR     # anywhere else, to try it first

Training (`python -m gan.train --out runs/<name>`) never writes to weights/; this is the one
step that does. It runs STEPS below in order, each a function of the Shipment:

  copy_run        generator/, discriminator/, samples.png, progress.gif, train_log.jsonl from the
                  run (never its checkpoint or grids); drops what was computed for the old model
  fit_directions  directions.json: the app's slider directions (python -m gan.directions)
  web_export      web/: the generator and directions for the visitor's page (python -m gan.webexport)
  evaluate        metrics.json, calibration.json, training_curves.png, real_digits.npz
                  (python -m gan.evaluate: about 4 minutes on a 2-core CPU, plus the Classification
                  Accuracy Score's three classifier trainings: 3 x 468 steps at its default --cas-epochs 1)
  verdict         verdict/: the real-vs-generated detector trained against this generator, frozen
                  (python -m gan.verdict train: about 30 minutes on the shared 2-core CPU)
  checksums       checksums.json, checked at start-up (python -m gan.checksums); always last

A new step is one function added to STEPS, before checksums. Then commit weights/ and the
README's figures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .checksums import LISTING, write_checksums

SHIPPED = Path(__file__).resolve().parent.parent / "weights"
RUN_FILES = ("samples.png", "progress.gif", "train_log.jsonl")
# Computed for the model being replaced: removed first, so a failed or skipped step leaves no stale file behind.
DERIVED = ("directions.json", "calibration.json", "metrics.json", "training_curves.png", LISTING)


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
    from . import directions

    directions.main(["--weights", str(s.to)])


def web_export(s: Shipment) -> None:
    from .webexport import export_web

    if not (s.to / "directions.json").exists():  # fit_directions was skipped: no page model, rather than a stale one
        print("   no directions.json: web/ left out (the page then renders through the server)")
        return
    print(f"wrote {export_web(s.to)}")


def evaluate(s: Shipment) -> None:
    from . import evaluate

    evaluate.main(["--weights", str(s.to), "--classifier", str(s.to / "classifier"), "--data-dir", s.data_dir])


def verdict(s: Shipment) -> None:
    from .verdict import train_verdict

    shutil.rmtree(s.to / "verdict", ignore_errors=True)  # trained for the old generator: never left stale
    train_verdict(s.to, s.data_dir)


def checksums(s: Shipment) -> None:
    print(f"wrote {s.to / LISTING}: {len(write_checksums(s.to))} files")


STEPS: list[Callable[[Shipment], None]] = [copy_run, fit_directions, web_export, evaluate, verdict, checksums]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gan.ship", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", type=Path, help="the training run's folder, e.g. runs/dcgan")
    p.add_argument("--data-dir", default="data", help="MNIST for the evaluation: torchvision layout or an .npz (default: data)")
    p.add_argument("--to", type=Path, default=Path("weights"), help="the weights folder to write (default: weights)")
    p.add_argument("--skip", action="append", default=[], choices=[step.__name__ for step in STEPS[1:]],
                   help="leave out a step (repeatable); what it would write is then absent, never stale")
    return p


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if not args.run.is_dir():
        sys.exit(f"error: no such run folder: {args.run}")
    if args.run.resolve() == args.to.resolve():
        sys.exit(f"error: {args.run} is already the destination")
    shipment = Shipment(args.run, args.to, args.data_dir)
    started = time.perf_counter()
    for step in STEPS:
        if step.__name__ in args.skip:
            print(f"== {step.__name__}: skipped")
            continue
        print(f"== {step.__name__}", flush=True)
        t = time.perf_counter()
        step(shipment)
        print(f"   {step.__name__}: {time.perf_counter() - t:.1f} s", flush=True)
    print(f"shipped {args.run} as {args.to} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
