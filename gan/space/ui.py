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
from PIL import Image, ImageDraw

from .score import Score
from .verdict import evidence_image


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


NOT_A_DIGIT = "Not a digit: this does not look like a handwritten digit"
# What every verdict on a resized or re-saved picture says first: the evidence is gone.
TRACES_GONE = "which wipes out the faint traces that tell a real MNIST scan from this GAN's output"


def fingerprint_readable(result: Score) -> bool:
    """Whether the pixels the verdict reads arrived as they were made: an exact 28x28 image
    that was not re-saved on the way (no JPEG, no filter)."""
    return bool(result.exact_28x28) and (result.p_pixels_intact is None or result.p_pixels_intact >= 0.5)


def plain_verdict(result: Score) -> str:
    """What the verdict means, in a visitor's words (the model names and numbers come after)."""
    from .verdict import GENERATED, REAL

    if not result.exact_28x28:
        return ("**Can't tell where this digit came from.** Your picture was resized to 28x28 pixels on its way to the "
                f"model (every drawing, photo and resized copy is), {TRACES_GONE}. So it says neither, rather than guess.")
    if not fingerprint_readable(result):
        return ("**Can't tell where this digit came from.** This 28x28 picture was re-saved on its way here (as a JPEG, or "
                f"through a filter), {TRACES_GONE}. So it says neither, rather than guess.")
    if result.outcome == GENERATED:
        return ("**This GAN drew it.** Its pixels carry the faint grey fringe this generator leaves around its strokes, "
                "and a second network trained to spot this GAN's digits agrees.")
    if result.outcome == REAL:
        return ("**A digit from the MNIST scans.** Its pixels look exactly like MNIST's: strokes smoothed the way MNIST "
                "smoothed them, in MNIST's 20-pixel box, with none of the faint fringe this GAN leaves.")
    return ("**Can't tell where this digit came from.** It is a 28x28 picture, but it matches neither MNIST's scans nor "
            "this GAN's output closely enough to say.")


def verdict_markdown(result: Score, fit=None) -> str:
    """The judgement in a visitor's words: one of three outcomes (gan.space.verdict.judge) and
    what it means, the digit read, then the evidence with its numbers: in view when the exact
    pixels could be read, behind a "details" fold when resizing or re-saving erased them.
    `fit`: the closest digit the generator can draw (a Projection), if any."""
    if not result.is_digit:  # name no digit and give no verdict on what is not one
        return (f"### {NOT_A_DIGIT}\nNeither a real MNIST digit nor this GAN's output. "
                "The classifier would force it into one of ten digits and the verdict into real or generated; neither answer would mean anything here.")
    reads = f"The classifier reads a **{result.digit}** ({result.digit_confidence:.0%} sure)."
    if result.outcome is None:  # weights with no verdict model (a training run): the GAN's own D is all there is
        return ("### Real or generated: a rough guess only\nThese weights come without the second network that judges real "
                "from generated, so the only judge is the GAN's own discriminator, which was trained until the generator "
                f"fooled it: it says P(real MNIST) = {result.p_real:.2f} (`gan ship` trains the verdict model).\n\n{reads}")
    readable = fingerprint_readable(result)
    evidence = []
    if readable:
        evidence.append(f"- **Faint grey pixels: {result.faint_grey_pixels}** (values 1-9, nearly black; magenta in the evidence picture). "
                        "This generator leaves a fringe of dozens around its strokes; real MNIST digits have a few at most.")
        evidence.append(f"- **The verdict model** (trained to tell this generator's 28x28 digits from MNIST's): P(real MNIST) = {result.p_real:.2f}.")
    else:
        evidence.append("- **Faint grey pixels and the verdict model**: not readable here. Both judge the exact pixels a 28x28 image "
                        f"arrives with, and {'resizing' if not result.exact_28x28 else 're-saving'} rewrote them "
                        f"(the verdict model's P(real MNIST) = {result.p_real:.2f} says little).")
    if fit is not None:
        evidence.append(f"- **The closest digit this generator can draw** (shown beside yours): it differs by {fit.figures['pixel_error']:.1%} "
                        "of full brightness per pixel on average. Its own digits, real MNIST digits and people's drawings all come about "
                        "equally close, so this shows what the GAN makes of your digit rather than who made it.")
    evidence.append(f"- **The GAN's own discriminator** says P(real) = {result.p_real_gan_d:.2f}. It was trained until the generator fooled it, "
                    "so it sits near chance on this generator's digits; on a person's drawing it reacts to the style of the strokes, not to who drew them.")
    why = f"**How it decided**: {result.why}."
    lines = [f"### {result.outcome[0].upper() + result.outcome[1:]}", plain_verdict(result), "", reads, ""]
    if readable:
        return "\n".join(lines + ["**The evidence**", *evidence, "", why])
    return "\n".join(lines + ["<details><summary>Details: the models and their numbers</summary>", "", why, "", *evidence, "", "</details>"])


