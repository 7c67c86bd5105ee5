"""What users run: `gan train | evaluate | ship | publish | synth | lab | project | bench | human-eval`.

Each command is its options, declared here (standard library only), and a `run` that checks
what was typed before it imports the module doing the work: a mistyped weights folder or
GAN_WEIGHTS, a run folder that already holds a run, MNIST missing where --data-dir points
(and no network to download it) are each one sentence within a second, not after torch has
loaded. The module named as a command's `doc` does the work; its docstring is the command's --help.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import fields
from pathlib import Path

from gan.core.cli import Parser
from gan.core.config import CHOICES, RECIPES, Config, recipe
from gan.core.errors import WeightsError
from gan.core.inputs import check_data, check_run_folder
from gan.core.weights import LISTING, SHIPPED, resolve_weights

from .command import Command, UsageError, module_doc

# ---------------------------------------------------------------------------- checks before loading


def say(message: str) -> None:
    """A note on stderr, at once (stdout is the command's output)."""
    if message:
        print(message, file=sys.stderr, flush=True)


def mnist(data_dir: str | Path, option: str = "--data-dir") -> None:
    """MNIST where `option` points, or downloadable there (else a DataError)."""
    say(check_data(data_dir, option))


def weights(spec: str | Path | None, *models: str) -> Path:
    """The weights folder --weights (or GAN_WEIGHTS, or the shipped one) names, holding `models`."""
    folder = resolve_weights(spec)
    for model in models:
        if not (folder / model / "model.safetensors").is_file():
            raise WeightsError(f"{folder} has no {model}/model.safetensors: is it a weights folder or a finished training run?")
    return folder


STUDIO = ("generator", "discriminator")  # what the Studio (and the app) needs of a folder: a run's, the rest from weights/


def lead() -> bool:
    """Not one of torchrun's other processes: those neither read the data nor write the run folder."""
    return int(os.environ.get("RANK", "0")) == 0


# ---------------------------------------------------------------------------- gan train


def train_parser(prog: str, argv: list[str]) -> Parser:
    """--recipe, then one flag per Config field, its default the chosen recipe's value (so
    `gan train --recipe fast30 --help` shows fast30's)."""
    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    pre.add_argument("--recipe", default="shipped")
    name = pre.parse_known_args(argv)[0].recipe
    base = recipe(name) if name in RECIPES else Config()  # an unknown name: the full parser says so
    p = Parser(prog=prog, description=module_doc("gan.training.gan"))
    p.add_argument("--recipe", choices=list(RECIPES), default="shipped",
                   help="a named set of settings over the defaults (gan/core/config.py); flags given beside it win (default: shipped)")
    comments = field_comments()
    for f in fields(Config):
        flag = "--" + f.name.replace("_", "-")
        value = getattr(base, f.name)
        help_ = f"{comments.get(f.name, '')} (default: {value})"
        if f.type == "bool":  # --flag and --no-flag, whatever the default
            p.add_argument(flag, action=argparse.BooleanOptionalAction, default=value, help=help_)
        else:
            p.add_argument(flag, type={"int": int, "float": float, "str": str}[f.type], default=value, help=help_,
                           choices=CHOICES.get(f.name))
    return p


def field_comments() -> dict[str, str]:
    """The `# ...` comment beside each Config field, so --help and the code never disagree."""
    import inspect

    out = {}
    for line in inspect.getsource(Config).splitlines():
        if ":" in line and "#" in line:
            out[line.split(":")[0].strip()] = line.split("#", 1)[1].strip()
    return out


def config_from(args: argparse.Namespace) -> Config:
    """The parsed command line as a Config (UsageError for values no run can use)."""
    values = vars(args).copy()
    values.pop("recipe")
    cfg = Config(**values)
    if cfg.r1_every < 1 or cfg.r1_gamma < 0 or cfg.diversity_weight < 0:
        raise UsageError("--r1-every must be at least 1, --r1-gamma and --diversity-weight at least 0")
    try:
        shares = cfg.shares()
    except ValueError:
        shares = []
    if shares is not None and (len(shares) != 10 or not all(map(math.isfinite, shares)) or min(shares) < 0 or sum(shares) <= 0):
        raise UsageError("--class-shares takes ten numbers, one per digit, at least 0 and not all 0: 1,1,1,1,1,1,1,1,2,1")
    if cfg.twin_classifier and cfg.aux_weight <= 0:
        raise UsageError("--twin-classifier needs the auxiliary classifier (--aux-weight above 0)")
    return cfg


def train_config(argv: list[str]) -> Config:
    """The Config `gan train ARGV` would train."""
    return config_from(train_parser("gan train", argv).parse_args(argv))


def train(args: argparse.Namespace) -> None:
    cfg = config_from(args)
    if lead():
        check_run_folder(cfg.out, cfg.resume)
        mnist(cfg.data_dir)
    from gan.training import gan

    gan.run(cfg)


# ---------------------------------------------------------------------------- gan evaluate


def evaluate_options(p: Parser) -> None:
    p.add_argument("--weights", default=None, help="folder with generator/ and discriminator/, or a Hub repo id (default: $GAN_WEIGHTS, else the shipped weights/)")
    p.add_argument("--out", type=Path, default=None, help="where metrics.json and the app's assets go (default: runs/eval-<weights folder name>)")
    p.add_argument("--classifier", default=None, help="reference classifier (default: the shipped weights' classifier/)")
    p.add_argument("--data-dir", default="data", help="torchvision MNIST layout, downloaded when missing (default: data)")
    p.add_argument("--app-assets", action=argparse.BooleanOptionalAction, default=True,
                   help="also write calibration.json, training_curves.png and real_digits.npz for the app (default: on)")
    p.add_argument("--cas-epochs", type=int, default=1,
                   help="Classification Accuracy Score budget, in epochs of the real training set, the same for each "
                        "of its three classifiers (default: 1; the reference classifier had 4); 0 skips it")
    p.add_argument("--draws", type=int, default=1,
                   help="sets of 10,000 samples to measure the generator on, each from its own seeds; above 1, "
                        "metrics.json and the table also give each figure's mean and standard deviation (default: 1)")


def default_out(weights: Path) -> Path:
    """Where a measurement goes unless told: beside the training runs, never into the weights."""
    return Path("runs") / f"eval-{Path(weights).name}"


def evaluate(args: argparse.Namespace) -> None:
    if args.draws < 1:
        raise UsageError("--draws must be at least 1")
    folder = weights(args.weights, "generator", "discriminator")
    out = args.out or default_out(folder)
    if (out / LISTING).exists():
        raise WeightsError(f"{out} is a shipped weights folder (it has {LISTING}): measuring must not rewrite it; "
                           "give another --out (gan ship evaluates what it ships)")
    classifier = Path(args.classifier) if args.classifier else SHIPPED / "classifier"
    if not (classifier / "model.safetensors").is_file():
        raise WeightsError(f"no reference classifier at {classifier} (its model.safetensors is missing)")
    mnist(args.data_dir)
    say("loading torch, torchmetrics and the models...")
    from gan.evaluate import evaluate as measure

    measure(folder, out, classifier, args.data_dir, app_assets=args.app_assets, cas_epochs=args.cas_epochs, draws=args.draws)


# ---------------------------------------------------------------------------- gan ship


def ship_options(p: Parser) -> None:
    from gan.ship import STEPS  # the steps' names: gan/ship.py imports torch only inside its steps

    p.add_argument("run", type=Path, help="the training run's folder, e.g. runs/dcgan")
    p.add_argument("--data-dir", default="data", help="MNIST for the evaluation: torchvision layout or an .npz (default: data)")
    p.add_argument("--to", type=Path, default=SHIPPED, help="the weights folder to write (default: the checkout's weights/)")
    p.add_argument("--skip", action="append", default=[], choices=[step.__name__ for step in STEPS[1:]],
                   help="leave out a step (repeatable); what it would write is then absent, never stale")


def ship(args: argparse.Namespace) -> None:
    if not args.run.is_dir():
        raise WeightsError(f"no such run folder: {args.run}")
    if args.run.resolve() == args.to.resolve():
        raise WeightsError(f"{args.run} is already the destination")
    weights(args.run, "generator", "discriminator")
    if not {"evaluate", "verdict", "digit_detector"} <= set(args.skip):  # the steps that read MNIST
        mnist(args.data_dir)
    from gan.ship import ship as ship_run

    ship_run(args.run, args.to, args.data_dir, args.skip)


# ---------------------------------------------------------------------------- gan publish


def publish_options(p: Parser) -> None:
    p.add_argument("--repo", default=None, help="the model repo, OWNER/NAME (default: the first of the Space README's models:)")
    p.add_argument("--weights", type=Path, default=SHIPPED, help="the weights folder to publish (default: the checkout's weights/)")
    p.add_argument("--dry-run", action="store_true", help="list the files that would be uploaded, and upload nothing")


def publish(args: argparse.Namespace) -> None:
    from gan.publish import run  # huggingface_hub, no torch

    run(args.weights, args.repo, args.dry_run)


# ---------------------------------------------------------------------------- gan synth

MAX_SEED, SYNTH_SEED = 2**32 - 1, 200_000  # gan.core.sampling's (a test keeps them equal): checked before torch loads


def synth_options(p: Parser) -> None:
    p.add_argument("--per-class", type=int, required=True, help="digits of each class (the file holds 10x as many)")
    p.add_argument("--out", required=True, help="the .npz to write")
    p.add_argument("--weights", default=None, help="folder with generator/, a run folder, or a Hub repo id (default: $GAN_WEIGHTS, else the shipped weights/)")
    p.add_argument("--seed", type=int, default=None, help="first seed S: digit i is seed S + i, drawn as digit (S + i) %% 10 "
                   "(default: gan.core.sampling.SYNTH_SEED, 200000, where the CAS's training set starts)")
    p.add_argument("--psi", type=float, default=1.0, help="truncation: 1 leaves the latents alone, smaller trades variety for typical digits (default: 1)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads; 0 keeps torch's default")


def synth(args: argparse.Namespace) -> None:
    if not args.out.endswith(".npz"):
        raise UsageError("--out must end in .npz (gan.core.data.load_mnist reads a file by that name as an .npz)")
    seed = SYNTH_SEED if args.seed is None else args.seed
    if args.per_class < 1 or seed < 0 or seed + 10 * args.per_class - 1 > MAX_SEED:
        raise UsageError(f"need --per-class at least 1 and seeds within 0..{MAX_SEED}, got --per-class {args.per_class} from seed {seed}")
    folder = resolve_weights(args.weights)
    model = folder / "generator" if (folder / "generator").is_dir() else folder  # a weights or run folder, or a generator's own
    if not (model / "model.safetensors").is_file():
        raise WeightsError(f"{model} has no model.safetensors: --weights takes a weights folder, a run folder or a generator's folder")
    from gan.synth import write_synth

    write_synth(args.out, args.per_class, folder, seed, args.psi, args.threads)


# ---------------------------------------------------------------------------- gan lab

PRESET_CHOICES = ["healthy", "mode collapse", "non-convergence", "vanishing gradients", "too-high learning rate", "all"]


def lab_options(p: Parser) -> None:
    p.add_argument("--preset", default="all", choices=PRESET_CHOICES, help="a preset (gan.space.lab.PRESETS), or all (default: all)")
    p.add_argument("--steps", type=int, default=0, help="override the preset's step budget")
    p.add_argument("--time-cap", action="store_true", help="stop each run at its max_seconds, as the Space does "
                   "(default: run every step of the budget, however long that takes on this machine)")
    p.add_argument("--json", help="also write the signals here")
    p.add_argument("--weights", default=None, help="the weights whose classifier reads the samples (default: the shipped weights)")
    p.add_argument("--make-data", metavar="MNIST_DIR", help="write weights/lab_digits.npz from full MNIST and exit")
    p.add_argument("--busy", metavar="URL", help="keep a running app's lab busy (healthy runs back to back, "
                   "through /lab) for --busy-seconds: the load beside `gan dev loadtest --url URL`")
    p.add_argument("--busy-seconds", type=float, default=300)


def lab(args: argparse.Namespace) -> None:
    if args.make_data:
        mnist(args.make_data, "--make-data")
        from gan.lab import make_lab_digits

        make_lab_digits(args.make_data)
    elif args.busy:
        from gan.lab import keep_busy

        keep_busy(args.busy, args.busy_seconds)
    else:
        folder = weights(args.weights, "classifier")
        from gan.lab import run_presets

        run_presets(folder, args.preset, args.steps, args.time_cap, args.json)


# ---------------------------------------------------------------------------- gan project


def project_options(p: Parser) -> None:
    p.add_argument("--measure", action="store_true", help="project MNIST test digits and print the figures as JSON")
    p.add_argument("--data-dir", default="data", help="torchvision MNIST layout (default: data)")
    p.add_argument("--weights", default=None, help="weights folder or Hub id (default: $GAN_WEIGHTS or weights/)")
    p.add_argument("--n", type=int, default=1000, help="how many test digits (default: 1000)")
    p.add_argument("--workers", type=int, default=1, help="processes of one thread each (default: 1)")


def project(args: argparse.Namespace) -> None:
    if not args.measure:
        raise UsageError("nothing to do: pass --measure")
    folder = weights(args.weights, *STUDIO)
    mnist(args.data_dir)
    import json

    from gan.project import measure

    print(json.dumps(measure(str(folder), args.data_dir, args.n, args.workers), indent=2))


# ---------------------------------------------------------------------------- gan bench


def bench_options(p: Parser) -> None:
    p.add_argument("--weights", default=None, help="weights folder or Hub repo (default: $GAN_WEIGHTS, else weights/)")
    p.add_argument("--repeats", type=int, default=100, help="timed calls per measurement (default 100)")
    p.add_argument("--cold-runs", type=int, default=3, help="app cold starts (default 3)")
    p.add_argument("--threads", type=int, default=1, help="torch threads in process (default 1, as app.py)")
    p.add_argument("--train-threads", type=int, default=2, help="torch threads for the training-step rows (default 2, as the recipe)")
    p.add_argument("--train-batch", type=int, nargs="+", default=[32, 128],
                   help="batch sizes for the training-step rows (default 32, recipe fast30's, and 128, the shipped recipe's and bf16-30's)")
    p.add_argument("--smoke", action="store_true", help="5 repeats, 1 cold start: checks the benchmark works")
    p.add_argument("--json", type=Path, help="also write the rows as JSON here")


def bench(args: argparse.Namespace) -> None:
    args.weights = weights(args.weights, *STUDIO).resolve()
    from gan.tools.bench import bench as run_bench

    run_bench(args)


# ---------------------------------------------------------------------------- gan human-eval


def human_eval_options(p: Parser) -> None:
    p.add_argument("--data-dir", default=None, help="the app's data folder (default: $GAN_DATA_DIR, else /data on a Space, else data/ in the checkout)")
    p.add_argument("--export", metavar="CSV", help="write every stored round to this .csv")
    p.add_argument("--figures", action="store_true", help="print the figures as JSON, for the model whose rounds are most recent "
                   "(--model picks another)")
    p.add_argument("--model", help="with --figures: the generator checksum to report (others are listed apart)")


def human_eval(args: argparse.Namespace) -> None:
    if not args.export and not args.figures:
        raise UsageError("nothing to do: give --export CSV and/or --figures")
    if args.export and not args.export.endswith(".csv"):
        raise UsageError("--export must name a .csv file")
    from gan.human_eval import report  # the standard library only: no model is loaded

    report(args.data_dir, args.export, args.figures, args.model)


# ---------------------------------------------------------------------------- the table

COMMANDS: dict[str, Command] = {
    "train": Command("train the GAN on MNIST into a run folder (runs/NAME)", None, train, build=train_parser),
    "evaluate": Command("measure a generator: FID, KID, IS, precision/recall, class accuracy, CAS (metrics.json)",
                        evaluate_options, evaluate, "gan.evaluate"),
    "ship": Command("make a training run the shipped model: weights/ and everything the app loads with it", ship_options, ship, "gan.ship"),
    "publish": Command("upload weights/ to its Hugging Face model repo (--dry-run lists the files)", publish_options, publish, "gan.publish"),
    "synth": Command("write a labelled synthetic MNIST (.npz) drawn by a generator", synth_options, synth, "gan.synth"),
    "lab": Command("run the Training lab's presets and measure what each shows", lab_options, lab, "gan.lab"),
    "project": Command("measure projection (Steer your own digit) on MNIST test digits", project_options, project, "gan.project"),
    "bench": Command("benchmark the Space: in process, over HTTP, cold start, memory", bench_options, bench, "gan.tools.bench"),
    "human-eval": Command("export the Real-or-fake game's rounds (--export), or print their figures", human_eval_options, human_eval,
                          "gan.human_eval"),
}
