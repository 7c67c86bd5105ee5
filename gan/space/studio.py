"""Everything the Space does, without the UI: load the models once, then generate, steer,
interpolate and score. app.py only wires these functions to Gradio components.

Inputs arrive from the web and are untrusted: every public method validates its
arguments and raises `InputError` with a message fit to show the visitor.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import numpy as np
import torch

from gan.core.errors import ImageError, InputError, WeightsError
from gan.core.models import Classifier, Discriminator, Generator, fold_batchnorm, freeze_spectral_norm
from gan.core.pixels import to_model_range
from gan.core.sampling import MAX_SEED, float64_copy, images_from_latents, latents_from_seeds, sample, truncate
from gan.core.viz import grid
from gan.core.weights import load_model, read_json, resolve_weights

from . import assets
from .detector import DigitDetector, looks_like_digit
from .preprocess import Steps, open_image, preprocess
from .projection import Projection, decode_latent, project
from .score import Judgement, Score
from .verdict import Verdict, judge

SLIDER_RANGE = 3.0
TRUNCATION_RANGE = (0.0, 1.5)
MAX_GRID_CELLS = 100
MAX_FRAMES = 64
# Calibrated P(real) below which an image is not projected as a digit: real MNIST test digits
# score at least 0.17 (1,000 of them; 0.04% of 10,000 fall under 0.05), noise 0.0001-0.0003.
SERVE_BATCH = 16  # digits per generator pass when serving: keeps a 100-cell grid's peak memory low


# ---------------------------------------------------------------------------- validation


def as_int(value: object, name: str, lo: int, hi: int) -> int:
    """An integer in lo..hi; refuse fractions, strings, NaN and anything out of range (a
    seed out of range has no obvious nearest meaning, so it is refused, not clamped)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{name} must be a whole number in {lo}..{hi}, got {value!r}.")
    if not math.isfinite(value) or value != int(value):
        raise InputError(f"{name} must be a whole number in {lo}..{hi}, got {value!r}.")
    if not lo <= int(value) <= hi:
        raise InputError(f"{name} must be in {lo}..{hi}, got {int(value)}.")
    return int(value)


def as_float(value: object, name: str, lo: float, hi: float) -> float:
    """A finite number, clamped into lo..hi: a slider pushed past its end means its end."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{name} must be a number in {lo}..{hi}, got {value!r}.")
    if not math.isfinite(value):
        raise InputError(f"{name} must be a finite number in {lo}..{hi}, got {value!r}.")
    return float(min(max(value, lo), hi))


# ---------------------------------------------------------------------------- recipe


@dataclass
class Recipe:
    """Everything that determines one generated digit; its query string reproduces it."""

    digit: int = 0
    seed: int = 0
    truncation: float = 1.0
    sliders: dict[str, float] = field(default_factory=dict)
    z: str = ""  # a projected digit's latent (gan.project.encode_latent); when set, it replaces the seed's

    def to_query(self) -> str:
        values = {"digit": self.digit, "seed": self.seed, "psi": _short(self.truncation)}
        if self.z:
            values = {"digit": self.digit, "z": self.z, "psi": _short(self.truncation)}
        values.update({k: _short(v) for k, v in self.sliders.items() if v != 0})
        return urlencode(values)

    @classmethod
    def from_query(cls, query: str, slider_names: list[str]) -> "Recipe":
        """Parse `digit=3&seed=42&psi=0.7&thickness=1.5` (a leading '?' or URL is fine)."""
        query = query.strip().split("?", 1)[-1]
        items = dict(parse_qsl(query, keep_blank_values=True))
        unknown = set(items) - {"digit", "seed", "psi", "z", *slider_names}
        if unknown:
            raise InputError(f"Unknown recipe keys: {', '.join(sorted(unknown))}. Expected digit, seed or z, psi, {', '.join(slider_names)}.")

        def num(key: str, default: float) -> float:
            try:
                return float(items.get(key, default))
            except ValueError:
                raise InputError(f"Recipe value {key}={items[key]!r} is not a number.") from None

        return cls(
            digit=as_int(num("digit", 0), "digit", 0, 9),
            seed=as_int(num("seed", 0), "seed", 0, MAX_SEED),
            truncation=as_float(num("psi", 1.0), "truncation", *TRUNCATION_RANGE),
            sliders={k: as_float(num(k, 0.0), k, -SLIDER_RANGE, SLIDER_RANGE) for k in slider_names},
            z=as_latent_code(items.get("z", "")),
        )


def as_latent_code(code: object) -> str:
    """A projected latent's recipe text ('' for none); refuse what does not decode."""
    if code is None or code == "":
        return ""
    if not isinstance(code, str):
        raise InputError(f"z must be the text of a projected digit's recipe, got {code!r}.")
    try:
        decode_latent(code.strip())
    except ValueError as e:
        raise InputError(f"Recipe value z is not a projected digit's latent: {e}.") from None
    return code.strip()


