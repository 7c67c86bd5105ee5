"""What developers run: `gan dev <tool>`. The trainers of the models `gan ship` retrains, the
steps of shipping run alone, the benchmarks and load tests, the experiment log and the
synthetic uploads. Declared as gan.cli.commands declares the user commands: the options here,
the work in the module named as each tool's `doc`, imported only once the input is checked.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from gan.core.cli import Parser
from gan.core.weights import CHECKOUT

from .command import Command, UsageError
from .commands import STUDIO, mnist, weights

# ---------------------------------------------------------------------------- the trainers and shipping's steps


def train_verdict_options(p: Parser) -> None:
    p.add_argument("command", choices=["train", "calibrate", "evaluate"], help="calibrate: refit only the Platt scaling, then evaluate")
    p.add_argument("--weights", default=None, help="the folder holding generator/ (default: the shipped weights/)")
    p.add_argument("--data-dir", default="data", help="torchvision MNIST layout or .npz (default: data)")
    p.add_argument("--threads", type=int, default=2)


def train_verdict(args: argparse.Namespace) -> None:
    folder = weights(args.weights, "generator", "discriminator", *(["verdict"] if args.command != "train" else []))
    mnist(args.data_dir)
    from gan.training.verdict import run

    run(args.command, folder, args.data_dir, args.threads)


def train_detector_options(p: Parser) -> None:
    p.add_argument("--data-dir", type=Path, default=Path("data"), help="MNIST: torchvision layout (downloaded when missing) or .npz (default: data)")
    p.add_argument("--weights", type=Path, default=None, help="the weights folder holding generator/; the detector goes to its digit_detector/ (default: the shipped weights)")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--cache", type=Path, help="keep the preprocessed digits beside this path (NAME.digits.npz) and reuse them")


def train_detector(args: argparse.Namespace) -> None:
    folder = weights(args.weights, "generator")
    mnist(args.data_dir)
    from gan.training.detector import run

    run(folder, args.data_dir, args.epochs, args.cache)


def train_classifier_options(p: Parser) -> None:
    p.add_argument("--data-dir", default="data", help="torchvision MNIST layout, downloaded when missing (default: data)")
    p.add_argument("--out", default="weights/classifier", help="where save_pretrained writes (default: weights/classifier)")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3, help="peak of the one-cycle schedule (default: 3e-3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads; 0 keeps torch's default")


def train_classifier(args: argparse.Namespace) -> None:
    mnist(args.data_dir)
    from gan.training.classifier import train_reference

    train_reference(args.data_dir, args.out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed, threads=args.threads)


def directions_options(p: Parser) -> None:
    p.add_argument("--weights", default=None, help="folder with generator/; directions.json is written there (default: the shipped weights/)")
    p.add_argument("--samples", type=int, default=20_000, help="generated digits to fit on")


def directions(args: argparse.Namespace) -> None:
    folder = weights(args.weights, "generator")
    from gan.core.directions import fit_and_write

    fit_and_write(folder, args.samples)


def webexport_options(p: Parser) -> None:
    p.add_argument("weights", nargs="?", default=None, help="the weights folder to export from and into (default: the shipped weights/)")


def webexport(args: argparse.Namespace) -> None:
    folder = weights(args.weights, "generator")
    if not (folder / "directions.json").is_file():
        raise UsageError(f"{folder} has no directions.json: fit it first (gan dev directions --weights {folder})")
    from gan.tools.webexport import export_and_say

    export_and_say(folder)


def checksums_options(p: Parser) -> None:
    p.add_argument("folder", nargs="?", default="weights", type=Path, help="weights folder (default: weights)")


def checksums(args: argparse.Namespace) -> None:
    if not args.folder.is_dir():
        raise UsageError(f"no such folder: {args.folder}")
    from gan.core.weights import LISTING, write_checksums

    print(f"wrote {args.folder / LISTING}: {len(write_checksums(args.folder))} files")


# ---------------------------------------------------------------------------- measurements


def uploads_options(p: Parser) -> None:
    p.add_argument("--photos", action="store_true", help="score photo-like test digits, per condition")
    p.add_argument("--nondigits", action="store_true", help="score test-split non-digits and the MNIST test digits")
    p.add_argument("--verdict", action="store_true", help="judge every kind of input a visitor brings; each evidence's ROC AUC")
    p.add_argument("--per-kind-verdict", type=int, default=100, help="inputs of each kind for --verdict (photos: this many in all)")
    p.add_argument("--experiments", type=Path, default=None,
                   help="also write --verdict's two tables (verdict_outcomes.json, verdict_evidence.json) into this folder, for the experiment log")
    p.add_argument("--data-dir", default="data", help="MNIST: torchvision layout or .npz (default: data)")
    p.add_argument("--weights", default=None, help="weights folder or Hub repo id (default: the shipped weights)")
    p.add_argument("-n", "--per-condition", type=int, default=40, help="photos of each condition")
    p.add_argument("--per-kind", type=int, default=20, help="test non-digits of each kind")
    p.add_argument("--seed", type=int, default=0)


def uploads(args: argparse.Namespace) -> None:
    if not (args.photos or args.nondigits or args.verdict):
        raise UsageError("say what to measure: --photos, --nondigits, --verdict or several")
    args.weights = weights(args.weights, *STUDIO)
    mnist(args.data_dir)
    from gan.tools.uploads import run

    run(args)


def frontier_options(p: Parser) -> None:
    p.add_argument("runs", nargs="*", type=Path, help="run folders (gan train --out) with snapshots/ (none: plot --recorded points alone)")
    p.add_argument("--data-dir", default="data", help="torchvision MNIST layout, downloaded when missing (default: data)")
    p.add_argument("--classifier", default="weights/classifier", help="reference classifier (default: weights/classifier)")
    p.add_argument("--plot", type=Path, help="write FID and recall against training minutes to this PNG")
    p.add_argument("--recorded", type=Path, action="append", default=[],
                   help="a JSON file of points measured before ({name: [{generator, minutes, fid, recall, ...}]}), shown beside the runs")
    p.add_argument("--again", action="store_true", help="re-measure points already in frontier.json")
    p.add_argument("--samples", type=int, default=10_000, help="digits per point, seeds 0..N-1 (default 10,000, as gan evaluate)")


def frontier(args: argparse.Namespace) -> None:
    if not args.runs and not args.recorded:
        raise UsageError("name a run folder, or a --recorded JSON file to plot")
    for path in [*args.runs, *args.recorded]:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
    if args.runs:
        mnist(args.data_dir)
    from gan.tools.frontier import run

    run(args)


def ddpbench_options(p: Parser) -> None:
    p.add_argument("--data-dir", help="MNIST for the runs (torchvision layout or .npz); required")
    p.add_argument("--procs", type=int, nargs="+", default=[1, 2], help="process counts to time (default 1 2; 1 is a plain run)")
    p.add_argument("--batch-size", type=int, default=128, help="the global batch (default 128, the shipped recipe's)")
    p.add_argument("--steps", type=int, default=120, help="steps per run (default 120)")
    p.add_argument("--log-every", type=int, default=20, help="steps between log lines; the first interval is warm-up, not timed (default 20)")
    p.add_argument("--repeats", type=int, default=2, help="runs of each setting, alternating (default 2)")
    p.add_argument("--cores", type=int, default=os.cpu_count(), help="cores to share among each run's processes (default: all)")
    p.add_argument("--threads", type=int, default=0, help="torch threads per process, the same for every setting (default 0: cores / processes)")
    p.add_argument("--json", type=Path, help="also write the figures as JSON here")
    p.add_argument("--time-batchnorm", action="store_true", help=argparse.SUPPRESS)  # batchnorm_cost()'s torchrun'd worker


def ddpbench(args: argparse.Namespace) -> None:
    if not args.time_batchnorm:
        if not args.data_dir:
            raise UsageError("--data-dir is required: the MNIST the timed runs train on")
        mnist(args.data_dir)
    from gan.tools.ddpbench import run

    run(args)


def loadtest_options(p: Parser) -> None:
    p.add_argument("--clients", type=int, help="concurrent visitors (default 50; smoke 10)")
    p.add_argument("--requests", type=int, help="total API requests (default 5000; smoke 200)")
    p.add_argument("--max-seconds", type=float, help="stop starting requests after this (default 600; smoke 60)")
    p.add_argument("--think-ms", type=float, help="mean pause between a visitor's actions, exponentially distributed "
                   "(default 5000: a person looks at each result for a few seconds; smoke 300)")
    p.add_argument("--url", help="a running server on this machine, instead of starting app.py")
    p.add_argument("--pid", type=int, help="with --url: the server's process id, to report its memory")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--smoke", action="store_true", help="short bounded run for CI; exit 1 on any failed request")


def loadtest(args: argparse.Namespace) -> int:
    if not args.url:
        weights(None, *STUDIO)  # the app serves $GAN_WEIGHTS or weights/
    from gan.tools.loadtest import run

    return run(args)


def human_eval_load_options(p: Parser) -> None:
    p.add_argument("--players", type=int, help="concurrent players (default 50; smoke 12)")
    p.add_argument("--seconds", type=float, help="how long they play, restarts not counted (default 60; smoke 15)")
    p.add_argument("--kills", type=int, default=1, help="SIGKILLs spread over the run, each followed by a restart (default 1)")
    p.add_argument("--data-dir", type=Path, help="the app's data folder (default: a fresh temporary one)")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--smoke", action="store_true", help="short bounded run for CI")


def human_eval_load(args: argparse.Namespace) -> int:
    weights(None, *STUDIO)
    from gan.tools.human_eval_load import run

    return run(args)


def webbench(argv: list[str]) -> None:
    from gan.tools.webbench import main  # parses its own options (numpy, no torch)

    main(argv)


def bare_page(args: argparse.Namespace) -> None:
    from gan.tools.bare_page import build

    build().launch(enable_monitoring=False)


def experiments_options(p: Parser) -> None:
    p.add_argument("--docs", type=Path, default=CHECKOUT / "docs", help="the docs folder (default: the checkout's docs/)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if experiments.md is out of date")


def experiments(args: argparse.Namespace) -> int:
    from gan.tools.experiments import run  # the standard library only

    return run(args.docs, args.check)


# ---------------------------------------------------------------------------- synthetic uploads, to look at


def photos_options(p: Parser) -> None:
    p.add_argument("--out", type=Path, required=True, help="write the JPEGs here")
    p.add_argument("-n", "--per-condition", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", default="data", help="MNIST: torchvision layout or .npz (default: data)")


def photos(args: argparse.Namespace) -> None:
    mnist(args.data_dir)
    from gan.makers.photos import write_photos

    write_photos(args.out, args.data_dir, args.per_condition, args.seed)


def drawings_options(p: Parser) -> None:
    p.add_argument("--out", type=Path, required=True, help="folder to write the drawings into")
    p.add_argument("-n", type=int, default=3, help="drawings of each kind")
    p.add_argument("--data-dir", default="data", help="MNIST: torchvision layout or .npz (default: data)")


def drawings(args: argparse.Namespace) -> None:
    mnist(args.data_dir)
    from gan.makers.drawings import write_drawings

    write_drawings(args.out, args.data_dir, args.n)


def nondigits_options(p: Parser) -> None:
    p.add_argument("-n", "--per-kind", type=int, default=4)
    p.add_argument("--split", default="test", choices=["train", "test"])
    p.add_argument("--out", type=Path, required=True)


def nondigits(args: argparse.Namespace) -> None:
    from gan.makers.nondigits import write_nondigits

    write_nondigits(args.out, args.per_kind, args.split)


# ---------------------------------------------------------------------------- the table

TOOLS: dict[str, Command] = {
    "train-verdict": Command("train, calibrate or measure the verdict model against a frozen generator (a step of gan ship)",
                             train_verdict_options, train_verdict, "gan.training.verdict"),
    "train-detector": Command("train the digit detector, the is-it-a-digit judge (a step of gan ship)",
                              train_detector_options, train_detector, "gan.training.detector"),
    "train-classifier": Command("train the reference classifier (the app's digit reader, the metrics' features)",
                                train_classifier_options, train_classifier, "gan.training.classifier"),
    "directions": Command("fit the sliders' latent directions (directions.json; a step of gan ship)", directions_options, directions,
                          "gan.core.directions"),
    "webexport": Command("export the page's generator (weights/web/; a step of gan ship)", webexport_options, webexport, "gan.tools.webexport"),
    "checksums": Command("rewrite a weights folder's checksums.json after changing a file by hand", checksums_options, checksums,
                         "gan.core.weights"),
    "uploads": Command("score photographed, drawn and non-digit uploads through the Studio", uploads_options, uploads, "gan.tools.uploads"),
    "frontier": Command("the cost-quality frontier: FID and recall against training minutes", frontier_options, frontier, "gan.tools.frontier"),
    "ddpbench": Command("training throughput on 1..N processes, plain and under torchrun", ddpbench_options, ddpbench, "gan.tools.ddpbench"),
    "loadtest": Command("a crowd of simulated visitors against the real app, over HTTP", loadtest_options, loadtest, "gan.tools.loadtest"),
    "human-eval-load": Command("players of the Real-or-fake game while the server is killed and restarted", human_eval_load_options,
                               human_eval_load, "gan.tools.human_eval_load"),
    "webbench": Command("the page in Chromium: first screen against a bare Gradio page, slider latency", None, webbench,
                        "gan.tools.webbench", raw=True),
    "bare-page": Command("serve the bare Gradio page webbench compares the app with", None, bare_page, "gan.tools.bare_page"),
    "experiments": Command("write docs/experiments.md from its template and tables (--check: is it current?)", experiments_options,
                           experiments, "gan.tools.experiments"),
    "photos": Command("write photo-like uploads of MNIST test digits, to look at", photos_options, photos, "gan.makers.photos"),
    "drawings": Command("write MNIST digits redrawn as visitors draw them, to look at", drawings_options, drawings, "gan.makers.drawings"),
    "nondigits": Command("write uploads that are not digits, to look at", nondigits_options, nondigits, "gan.makers.nondigits"),
}
