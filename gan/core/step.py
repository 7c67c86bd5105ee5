"""One training step of the GAN: the single definition that `gan train` and the
Space's Training lab (`gan/space/lab.py`) both run; and the moving average of G's weights
(`update_ema`) that both keep.

A step trains D on a real batch and a fake batch (its labels are the real batch's),
`cfg.d_steps` times, then trains G once on D's feedback. With cfg.aux_weight > 0, D also
learns to name the digit of real images and G is also trained to make D name the digit it
was asked for (AC-GAN); with cfg.twin_classifier a twin head learns the digits of G's
images and G's class loss subtracts its loss (TAC-GAN). With cfg.diversity_weight > 0, G is
also pushed to draw two latents of one digit differently (MSGAN's mode-seeking term).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from .config import Config
from .losses import LOSSES, class_loss, gradient_penalty, mode_seeking_loss, zero_centred_penalty
from .models import Discriminator, Generator

if TYPE_CHECKING:  # a type only: the Space, which runs steps in one process, never loads torch.distributed's collectives
    from .distributed import Shard


def build(cfg: Config, device: torch.device | str = "cpu") -> tuple[Generator, Discriminator, torch.optim.Adam, torch.optim.Adam]:
    """G, D and their Adam optimisers as `cfg` describes them (weights from torch's global RNG)."""
    G = Generator(cfg.arch, cfg.z_dim, cfg.g_width).to(device)
    D = Discriminator(cfg.arch, cfg.d_width, aux_classifier=cfg.aux_weight > 0,
                      twin_classifier=cfg.twin_classifier).to(device)
    if cfg.precision == "bf16":  # oneDNN's bfloat16 convolutions are fastest on channels-last tensors (8% a step)
        G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
    opt_g = torch.optim.Adam(G.parameters(), cfg.lr_g, betas=(cfg.beta1, cfg.beta2))
    opt_d = torch.optim.Adam(D.parameters(), cfg.lr_d, betas=(cfg.beta1, cfg.beta2))
    return G, D, opt_g, opt_d


def autocast(cfg: Config, device: torch.device) -> torch.autocast:
    """The forward passes' precision: bfloat16 under --precision bf16 (weights, Adam and the
    backward's accumulation stay float32), else off."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.precision == "bf16")


def float32(*tensors: torch.Tensor | None) -> tuple[torch.Tensor | None, ...]:
    """D's logits as float32: the losses and penalties are computed at full precision."""
    return tuple(None if t is None else t.float() for t in tensors)


def train_step(G: Generator, D: Discriminator, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer,
               real: torch.Tensor, y: torch.Tensor, cfg: Config, rng: torch.Generator | None = None,
               aux_weight: float | None = None, step: int = 0, shard: Shard | None = None) -> dict[str, float]:
    """D on real and fake (cfg.d_steps times), then G on D's feedback. Returns the step's
    loss_d, loss_g, d_real = mean D(x), d_fake = mean D(G(z)) (sigmoid of the conditional
    head's logits, from D's last update) and g_grad_norm (the L2 norm of G's whole gradient).

    `rng` draws z and the gradient penalty's mixing weights; None uses torch's global
    generator (the training script). The lab passes its own, so a run in a server shared
    with other requests is still reproducible from its seed. `aux_weight` is the class loss's
    weight at this step (the training schedule's); None: cfg.aux_weight. `step` is the run's
    step count: with cfg.r1_gamma > 0 the R1/R2 penalties apply when it is a multiple of cfg.r1_every.
    `shard`: under torchrun, this process's place; `real` and `y` are its rows of the global
    batch (`gan.core.distributed`), and its latents are its rows of the global batch's.
    """
    aux_weight = cfg.aux_weight if aux_weight is None else aux_weight
    d_loss_fn, g_loss_fn = LOSSES[cfg.loss]
    device = real.device

    # 1) D on real and fake: push real logits up, fake logits down (both heads).
    D.requires_grad_(True)
    for _ in range(cfg.d_steps):
        z = latents(len(y), cfg.z_dim, device, rng, shard)
        # One trunk pass over real and fake together (D has no batch norm, so this is
        # the same as two passes, and faster).
        penalize = cfg.r1_gamma > 0 and step % cfg.r1_every == 0
        with autocast(cfg, device):
            fake = G(z, y)
            x = torch.cat([real, fake.detach()]).requires_grad_(penalize)
            c, u, cls, twin = float32(*D.heads(x, torch.cat([y, y])))
        (rc, fc), (ru, fu) = c.chunk(2), u.chunk(2)
        loss_d = d_loss_fn(rc, fc) + d_loss_fn(ru, fu)
        if penalize:  # R1 on the reals plus R2 on the fakes (both halves of x), every r1_every steps
            # gamma/2 * (R1 + R2) is gamma times the mean over all of x; lazily, r1_every times that.
            loss_d = loss_d + cfg.r1_every * cfg.r1_gamma * zero_centred_penalty(c + u, x)
        if cls is not None:  # D learns digits from real images only (fakes would teach it G's mistakes)
            loss_d = loss_d + aux_weight * F.cross_entropy(cls[:len(y)], y)
        if twin is not None:  # ... and its twin learns them from G's images only (TAC-GAN)
            loss_d = loss_d + aux_weight * F.cross_entropy(twin[len(y):], y)
        if cfg.loss == "wgan-gp":
            loss_d = loss_d + cfg.gp_weight * (
                gradient_penalty(lambda x: D(x, y), real, fake, rng) + gradient_penalty(D, real, fake, rng))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()

    # 2) G on D's feedback on the same fakes. D's weights are frozen for this pass:
    #    G needs the gradient through D, not D's own weight gradients.
    D.requires_grad_(False)
    with autocast(cfg, device):
        gc, gu, cls, twin = float32(*D.heads(fake, y))
    pc = pu = None
    if cfg.loss == "rpgan":  # the real halves of the pairs, scored by the updated D: constants for G
        with torch.no_grad():
            pc, pu = D.both(real, y)
    loss_g = g_loss_fn(gc, pc) + g_loss_fn(gu, pu)
    if cls is not None:
        loss_g = loss_g + aux_weight * class_loss(cls, twin, y)
    if cfg.diversity_weight > 0:
        loss_g = loss_g + cfg.diversity_weight * mode_seeking_loss(fake.float(), z, y)
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    # The norm of G's whole gradient: what vanishes when D wins under the saturating loss.
    # One fused call over ~10 tensors, a few microseconds beside the step's milliseconds.
    g_grad_norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm([p.grad for p in G.parameters() if p.grad is not None])))
    opt_g.step()
    return {"loss_d": loss_d.item(), "loss_g": loss_g.item(), "d_real": torch.sigmoid(rc).mean().item(),
            "d_fake": torch.sigmoid(fc).mean().item(), "g_grad_norm": g_grad_norm.item()}


def latents(n: int, z_dim: int, device: torch.device, rng: torch.Generator | None, shard: Shard | None) -> torch.Tensor:
    """n latents; under torchrun, this process's rows of the whole batch's draw, so N processes
    train on the latents one process draws (and the generator moves on alike in all of them)."""
    if shard is None:
        return torch.randn(n, z_dim, device=device, generator=rng)
    return shard.rows(torch.randn(n * shard.world, z_dim, device=device, generator=rng))


@torch.no_grad()
def update_ema(ema: Generator, model: Generator, decay: float) -> None:
    for e, m in zip(ema.parameters(), model.parameters()):
        e.lerp_(m, 1 - decay)
    for e, m in zip(ema.buffers(), model.buffers()):
        e.copy_(m)