def _short(x: float) -> str:
    return f"{x:.4g}"


# ---------------------------------------------------------------------------- loading


class Studio:
    """The loaded models plus what was precomputed for them (directions, calibration)."""

    def __init__(self, weights: str | Path | None = None):
        folder = resolve_weights(weights)
        assets.verify(folder)  # a training run's folder (runs/<name>) has no checksums: gan.space.assets says what stands in
        self.folder = folder
        self.generator: Generator = fold_batchnorm(load_model(Generator, folder / "generator"))  # float32: fits (projection, directions, calibration)
        # Every served pixel comes from a float64 copy: a batch's float32 kernels differ by CPU and
        # batch size; in float64 their difference, ~1e-15, never reaches a rounding boundary in practice.
        self.generator64: Generator = float64_copy(self.generator)
        self.discriminator: Discriminator = freeze_spectral_norm(load_model(Discriminator, folder / "discriminator"))
        self.classifier: Classifier = fold_batchnorm(load_model(Classifier, assets.find(folder, "classifier")))
        dirs = assets.directions(folder, self.generator)
        self.digit_detector: DigitDetector = load_model(DigitDetector, assets.find(folder, "digit_detector"))
        self.slider_names: list[str] = list(dirs)
        self.directions = torch.tensor([dirs[k] for k in self.slider_names], dtype=torch.float64)  # [K, z_dim], as the float64 latents
        digits_path = assets.find(folder, "real_digits.npz")
        try:
            with np.load(digits_path, allow_pickle=False) as f:
                self.real_digits, self.real_labels = f["images"], f["labels"]
        except (OSError, ValueError, KeyError) as e:
            raise WeightsError(f"could not read {digits_path}: {e}") from e
        calib = assets.calibration(folder, self.discriminator, self.generator, self.real_digits)
        self.calibration = (calib["scale"], calib["bias"])
        self.score_histogram = calib["histogram"]  # bins and the real/generated shares, for the plot
        # The headline real-vs-generated detector, trained against this generator (gan/space/verdict.py);
        # a training run has none yet (gan.ship trains it), and then p_real is the GAN's own D.
        self.verdict: Verdict | None = None
        self.verdict_metrics: dict | None = None
        if (folder / "verdict").exists():
            self.verdict = load_model(Verdict, folder / "verdict")
            self.verdict_metrics = read_json(folder / "verdict" / "metrics.json")
            self.score_histogram = self.verdict_metrics["histogram"]  # the verdict's, for the app's plot
        else:
            logging.getLogger("gan.space.assets").warning("%s has no verdict/: p_real is the GAN's own discriminator's (gan ship trains the detector)", folder)

    # -------------------------------------------------------------- generate

    def recipe(self, digit: object = 0, seed: object = 0, truncation: object = 1.0, z: object = "", **sliders: object) -> Recipe:
        """Validate raw inputs (from a form or the API) into a Recipe; z (a projected digit's
        latent, as its recipe carries it) replaces the seed's latent when given."""
        unknown = set(sliders) - set(self.slider_names)
        if unknown:
            raise InputError(f"Unknown sliders: {', '.join(sorted(unknown))}.")
        return Recipe(
            digit=as_int(digit, "digit", 0, 9),
            seed=as_int(seed, "seed", 0, MAX_SEED),
            truncation=as_float(truncation, "truncation", *TRUNCATION_RANGE),
            sliders={k: as_float(sliders.get(k, 0.0), k, -SLIDER_RANGE, SLIDER_RANGE) for k in self.slider_names},
            z=as_latent_code(z),
        )

    def latent(self, code: str) -> torch.Tensor:
        """A projected latent [1, z_dim] from its recipe text (InputError if it is for another z size)."""
        try:
            return decode_latent(code, self.generator.z_dim)[None]
        except ValueError as e:
            raise InputError(f"Recipe value z does not fit this generator: {e}.") from None

    def offset(self, sliders: dict[str, float]) -> torch.Tensor:
        """The latent shift of the sliders, float64 [z_dim]: the sum of each direction times its
        value (in float32 this small matmul's last bit can differ between CPUs)."""
        return torch.tensor([sliders.get(k, 0.0) for k in self.slider_names], dtype=torch.float64) @ self.directions

    def generate(self, recipe: Recipe) -> np.ndarray:
        """One digit, uint8 [28, 28]; the same recipe gives the same pixels, alone or in a batch
        (float64, see __init__). A projected latent is truncated and offset exactly as a seed's
        is (psi=1 and no sliders: the fit itself)."""
        if recipe.z:
            z = truncate(self.latent(recipe.z).double(), recipe.truncation) + self.offset(recipe.sliders)
            return images_from_latents(self.generator64, z, torch.tensor([recipe.digit]))[0]
        return sample(self.generator64, [recipe.seed], recipe.digit, truncation=recipe.truncation, offset=self.offset(recipe.sliders))[0]

    def generate_many(self, digit_seed_pairs: list[tuple[int, int]], truncation: float = 1.0) -> np.ndarray:
        """Several (digit, seed) digits at once, uint8 [N, 28, 28]."""
        digits, seeds = zip(*digit_seed_pairs)
        return sample(self.generator64, seeds, list(digits), truncation=truncation)

    def seed_grid(self, first_seed: object, rows: object = 4, cols: object = 8, digit: object = None, truncation: object = 1.0) -> tuple[np.ndarray, list[int], list[int]]:
        """Consecutive seeds from first_seed, row-major; one digit for all cells, or (digit
        None) one row per digit 0..rows-1. Returns the grid image and each cell's (seed, digit)."""
        cells, seeds, digits = self.seed_cells(first_seed, rows, cols, digit, truncation)
        return grid(cells, as_int(cols, "columns", 1, 16)), seeds, digits

    def seed_cells(self, first_seed: object, rows: object = 4, cols: object = 8, digit: object = None, truncation: object = 1.0) -> tuple[np.ndarray, list[int], list[int]]:
        """seed_grid's cells one by one, uint8 [rows * cols, 28, 28] row-major, with each cell's
        seed and digit (the app shows them as a gallery: a click names its cell exactly)."""
        rows, cols = as_int(rows, "rows", 1, 10), as_int(cols, "columns", 1, 16)
        if rows * cols > MAX_GRID_CELLS:
            raise InputError(f"A grid holds at most {MAX_GRID_CELLS} cells; {rows}x{cols} asks for {rows * cols}.")
        first = as_int(first_seed, "first seed", 0, MAX_SEED - cols + 1)
        psi = as_float(truncation, "truncation", *TRUNCATION_RANGE)
        seeds = [first + c for _ in range(rows) for c in range(cols)]
        if digit is None or digit == "":
            digits = [r % 10 for r in range(rows) for _ in range(cols)]
        else:
            digits = [as_int(digit, "digit", 0, 9)] * (rows * cols)
        return sample(self.generator64, seeds, digits, truncation=psi, batch_size=SERVE_BATCH), seeds, digits

    def interpolate(self, seed_a: object, seed_b: object, digit_a: object, digit_b: object, frames: object = 16, truncation: object = 1.0,
                    z_a: object = "") -> np.ndarray:
        """Frames uint8 [F, 28, 28] walking from (seed_a, digit_a) to (seed_b, digit_b):
        spherical interpolation of the latents (they live near a sphere), linear blend of labels.
        z_a, a projected digit's latent (recipe text), replaces seed A's latent when given."""
        n = as_int(frames, "frames", 2, MAX_FRAMES)
        seeds = [as_int(seed_a, "seed A", 0, MAX_SEED), as_int(seed_b, "seed B", 0, MAX_SEED)]
        da, db = as_int(digit_a, "digit A", 0, 9), as_int(digit_b, "digit B", 0, 9)
        z = latents_from_seeds(seeds, self.generator.z_dim).double()  # exact; the walk is float64, as generate's latents
        if as_latent_code(z_a):
            z[0] = self.latent(str(z_a).strip())[0]
        za, zb = truncate(z, as_float(truncation, "truncation", *TRUNCATION_RANGE))
        t = torch.linspace(0, 1, n, dtype=torch.float64)[:, None]
        z = slerp(za, zb, t)
        labels = (1 - t) * torch.nn.functional.one_hot(torch.tensor(da), 10) + t * torch.nn.functional.one_hot(torch.tensor(db), 10)
        return images_from_latents(self.generator64, z, labels, SERVE_BATCH)

    # -------------------------------------------------------------- score

    def load_upload(self, path: str | Path | bytes) -> np.ndarray:
        """An uploaded file -> the 28x28 digit the discriminator sees (InputError if unusable)."""
        return self.load_upload_steps(path).digit

    def load_upload_steps(self, path: str | Path | bytes) -> Steps:
        """An uploaded file -> the 28x28 digit with the preprocessing steps that made it."""
        try:
            return preprocess(open_image(path))
        except ImageError as e:
            raise InputError(str(e)) from None

    def project(self, digit: np.ndarray, score: "Score | None" = None) -> Projection:
        """A 28x28 digit (as load_upload gives it) -> its projection into G's latent space.
        Refuses what is not a digit: the projection would fit it anyway, and steering a
        scribble as if it were a 7 would mislead. `score`, the digit's own if the caller has it,
        saves scoring it again."""
        problem = self.not_a_digit(digit, score)
        if problem:
            raise InputError(problem)
        with torch.enable_grad():  # callers may run under inference_mode; the fit needs gradients
            return project(self.generator, self.classifier, digit, render=self.generator64)

    def not_a_digit(self, digit: np.ndarray, score: "Score | None" = None) -> str:
        """Why this 28x28 image cannot be projected as a digit, or '' if it can. The classifier
        reads any image as some digit (noise as an 8, 98% sure): the judge is `is_digit`
        (gan.space.detector), the same one /score reports (`score`: the digit's, if known)."""
        digit = np.asarray(digit, np.uint8)
        if int(digit.max()) < 64:
            return "No digit found: the image is blank."
        if not (score or self.score(digit[None])[0]).is_digit:
            return ("This does not look like a handwritten digit, so there is nothing to steer. "
                    "Upload or draw one digit, dark on light or light on dark.")
        return ""

    @torch.inference_mode()
    def score(self, digits: np.ndarray, exact: bool | list[bool] = True) -> list[Score]:
        """uint8 [N, 28, 28] (MNIST polarity) -> a Score per image (gan/space/score.py): the verdict
        model's p_real with its evidence, the GAN's own D's, the classifier's digit, whether it is
        a digit at all, and the judgement. `exact`: whether each image reached us pixel-exact (an
        upload's Steps.passthrough; True for arrays handed over directly): only then can its
        origin show in its pixels."""
        digits = np.array(digits, np.uint8)  # a writable copy: torch.from_numpy warns on the read-only arrays callers may pass
        exact = [exact] * len(digits) if isinstance(exact, bool) else list(exact)
        x = to_model_range(digits)
        logits = self.discriminator(x)
        a, b = self.calibration
        p_gan_d = torch.sigmoid(a * logits + b)
        probs = torch.softmax(self.classifier(x), 1)
        conf, digit = probs.max(1)
        is_digit = looks_like_digit(self.digit_detector, digits)
        verdicts = self.verdict.explain(digits, [not e for e in exact]) if self.verdict is not None else [{"p_real": round(float(p), 4)} for p in p_gan_d]
        scores = []
        for v, p, d, c, l, k, image, e in zip(verdicts, p_gan_d, digit, conf, logits, is_digit, digits, exact):
            score = Score(**v, p_real_gan_d=round(float(p), 4), gan_d_logit=round(float(l), 4), digit=int(d),
                          digit_confidence=round(float(c), 4), is_digit=bool(k))
            if self.verdict is not None:  # (a training run has no verdict model yet: p_real is its D's, and no judgement is made)
                outcome, why = judge(score, bool(e), image)
                score = dataclasses.replace(score, exact_28x28=bool(e), outcome=outcome, why=why)
            scores.append(score)
        return scores

    def score_upload(self, steps: Steps) -> Score:
        """One preprocessed upload's score, judged with what preprocessing knows: whether its
        pixels arrived exactly as they were made."""
        return self.score(steps.digit[None], exact=steps.passthrough)[0]

    def judge(self, upload: str | Path | bytes, fit: bool = True) -> Judgement:
        """One upload judged once: preprocessed (InputError if unusable), scored, and (`fit`)
        fitted: the closest digit the generator can draw, for a digit only. What the Discriminator
        tab, /score and the batch table render."""
        steps = self.load_upload_steps(upload)
        score = self.score_upload(steps)
        try:
            closest = self.project(steps.digit, score) if fit and score.is_digit else None
        except InputError:  # a blank image: nothing to fit
            closest = None
        return Judgement(steps, score, closest)

    # -------------------------------------------------------------- game

    def game_round(self, rng: np.random.Generator) -> "GameRound":
        """A digit for the real-or-fake game, 50/50: a real MNIST test digit (its index in
        real_digits.npz) or a fresh generated one (its seed and digit, truncation 1). The round
        names everything that made its image, so a stored round can be redrawn exactly."""
        if rng.random() < 0.5:
            i = int(rng.integers(len(self.real_digits)))
            return GameRound(self.real_digits[i], True, int(self.real_labels[i]), real_index=i)
        seed, digit = int(rng.integers(MAX_SEED)), int(rng.integers(10))
        return GameRound(self.game_image(False, digit, seed=seed), False, digit, seed=seed, truncation=1.0)

    def game_image(self, is_real: bool, digit: int, real_index: int | None = None, seed: int | None = None,
                   truncation: float = 1.0) -> np.ndarray:
        """The image a game round showed, uint8 [28, 28], redrawn from what the round stored."""
        if is_real:
            return self.real_digits[real_index]
        return sample(self.generator64, [seed], digit, truncation=truncation)[0]


@dataclass(frozen=True)
class GameRound:
    """One round of the real-or-fake game as the server decided it: the image, the answer, and
    what made the image (a real digit's index, or a generated digit's seed and truncation)."""

    image: np.ndarray
    is_real: bool
    digit: int  # a real digit's label, or the digit the generator was asked for
    real_index: int | None = None
    seed: int | None = None
    truncation: float | None = None


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between rows a [1 or N, D] and b, at fractions t [T, 1]."""
    cos = (torch.nn.functional.normalize(a, dim=-1) * torch.nn.functional.normalize(b, dim=-1)).sum(-1, keepdim=True).clamp(-1, 1)
    omega = torch.acos(cos)
    if float(omega.abs().max()) < 1e-4:
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)