def evidence_picture(seen: np.ndarray | None, result: "Score | None" = None) -> np.ndarray | None:
    """The digit the detector saw ([28, 28], or [28, 28, 3] as Gradio hands it back) with its faint
    grey pixels marked (gan.space.verdict.evidence_image); None (no picture) when its score
    (`result`, Studio.score's) says the pixels did not arrive exactly as made: a resized or
    re-saved picture's faint pixels are the resizing's, and the verdict beside it says so."""
    if seen is None or (result is not None and not result.exact_28x28):
        return None
    seen = np.asarray(seen)
    return evidence_image(seen[..., 0] if seen.ndim == 3 else seen)


def verdict_model_markdown(studio) -> str:
    """The Model tab's section on the headline verdict, from weights/verdict/metrics.json: what
    it means for a visitor first, then a table narrow enough for a phone, then how the model
    works and the commands behind a "details" fold."""
    m = studio.verdict_metrics
    if m is None:
        return ("## The verdict: real or generated?\n\nThese weights come without the second network that judges real from "
                "generated, so the Discriminator tab's verdict is the GAN's own discriminator's, a rough guess.\n\n"
                "<details><summary>Details</summary>\n\n`gan ship` trains the verdict model; until then `p_real` "
                "is the GAN's own discriminator's.\n\n</details>")
    exact, rt, intact, faint = m["exact_28x28"], m["round_trip"], m["pixels_intact_head"], m["faint_grey_pixels"]
    n = m["test_digits"]
    return "\n".join([
        "## The verdict: real or generated?", "",
        "The Discriminator tab's verdict comes from a second network, trained after the GAN to spot its digits. On a 28x28 "
        f"PNG exactly as the GAN made it, it is {'practically never' if exact['roc_auc'] >= 0.999 else 'seldom'} wrong: it reads the faint grey fringe (pixel values 1-9) "
        f"the generator leaves around its strokes ({faint['generated_median']:.0f} such pixels on a typical generated digit, "
        f"{faint['real_median']:.0f} on a real one). Once a picture is resized or re-saved, as every drawing, photo and "
        f"screenshot is, that fringe is gone and {'no better than a coin toss' if rt['roc_auc'] < 0.6 else 'no sure answer'} is possible, so the page then says "
        "**neither / can't tell** instead of guessing.", "",
        f"How well it tells {n['real']:,} real MNIST test digits from {n['generated']:,} fresh generated ones, as exact 28x28 "
        f"PNGs and after a round trip like an upload's (made bigger, blurred, saved as JPEG and shrunk back; {n['round_trip_each']:,} "
        "of each):", "",
        "| | exact 28x28 | round trip |", "|---|---:|---:|",
        f"| tells them apart (ROC AUC: 1 = always, 0.5 = a coin toss) | {exact['roc_auc']:.5f} | {rt['roc_auc']:.3f} |",
        f"| its probabilities are off by (calibration error, ECE) | {exact['ece']:.4f} | {rt['ece']:.4f} |",
        f"| the GAN's own discriminator tells them apart (ROC AUC) | {exact['gan_d_roc_auc']:.3f} | {rt['gan_d_roc_auc']:.3f} |",
        "", "The page says **made by this GAN** only for a pixel-exact 28x28 image that carries the generator's fringe, "
        "**a real MNIST digit** only for one laid out as MNIST's are, and **neither / can't tell** for everything else: "
        "a drawing, a photo, anything resized or re-encoded.", "",
        "<details><summary>Details: how the verdict model works, and the commands</summary>", "",
        "The GAN's own discriminator is near chance by now: the generator was trained until it fooled that very network. "
        "The headline verdict (`p_real`) comes from a detector trained afterwards against the frozen generator until its "
        "held-out loss stopped improving: a logistic head over the grey-level histogram plus a small CNN over the image and "
        "its faint-grey mask, its scores turned into probabilities that mean what they say (Platt scaling, fitted on held-out "
        "digits, separately for intact and resampled ones), with a second head that estimates whether the pixels arrived "
        f"intact (`p_pixels_intact`): it calls {intact['exact_called_intact']:.1%} of exact digits intact and "
        f"{intact['round_trip_called_resampled']:.1%} of round-tripped ones resampled.", "",
        "```bash", "gan dev train-verdict train --weights weights  # gan ship runs it too", "gan dev checksums weights", "```",
        "", "</details>",
    ])


