"""The headline verdict: is this a real MNIST digit or one of the shipped generator's?

    python -m gan.verdict train --weights weights --data-dir ../shared/data      # 32 min on the shared 2-core machine
    python -m gan.verdict calibrate --weights weights --data-dir ../shared/data  # refit only the Platt scaling
    python -m gan.verdict evaluate --weights weights --data-dir ../shared/data   # remeasure

The GAN's own discriminator is near chance at the end of adversarial training: the generator
was trained to fool exactly that network, and did. This detector is trained afterwards,
against the frozen shipped generator, until its held-out loss stops improving. It is a
forensic detector more than a critic of shapes: the generator's tanh output, rounded to
uint8, leaves many faint grey values (1-9) around its strokes, which MNIST's own digits
almost never have (median 38 such pixels per generated digit, 5 per real one). The model is

    verdict logit = w . log1p(grey-level histogram) + small CNN(image, faint-grey mask) + b

and a second head on the same inputs estimates whether the pixels are still intact (an exact
28x28 digit) or were resampled on the way (an upscaled, blurred, JPEG'd upload re-read by
`gan.preprocess`), which erases that evidence. It is trained on exact and round-tripped
digits alike, so on a resampled upload it says what survives (often little: its p_real then
sits near 0.5) and the app says the verdict is uncertain instead of confidently wrong.
The logit is Platt-scaled on held-out digits, separately for those the intact head calls
intact and resampled; `evaluate` writes <weights>/verdict/metrics.json.

Data, disjoint by construction: training on real MNIST *training* digits (the first 50,000)
and fakes from seeds 1,000,000+; calibration on training digits 50,000+ and seeds
2,000,000+; evaluation on the MNIST *test* digits and seeds 3,000,000+.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gan.verdict", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["train", "calibrate", "evaluate"], help="calibrate: refit only the Platt scaling, then evaluate")
    p.add_argument("--weights", default="weights", help="the folder holding generator/ (default: weights)")
    p.add_argument("--data-dir", default="data", help="torchvision MNIST layout or .npz (default: data)")
    p.add_argument("--threads", type=int, default=2)
    return p


if __name__ == "__main__":
    build_parser().parse_args()  # --help and usage errors answer here, before torch is imported

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image, ImageFilter  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from torch import nn  # noqa: E402

from .data import DataError, load_mnist  # noqa: E402
from .models import Discriminator, Generator, HubModel  # noqa: E402
from .preprocess import ImageError, open_image, to_mnist  # noqa: E402
from .sampling import images_from_latents, latents_from_seeds, sample  # noqa: E402

# Grey-level bands of a uint8 digit whose pixel counts are the histogram features: finest
# near 0 (the generator's faint fringe) and near 255 (MNIST's strokes peak at 252-254, the
# generator's at 255 and 250).
GREY_BANDS = ((1, 1), (2, 3), (4, 9), (10, 31), (32, 127), (128, 223), (224, 249), (250, 251), (252, 254), (255, 255))
FAINT = (1, 9)  # the grey values shown to the visitor as the evidence
TRAIN_SEEDS, CALIBRATION_SEEDS, TEST_SEEDS = 1_000_000, 2_000_000, 3_000_000
N_REAL_TRAIN = 50_000  # real training digits 0..49,999 train, 50,000.. calibrate


# ---------------------------------------------------------------------------- evidence


def grey_histogram(digits: torch.Tensor) -> torch.Tensor:
    """uint8 [N, 28, 28] -> pixel counts per GREY_BANDS band, float [N, B]."""
    x = digits.reshape(len(digits), -1).long()
    counts = torch.zeros(len(digits), 256).scatter_add_(1, x, torch.ones(x.shape))
    return torch.stack([counts[:, lo:hi + 1].sum(1) for lo, hi in GREY_BANDS], 1)


def faint_mask(digits: np.ndarray) -> np.ndarray:
    """Boolean mask of the faint grey pixels (values 1-9) of uint8 digits."""
    digits = np.asarray(digits)
    return (digits >= FAINT[0]) & (digits <= FAINT[1])


def evidence_image(digit: np.ndarray, scale: int = 8) -> np.ndarray:
    """The digit (uint8 [28, 28]) as RGB, upscaled `scale` times, with its faint grey pixels
    (1-9: nearly black to the eye) painted magenta: where the detector's main evidence is."""
    digit = np.asarray(digit, np.uint8)
    rgb = np.repeat(digit[..., None], 3, axis=2)
    rgb[faint_mask(digit)] = (255, 0, 200)
    return np.kron(rgb, np.ones((scale, scale, 1), np.uint8))


# ---------------------------------------------------------------------------- uploads


