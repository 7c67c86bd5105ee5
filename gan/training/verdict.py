"""Train the Space's verdict model (gan.space.verdict) against a frozen generator, calibrate
it and measure it. `gan ship` runs `train_verdict`; by hand:

    gan dev train-verdict train --weights weights --data-dir ../shared/data      # about 2 minutes on 2 cores
    gan dev train-verdict calibrate --weights weights --data-dir ../shared/data  # refit only the Platt scaling
    gan dev train-verdict evaluate --weights weights --data-dir ../shared/data   # remeasure

It is trained on exact and round-tripped digits alike (`round_trip`: an upload's usual
journey), until its held-out loss stops improving.

Data, disjoint by construction: training on real MNIST *training* digits (the first 50,000)
and fakes from seeds 1,000,000+; calibration on training digits 50,000+ and seeds
2,000,000+; evaluation on the MNIST *test* digits and seeds 3,000,000+.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageFilter
from safetensors.torch import load_file

from gan.core.data import load_mnist
from gan.core.errors import ImageError
from gan.core.models import Discriminator, Generator
from gan.core.pixels import to_model_range
from gan.core.sampling import images_from_latents, latents_from_seeds, sample
from gan.core.weights import load_model
from gan.space.preprocess import open_image, to_mnist
from gan.space.verdict import Verdict, faint_mask, grey_histogram

TRAIN_SEEDS, CALIBRATION_SEEDS, TEST_SEEDS = 1_000_000, 2_000_000, 3_000_000
N_REAL_TRAIN = 50_000  # real training digits 0..49,999 train, 50,000.. calibrate


# ---------------------------------------------------------------------------- uploads


def round_trip(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What an upload of `digit` looks like after the usual journey: maybe dark on white,
    upscaled 4-12x (nearest, bilinear or bicubic), blurred (radius 0-2), saved as JPEG
    (quality 50-95) or PNG, then read back through gan.space.preprocess as any upload is."""
    img = Image.fromarray(255 - digit if rng.random() < 0.5 else digit)
    factor = int(rng.integers(4, 13))
    img = img.resize((28 * factor, 28 * factor), [Image.NEAREST, Image.BILINEAR, Image.BICUBIC][rng.integers(3)])
    img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 2))))
    buf = io.BytesIO()
    if rng.random() < 0.7:
        img.convert("RGB").save(buf, "JPEG", quality=int(rng.integers(50, 96)))
    else:
        img.save(buf, "PNG")
    return to_mnist(open_image(buf.getvalue()))