def histogram_frame(histogram: dict, p_real: float | None) -> pd.DataFrame:
    """Long-format rows for gr.LinePlot: the share of real and generated test digits per score
    bin, and a vertical line at the user's score (none when p_real is None: an upload whose
    pixels were resampled has no score on this chart)."""
    edges = np.asarray(histogram["edges"])
    centres = (edges[:-1] + edges[1:]) / 2
    top = max(max(histogram["real"]), max(histogram["generated"]))
    rows = [(c, s, "real") for c, s in zip(centres, histogram["real"])]
    rows += [(c, s, "generated") for c, s in zip(centres, histogram["generated"])]
    if p_real is not None:
        rows += [(p_real, 0.0, "yours"), (p_real, top, "yours")]
    return pd.DataFrame(rows, columns=["p_real", "share", "set"])


def game_reveal(right: bool, is_real: bool, verdict: Score, seconds: float | None = None, min_seconds: float = 0.0) -> str:
    """The answer, what the machines said about the same digit (in words first, their numbers
    after), and (for an answer faster than a person can look) that it was kept but not counted."""
    truth = "a real MNIST test digit" if is_real else "generated by the GAN"
    d_says = "real" if verdict.p_real >= 0.5 else "fake"
    d_right = (verdict.p_real >= 0.5) == is_real
    gan_d_says = "real" if verdict.p_real_gan_d >= 0.5 else "fake"
    too_fast = (f"\n\nAnswered {seconds * 1000:.0f} ms after the digit was sent: faster than {min_seconds * 1000:.0f} ms, "
                "so kept but not counted in the figures." if seconds is not None and seconds < min_seconds else "")
    return (f"### {'✅ Right' if right else '❌ Wrong'}: it was {truth}.\n"
            f"A second network, trained after the GAN to spot its digits, said **{d_says}**: {'right' if d_right else 'wrong'} "
            f"(the verdict model: P(real) = {verdict.p_real:.2f}, from {'?' if verdict.faint_grey_pixels is None else verdict.faint_grey_pixels} faint grey pixels). "
            f"The GAN's own discriminator, trained only until the generator fooled it, said {gan_d_says} "
            f"(P(real) = {verdict.p_real_gan_d:.2f})." + too_fast)


# A second Real/Fake press on a round already answered: said under the reveal, which stays.
ALREADY_ANSWERED = "*You already answered this round: press **New digit** for another.*"


def score_markdown(state: dict) -> str:
    n = state["played"]
    if not n:
        return "Score: no rounds yet."
    return f"**You: {state['right']}/{n}** · the verdict model: {state['d_right']}/{n}"


def percent(rate) -> str:
    """A gan.core.intervals.Rate as '41% (30% to 53%)' (its 95% interval), or '–' with no answers:
    short, for places that say once what the range means."""
    if rate.rate is None:
        return "–"
    return f"{rate.rate:.0%} ({rate.low:.0%} to {rate.high:.0%})"