def round_trip(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What an upload of `digit` looks like after the usual journey: maybe dark on white,
    upscaled 4-12x (nearest, bilinear or bicubic), blurred (radius 0-2), saved as JPEG
    (quality 50-95) or PNG, then read back through gan.preprocess as any upload is."""
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


# ---------------------------------------------------------------------------- the model


class Verdict(nn.Module, HubModel, library_name="mnist-gan-studio", license="mit"):
    """Real-vs-generated detector for uint8 28x28 digits, with a pixels-intact head.

    Both heads are linear in [histogram features ‖ CNN features], so a verdict splits into
    the histogram's share and the CNN's share of the logit (`explain`)."""

    def __init__(self, width: int = 8, n_bands: int = len(GREY_BANDS)):
        super().__init__()
        self.cnn = nn.Sequential(  # input: the image in [-1, 1] and its faint-grey mask; every pixel is seen
            nn.Conv2d(2, width, 3, stride=2, padding=1), nn.ReLU(),  # 14x14
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),  # 7x7
            nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.hist_head = nn.Linear(n_bands, 2, bias=False)
        self.cnn_head = nn.Linear(2 * width, 2)  # outputs: [verdict logit, pixels-intact logit]
        # Fitted, not learnt by gradient: feature standardisation and the Platt scaling.
        self.register_buffer("hist_mean", torch.zeros(n_bands))
        self.register_buffer("hist_std", torch.ones(n_bands))
        self.register_buffer("platt", torch.tensor([1.0, 0.0]))  # for digits the intact head calls intact
        self.register_buffer("platt_resampled", torch.tensor([1.0, 0.0]))  # and for resampled ones: little evidence survives

    def parts(self, digits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """uint8 [N, 28, 28] -> the histogram's and the CNN's contributions, each [N, 2]."""
        hist = (torch.log1p(grey_histogram(digits)) - self.hist_mean) / self.hist_std
        x = digits.float().div(127.5).sub(1).unsqueeze(1)
        faint = ((digits >= FAINT[0]) & (digits <= FAINT[1])).float().unsqueeze(1)
        return self.hist_head(hist), self.cnn_head(self.cnn(torch.cat([x, faint], 1)))

    def forward(self, digits: torch.Tensor) -> torch.Tensor:
        """Raw logits [N, 2]: real-vs-generated (uncalibrated) and pixels-intact."""
        hist, cnn = self.parts(digits)
        return hist + cnn

    def platt_for(self, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Each digit's Platt (scale, bias), chosen by its pixels-intact logit [N, 2] -> [N], [N]."""
        ab = torch.where((logits[:, 1] >= 0)[:, None], self.platt, self.platt_resampled)
        return ab[:, 0], ab[:, 1]

    def p_real(self, logits: torch.Tensor) -> torch.Tensor:
        """Calibrated P(real MNIST) from raw logits [N, 2]."""
        a, b = self.platt_for(logits)
        return torch.sigmoid(a * logits[:, 0] + b)

    @torch.inference_mode()
    def explain(self, digits: np.ndarray) -> list[dict]:
        """Per digit: calibrated p_real, p_pixels_intact, the faint-pixel count, and how much
        of the verdict's (calibrated) logit came from the histogram and from the CNN."""
        t = torch.from_numpy(np.ascontiguousarray(digits, np.uint8)).reshape(-1, 28, 28)
        hist, cnn = self.parts(t)
        logits = hist + cnn
        a, b = self.platt_for(logits)
        p_real = self.p_real(logits)
        p_intact = torch.sigmoid(logits[:, 1])
        faint = faint_mask(t.numpy()).sum((1, 2))
        return [{"p_real": round(float(p), 4), "p_pixels_intact": round(float(q), 4), "faint_grey_pixels": int(f),
                 "from_histogram": round(float(a * h), 3), "from_cnn": round(float(a * c + b), 3)}
                for p, q, f, h, c, a, b in zip(p_real, p_intact, faint, hist[:, 0], cnn[:, 0], a, b)]


# ---------------------------------------------------------------------------- data


def load_generator(weights: Path) -> Generator:
    """The shipped generator, frozen (strict, safetensors only)."""
    return Generator.from_pretrained(weights / "generator", strict=True).eval().requires_grad_(False)


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
    measure it (metrics.json). Rerun `python -m gan.checksums` afterwards."""
    from . import metrics as M  # torchmetrics: a development dependency, never imported by the app

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
    from . import metrics as M

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
    from . import metrics as M

    real = load_mnist(data_dir, train=False)[0].numpy()[:n]
    fake = fakes(G, TEST_SEEDS, n, varied=False)
    fake_varied = fakes(G, TEST_SEEDS + n, n, varied=True)
    rt_real, rt_fake = round_trips(real[:n_round_trip], 3), round_trips(fake[:n_round_trip], 4)
    D = Discriminator.from_pretrained(weights_dir / "discriminator", strict=True).eval()

    def p_real(digits: np.ndarray) -> torch.Tensor:
        return model.p_real(logits_of(model, torch.from_numpy(digits)))

    def p_intact(digits: np.ndarray) -> torch.Tensor:
        return torch.sigmoid(logits_of(model, torch.from_numpy(digits))[:, 1])

    def d_logit(digits: np.ndarray) -> torch.Tensor:
        with torch.inference_mode():
            return D(torch.from_numpy(digits).float().div(127.5).sub(1).unsqueeze(1))

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
    return Verdict.from_pretrained(Path(weights_dir) / "verdict", strict=True).eval()


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    torch.set_num_threads(args.threads)
    weights = Path(args.weights)
    try:
        if args.command == "train":
            train_verdict(weights, args.data_dir)
        else:
            if args.command == "calibrate":
                model = Verdict()  # every network weight must load; the calibration is refitted here
                missing, unexpected = model.load_state_dict(load_file(weights / "verdict" / "model.safetensors"), strict=False)
                if unexpected or not set(missing) <= {"platt", "platt_resampled"}:
                    sys.exit(f"error: {weights / 'verdict'} does not hold this model's weights (missing {missing}, unexpected {unexpected})")
                model.eval()
                calibrate(model, *calibration_set(weights, args.data_dir)[:2])
                model.save_pretrained(weights / "verdict")
                (weights / "verdict" / "README.md").unlink(missing_ok=True)
            measurements = json.loads((weights / "verdict" / "metrics.json").read_text()) if (weights / "verdict" / "metrics.json").exists() else {}
            measurements.update(evaluate_verdict(weights, args.data_dir, load_verdict(weights), load_generator(weights)))
            write_metrics(weights, measurements)
    except DataError as e:
        sys.exit(f"error: {e}")
    print(json.dumps(json.loads((weights / "verdict" / "metrics.json").read_text()), indent=1))


if __name__ == "__main__":
    main()
