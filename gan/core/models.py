"""Generator, discriminator and the MNIST classifier used as the metrics' feature extractor.

Both GAN networks come in two architectures, picked by the `arch` constructor argument:

- "dcgan" (shipped): a class-conditional DCGAN. G maps (z, label) through a linear layer
  to 7x7 feature maps and two transposed convolutions to 28x28; D mirrors it with two
  strided convolutions.
- "mlp": the seed article's baseline, G: z -> Dense 128 ReLU -> Dense 784 tanh and
  D: 784 -> Dense 128 ReLU -> 1, with the label concatenated to G's input and a projection
  term added to D so it can be compared with the DCGAN on the same class-conditional metrics.

The discriminator has two heads on one trunk (features h):
    conditional   D(x, y) = w.h + b + <embed(y), h>     (projection discriminator, Miyato 2018)
    unconditional D(x)    = w'.h + b'
Both are trained with the adversarial loss, so D(x) is a real/fake score of its own and the
app can score an upload whose digit nobody told us. Optionally (`aux_classifier=True`, the
shipped D) a third head names the digit, AC-GAN style: D learns it from real digits, and G
is rewarded when D reads its digit as the one asked for.

Every model of the project (these three, and the Space's verdict and digit detector) derives from
`HubModel` below (huggingface_hub's PyTorchModelHubMixin):
`save_pretrained(dir)` writes config.json (the constructor arguments) + model.safetensors, and
`from_pretrained(path or repo id)` loads either.
"""

from __future__ import annotations

import os

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

N_CLASSES = 10


class HubModel(nn.Module, PyTorchModelHubMixin, library_name="mnist-gan-studio", license="mit"):
    """The base of every model: an nn.Module with from_pretrained / save_pretrained.

    A local folder loads without the bare `print("Loading weights from local directory")`
    that huggingface_hub 2.4 makes (a print, so no logging setting silences it); a Hub repo
    id goes through the mixin unchanged."""

    @classmethod
    def _from_pretrained(cls, *, model_id: str, map_location: str = "cpu", strict: bool = False, revision=None,
                         cache_dir=None, force_download=False, local_files_only=False, token=None, **model_kwargs):
        if os.path.isdir(model_id):
            return cls._load_as_safetensor(cls(**model_kwargs), os.path.join(model_id, "model.safetensors"), map_location, strict)
        return super()._from_pretrained(model_id=model_id, map_location=map_location, strict=strict, revision=revision, cache_dir=cache_dir,
                                        force_download=force_download, local_files_only=local_files_only, token=token, **model_kwargs)


def as_label_vectors(labels: torch.Tensor, n_classes: int = N_CLASSES) -> torch.Tensor:
    """Integer labels [N] -> one-hot [N, C]; float label vectors [N, C] pass through (so two
    digits can be blended for interpolation). Integer labels must lie in 0..C-1 (callers
    validate): rows of an identity matrix cost a third of F.one_hot, which checks the range."""
    if labels.dtype.is_floating_point:
        return labels
    return torch.eye(n_classes, device=labels.device)[labels.long()]