def plain_rate(rate, bold: bool = False, after: str = "", note: str = "") -> str:
    """A Rate in words: '41%`after` (95% sure the true rate is between 30% and 53%; 64 answers`; note`)'."""
    if rate.rate is None:
        return "not known yet (no answers)"
    n = rate.count
    count = f"only {n} answer{'s' if n != 1 else ''} so far" if n < 30 else f"{n:,} answers"
    value = f"**{rate.rate:.0%}**" if bold else f"{rate.rate:.0%}"
    return f"{value}{after} (95% sure the true rate is between {rate.low:.0%} and {rate.high:.0%}; {count}{'; ' + note if note else ''})"


JUDGE_NAMES = {"people": "people", "verdict_model": "verdict model", "gan_discriminator": "GAN's own D"}
HYPE = ("HYPE∞, a human-evaluation measure of how realistic a generator's pictures look: 50% means people cannot tell "
        "real from generated at all, 0% that they always can")


def human_eval_summary(figures: dict) -> str:
    """The game tab's figures after each answer: the visitors' verdict on this generator."""
    people = figures["people"]
    if not figures["answered"]:
        return "**Everyone's answers so far**: none counted yet. Each answer you give is stored and counted here."
    hype = people["hype"]
    mixed = (f"On an even mix of real and generated digits they would be wrong {plain_rate(hype, bold=True, after=' of the time', note='this is ' + HYPE)}."
             if hype.rate is not None else
             f"How often they would be wrong on an even mix of real and generated digits is known once both kinds have answers ({HYPE}).")
    return (f"**Everyone's answers so far** ({figures['answered']:,} counted rounds): people took generated digits for real "
            f"{plain_rate(people['fooled'], bold=True, after=' of the time')}, and real digits for fake {plain_rate(people['real_called_fake'])}. "
            f"{mixed} The verdict model, on the same rounds, was right {plain_rate(figures['verdict_model']['accuracy'], after=' of the time')}.")


