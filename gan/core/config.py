"""A run's settings in one place: `Config` and its named recipes.

    gan train --data-dir ../shared/data --out runs/dcgan                     # the shipped recipe (the defaults)
    gan train --data-dir ../shared/data --out runs/b30 --recipe bf16-30      # about 30 minutes on 2 cores with AMX
    gan train --data-dir ../shared/data --out runs/b30 --recipe bf16-30 --seed 1   # a flag after the recipe wins

Every field of `Config` is a flag of `gan train` (its `# ...` comment is the flag's help:
gan.cli.commands builds the command line from this class). A recipe is a named set of values
over the defaults (RECIPES); the measurements behind each are in docs/experiments.md.
Standard library only: `gan train --help` answers before torch loads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

ARCHS = ("dcgan", "mlp")
LOSS_NAMES = ("bce", "minimax", "wgan-gp", "rpgan")  # gan.core.losses.LOSSES (a test keeps them equal)
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("fp32", "bf16")
CHOICES = {"arch": ARCHS, "loss": LOSS_NAMES, "device": DEVICES, "precision": PRECISIONS}


@dataclass
class Config:
    """Every setting of a run, the whole schedule included. The defaults are the recipe of the
    shipped weights, one run (RECIPES["shipped"]); the other named recipes below change a few."""

    data_dir: str = "data"  # torchvision MNIST layout (downloaded when missing) or an .npz with images, labels
    out: str = "runs/default"  # where checkpoints, logs, grids and the final weights go (a run folder, never weights/)
    arch: str = "dcgan"  # dcgan | mlp (the seed article's baseline)
    loss: str = "bce"  # bce (non-saturating) | minimax (the original, saturating) | wgan-gp | rpgan (relativistic pairing, R3GAN's)
    epochs: int = 96  # 5.8 million images: what the best figures took (recipe bf16-30: 70)
    batch_size: int = 128  # DCGAN's (recipe fast30: 32, more steps in a fixed time)
    lr_g: float = 2e-4  # DCGAN's (recipe fast30: 8e-4 with betas 0 and 0.99)
    lr_d: float = 2e-4
    beta1: float = 0.5  # DCGAN's Adam betas
    beta2: float = 0.999
    lr_decay_start: float = 0.5  # fraction of training after which both learning rates fall linearly to 0
    z_dim: int = 64
    g_width: int = 128
    d_width: int = 64
    d_steps: int = 1  # D updates per G update (WGAN-GP papers use 5)
    gp_weight: float = 10.0  # WGAN-GP's lambda
    r1_gamma: float = 0.0  # weight of the zero-centred gradient penalties on D, R1 on reals and R2 on fakes (R3GAN's gamma)
    r1_every: int = 4  # apply them every N steps at N times the weight (StyleGAN2's lazy regularisation): a quarter of the cost
    diversity_weight: float = 0.0  # weight of MSGAN's mode-seeking term on G: two latents of one digit should draw different digits (0: off)
    aux_weight: float = 1.0  # weight of AC-GAN's auxiliary class loss (0: no auxiliary classifier in D)
    aux_weight_late: float = 0.1  # the class loss's weight once digits are learnt (from aux_late_start on): lower gives back variety
    aux_late_start: float = 0.625  # fraction of training after which aux_weight_late applies (epoch 60 of 96)
    twin_classifier: bool = False  # TAC-GAN: a second class head in D learns G's digits, and G's class loss subtracts its loss
    ema_images: int = 88_000  # half-life of the shipped generator's moving average of G's weights, in images (a cap: see ema_rampup)
    ema_rampup: float = 0.05  # the half-life is at most this fraction of the images seen (0: none); the cap from 1.76 million images on
    class_shares: str = ""  # ten comma-separated weights, digit 0 to 9: each epoch draws digits in these shares, with replacement (empty: a shuffle of all)
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda | mps
    threads: int = 0  # torch CPU threads; 0 keeps torch's default
    precision: str = "fp32"  # fp32 | bf16: the step under bfloat16 autocast, 1.5-1.7x the images/s on CPUs with AMX (gan bench)
    log_every: int = 50  # steps between train_log.jsonl lines
    snapshot_every: int = 0  # epochs between snapshots of the EMA generator in --out/snapshots/ (0: none), for gan.tools.frontier
    max_steps: int = 0  # stop after this many steps in all (0: run every epoch); for smoke tests
    resume: bool = False  # continue from --out/checkpoint.pt

    # The schedule: pure functions of the step, so a resumed run and the tests see the same values.
    def lr_factor(self, step: int, total_steps: int) -> float:
        """Multiplier of both learning rates: 1, then linear to 0 from lr_decay_start on."""
        start = self.lr_decay_start * total_steps
        return 1.0 if step < start else max(0.0, (total_steps - step) / max(1.0, total_steps - start))

    def aux_weight_at(self, step: int, total_steps: int) -> float:
        """The class loss's weight: aux_weight, then aux_weight_late from aux_late_start on."""
        return self.aux_weight if step < self.aux_late_start * total_steps else self.aux_weight_late

    def shares(self) -> list[float] | None:
        """--class-shares as ten numbers, or None for the data's own shares."""
        return [float(v) for v in self.class_shares.split(",")] if self.class_shares else None

    def ema_beta(self, step: int) -> float:
        """How much of the average to keep after `step` steps (StyleGAN's EMA): a half-life of
        ema_images, shorter early on so G's random initial weights are soon forgotten."""
        images = max(1, (step + 1) * self.batch_size)
        half_life = min(self.ema_images, images * self.ema_rampup) if self.ema_rampup else self.ema_images
        return 0.5 ** (self.batch_size / max(half_life, 1e-8))


# Each digit's share of an epoch in proportion to its variety: the trace of the digit's
# covariance in the reference classifier's features over the training set (docs/experiments.md,
# "class shares"): more 2s and 8s, fewer 1s.
VARIETY = "6.26,3.85,13.59,8.27,10.24,9.39,8.32,8.19,13.77,8.86"

RECIPES: dict[str, dict[str, object]] = {
    # The shipped weights: 96 epochs of 128 (about 60 minutes on 2 cores in float32, 39 in bf16).
    "shipped": {},
    # The 30-minute recipe: the defaults, 70 epochs instead of 96, the step in bfloat16 (CPUs
    # with AMX; elsewhere autocast emulates bfloat16 and is slower: use fast30).
    "bf16-30": {"precision": "bf16", "epochs": 70},
    # The 30-minute recipe in float32: 10 epochs of 32 at 4x the rate, Adam's betas 0 and 0.99.
    "fast30": {"epochs": 10, "batch_size": 32, "lr_g": 8e-4, "lr_d": 8e-4, "beta1": 0.0, "beta2": 0.99, "aux_late_start": 0.6},
    # bf16-30 with more of the varied digits in each epoch: the worst digit closer to the median, at a cost in FID.
    "bf16-30-variety": {"precision": "bf16", "epochs": 70, "class_shares": VARIETY},
}
# A few minutes, to see it work: one epoch of fast30. Recognisable digits, far from the shipped
# quality: FID 1.57, class accuracy 94.3% (gan.evaluate), 3.5 minutes on one busy core.
RECIPES["quick"] = {**RECIPES["fast30"], "epochs": 1}


def recipe(name: str, **overrides: object) -> Config:
    """The named recipe's Config, with any setting overridden."""
    if name not in RECIPES:
        raise ValueError(f"no recipe {name!r}; the recipes are {', '.join(RECIPES)}")
    return replace(Config(), **{**RECIPES[name], **overrides})
