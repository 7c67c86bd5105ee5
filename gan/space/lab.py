"""The Training lab: train a small GAN on real MNIST digits for a few seconds, watch it learn,
and break it on purpose. The Space's "Training lab" tab streams `run()`'s updates.

    gan lab --preset all          # run every preset and measure its signal (gan/lab.py)

A run is the project's training step (`gan.core.step.train_step`, the one `gan train`
runs) on 12,000 real training digits shipped with the weights (`weights/lab_digits.npz`,
1,200 per digit, 2 MB), with one torch thread and its own random generator: the same
settings and seed give the same run, step for step. It stops at its step budget, at its
wall-clock cap (at most 60 s), or when the caller stops asking for updates.

Every `update_every` steps it reports what a learner watches: the losses, mean D(x) and
D(G(z)), the norm of G's gradient, a fixed-seed grid of samples (rows = digits 0-9) from the
moving average of G's weights (what `gan train` ships), and what the reference classifier
reads in those 100 samples: how often it
reads the digit asked for, the entropy of the class histogram, and the samples' diversity
(their spread in the classifier's feature space, per requested digit, over real digits').
"""


from __future__ import annotations

import copy
import dataclasses
import functools
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from gan.core.config import Config
from gan.core.data import load_mnist
from gan.core.models import Classifier
from gan.core.pixels import to_model_range, to_uint8
from gan.core.sampling import latents_from_seeds
from gan.core.step import build, train_step, update_ema
from gan.core.viz import grid
from gan.core.weights import SHIPPED

LAB_DIGITS = SHIPPED / "lab_digits.npz"
MAX_SECONDS = 60.0
MAX_STEPS = 5000
PROBE_PER_DIGIT = 10  # fixed-seed samples per digit, shown and read by the classifier at each update

# The two architectures on offer, as train.Config fields. "dcgan-small" is the shipped
# DCGAN at a quarter of G's width and half of D's (G 0.13 M, D 0.42 M parameters); "mlp"
# is the seed article's network.
ARCHS = {
    "dcgan-small": {"arch": "dcgan", "z_dim": 64, "g_width": 32, "d_width": 32},
    "mlp": {"arch": "mlp", "z_dim": 100, "g_width": 128, "d_width": 64},
}
# Steps between updates when the settings say 0: reading 100 samples with the classifier
# costs about two DCGAN steps or eight MLP steps, so this keeps it near a fifth of the time.
UPDATE_EVERY = {"dcgan-small": 10, "mlp": 40}


