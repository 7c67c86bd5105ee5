"""Train the reference MNIST classifier: the app's digit reader and the metrics' feature extractor.

    gan dev train-classifier --data-dir ../shared/data --out weights/classifier

It is trained on real MNIST only and never sees the GAN, so it is an independent judge of
the generator's samples (class accuracy, and the features FID, KID, precision/recall use).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import torch
import torch.nn.functional as F
from tqdm import tqdm

from gan.core.data import load_mnist
from gan.core.models import Classifier
from gan.core.pixels import to_model_range


def random_affine(x: torch.Tensor, degrees: float = 10, scale: float = 0.1, shift: float = 2) -> torch.Tensor:
    """Small random rotations, scalings and shifts (in pixels) of images in [-1, 1]: the
    augmentation that makes the classifier robust to digits drawn or photographed by users."""
    n = x.shape[0]
    angle = torch.deg2rad((torch.rand(n) * 2 - 1) * degrees)
    s = 1 + (torch.rand(n) * 2 - 1) * scale
    t = (torch.rand(n, 2) * 2 - 1) * shift * 2 / 28  # pixels -> grid_sample's [-1, 1] units
    theta = torch.stack([
        torch.stack([torch.cos(angle) / s, -torch.sin(angle) / s, t[:, 0]], 1),
        torch.stack([torch.sin(angle) / s, torch.cos(angle) / s, t[:, 1]], 1),
    ], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    # Sample x + 1 so that grid_sample's zero padding is the black background (-1).
    return F.grid_sample(x + 1, grid, align_corners=False) - 1


@torch.inference_mode()
def accuracy(model: Classifier, images: torch.Tensor, labels: torch.Tensor, batch: int = 1000) -> float:
    model.eval()
    correct = sum((model(to_model_range(images[i:i + batch])).argmax(1) == labels[i:i + batch]).sum().item()
                  for i in range(0, len(images), batch))
    return correct / len(images)


def train_classifier(images: torch.Tensor, labels: torch.Tensor, *, epochs: int = 4, batch_size: int = 128, lr: float = 3e-3,
                     seed: int = 0, steps: int | None = None, on_epoch: Callable[[int, Classifier], None] | None = None,
                     progress: bool = True) -> Classifier:
    """The reference classifier's recipe on uint8 digits [N, 28, 28] and labels [N]: AdamW, a
    one-cycle learning rate, small random affine transforms, label smoothing 0.05.

    The budget is `epochs` passes over the data, or `steps` optimizer steps when given (then
    passes, each a fresh shuffle, go on until that many steps, the last one cut short): the
    Classification Accuracy Score gives a twice-as-large set the same steps, not twice the
    compute. `on_epoch(epoch, model)` runs after each pass (1-based). Returns the model in eval mode.
    """
    torch.manual_seed(seed)
    model = Classifier()
    per_pass = len(images) // batch_size
    steps = epochs * per_pass if steps is None else steps
    if per_pass == 0 or steps <= 0:
        raise ValueError(f"nothing to train: {len(images)} digits, batch size {batch_size}, {steps} steps")
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    passes = -(-steps // per_pass)
    for epoch in range(passes):
        model.train()
        order = torch.randperm(len(images))
        bar = tqdm(range(min(per_pass, steps - epoch * per_pass)), desc=f"epoch {epoch + 1}/{passes}", file=sys.stdout, disable=not progress)
        for i in bar:
            idx = order[i * batch_size:(i + 1) * batch_size]
            loss = F.cross_entropy(model(random_affine(to_model_range(images[idx]))), labels[idx], label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            bar.set_postfix(loss=f"{loss.item():.3f}")
        if on_epoch is not None:
            on_epoch(epoch + 1, model)
    return model.eval()


def train_reference(data_dir: str, out: str, *, epochs: int = 4, batch_size: int = 128, lr: float = 3e-3, seed: int = 0,
                    threads: int = 0) -> Classifier:
    """`gan dev train-classifier`: the reference classifier on MNIST's training digits, its test
    accuracy printed after each epoch, saved to `out` (then: gan dev checksums)."""
    if threads:
        torch.set_num_threads(threads)
    train_x, train_y = load_mnist(data_dir, train=True)
    test_x, test_y = load_mnist(data_dir, train=False)
    report = lambda epoch, model: print(f"epoch {epoch}: test accuracy {accuracy(model, test_x, test_y):.4f}")
    model = train_classifier(train_x, train_y, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, on_epoch=report)
    model.save_pretrained(out)
    print(f"saved {out}")
    return model