def round_trips(digits: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = []
    for d in digits:
        try:
            out.append(round_trip(d, rng))
        except ImageError:  # a digit blurred to nothing (never seen, but an upload can be blank)
            out.append(d)
    return np.stack(out)


# ---------------------------------------------------------------------------- data


def load_generator(weights: Path) -> Generator:
    """The shipped generator, frozen (strict, safetensors only)."""
    return load_model(Generator, weights / "generator").requires_grad_(False)


def fakes(G: Generator, first_seed: int, n: int, varied: bool) -> np.ndarray:
    """n generated digits, seeds first_seed.., digit = seed % 10. `varied`: random truncation
    (0.3-1.5, the app's slider range) and random latent offsets, as the Generate tab's
    sliders make them; otherwise the default digit (truncation 1), as the game shows."""
    seeds = range(first_seed, first_seed + n)
    digits = [s % 10 for s in seeds]
    if not varied:
        return sample(G, seeds, digits)
    rng = np.random.default_rng(first_seed)
    z = latents_from_seeds(seeds, G.z_dim) * torch.from_numpy(rng.uniform(0.3, 1.5, (n, 1))).float()
    offset = torch.from_numpy(rng.normal(0, 1.0, (n, G.z_dim)) * (rng.random((n, 1)) < 0.3)).float()
    return images_from_latents(G, z + offset, torch.tensor(digits))


def labelled_set(real: np.ndarray, fake: np.ndarray, n_round_trip: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Digits uint8 [N, 28, 28], is_real [N], pixels_intact [N]: all given digits exact, plus
    round trips of the first n_round_trip real and fake digits."""
    rt = [round_trips(real[:n_round_trip], seed), round_trips(fake[:n_round_trip], seed + 1)]
    images = np.concatenate([real, fake, *rt])
    is_real = np.concatenate([np.ones(len(real)), np.zeros(len(fake)), np.ones(len(rt[0])), np.zeros(len(rt[1]))])
    intact = np.concatenate([np.ones(len(real) + len(fake)), np.zeros(len(rt[0]) + len(rt[1]))])
    return torch.from_numpy(images), torch.from_numpy(is_real).float(), torch.from_numpy(intact).float()


# ---------------------------------------------------------------------------- training


@torch.inference_mode()
def logits_of(model: Verdict, digits: torch.Tensor, batch: int = 2000) -> torch.Tensor:
    return torch.cat([model(digits[i:i + batch]) for i in range(0, len(digits), batch)])


def train_verdict(weights_dir: str | Path, data_dir: str | Path, n_per_class: int = 10_000, n_round_trip: int = 2_000,
                  max_epochs: int = 16, patience: int = 3, n_test: int = 2000, seed: int = 0, log=print) -> Verdict:
    """Train the detector against the frozen generator in weights_dir until the held-out loss
    stops improving, Platt-scale it on held-out digits, save <weights_dir>/verdict/ and
    measure it (metrics.json). Rerun `gan dev checksums` afterwards."""
    from gan.core import metrics as M  # torchmetrics: a development dependency, never imported by the app

    weights_dir = Path(weights_dir)
    torch.manual_seed(seed)
    t0 = time.time()
    G = load_generator(weights_dir)
    real_all = load_mnist(data_dir, train=True)[0].numpy()
    rng = np.random.default_rng(seed)
    real_train = real_all[:N_REAL_TRAIN][rng.permutation(N_REAL_TRAIN)[:n_per_class]]
    train = labelled_set(real_train, fakes(G, TRAIN_SEEDS, n_per_class, varied=True), n_round_trip, seed=1)
    cal = calibration_set(weights_dir, data_dir, n_per_class, n_round_trip)
    log(f"data: {len(train[0])} training and {len(cal[0])} calibration digits ({time.time() - t0:.0f} s)")

    model = Verdict()
    hist = torch.log1p(grey_histogram(train[0]))
    model.hist_mean.copy_(hist.mean(0))
    model.hist_std.copy_(hist.std(0).clamp_min(1e-3))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    best, best_state, stale = float("inf"), None, 0
    x, is_real, intact = train
    for epoch in range(1, max_epochs + 1):
        model.train()
        for idx in torch.randperm(len(x)).split(256):
            out = model(x[idx])
            loss = F.binary_cross_entropy_with_logits(out[:, 0], is_real[idx]) + F.binary_cross_entropy_with_logits(out[:, 1], intact[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        out = logits_of(model, cal[0])
        val = float(F.binary_cross_entropy_with_logits(out[:, 0], cal[1]))
        log(f"epoch {epoch}: held-out verdict loss {val:.4f}, AUC {M.roc_auc(out[cal[1] == 1, 0], out[cal[1] == 0, 0]):.4f} ({time.time() - t0:.0f} s)")
        if val < best - 1e-4:
            best, best_state, stale = val, {k: v.clone() for k, v in model.state_dict().items()}, 0
            model.save_pretrained(weights_dir / "verdict")  # the best so far, uncalibrated: nothing is lost to a crash
        else:
            stale += 1
            if stale >= patience:
                break  # converged: the held-out loss stopped improving
    model.load_state_dict(best_state)
    calibrate(model, cal[0], cal[1])
    model.save_pretrained(weights_dir / "verdict")
    (weights_dir / "verdict" / "README.md").unlink(missing_ok=True)  # the mixin's empty model card: the README covers it
    log(f"saved {weights_dir / 'verdict'}: best held-out loss {best:.4f} after {epoch} epochs ({time.time() - t0:.0f} s)")
    measurements = evaluate_verdict(weights_dir, data_dir, model, G, n_test, n_test // 2)
    measurements["training"] = {"epochs_run": epoch, "best_heldout_loss": best, "training_digits": len(train[0]),
                                "calibration_digits": len(cal[0]), "seconds": round(time.time() - t0)}
    write_metrics(weights_dir, measurements)
    return model


def calibrate(model: Verdict, digits: torch.Tensor, is_real: torch.Tensor) -> None:
    """Platt-scale the verdict on held-out digits, separately for those the intact head calls
    intact and resampled: one scale for both would leave the resampled ones overconfident."""
    from gan.core import metrics as M

    logits = logits_of(model, digits).clone()  # a normal tensor: fit_platt differentiates through it
    intact = logits[:, 1] >= 0
    for buffer, rows in [(model.platt, intact), (model.platt_resampled, ~intact)]:
        buffer.copy_(torch.tensor(M.fit_platt(logits[rows, 0], is_real[rows])))


def calibration_set(weights_dir: Path, data_dir: str | Path, n_per_class: int = 10_000, n_round_trip: int = 2_000) -> tuple:
    """The held-out calibration digits train_verdict uses (the same digits, seeds and round trips)."""
    G = load_generator(weights_dir)
    real_cal = load_mnist(data_dir, train=True)[0].numpy()[N_REAL_TRAIN:]
    n_cal = min(len(real_cal), n_per_class // 4)
    return labelled_set(real_cal[:n_cal], fakes(G, CALIBRATION_SEEDS, n_cal, varied=True), n_round_trip // 4, seed=2)


# ---------------------------------------------------------------------------- measuring


def evaluate_verdict(weights_dir: Path, data_dir: str | Path, model: Verdict, G: Generator, n: int = 2000, n_round_trip: int = 1000) -> dict:
    """ROC AUC and ECE on MNIST test digits vs fresh fakes (seeds 3,000,000+, truncation 1),
    exact and round-tripped; the GAN's own D on the same digits for comparison."""
    from gan.core import metrics as M

    real = load_mnist(data_dir, train=False)[0].numpy()[:n]
    fake = fakes(G, TEST_SEEDS, n, varied=False)
    fake_varied = fakes(G, TEST_SEEDS + n, n, varied=True)
    rt_real, rt_fake = round_trips(real[:n_round_trip], 3), round_trips(fake[:n_round_trip], 4)
    D = load_model(Discriminator, weights_dir / "discriminator")

    def p_real(digits: np.ndarray) -> torch.Tensor:
        return model.p_real(logits_of(model, torch.from_numpy(digits)))

    def p_intact(digits: np.ndarray) -> torch.Tensor:
        return torch.sigmoid(logits_of(model, torch.from_numpy(digits))[:, 1])

    def d_logit(digits: np.ndarray) -> torch.Tensor:
        with torch.inference_mode():
            return D(to_model_range(digits))

    def ece(r: torch.Tensor, f: torch.Tensor) -> float:
        return M.expected_calibration_error(torch.cat([r, f]), torch.cat([torch.ones(len(r)), torch.zeros(len(f))]).long())

    pr, pf, pfv, prr, prf = (p_real(d) for d in (real, fake, fake_varied, rt_real, rt_fake))
    faint_r, faint_f = faint_mask(real).sum((1, 2)), faint_mask(fake).sum((1, 2))
    return {
        "test_digits": {"real": n, "generated": n, "round_trip_each": n_round_trip},
        "exact_28x28": {"roc_auc": M.roc_auc(pr, pf), "ece": ece(pr, pf), "accuracy": float(((pr >= 0.5).float().mean() + (pf < 0.5).float().mean()) / 2),
                        "gan_d_roc_auc": M.roc_auc(d_logit(real), d_logit(fake))},
        "exact_28x28_varied_fakes": {"roc_auc": M.roc_auc(pr, pfv), "note": "fakes with random truncation 0.3-1.5 and latent offsets"},
        "round_trip": {"roc_auc": M.roc_auc(prr, prf), "ece": ece(prr, prf), "mean_abs_p_minus_half": float((torch.cat([prr, prf]) - 0.5).abs().mean()),
                       "gan_d_roc_auc": M.roc_auc(d_logit(rt_real), d_logit(rt_fake))},
        "both": {"ece": ece(torch.cat([pr, prr]), torch.cat([pf, prf]))},
        "pixels_intact_head": {"exact_called_intact": float((torch.cat([p_intact(real), p_intact(fake)]) >= 0.5).float().mean()),
                               "round_trip_called_resampled": float((torch.cat([p_intact(rt_real), p_intact(rt_fake)]) < 0.5).float().mean())},
        "histogram": histogram(pr, pf),
        "faint_grey_pixels": {"real_median": float(np.median(faint_r)), "generated_median": float(np.median(faint_f)),
                              "roc_auc_alone": M.roc_auc(torch.from_numpy(-faint_r).float(), torch.from_numpy(-faint_f).float())},
    }


def histogram(p_real_real: torch.Tensor, p_real_fake: torch.Tensor, bins: int = 20) -> dict:
    """Shares of real and generated test digits per p_real bin: the app's plot."""
    edges = np.linspace(0, 1, bins + 1)
    share = lambda p: (np.histogram(p.numpy().clip(0, 1), edges)[0] / len(p)).round(4).tolist()
    return {"edges": edges.round(2).tolist(), "real": share(p_real_real), "generated": share(p_real_fake)}


def write_metrics(weights_dir: Path, measurements: dict) -> None:
    path = weights_dir / "verdict" / "metrics.json"
    path.write_text(json.dumps(measurements, indent=1) + "\n")


def load_verdict(weights_dir: str | Path) -> Verdict:
    """The shipped detector: strict, from safetensors only."""
    return load_model(Verdict, Path(weights_dir) / "verdict")


def run(command: str, weights: Path, data_dir: str | Path, threads: int = 2) -> None:
    """`gan dev train-verdict COMMAND`: train, calibrate (refit only the Platt scaling, then
    measure) or evaluate (measure again) the verdict model of `weights`; print its metrics."""
    torch.set_num_threads(threads)
    if command == "train":
        train_verdict(weights, data_dir)
    else:
        if command == "calibrate":
            model = Verdict()  # every network weight must load; the calibration is refitted here
            missing, unexpected = model.load_state_dict(load_file(weights / "verdict" / "model.safetensors"), strict=False)
            if unexpected or not set(missing) <= {"platt", "platt_resampled"}:
                sys.exit(f"error: {weights / 'verdict'} does not hold this model's weights (missing {missing}, unexpected {unexpected})")
            model.eval()
            calibrate(model, *calibration_set(weights, data_dir)[:2])
            model.save_pretrained(weights / "verdict")
            (weights / "verdict" / "README.md").unlink(missing_ok=True)
        measurements = json.loads((weights / "verdict" / "metrics.json").read_text()) if (weights / "verdict" / "metrics.json").exists() else {}
        measurements.update(evaluate_verdict(weights, data_dir, load_verdict(weights), load_generator(weights)))
        write_metrics(weights, measurements)
    print(json.dumps(json.loads((weights / "verdict" / "metrics.json").read_text()), indent=1))
