"""Adversarial losses on raw logits (D's outputs before any sigmoid).

Non-saturating BCE (Goodfellow et al. 2014), with D(x) = sigmoid(logit):
    D: -log D(x) - log(1 - D(G(z)))       G: -log D(G(z))
softplus(-l) = -log sigmoid(l) and softplus(l) = -log(1 - sigmoid(l)) compute these without
overflow for any logit.

The original minimax ("saturating") loss gives G the other side of D's objective:
    G: log(1 - D(G(z)))   (minimised)
Its gradient vanishes exactly when G most needs it: while D confidently rejects G's samples
(D(G(z)) near 0, log(1 - D) flat), which is why the non-saturating form is the default.

WGAN-GP (Gulrajani et al. 2017): the critic maximises E[D(x)] - E[D(G(z))] with a penalty
that keeps its gradient norm near 1 on points between real and fake samples.

Relativistic pairing, RpGAN (Jolicoeur-Martineau 2019; R3GAN, Huang et al. 2024): D scores
each fake against a real of the same digit, and each loss is BCE on the logit difference
    D: softplus(D(G(z)) - D(x))           G: softplus(D(x) - D(G(z)))
so G is pushed wherever its samples trail the real ones they are paired with; Sun et al.
(2020) show this loss has no mode-dropping local minima, where the BCE loss has many.

Every G loss takes (fake_logits, real_logits); only RpGAN's uses the real ones.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F


def d_loss_bce(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def g_loss_bce(fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None) -> torch.Tensor:
    return F.softplus(-fake_logits).mean()


def g_loss_minimax(fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None) -> torch.Tensor:
    return -F.softplus(fake_logits).mean()  # log(1 - sigmoid(l)) = -softplus(l)


def d_loss_wgan(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return fake_logits.mean() - real_logits.mean()


def g_loss_wgan(fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None) -> torch.Tensor:
    return -fake_logits.mean()


def d_loss_rpgan(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return F.softplus(fake_logits - real_logits).mean()


def g_loss_rpgan(fake_logits: torch.Tensor, real_logits: torch.Tensor | None = None) -> torch.Tensor:
    return F.softplus(real_logits - fake_logits).mean()


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor,
                     rng: torch.Generator | None = None) -> torch.Tensor:
    """E[(||grad critic(x_hat)|| - 1)^2] at random points x_hat on the lines between real and fake
    (mixing weights from `rng`, or torch's global generator when None)."""
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, generator=rng)
    x_hat = (alpha * real + (1 - alpha) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def zero_centred_penalty(logits: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """E[||grad logits(x)||^2] over the batch: R1 (Mescheder et al. 2018) where `inputs` are
    real, R2 where they are fake. Pushing D's slope to 0 at the data (not to 1, as WGAN-GP does)
    stops D from growing ever steeper around real digits, which lets both nets take larger
    steps without oscillating (R3GAN). `inputs` must have requires_grad set before `logits`."""
    (grad,) = torch.autograd.grad(logits.sum(), inputs, create_graph=True)
    return grad.square().flatten(1).sum(1).mean()


def mode_seeking_loss(fake: torch.Tensor, z: torch.Tensor, y: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """MSGAN's mode-seeking term (Mao et al. 2019) for G: 1 / (mean |G(z1, y) - G(z2, y)| /
    mean |z1 - z2|) over pairs of samples of the same digit in the batch. Minimising it makes
    two latents of one digit draw visibly different digits, against the conditional GAN's habit
    of ignoring z and drawing each digit alike. Pairs are neighbours once the batch is sorted by
    label; 0 (no gradient) when no two samples share a digit."""
    order = torch.argsort(y, stable=True)
    n = len(order) // 2 * 2
    a, b = order[:n:2], order[1:n:2]
    same = y[a] == y[b]
    if not same.any():
        return fake.sum() * 0
    a, b = a[same], b[same]
    ratio = (fake[a] - fake[b]).abs().mean() / (z[a] - z[b]).abs().mean()
    return 1 / (ratio + eps)


def class_loss(class_logits: torch.Tensor, twin_logits: torch.Tensor | None, y: torch.Tensor) -> torch.Tensor:
    """G's class loss on its own images. AC-GAN's (Odena 2017): cross-entropy of D's classifier
    against the digit asked for. It rewards the shapes a classifier names most surely, and so
    shrinks each digit's variety. With TAC-GAN's twin classifier (Gong et al. 2019), trained on
    G's images only, G also maximises the twin's cross-entropy: together the two terms compare
    how real and generated digits of each class look, instead of rewarding sure reads alone."""
    loss = F.cross_entropy(class_logits, y)
    return loss if twin_logits is None else loss - F.cross_entropy(twin_logits, y)


# D's loss is the same for both BCE forms; only G's differs.
LOSSES = {"bce": (d_loss_bce, g_loss_bce), "minimax": (d_loss_bce, g_loss_minimax), "wgan-gp": (d_loss_wgan, g_loss_wgan),
          "rpgan": (d_loss_rpgan, g_loss_rpgan)}
