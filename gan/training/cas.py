"""Classification Accuracy Score (Ravuri & Vinyals 2019): what generated digits are worth as
training data.

The reference classifier's architecture and recipe (gan.training.classifier.train_classifier) is
trained three times with the same budget, and each is tested on the real MNIST test digits:

  synthetic         on generated digits, as many as the real training set (6,000 per class
                    from gan.synth's seeds): its test accuracy is the CAS
  real              on the real training digits: the baseline a perfect generator would match
  real + synthetic  on both sets together (twice the digits)

"The same budget" is the same number of optimizer steps (epochs x real training digits /
batch size) for all three, so real + synthetic gets no more compute than real alone: it sees
each digit half as often, and only a better mix of digits can raise its accuracy.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from gan.core.models import Generator
from gan.core.sampling import SYNTH_SEED, seed_range, synthesize

from .classifier import accuracy, train_classifier

TARGET = 0.98  # CAS at least 98% of the real-trained accuracy


def classification_accuracy_score(generator: Generator, train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray,
                                  test_y: np.ndarray, *, epochs: int = 4, batch_size: int = 128, lr: float = 3e-3,
                                  seed: int = 0, progress: bool = True) -> dict:
    """Train on generated, real and real + generated digits with the same steps; test on real.

    Digits are uint8 [N, 28, 28] and labels [N]; the generated set has len(train_x) // 10
    digits of each class. Returns the three test accuracies, CAS / real, and the budget."""
    t0 = time.time()
    per_class = len(train_x) // 10
    synth_x, synth_y = synthesize(generator, per_class, SYNTH_SEED)
    steps = epochs * (len(train_x) // batch_size)
    sets = {
        "synthetic": (synth_x, synth_y),
        "real": (train_x, train_y),
        "real_plus_synthetic": (np.concatenate([train_x, synth_x]), np.concatenate([train_y, synth_y])),
    }
    test = torch.from_numpy(np.ascontiguousarray(test_x)), torch.from_numpy(np.asarray(test_y, dtype=np.int64))
    result = {}
    for name, (x, y) in sets.items():
        model = train_classifier(torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.asarray(y, dtype=np.int64)),
                                 batch_size=batch_size, lr=lr, seed=seed, steps=steps, progress=progress)
        result[name] = accuracy(model, *test)
    seeds = seed_range(per_class, SYNTH_SEED)
    return {
        "cas": result["synthetic"], "real": result["real"], "real_plus_synthetic": result["real_plus_synthetic"],
        "cas_over_real": result["synthetic"] / result["real"],
        "target": f"CAS >= {TARGET:.0%} of real", "target_met": result["synthetic"] >= TARGET * result["real"],
        "epochs": epochs, "steps": steps, "batch_size": batch_size, "lr": lr, "seed": seed,
        "synthetic_digits": len(synth_x), "synthetic_seeds": f"{seeds.start}-{seeds.stop - 1}", "psi": 1.0,
        "real_digits": len(train_x), "test_digits": len(test_x), "seconds": round(time.time() - t0, 1),
    }


def summary(cas: dict) -> str:
    """One line for a terminal or a page."""
    return (f"CAS {cas['cas']:.2%} (trained on {cas['synthetic_digits']:,} generated digits) vs {cas['real']:.2%} trained on "
            f"{cas['real_digits']:,} real ones: {cas['cas_over_real']:.1%} of real (target >= {TARGET:.0%}: "
            f"{'met' if cas['target_met'] else 'MISSED'}); real + generated {cas['real_plus_synthetic']:.2%}; "
            f"{cas['steps']:,} steps of {cas['batch_size']} each ({cas['epochs']} epoch{'s' if cas['epochs'] != 1 else ''} of the real set)")