def human_eval_markdown(figures: dict) -> str:
    """The Model tab's section: what the game shows so far in words, then people and the two
    machines on the very same rounds (a table narrow enough for a phone), then the measure,
    the intervals and the protocol behind a "details" fold; the rounds of other generators
    (reported apart)."""
    fast = figures["excluded_too_fast"]
    people = figures["people"]
    if figures["answered"]:
        hype = people["hype"]
        gist = (f"So far people took this GAN's digits for real {plain_rate(people['fooled'], bold=True, after=' of the time')}."
                + (f" On an even mix of real and generated digits they would be wrong **{hype.rate:.0%}** of the time, "
                   "where 50% would mean they cannot tell the two apart at all." if hype.rate is not None else ""))
    else:
        gist = "No answers counted yet: play a few rounds and the figures appear here."
    lines = ["## Can people tell? The Real-or-fake game, live", "",
             gist + f" Every answer in the **Real or fake?** tab counts: **{figures['answered']:,}** counted rounds"
             + (f", plus {fast:,} answered too fast to count." if fast else "."), "",
             "People and two machines on the very same rounds. Each cell: the rate, then the range we are 95% sure "
             "holds the true rate (it narrows as answers come in).", "",
             "| on the same rounds | " + " | ".join(JUDGE_NAMES.values()) + " |", "|---|---|---|---|"]
    rows = [("fooled", "generated taken for real"), ("real_called_fake", "real taken for fake"),
            ("hype", "wrong on a 50/50 mix (HYPE∞)"), ("accuracy", "right")]
    for key, name in rows:
        cells = []
        for judge in JUDGE_NAMES:
            r = figures[judge][key]
            cells.append("–" if r.rate is None else f"**{r.rate:.0%}**<br>{r.low:.0%} to {r.high:.0%}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    p = figures["protocol"]
    lines += ["", "The verdict model is the second network that judges uploads on the Discriminator tab; the GAN's own D "
              "is the discriminator the generator was trained against. In the plot, per digit shown: how often people took "
              "generated digits for real (orange) and real digits for fake (blue).", "",
              "<details><summary>Details: the measure, the intervals, the protocol</summary>", "",
              (f"HYPE∞ (Zhou et al., NeurIPS 2019) is the people's error rate on a balanced mix of real and generated digits: "
               "50% means they cannot tell the two apart, 0% that they always can. Intervals: "
               f"{p['interval']} (they assume independent answers). Protocol: a round is decided and stored by the server when "
               f"shown; one answer per round, from the session it was shown to; rounds expire after {p['round_ttl_s'] / 60:.0f} minutes; "
               f"answers faster than {p['min_answer_ms']} ms are kept but not counted; at most {p['rounds_per_minute']['session']} "
               f"new digits a minute per visitor and {p['rounds_per_minute']['address']} per address. The figures are for this "
               f"generator only (weights checksum `{figures['model'][:12]}`). `/human_eval` returns them as JSON; "
               "`gan human-eval --export rounds.csv` writes every round."), "", "</details>"]
    for other in figures["other_models"]:
        lines += ["", (f"Rounds of another generator (an earlier version of the weights), kept and reported apart: "
                  f"{other['answered']:,} counted, people fooled {percent(other['people']['fooled'])}, "
                  f"wrong on a 50/50 mix {percent(other['people']['hype'])} (weights checksum `{other['model'][:12]}`).")]
    return "\n".join(lines)


def _count(n: int) -> str:
    return f"{n}" if n < 1000 else f"{n / 1000:.0f}k"


def human_eval_plot(figures: dict, width: int = 290, height: int = 320) -> str:
    """Per-digit rates with their 95% intervals as an inline SVG (text the browser draws, sharp
    at any width): for each digit and for all digits together, how often people took generated
    digits for real (orange) and real digits for fake (blue), with a dashed line at 50%, where
    people cannot tell, axis titles, and the number of answers under each digit."""
    # Drawn for a phone: a 390x844 phone draws it about 300 px wide, so at 1.04x its 13-14 px text
    # is at least 13 px there; a desktop draws it at most 420 px wide (1.45x: 19-20 px).
    left, right, top, bottom = 48, 4, 98, 68
    plot_w, plot_h = width - left - right, height - top - bottom
    groups = [(str(d["digit"]), d["people"]) for d in figures["per_digit"]] + [("all", figures["people"])]
    step = plot_w / len(groups)
    y = lambda v: top + plot_h * (1 - v)
    parts = [(f'<svg viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" role="img" style="width:100%;height:auto;max-width:420px" '
              'aria-label="per-digit rates with 95% intervals" font-family="sans-serif" font-size="14">')]
    for v in (0, 0.25, 0.5, 0.75, 1):
        dash = ' stroke-dasharray="5 4"' if v == 0.5 else ""
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#999" stroke-width="{1 if v == 0.5 else 0.4}"{dash}/>')
        parts.append(f'<text x="{left - 4}" y="{y(v) + 5:.1f}" text-anchor="end" fill="currentColor" font-size="13">{v:.0%}</text>')
    parts.append(f'<text transform="translate(12 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle" fill="currentColor">'
                 'share of answers</text>')
    series = [("fooled", "#e8710a", -4, "generated digits taken for real"), ("real_called_fake", "#1a73e8", 4, "real digits taken for fake")]
    for i, (label, judged) in enumerate(groups):
        cx = left + step * (i + 0.5)
        parts.append(f'<text x="{cx:.1f}" y="{height - bottom + 17}" text-anchor="middle" fill="currentColor" font-weight="{"bold" if label == "all" else "normal"}">{label}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{height - bottom + 34}" text-anchor="middle" fill="#777" font-size="13">'
                     f'{_count(judged["fooled"].count + judged["real_called_fake"].count)}</text>')
        for key, colour, dx, _ in series:
            r = judged[key]
            if r.rate is None:
                continue
            x = cx + dx
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y(r.low):.1f}" y2="{y(r.high):.1f}" stroke="{colour}" stroke-width="2"/>')
            parts.append(f'<circle cx="{x:.1f}" cy="{y(r.rate):.1f}" r="3.5" fill="{colour}"><title>{label}: {plain_rate(r)}</title></circle>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" fill="currentColor">'
                 'digit shown, answers under it</text>')
    for j, (_, colour, _, name) in enumerate(series):
        parts.append(f'<circle cx="7" cy="{12 + 21 * j}" r="4.5" fill="{colour}"/><text x="18" y="{17 + 21 * j}" fill="currentColor">{name}</text>')
    parts.append('<line x1="7" x2="7" y1="46" y2="62" stroke="#777" stroke-width="2"/>'
                 '<text x="18" y="59" fill="currentColor">bars: 95% sure the true rate is here</text>'
                 '<line x1="1" x2="13" y1="75" y2="75" stroke="#999" stroke-dasharray="5 4"/>'
                 '<text x="18" y="80" fill="currentColor">50%: can\'t tell real from generated</text></svg>')
    return "".join(parts)