@dataclass
class LabSettings:
    """What a visitor can change. `steps` is the budget (the run is reproducible step for
    step); `max_seconds` caps the wall clock so a slow machine still ends on time."""

    arch: str = "dcgan-small"  # dcgan-small | mlp
    loss: str = "bce"  # bce (non-saturating) | minimax (saturating) | wgan-gp
    lr_g: float = 2e-3
    lr_d: float = 2e-3
    beta1: float = 0.5
    d_steps: int = 1
    batch_size: int = 64
    class_loss: float = 5.0  # weight of AC-GAN's auxiliary class loss (0: none)
    seed: int = 0
    steps: int = 450  # healthy reads >= 80% as asked by here on 5 of 6 seeds (at 300: 3 of 6, README)
    max_seconds: float = 30.0
    update_every: int = 0  # steps between updates (0: the architecture's UPDATE_EVERY)

    def validated(self) -> "LabSettings":
        """A copy clamped to what one visitor may spend; unknown choices raise ValueError."""
        if self.arch not in ARCHS:
            raise ValueError(f"arch must be one of {', '.join(ARCHS)}, got {self.arch!r}")
        if self.loss not in ("bce", "minimax", "wgan-gp"):
            raise ValueError(f"loss must be bce, minimax or wgan-gp, got {self.loss!r}")
        for name in ("lr_g", "lr_d", "beta1", "class_loss", "max_seconds"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be a finite number")
        return dataclasses.replace(
            self,
            lr_g=min(max(self.lr_g, 1e-6), 0.1), lr_d=min(max(self.lr_d, 1e-6), 0.1),
            beta1=min(max(self.beta1, 0.0), 0.99), d_steps=min(max(int(self.d_steps), 1), 10),
            batch_size=min(max(int(self.batch_size), 8), 256), class_loss=min(max(self.class_loss, 0.0), 10.0),
            seed=int(self.seed) % 2**32, steps=min(max(int(self.steps), 1), MAX_STEPS),
            max_seconds=min(max(self.max_seconds, 1.0), MAX_SECONDS), update_every=min(max(int(self.update_every), 0), 100) or UPDATE_EVERY[self.arch],
        )

    def train_config(self) -> Config:
        """The training script's Config for these settings: one definition of a step's inputs."""
        return Config(loss=self.loss, lr_g=self.lr_g, lr_d=self.lr_d, beta1=self.beta1, beta2=0.999, d_steps=self.d_steps,
                      batch_size=self.batch_size, aux_weight=self.class_loss, seed=self.seed, **ARCHS[self.arch])


@dataclass
class Preset:
    settings: LabSettings
    what: str  # two sentences: what the preset does and what to look for


PRESETS: dict[str, Preset] = {
    "healthy": Preset(
        LabSettings(),  # the defaults
        "The non-saturating loss, equal learning rates, DCGAN's beta1 = 0.5 and a strong class loss: D(x) and D(G(z)) "
        "stay apart but neither reaches 0 or 1, and G's gradient stays alive. Within a few hundred steps each row "
        "of the grid turns into its digit, and the classifier's histogram flattens out across all ten digits."),
    "mode collapse": Preset(
        LabSettings(arch="mlp", lr_g=5e-3, lr_d=5e-3, beta1=0.9, class_loss=0.0, steps=400, seed=0),
        "The seed article's MLP without the class loss, at a high learning rate with heavy momentum: G finds one "
        "blob that D scores well and sends every latent and every digit there. Look at the grid (every cell alike, "
        "whatever digit its row asks for) and the histogram (one bar: its entropy falls to 0 bits)."),
    "non-convergence": Preset(
        LabSettings(arch="mlp", beta1=0.9, class_loss=1.0, steps=300),
        "The MLP with Adam's momentum at 0.9 instead of 0.5: each player keeps moving in the direction that worked "
        "a moment ago, after the other has already answered. Watch D(x) and D(G(z)) swing apart and back together "
        "for the whole run instead of settling, while the digits never quite form."),
    "vanishing gradients": Preset(
        LabSettings(loss="minimax", lr_g=2e-4, lr_d=1e-2, d_steps=3, class_loss=0.0, steps=100),
        "The original minimax loss with a discriminator that learns 50 times faster and three times as often: D "
        "soon rejects every fake (D(x) = 1, D(G(z)) = 0), and there the saturating loss is flat. G's gradient norm "
        "falls towards 0 and the grid stays noise: G is not learning anything, however long it runs."),
    "too-high learning rate": Preset(
        LabSettings(lr_g=2e-2, lr_d=2e-2, beta1=0.9, class_loss=0.0, steps=100),
        "Ten times the healthy learning rate with heavy momentum: every update overshoots. D wins outright, G's "
        "loss climbs and jumps, and the grid shows garbage that the classifier reads as the digit asked for no "
        "more often than chance (10%)."),
}
PRESET_NAMES = list(PRESETS)


@dataclass
class Update:
    """What the lab reports every `update_every` steps (and once more at the end)."""

    step: int
    seconds: float
    log: list[dict]  # one row per step since the previous update (step, loss_d, loss_g, d_real, d_fake, g_grad_norm)
    grid: np.ndarray  # uint8 image: rows = digits 0-9, columns = fixed seeds
    histogram: list[float]  # share of the probe samples the classifier reads as each digit
    accuracy: float  # share read as the digit they were asked for
    entropy: float  # of the histogram, in bits (log2(10) = 3.32 when every digit is equally common)
    diversity: float  # per-digit spread in feature space over real digits' (1 = as varied as MNIST)
    done: bool = False
    stopped_by: str = ""  # steps | time | diverged, once done

    def summary(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in ("log", "grid", "histogram")}


@functools.lru_cache(maxsize=2)
def lab_digits(path: str | Path = LAB_DIGITS) -> tuple[torch.Tensor, torch.Tensor]:
    """The training digits, uint8 [N, 28, 28] (9 MB; 38 MB as floats, so batches are converted
    as they are drawn), and labels [N]: loaded once per process, on the first run."""
    return load_mnist(Path(path))


class Probe:
    """Fixed-seed samples and the reference classifier's reading of them."""

    def __init__(self, classifier: Classifier, z_dim: int, real: torch.Tensor, real_labels: torch.Tensor):
        self.classifier = classifier  # in eval mode (the Studio's): shared with other requests, never changed
        self.labels = torch.arange(10).repeat_interleave(PROBE_PER_DIGIT)
        self.z = latents_from_seeds(range(PROBE_PER_DIGIT), z_dim).repeat(10, 1)
        # Real digits' spread, the yardstick of diversity: the same number per digit as the probe.
        idx = torch.cat([torch.nonzero(real_labels == d)[:PROBE_PER_DIGIT, 0] for d in range(10)])
        self.real_spread = self._spread(self._features(to_model_range(real[idx])))

    @torch.inference_mode()
    def _features(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier.features(x)

    def _spread(self, features: torch.Tensor) -> float:
        """Mean distance of each sample's features to its digit's mean: 0 when all alike."""
        f = features.view(10, PROBE_PER_DIGIT, -1)
        return (f - f.mean(1, keepdim=True)).norm(dim=2).mean().item()

    @torch.no_grad()  # not inference_mode: batch norm updates its (training) running averages in place
    def read(self, G: torch.nn.Module) -> tuple[np.ndarray, list[float], float, float, float]:
        """(grid, histogram, accuracy, entropy in bits, diversity) of G's samples.
        G stays in training mode: its batch norm uses these 100 samples' statistics, as in
        training (a few hundred steps at a high learning rate leave the running averages
        behind). It only updates those running averages, which training never reads."""
        x = G(self.z, self.labels)
        x = torch.nan_to_num(x)  # a diverged G may output NaN: show and read it as black
        features = self._features(x)
        read_as = self.classifier.logits(features).argmax(1)
        hist = torch.bincount(read_as, minlength=10).float() / len(read_as)
        entropy = max(0.0, -(hist[hist > 0] * hist[hist > 0].log2()).sum().item())  # max: no "-0.00"
        accuracy = (read_as == self.labels).float().mean().item()
        return grid(to_uint8(x), cols=PROBE_PER_DIGIT), hist.tolist(), accuracy, entropy, self._spread(features) / self.real_spread


def run(settings: LabSettings, classifier: Classifier, data: tuple[torch.Tensor, torch.Tensor] | None = None,
        *, time_cap: bool = True) -> Iterator[Update]:
    """Train from scratch with `settings`, yielding an Update every `update_every` steps and a
    last one with done=True. Stop early by closing the generator (or simply not iterating).
    time_cap=False ignores max_seconds: scripts and tests that judge a run by its steps on a
    slow or busy machine (the Space always caps)."""
    s = settings.validated()
    if not time_cap:
        s = dataclasses.replace(s, max_seconds=math.inf)
    cfg = s.train_config()
    real, labels = data if data is not None else lab_digits()
    # Our own generators: other requests in the same server cannot shift this run's randomness.
    with torch.random.fork_rng():
        torch.manual_seed(s.seed)
        G, D, opt_g, opt_d = build(cfg)
    # What the grid shows and the classifier reads is a moving average of G's weights, as
    # shipped by `gan train`: at these learning rates G's raw weights jump from step to step.
    ema = copy.deepcopy(G)
    rng = torch.Generator().manual_seed(s.seed)
    probe = Probe(classifier, cfg.z_dim, real, labels)
    order = torch.randperm(len(real), generator=rng)
    start, at, rows = time.perf_counter(), 0, []
    step = 0
    G.train(); D.train()
    while True:
        if at + s.batch_size > len(order):  # a new epoch, a new shuffle
            order, at = torch.randperm(len(real), generator=rng), 0
        idx = order[at:at + s.batch_size]
        at += s.batch_size
        metrics = train_step(G, D, opt_g, opt_d, to_model_range(real[idx]), labels[idx], cfg, rng)
        update_ema(ema, G, min(0.999, (1 + step) / (10 + step)))  # a run of seconds: a short average, warmed up fast
        step += 1
        rows.append({"step": step, **{k: round(v, 5) for k, v in metrics.items()}})
        seconds = time.perf_counter() - start
        stopped_by = ("diverged" if not all(map(math.isfinite, metrics.values())) else
                      "steps" if step >= s.steps else "time" if seconds >= s.max_seconds else "")
        if step % s.update_every == 0 or stopped_by:
            grid_, hist, acc, ent, div = probe.read(ema)
            yield Update(step, round(seconds, 2), rows, grid_, [round(h, 4) for h in hist], round(acc, 4), round(ent, 4),
                         round(div, 4), bool(stopped_by), stopped_by)
            rows = []
        if stopped_by:
            return


def run_to_end(settings: LabSettings, classifier: Classifier, data=None, *, time_cap: bool = True) -> tuple[list[Update], list[dict]]:
    """Every update of a run and its whole per-step log."""
    updates = list(run(settings, classifier, data, time_cap=time_cap))
    return updates, [row for u in updates for row in u.log]


# ---------------------------------------------------------------------- signals


def signals(updates: list[Update], log: list[dict]) -> dict[str, float]:
    """The figures each preset's failure shows in, from a finished run. Averages over the
    last quarter of the run, so one lucky step does not decide."""
    n = len(log)
    tail = log[-max(1, n // 4):]
    last = updates[-max(1, len(updates) // 4):]

    def mean(rows: list[dict], key: str) -> float:
        vals = [r[key] for r in rows if math.isfinite(r[key])]
        return float(np.mean(vals)) if vals else float("nan")

    return {
        "steps": n,
        "final_accuracy": updates[-1].accuracy,
        "accuracy": float(np.mean([u.accuracy for u in last])),
        "entropy": float(np.mean([u.entropy for u in last])),
        "diversity": float(np.mean([u.diversity for u in last])),
        "d_real": mean(tail, "d_real"),
        "d_fake": mean(tail, "d_fake"),
        "g_grad_norm": mean(tail, "g_grad_norm"),
        "loss_g": mean(tail, "loss_g"),
        "oscillation": oscillation(log),
        "diverged": float(updates[-1].stopped_by == "diverged"),
    }


def oscillation(log: list[dict], key: str = "d_fake") -> float:
    """How far D(G(z)) keeps swinging in the second half of a run: the standard deviation of
    its 10-step means. A settling game drifts slowly and scores low; two players taking turns
    to win swing it from near 0 to near 1 and score high."""
    vals = np.array([r[key] for r in log[len(log) // 2:]], dtype=float)
    vals = vals[np.isfinite(vals)]
    if len(vals) < 20:
        return float("nan")
    means = vals[: len(vals) // 10 * 10].reshape(-1, 10).mean(1)
    return float(means.std())
