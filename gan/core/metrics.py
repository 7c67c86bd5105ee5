"""Sample-quality metrics on MNIST, with the reference classifier standing in for Inception.

FID, KID and IS come from torchmetrics (a well-kept implementation) fed our classifier's
128-d penultimate features / 10-way logits: Inception-v3 features are meaningless on 28x28
digits, and the classifier is independent of the GAN. Precision and recall follow
Kynkäänniemi et al. 2019 (k-NN manifolds, k=3). All functions take uint8 [N, 28, 28]
MNIST-polarity digits for `embed`, which runs the classifier once per set; the metrics then
take its features or logits.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import nn
from torchmetrics.classification import BinaryAUROC
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.inception import InceptionScore
from torchmetrics.image.kid import KernelInceptionDistance

from .models import Classifier
from .pixels import to_model_range


def _quietly(make):
    """A torchmetrics metric made without its warning that it keeps every feature in memory
    (10,000 x 128 features here: 10 MB, by design), noise to whoever runs gan evaluate."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Metric `.*` will save all extracted features", category=UserWarning)
        return make()


class _Given(nn.Module):
    """torchmetrics' feature-extractor interface over features we computed once: the
    classifier runs a single pass per image set, and every metric reuses its output."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features.double()


@torch.inference_mode()
def embed(classifier: Classifier, images: np.ndarray, batch: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 [N, 28, 28] -> penultimate features [N, 128] and class logits [N, 10]."""
    classifier.eval()
    feats, logits = [], []
    for i in range(0, len(images), batch):
        x = to_model_range(images[i:i + batch])
        h = classifier.features(x)
        feats.append(h)
        logits.append(classifier.logits(h))
    return torch.cat(feats), torch.cat(logits)


def fid(real_feats: torch.Tensor, fake_feats: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to the two feature sets."""
    metric = FrechetInceptionDistance(feature=_Given(real_feats.shape[1]))
    metric.update(real_feats, real=True)
    metric.update(fake_feats, real=False)
    return float(metric.compute())


def kid(real_feats: torch.Tensor, fake_feats: torch.Tensor, seed: int = 0) -> tuple[float, float]:
    """Kernel Inception Distance (mean, std over 100 random subsets of up to 1000)."""
    torch.manual_seed(seed)  # the subsets are drawn from torch's global generator
    metric = _quietly(lambda: KernelInceptionDistance(feature=_Given(real_feats.shape[1]), subset_size=min(1000, len(real_feats), len(fake_feats))))
    metric.update(real_feats, real=True)
    metric.update(fake_feats, real=False)
    mean, std = metric.compute()
    return float(mean), float(std)


def inception_score(logits: torch.Tensor, seed: int = 0) -> tuple[float, float]:
    """exp(E[KL(p(y|x) || p(y))]) over 10 splits: 10 at most (confident and balanced)."""
    torch.manual_seed(seed)  # the splits are a random permutation from torch's global generator
    metric = _quietly(lambda: InceptionScore(feature=_Given(logits.shape[1]), splits=10))
    metric.update(logits)
    mean, std = metric.compute()
    return float(mean), float(std)


def _knn_radii(feats: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each point to its k-th nearest neighbour in the same set (itself excluded)."""
    radii = [torch.cdist(chunk, feats).kthvalue(k + 1, dim=1).values for chunk in feats.split(1000)]
    return torch.cat(radii)


def _inside(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """For each point: does it fall in any ball (centre, radius)?"""
    return torch.cat([(torch.cdist(chunk, centres) <= radii[None]).any(1) for chunk in points.split(1000)])


def precision_recall(real_feats: torch.Tensor, fake_feats: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """Kynkäänniemi et al. 2019: precision = share of fakes inside the real k-NN manifold,
    recall = share of reals inside the fake k-NN manifold."""
    precision = _inside(fake_feats, real_feats, _knn_radii(real_feats, k)).float().mean()
    recall = _inside(real_feats, fake_feats, _knn_radii(fake_feats, k)).float().mean()
    return float(precision), float(recall)


def class_accuracy(logits: torch.Tensor, digits: np.ndarray) -> float:
    """Share of images the classifier reads as the digit they were meant to be."""
    return float((logits.argmax(1).numpy() == np.asarray(digits)).mean())


def per_class_fid(real_feats: torch.Tensor, real_labels: np.ndarray, fake_feats: torch.Tensor, fake_labels: np.ndarray) -> list[float]:
    """FID within each digit class: a collapsed or missing class stands out here."""
    return [fid(real_feats[torch.from_numpy(real_labels == d)], fake_feats[torch.from_numpy(fake_labels == d)]) for d in range(10)]


def per_class_ratio(per_class: list[float]) -> float:
    """Worst over median per-class FID: how far the hardest digit lags the typical one. It
    rises as the other digits improve, so read it beside the worst digit's own FID."""
    return max(per_class) / float(np.median(per_class))


def worst_digit(per_class: list[float]) -> dict[str, float]:
    """The worst digit's FID and its ratio to the median digit's: the two are read together."""
    return {"worst_class_fid": max(per_class), "per_class_fid_ratio": per_class_ratio(per_class)}


def diversity(feats: torch.Tensor, n: int = 500) -> float:
    """Mean pairwise feature distance among (the first n) samples: mode collapse drives it toward 0."""
    f = feats[:n]
    d = torch.cdist(f, f)
    return float(d.sum() / (len(f) * (len(f) - 1)))


def roc_auc(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> float:
    """How well scores separate real (label 1) from fake (label 0): 0.5 means not at all."""
    scores = torch.cat([real_scores, fake_scores]).float()
    labels = torch.cat([torch.ones(len(real_scores)), torch.zeros(len(fake_scores))]).long()
    return float(BinaryAUROC()(scores, labels))


def expected_calibration_error(probs: torch.Tensor, labels: torch.Tensor, bins: int = 15) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size,
    for binary predictions p = P(label = 1)."""
    conf = torch.where(probs >= 0.5, probs, 1 - probs)
    correct = ((probs >= 0.5).long() == labels).float()
    edges = torch.linspace(0.5, 1.0, bins + 1)
    ece = torch.zeros(())
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi) if lo > 0.5 else (conf >= lo) & (conf <= hi)
        if m.any():
            ece += m.float().mean() * (correct[m].mean() - conf[m].mean()).abs()
    return float(ece)


def fit_platt(logits: torch.Tensor, labels: torch.Tensor) -> tuple[float, float]:
    """Platt scaling: the (scale, bias) minimising the log loss of sigmoid(scale * logit + bias)."""
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    opt = torch.optim.LBFGS([params], max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(params[0] * logits + params[1], labels.float())
        loss.backward()
        return loss

    opt.step(closure)
    return float(params[0].detach()), float(params[1].detach())