EXAMPLE_STROKES = {  # drawn with a round pen on a 280 px white canvas, like the Sketchpad
    ("drawing_7.png", "a drawing"): [[(80, 70), (205, 70), (120, 225)], [(115, 150), (185, 150)]],
    ("letter_A.png", "not a digit"): [[(70, 230), (140, 50), (210, 230)], [(100, 160), (180, 160)]],
}


def example_files(studio) -> list[tuple[str, str]]:
    """Example inputs written once at start-up, each with a caption (short enough for a phone's
    three columns) saying what it is: real MNIST test digits and generated digits as exact 28x28
    PNGs (as the Generate tab downloads them), a person's drawing of a 7 and a letter A drawn
    dark on white. Each one's verdict agrees with its caption."""
    folder = Path(tempfile.mkdtemp(prefix="gan-examples-"))
    fake = studio.generate_many([(7, 0), (2, 1)])
    files = [("real_0.png", studio.real_digits[0], "real MNIST"), ("real_1.png", studio.real_digits[1], "real MNIST"),
             ("generated_7.png", fake[0], "by this GAN"), ("generated_2.png", fake[1], "by this GAN")]
    for (name, caption), strokes in EXAMPLE_STROKES.items():
        img = Image.new("L", (280, 280), 255)
        draw = ImageDraw.Draw(img)
        for line in strokes:
            draw.line(line, fill=0, width=18, joint="curve")
        files.append((name, np.asarray(img), caption))
    out = []
    for name, image, caption in files:
        Image.fromarray(image).save(folder / name)
        out.append((str(folder / name), caption))
    return out


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
    """The Model tab: metrics from metrics.json (what they say for a visitor first), the
    architecture and how to reproduce the weights (plain words first, the layers and the
    commands behind "details" folds)."""
    path = studio.folder / "metrics.json"
    m = json.loads(path.read_text()) if path.exists() else None
    g = studio.generator
    lines = ["## Metrics", ""]
    if m:
        gen, floor = m["generator"], m["floor"]
        lines += ["How good are the generated digits? Asked for a digit, the generator draws it: an independent classifier "
                  f"reads {gen['class_accuracy']:.1%} of them as the digit asked for (real digits: {floor['class_accuracy']:.1%}). "
                  "The other rows measure how much the generated digits look like real ones and how varied they are, each beside "
                  "the **real-data floor**: what brand-new real digits score against the same test digits, the best a generator "
                  "can hope for on the measures of distance.", ""]
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
                  "**Does it draw each digit in all its variety?** Per digit, how varied the generated digits are, as a share "
                  "of how varied real ones are (1.00 = as varied; a check for mode collapse, a GAN drawing only a few kinds of "
                  "each digit, measured as the mean distance between two digits' features): "
                  + ", ".join(f"{d}: {a / b:.2f}" for d, (a, b) in enumerate(zip(gen["diversity_per_digit"], m["floor_diversity_per_digit_test"]))),
                  "", "**Digits drawn when no digit is asked for** (the label set to 1/10 for every digit, which this app never does): "
                  + ", ".join(f"{d}: {p:.0%}" for d, p in enumerate(hist))
                  + f". An even blend of all ten labels is an input the generator never saw in training, so its output "
                  f"drifts towards one digit (here the {top}); this probe only shows that every digit is still reachable. "
                  "Asked for a digit, the generator draws that digit (class accuracy above)."]
        if "cas" in m:  # metrics.json from before gan.evaluate measured it, or run with --cas-epochs 0, lacks it
            lines += ["", cas_markdown(m["cas"])]
    aux = studio.discriminator.aux_classifier
    lines += ["", "## Architecture", "",
              "Two small networks trained against each other. The **generator** turns 64 random numbers and the digit asked for "
              "into a 28x28 picture; the **discriminator** learnt to tell its pictures from real MNIST digits, and the generator "
              "learnt to fool it. Only the generator is needed to draw; the discriminator also scores your uploads"
              + (" and names their digit." if aux else "."), "",
              "<details><summary>Details: the layers and the loss</summary>", "",
              f"- **Generator** ({sum(p.numel() for p in g.parameters()):,} parameters as served, with batch norm folded into the layer before it): "
              f"[z ({g.z_dim}) ‖ one-hot digit] → "
              f"linear → {g.width}×7×7 → transposed conv → {g.width // 2}×14×14 → transposed conv → 1×28×28, tanh. "
              "The shipped weights are an exponential moving average of G's weights.",
              f"- **Discriminator** ({sum(p.numel() for p in studio.discriminator.parameters()):,} parameters): two strided "
              "convolutions and a linear layer with spectral normalisation, then heads on that trunk: a projection head "
              "D(x, y) used in training, a label-free head D(x) that scores your uploads"
              + (", and an auxiliary classifier that names the digit (AC-GAN)." if aux else "."),
              "- **Loss**: non-saturating BCE (also available: WGAN-GP with `--loss wgan-gp`, R3GAN's RpGAN with `--loss rpgan`, MSGAN's mode-seeking term with `--diversity-weight`, TAC-GAN's twin classifier with `--twin-classifier`)"
              + (", plus the auxiliary class loss." if aux else "."),
              "", "</details>",
              "", "## Reproduce", "",
              "Anyone can rebuild these exact weights from this repository's code: one training run with the defaults, then one "
              "export step.", "",
              "<details><summary>Details: the commands</summary>", "",
              "In a clone of this repository (`pip install -r requirements-dev.txt`; MNIST downloads into `data/` on first use), "
              "one training run with the defaults (its whole schedule is `gan/core/config.py`'s `Config`) and one export step "
              "rebuild the shipped weights:", "", "```bash",
              "gan train --out runs/dcgan  # 96 epochs in one run; --resume continues it if interrupted",
              "gan ship runs/dcgan  # into weights/: directions, page model, metrics, verdict, checksums",
              "```", "",
              "On a CPU that multiplies bfloat16 in hardware (Intel's AMX), `--precision bf16` trains the same recipe "
              "about 1.6 times as fast; `gan bench` times both precisions on yours.", "", "</details>"]
    return "\n".join(lines)


def cas_markdown(cas: dict) -> str:
    """The Classification Accuracy Score's figures (gan.training.cas) for the Model tab: the
    question it answers in words first, its name after."""
    return (f"**Could a digit reader learn from these digits alone?** {'Nearly' if cas['target_met'] else 'Not'} as well as "
            f"from real ones: the reference classifier's recipe trained on {cas['synthetic_digits']:,} generated digits reads the real "
            f"test digits with accuracy **{cas['cas']:.2%}**, against {cas['real']:.2%} when trained on the "
            f"{cas['real_digits']:,} real training digits: {cas['cas_over_real']:.1%} of real (target ≥ 98%: "
            f"{'met' if cas['target_met'] else 'not met'}). Trained on both sets together: {cas['real_plus_synthetic']:.2%}. "
            f"Each run has the same budget, {cas['steps']:,} steps of {cas['batch_size']} digits "
            f"({cas['epochs']} epoch{'s' if cas['epochs'] != 1 else ''} of the real set). This is the Classification Accuracy "
            "Score (Ravuri & Vinyals 2019).")


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