class Generator(HubModel):
    def __init__(self, arch: str = "dcgan", z_dim: int = 64, width: int = 128, n_classes: int = N_CLASSES):
        super().__init__()
        if arch not in ("dcgan", "mlp"):
            raise ValueError(f"unknown arch {arch!r}: expected 'dcgan' or 'mlp'")
        self.arch, self.z_dim, self.width, self.n_classes = arch, z_dim, width, n_classes
        if arch == "mlp":
            self.net = nn.Sequential(
                nn.Linear(z_dim + n_classes, width), nn.ReLU(),
                nn.Linear(width, 28 * 28), nn.Tanh(),
            )
        else:
            self.fc = nn.Sequential(
                nn.Linear(z_dim + n_classes, width * 7 * 7), nn.BatchNorm1d(width * 7 * 7), nn.ReLU(),
            )
            self.conv = nn.Sequential(
                nn.ConvTranspose2d(width, width // 2, 4, 2, 1), nn.BatchNorm2d(width // 2), nn.ReLU(),  # 14x14
                nn.ConvTranspose2d(width // 2, 1, 4, 2, 1), nn.Tanh(),  # 28x28
            )

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """z [N, z_dim], labels [N] ints or [N, C] label vectors -> images [N, 1, 28, 28] in [-1, 1]."""
        h = torch.cat([z, as_label_vectors(labels, self.n_classes)], dim=1)
        if self.arch == "mlp":
            return self.net(h).view(-1, 1, 28, 28)
        return self.conv(self.fc(h).view(-1, self.width, 7, 7))


def sn(layer: nn.Module) -> nn.Module:
    """Spectral normalisation (Miyato 2018): caps each layer's Lipschitz constant at 1, so D
    cannot saturate (D(x)=1, D(G(z))=0) and starve G of gradient early in training."""
    return nn.utils.parametrizations.spectral_norm(layer)


class Discriminator(HubModel):
    def __init__(self, arch: str = "dcgan", width: int = 64, feature_dim: int = 256, n_classes: int = N_CLASSES,
                 aux_classifier: bool = False, twin_classifier: bool = False):
        super().__init__()
        if arch not in ("dcgan", "mlp"):
            raise ValueError(f"unknown arch {arch!r}: expected 'dcgan' or 'mlp'")
        self.arch, self.n_classes = arch, n_classes
        if arch == "mlp":
            feature_dim = 128
            self.trunk = nn.Sequential(nn.Flatten(), sn(nn.Linear(28 * 28, feature_dim)), nn.ReLU())
        else:
            # No batch norm in D: WGAN-GP's per-sample gradient penalty needs samples independent.
            self.trunk = nn.Sequential(
                sn(nn.Conv2d(1, width // 2, 4, 2, 1)), nn.LeakyReLU(0.2),  # 14x14
                sn(nn.Conv2d(width // 2, width, 4, 2, 1)), nn.LeakyReLU(0.2),  # 7x7
                nn.Flatten(), sn(nn.Linear(width * 7 * 7, feature_dim)), nn.LeakyReLU(0.2),
            )
        self.head = sn(nn.Linear(feature_dim, 1))  # conditional head's unconditional part
        self.embed = sn(nn.Embedding(n_classes, feature_dim))  # projection term
        self.uncond_head = sn(nn.Linear(feature_dim, 1))  # label-free score, for uploads
        # AC-GAN's auxiliary classifier (Odena 2017): D also learns to name the digit of real
        # images, and G is rewarded when D names its digit, which sharpens class identity.
        self.aux_classifier = aux_classifier
        self.classify = nn.Linear(feature_dim, n_classes) if aux_classifier else None
        # TAC-GAN's twin classifier (Gong et al. 2019): a second class head that learns to name
        # the digit of G's images. G's class loss subtracts this head's, which cancels AC-GAN's
        # reward for the easiest-to-name shapes of a digit (its cost in variety).
        if twin_classifier and not aux_classifier:
            raise ValueError("twin_classifier needs aux_classifier: it is the auxiliary classifier's twin")
        self.twin_classifier = twin_classifier
        self.classify_fakes = nn.Linear(feature_dim, n_classes) if twin_classifier else None

    def heads(self, x: torch.Tensor, labels: torch.Tensor
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """From one trunk pass: conditional logits [N], unconditional logits [N], the
        auxiliary class logits [N, C] and the twin classifier's [N, C] (each None without its head)."""
        h = self.trunk(x)
        cond = self.head(h).squeeze(1) + (self.embed(labels.long()) * h).sum(1)
        classes = self.classify(h) if self.classify is not None else None
        twin = self.classify_fakes(h) if self.classify_fakes is not None else None
        return cond, self.uncond_head(h).squeeze(1), classes, twin

    def both(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits [N] of the conditional and the unconditional head, from one trunk pass."""
        return self.heads(x, labels)[:2]

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Real/fake logits [N]: conditional on `labels` when given, else the unconditional head."""
        if labels is None:
            return self.uncond_head(self.trunk(x)).squeeze(1)
        return self.both(x, labels)[0]


class Classifier(HubModel):
    """A small VGG-style MNIST classifier: the app's digit reader and the metrics' feature
    extractor (its 128-d penultimate layer stands in for Inception features on MNIST)."""

    def __init__(self, width: int = 32, feature_dim: int = 128, n_classes: int = N_CLASSES):
        super().__init__()

        def block(c_in: int, c_out: int) -> list[nn.Module]:
            return [
                nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(),
                nn.Conv2d(c_out, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(),
                nn.MaxPool2d(2),
            ]

        self.features = nn.Sequential(
            *block(1, width), *block(width, 2 * width),  # 28 -> 14 -> 7
            nn.Flatten(), nn.Linear(2 * width * 7 * 7, feature_dim), nn.BatchNorm1d(feature_dim), nn.ReLU(),
        )
        self.dropout = nn.Dropout(0.3)
        self.logits = nn.Linear(feature_dim, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images [N, 1, 28, 28] in [-1, 1] -> class logits [N, 10]."""
        return self.logits(self.dropout(self.features(x)))


# ---------------------------------------------------------------------------- serving


def freeze_spectral_norm(model: torch.nn.Module) -> torch.nn.Module:
    """Bake the spectrally normalised weights in: at inference they are constants, and
    recomputing them on every call doubled the discriminator's time (1.4 ms -> 0.7 ms)."""
    for module in model.modules():
        if parametrize.is_parametrized(module, "weight"):
            parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
    return model


def fold_batchnorm(model: torch.nn.Module) -> torch.nn.Module:
    """Fold each eval-mode BatchNorm into the Linear or convolution before it, in place: at
    inference a BN is a fixed per-channel scale and shift, and as its own op it cost one
    digit ~0.1 ms of the generator's ~0.8. Outputs change by float rounding (~1e-6)."""
    for seq in [m for m in model.modules() if isinstance(m, torch.nn.Sequential)]:
        layers = list(seq)
        for i, (layer, bn) in enumerate(zip(layers, layers[1:])):
            if isinstance(bn, torch.nn.modules.batchnorm._BatchNorm):
                if isinstance(layer, torch.nn.Linear):
                    layers[i] = fuse_linear_bn_eval(layer, bn)
                elif isinstance(layer, torch.nn.modules.conv._ConvNd):
                    layers[i] = fuse_conv_bn_eval(layer, bn, transpose=isinstance(layer, torch.nn.modules.conv._ConvTransposeNd))
                else:
                    continue
                layers[i + 1] = None
        for name in list(seq._modules):
            del seq._modules[name]
        for i, layer in enumerate(l for l in layers if l is not None):
            seq.add_module(str(i), layer)
    return model
