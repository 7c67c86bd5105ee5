"""Presentation for the Space: the text, tables and plot data app.py shows. Kept out of
app.py so it can be tested without a UI, and out of studio.py so the logic stays plain."""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from gan.core.viz import upscale


def png_bytes(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.asarray(image).astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def cell_caption(digit: int, seed: int) -> str:
    return f"digit {digit} · seed {seed}"


def grid_cells(cells: np.ndarray, seeds: list[int], digits: list[int]) -> list[tuple[np.ndarray, str]]:
    """A seed grid as gallery items, one per cell with its caption: a click on a gallery item
    names its index exactly, whatever size the page draws it at (a single grid image cannot:
    Gradio maps a click as if the picture were never enlarged)."""
    return [(cell, cell_caption(d, s)) for cell, s, d in zip(cells, seeds, digits)]


DRAW_FIRST = "**Draw a digit first**: the canvas is empty."

# The Generate tab's controls in a visitor's words, the technical name after.
TRUNCATION_LABEL = "typical ↔ unusual (truncation ψ)"
SLIDERS_EXPLAINED = ("Each slider moves the digit in one direction through the 64 numbers the generator draws from. "
                     "**thickness, slant, width, height**: directions fitted to those measured properties of generated "
                     "digits (InterFaceGAN). **Principal directions 1-4**: the four directions in which generated digits "
                     "vary most, whatever they turn out to change (GANSpace's pc1-pc4).")


def slider_label(name: str) -> str:
    """A latent slider's label: the property it was fitted to, or "principal direction N (GANSpace pcN)"."""
    return f"principal direction {name[2:]} (GANSpace {name})" if name.startswith("pc") else name


def drawn_image(editor_value: dict | None, margin: int = 28) -> np.ndarray | None:
    """A Sketchpad's picture with a margin of its background around it, or None when nothing is
    drawn (no composite, or one flat colour). The margin matters: a stroke that touches the
    canvas's edge is part of the digit, while gan.space.preprocess takes ink along a picture's edge
    for the table at a photo's border and sets it aside (a drawn 0 lost its sides)."""
    composite = (editor_value or {}).get("composite")
    if composite is None:
        return None
    image = np.asarray(composite)
    if image.size == 0 or image.min() == image.max():
        return None
    pad = [(margin, margin)] * 2 + [(0, 0)] * (image.ndim - 2)
    return np.pad(image, pad, mode="constant", constant_values=int(np.median(image)))  # the background: most of a drawing


def training_curves(log_path: Path, points: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    """train_log.jsonl as two long-format frames for gr.LinePlot (text the browser draws stays
    readable at any width, unlike a picture of a plot): the losses, and D's mean outputs."""
    rows = [json.loads(line) for line in Path(log_path).read_text().splitlines() if line.strip()]
    rows = rows[:-1:max(1, math.ceil(len(rows) / points))] + rows[-1:]  # every k-th step (at most `points`), and the last
    def frame(series: dict[str, str]) -> pd.DataFrame:
        return pd.DataFrame([(r["epoch"], r[key], name) for name, key in series.items() for r in rows],
                            columns=["epoch", "value", "series"])
    return (frame({"loss D": "loss_d", "loss G": "loss_g"}),
            frame({"D(real)": "d_real", "D(fake)": "d_fake"}))


NOT_A_DIGIT = "This does not look like a handwritten digit"


def verdict_markdown(result: dict) -> str:
    """The headline verdict (the converged detector, gan/space/verdict.py), what drove it, and the
    GAN's own discriminator beside it."""
    if not result.get("is_digit", True):  # name no digit and give no verdict on what is not one
        return (f"### {NOT_A_DIGIT}.\nThe classifier would force it into one of ten digits and the discriminator "
                f"into real or generated; neither answer means anything here (P(real) = {result['p_real']:.2f}).")
    p = result["p_real"]
    if "p_pixels_intact" not in result:  # weights with no detector (a training run): the GAN's own D decides
        label = "looks like a real MNIST digit" if p >= 0.5 else "looks generated (or not MNIST-like)"
        return (f"### P(real MNIST) = {p:.2f}: {label}\n(from the GAN's own discriminator: these weights have no "
                f"trained detector yet)\n\nThe classifier reads a **{result['digit']}** ({result['digit_confidence']:.0%} confident).")
    if result["p_pixels_intact"] < 0.5:
        label = ("**uncertain**: this image was resampled on its way here (not an exact 28x28 digit), which erases "
                 "the fine grey-level evidence the detector relies on")
    elif 0.2 < p < 0.8:
        label = "leans " + ("real" if p >= 0.5 else "generated") + ", without strong evidence"
    else:
        label = "looks like a real MNIST digit" if p >= 0.5 else "looks generated by this GAN"
    return (f"### P(real MNIST) = {p:.2f}: {label}\n"
            f"Evidence: **{result['faint_grey_pixels']} faint grey pixels** (values 1-9, magenta in the evidence picture): "
            + ("resampling makes such pixels on any image, so here they say little. " if result["p_pixels_intact"] < 0.5 else
               "this generator leaves a fringe of them around its strokes, real MNIST digits almost never do. ")
            + f"Share of the verdict's logit: grey-level histogram {result['from_histogram']:+.1f}, "
            f"CNN {result['from_cnn']:+.1f}; pixels intact: {result['p_pixels_intact']:.0%}.\n\n"
            f"The GAN's own discriminator says P(real) = {result['p_real_gan_d']:.2f}: near chance by design, since the "
            "generator was trained until it fooled that very network.\n\n"
            f"The classifier reads a **{result['digit']}** ({result['digit_confidence']:.0%} confident).")


def evidence_picture(seen: np.ndarray | None) -> np.ndarray | None:
    """The digit the detector saw (as Gradio hands it back: [28, 28] or [28, 28, 3]) with its
    faint grey pixels marked (gan.space.verdict.evidence_image)."""
    from .verdict import evidence_image

    if seen is None:
        return None
    seen = np.asarray(seen)
    return evidence_image(seen[..., 0] if seen.ndim == 3 else seen)


def verdict_model_markdown(studio) -> str:
    """The Model tab's section on the headline verdict, from weights/verdict/metrics.json."""
    m = studio.verdict_metrics
    if m is None:
        return "## The verdict: real or generated?\n\nThese weights have no trained detector (`python -m gan.ship` trains one): `p_real` is the GAN's own discriminator's."
    exact, rt, intact, faint = m["exact_28x28"], m["round_trip"], m["pixels_intact_head"], m["faint_grey_pixels"]
    n = m["test_digits"]
    return "\n".join([
        "## The verdict: real or generated?", "",
        "The GAN's own discriminator is near chance by now: the generator was trained until it fooled that very network. "
        "The headline verdict (`p_real`) comes from a detector trained afterwards against the frozen generator until its "
        "held-out loss stopped improving: a logistic head over the grey-level histogram plus a small CNN over the image and "
        "its faint-grey mask, its scores turned into probabilities that mean what they say (Platt scaling, fitted on held-out digits, separately for intact and resampled ones), with a second head that estimates whether the pixels "
        "arrived intact (`p_pixels_intact`). Its evidence is forensic: the generator leaves faint grey values (1-9) "
        f"around its strokes (median {faint['generated_median']:.0f} per digit; real MNIST digits: {faint['real_median']:.0f}).", "",
        f"Measured on {n['real']:,} MNIST test digits vs {n['generated']:,} fresh generated digits ({n['round_trip_each']:,} of each for the round trip):", "",
        "| | ROC AUC | calibration error (ECE) | GAN's own D, ROC AUC |", "|---|---:|---:|---:|",
        f"| exact 28x28 PNGs | {exact['roc_auc']:.5f} | {exact['ece']:.4f} | {exact['gan_d_roc_auc']:.3f} |",
        f"| after an upload-like round trip (upscale, blur, JPEG, re-preprocess) | {rt['roc_auc']:.3f} | {rt['ece']:.4f} | {rt['gan_d_roc_auc']:.3f} |",
        "", f"The pixels-intact head calls {intact['exact_called_intact']:.1%} of exact digits intact and "
        f"{intact['round_trip_called_resampled']:.1%} of round-tripped ones resampled; on a resampled upload the app says the verdict is uncertain.",
        "", "```bash", "python -m gan.space.train_verdict train --weights weights  # gan.ship runs it too", "python -m gan.core.weights weights", "```",
    ])


def histogram_frame(histogram: dict, p_real: float) -> pd.DataFrame:
    """Long-format rows for gr.LinePlot: the share of real and generated test digits per score
    bin, and a vertical line at the user's score."""
    edges = np.asarray(histogram["edges"])
    centres = (edges[:-1] + edges[1:]) / 2
    top = max(max(histogram["real"]), max(histogram["generated"]))
    rows = [(c, s, "real") for c, s in zip(centres, histogram["real"])]
    rows += [(c, s, "generated") for c, s in zip(centres, histogram["generated"])]
    rows += [(p_real, 0.0, "yours"), (p_real, top, "yours")]
    return pd.DataFrame(rows, columns=["p_real", "share", "set"])


def game_reveal(right: bool, is_real: bool, verdict: dict) -> str:
    truth = "a real MNIST test digit" if is_real else "generated by the GAN"
    d_says = "real" if verdict["p_real"] >= 0.5 else "fake"
    d_right = (verdict["p_real"] >= 0.5) == is_real
    gan_d_says = "real" if verdict["p_real_gan_d"] >= 0.5 else "fake"
    return (f"### {'✅ Right' if right else '❌ Wrong'}: it was {truth}.\n"
            f"The trained detector (a second network, trained after the GAN to spot its digits) said **{d_says}** (P(real) = {verdict['p_real']:.2f}, "
            f"{verdict.get('faint_grey_pixels', '?')} faint grey pixels), {'right' if d_right else 'wrong'}; "
            f"the GAN's own discriminator said {gan_d_says} (P(real) = {verdict['p_real_gan_d']:.2f}).")


def score_markdown(state: dict) -> str:
    n = state["played"]
    if not n:
        return "Score: no rounds yet."
    return f"**You: {state['right']}/{n}** · trained detector: {state['d_right']}/{n}"


def example_files(studio) -> list[str]:
    """Example inputs written once at start-up: two real test digits, two generated digits
    (large, dark on white, like a scan) and one image that is not a digit."""
    folder = Path(tempfile.mkdtemp(prefix="gan-examples-"))
    real = studio.real_digits[:2]
    fake = studio.generate_many([(7, 0), (2, 1)])
    files = []
    for name, img in [("real_0.png", real[0]), ("real_1.png", real[1]), ("generated_7.png", fake[0]), ("generated_2.png", fake[1])]:
        upscale(255 - img, 8).save(folder / name)
        files.append(str(folder / name))
    rng = np.random.default_rng(0)
    noise = (rng.random((28, 28)) * 255).astype(np.uint8)
    upscale(noise, 8).save(folder / "not_a_digit.png")
    files.append(str(folder / "not_a_digit.png"))
    return files


# The Model tab's table: (row name, metrics.json key, format, what it says in a visitor's words).
METRICS = [
    ("FID ↓", "fid", "{:.3f}", ("Fréchet Inception Distance: how far the generated digits' features are, on average "
                                "and in spread, from real test digits'; 0 = the same.")),
    ("KID ↓", "kid", "{:.5f}", "Kernel Inception Distance: the same comparison, unbiased, so noise can take it below 0."),
    ("Inception Score ↑ (max 10)", "inception_score", "{:.3f}", (
        "how confidently the classifier names each digit, times how evenly the ten digits occur; it rewards clear "
        "digits, not realistic ones, so neat generated digits can beat real handwriting, whose sloppy digits the "
        "classifier reads less surely.")),
    ("precision ↑", "precision", "{:.3f}", "the share of generated digits that look like some real digit."),
    ("recall ↑", "recall", "{:.3f}", "the share of real digits' variety that the generated digits cover."),
    ("class accuracy ↑", "class_accuracy", "{:.4f}", "the share of generated digits the classifier reads as the digit asked for."),
    ("D's ROC AUC vs real test digits", "d_roc_auc", "{:.3f}", ("how well the GAN's own discriminator (D) tells real "
                                                                "test digits from the set: 0.5 = not at all.")),
]


def model_markdown(studio) -> str:
    """The Model tab: metrics from metrics.json, the architecture, the reproduce commands."""
    path = studio.folder / "metrics.json"
    m = json.loads(path.read_text()) if path.exists() else None
    g = studio.generator
    lines = ["## Metrics", ""]
    if m:
        gen, floor = m["generator"], m["floor"]
        lines += ["| metric | generator | real-data floor |", "|---|---|---|"]
        for name, key, fmt, _ in METRICS:
            lines.append(f"| {name} | {fmt.format(gen[key])} | {fmt.format(floor[key])} |")
        hist = m["label_free_class_histogram"]
        top = int(np.argmax(hist))
        lines += ["", "Each row, in one line (↓: lower is better, ↑: higher is better):", ""]
        lines += [f"- **{name}**: {meaning}" for name, _, _, meaning in METRICS]
        lines += ["", "Features and class probabilities come from an independent MNIST classifier (test accuracy "
                  f"{m['classifier_test_accuracy']:.2%}). The **real-data floor** scores 10,000 real training digits "
                  "against the test set: what a generator that drew brand-new real digits would score. On the measures "
                  "of distance to real digits (FID, KID, precision, recall, D's ROC AUC) a generator can only match it, up "
                  "to noise; the Inception Score is no such distance, so a generator can exceed it"
                  + (f" (here {gen['inception_score']:.3f} against {floor['inception_score']:.3f})"
                     if gen["inception_score"] > floor["inception_score"] else "") + ".", "",
                  "**Reading the numbers.** "
                  f"KID is an unbiased estimate, so a set that matches the test digits scores about 0 give or take its noise "
                  f"(± {floor['kid_std']:.4f} here), and can dip below it: the floor's {floor['kid']:.5f} means no difference. "
                  "The ROC AUC says how well the discriminator tells the test digits from the other set: 0.5 is not at all. "
                  f"Against generated digits it is {gen['d_roc_auc']:.3f}; against real training digits it is {floor['d_roc_auc']:.3f}, "
                  "below 0.5 because D rates the training digits it learnt from as a little *more* real than unseen test digits "
                  "(it has memorised them slightly).", "",
                  "**Mode collapse check**: per-digit diversity (mean pairwise feature distance), generated / real, 1.00 = as varied as real digits: "
                  + ", ".join(f"{d}: {a / b:.2f}" for d, (a, b) in enumerate(zip(gen["diversity_per_digit"], m["floor_diversity_per_digit_test"]))),
                  "", "**Digits drawn when no digit is asked for** (the label set to 1/10 for every digit, which this app never does): "
                  + ", ".join(f"{d}: {p:.0%}" for d, p in enumerate(hist))
                  + f". An even blend of all ten labels is an input the generator never saw in training, so its output "
                  f"drifts towards one digit (here the {top}); this probe only shows that every digit is still reachable. "
                  "Asked for a digit, the generator draws that digit (class accuracy above)."]
        if "cas" in m:  # metrics.json from before gan.evaluate measured it, or run with --cas-epochs 0, lacks it
            lines += ["", cas_markdown(m["cas"])]
    lines += ["", "## Architecture", "",
              f"- **Generator** ({sum(p.numel() for p in g.parameters()):,} parameters as served, with batch norm folded into the layer before it): "
              f"[z ({g.z_dim}) ‖ one-hot digit] → "
              f"linear → {g.width}×7×7 → transposed conv → {g.width // 2}×14×14 → transposed conv → 1×28×28, tanh. "
              "The shipped weights are an exponential moving average of G's weights.",
              f"- **Discriminator** ({sum(p.numel() for p in studio.discriminator.parameters()):,} parameters): two strided "
              "convolutions and a linear layer with spectral normalisation, then heads on that trunk: a projection head "
              "D(x, y) used in training, a label-free head D(x) that scores your uploads"
              + (", and an auxiliary classifier that names the digit (AC-GAN)." if studio.discriminator.aux_classifier else "."),
              "- **Loss**: non-saturating BCE (also available: WGAN-GP with `--loss wgan-gp`, R3GAN's RpGAN with `--loss rpgan`, MSGAN's mode-seeking term with `--diversity-weight`, TAC-GAN's twin classifier with `--twin-classifier`)"
              + (", plus the auxiliary class loss." if studio.discriminator.aux_classifier else "."),
              "", "## Reproduce", "",
              "In a clone of this repository (`pip install -r requirements-dev.txt`; MNIST downloads into `data/` on first use), "
              "one training run with the defaults (its whole schedule is `gan/train.py`'s `Config`) and one export step "
              "rebuild the shipped weights:", "", "```bash",
              "python -m gan.train --out runs/dcgan  # 96 epochs in one run; --resume continues it if interrupted",
              "python -m gan.ship runs/dcgan  # into weights/: directions, page model, metrics, verdict, checksums",
              "```", "",
              "On a CPU that multiplies bfloat16 in hardware (Intel's AMX), `--precision bf16` trains the same recipe "
              "about 1.6 times as fast; `python -m gan.bench` times both precisions on yours."]
    return "\n".join(lines)


def cas_markdown(cas: dict) -> str:
    """The Classification Accuracy Score's figures (gan.core.cas) for the Model tab."""
    return ("**What the digits are worth as training data** (Classification Accuracy Score, Ravuri & Vinyals 2019): "
            f"the reference classifier's recipe trained on {cas['synthetic_digits']:,} generated digits reads the real "
            f"test digits with accuracy **{cas['cas']:.2%}**, against {cas['real']:.2%} when trained on the "
            f"{cas['real_digits']:,} real training digits: {cas['cas_over_real']:.1%} of real (target ≥ 98%: "
            f"{'met' if cas['target_met'] else 'not met'}). Trained on both sets together: {cas['real_plus_synthetic']:.2%}. "
            f"Each run has the same budget, {cas['steps']:,} steps of {cas['batch_size']} digits "
            f"({cas['epochs']} epoch{'s' if cas['epochs'] != 1 else ''} of the real set).")


def write_gradio_images_once() -> None:
    """Work around a race in Gradio 6.31's `processing_utils.save_pil_to_cache`: it names an
    output image's cache file after its bytes and rewrites the file in place on every request,
    so when two visitors get the same image (every page load renders digit 3, seed 42) one
    visitor's download is cut short by the other's rewrite (gan.tools.loadtest at 50 visitors: 13 of
    5,000 requests failed). Here a file is written once, atomically, and only touched after."""
    from gradio import processing_utils

    def save_pil_to_cache(img: Image.Image, cache_dir: str, name: str = "image", format: str = "webp") -> str:
        data = processing_utils.encode_pil_to_bytes(img, format)
        folder = Path(cache_dir) / processing_utils.hash_bytes(data)
        folder.mkdir(exist_ok=True, parents=True)
        path = (folder / f"{name}.{format}").resolve()
        if path.exists():  # same name, same bytes: refresh its age for delete_cache, never rewrite
            os.utime(path)
        else:
            tmp = folder / f".{uuid.uuid4().hex}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, path)  # readers see the old file or the whole new one, never half
        return str(path)

    processing_utils.save_pil_to_cache = save_pil_to_cache



def steps_strip(steps, height: int = 112) -> np.ndarray:
    """The preprocessing steps side by side, uint8 RGB: the page with its lighting removed,
    the ink kept (white) and set aside (grey), and the 28x28 the models see."""
    digit = np.asarray(Image.fromarray(steps.digit).resize((height, height), Image.NEAREST))
    if steps.passthrough or steps.normalised is None:
        return np.stack([digit] * 3, -1)  # an MNIST-formatted upload: used as it is
    tiles = []
    for a in (steps.normalised, steps.ink):
        img = Image.fromarray(a)
        tiles.append(np.asarray(img.resize((max(1, round(img.width * height / img.height)), height), Image.BILINEAR)))
    gap = np.full((height, 6), 255, np.uint8)
    strip = np.concatenate([tiles[0], gap, tiles[1], gap, digit], 1)
    return np.stack([strip] * 3, -1)
