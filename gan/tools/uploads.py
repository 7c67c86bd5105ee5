"""How the Space reads uploads people make: photographed digits (gan.makers.photos), drawn
digits (gan.makers.drawings) and things that are not digits (gan.makers.nondigits), each
scored through the real Studio.

    gan dev uploads --photos --data-dir ../shared/data      # read-right and flagged shares per photo condition
    gan dev uploads --nondigits --data-dir ../shared/data   # flagged shares: test non-digits, the 10,000 MNIST test digits
    gan dev uploads --verdict --data-dir ../shared/data --experiments docs/experiments   # the judgement per kind of input, and each evidence's AUC
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from gan.core.errors import InputError
from gan.makers.drawings import drawing_cases
from gan.makers.nondigits import LOOK_ALIKES, nondigit_cases
from gan.makers.photos import CONDITIONS, PhotoCase, photo_cases, test_digits
from gan.space.studio import Studio


def measure_photos(cases: list[PhotoCase], studio: Studio) -> dict[str, dict[str, float]]:
    """Per condition: cases, share read as the right digit, share flagged as not a digit."""
    rows: dict[str, list[tuple[bool, bool]]] = {}
    for case in cases:
        try:
            result = studio.score(studio.load_upload(case.jpeg)[None])[0]
            right, flagged = result.digit == case.label, not result.is_digit
        except InputError:
            right, flagged = False, True
        rows.setdefault(case.condition, []).append((right, flagged))
    table = {c: {"cases": len(r), "read_right": float(np.mean([a for a, _ in r])), "flagged": float(np.mean([b for _, b in r]))} for c, r in rows.items()}
    every = [x for r in rows.values() for x in r]
    table["all"] = {"cases": len(every), "read_right": float(np.mean([a for a, _ in every])), "flagged": float(np.mean([b for _, b in every]))}
    return table


def markdown(table: dict[str, dict[str, float]]) -> str:
    lines = ["| condition | cases | read right | flagged not a digit |", "|---|---:|---:|---:|"]
    for c, r in table.items():
        lines.append(f"| {c} | {r['cases']} | {r['read_right']:.1%} | {r['flagged']:.1%} |")
    return "\n".join(lines)


def measure_nondigits(studio: Studio, data_dir: str | Path, n_nondigits_per_kind: int = 20) -> dict:
    """Shares flagged as not a digit: test-split non-digits (per kind; letters also split into
    digit look-alikes and the rest) and the real MNIST test digits (all 10,000, as 28x28
    uploads). Photo-like digits: measure_photos."""
    per_kind: dict[str, list[bool]] = {}
    letters: dict[str, list[bool]] = {"look-alikes (" + LOOK_ALIKES + ")": [], "other letters": []}
    for case in nondigit_cases(n_nondigits_per_kind, "test"):
        try:
            flagged = not studio.score(studio.load_upload(case.data)[None])[0].is_digit
        except InputError:  # refused by preprocessing ("No digit found"): flagged too
            flagged = True
        per_kind.setdefault(case.kind, []).append(flagged)
        if case.kind == "letter":
            letters[list(letters)[case.text not in LOOK_ALIKES]].append(flagged)
    images, _ = test_digits(data_dir)
    flags = [not r.is_digit for chunk in np.array_split(images, max(1, len(images) // 1000)) for r in studio.score(chunk)]
    return {"nondigits_flagged": {k: float(np.mean(v)) for k, v in per_kind.items()},
            "nondigits_flagged_all": float(np.mean([x for v in per_kind.values() for x in v])),
            "nondigits_count": sum(map(len, per_kind.values())),
            "letters_flagged": {k: f"{np.mean(v):.3f} of {len(v)}" for k, v in letters.items()},
            "mnist_test_flagged": float(np.mean(flags)), "mnist_test_count": len(flags)}


# ---------------------------------------------------------------------------- the verdict


def verdict_inputs(studio: Studio, data_dir: str | Path, n: int, seed: int = 0) -> dict[str, list[tuple[bytes, int, str]]]:
    """Every kind of input a visitor brings, as upload bytes with its digit (-1: unknown) and
    its origin ("person", "mnist" or "gan"). MNIST and generated digits come exact (28x28 PNG),
    resized (56-400 px, bilinear or bicubic, PNG or JPEG) and re-saved as a 28x28 JPEG."""
    images, labels = test_digits(data_dir)
    rng = np.random.default_rng([seed, 34])
    kinds: dict[str, list] = {}
    for c in drawing_cases(images, labels, n, seed):
        kinds.setdefault(f"drawing: {c.kind}", []).append((c.data, c.label, "person"))
    kinds["photo of a digit on paper"] = [(c.jpeg, c.label, "person") for c in photo_cases(images, labels, max(1, n // len(CONDITIONS)), seed)]
    kinds["drawing shrunk to a 28x28 PNG"] = [(_shrunk(c.data, rng), c.label, "person")
                                              for c in drawing_cases(images, labels, max(1, n // 3), seed + 1, kinds=["mouse", "touch", "marker"])]
    pick = rng.choice(len(images), n, replace=False)
    digits = rng.integers(0, 10, n)
    generated = studio.generate_many([(int(d), 9_000_000 + seed * n + i) for i, d in enumerate(digits)])
    for origin, source, truth in (("mnist", images[pick], labels[pick]), ("gan", generated, digits)):
        name = "MNIST test digit" if origin == "mnist" else "this GAN's digit"
        kinds[f"{name}, exact 28x28 PNG"] = [(_encoded(d, 28, "PNG", rng), int(t), origin) for d, t in zip(source, truth)]
        kinds[f"{name}, resized"] = [(_encoded(d, int(rng.choice([56, 112, 280, 400])), str(rng.choice(["PNG", "JPEG"])), rng), int(t), origin)
                                     for d, t in zip(source, truth)]
        kinds[f"{name}, 28x28 JPEG"] = [(_encoded(d, 28, "JPEG", rng), int(t), origin) for d, t in zip(source, truth)]
    return kinds


def _shrunk(drawing: bytes, rng: np.random.Generator) -> bytes:
    """A drawing saved at 28x28 (nearest, box, bilinear or Lanczos), white ink on black like MNIST:
    pixel-exact when it arrives, but made by a person."""
    resample = [Image.NEAREST, Image.BOX, Image.BILINEAR, Image.LANCZOS][int(rng.integers(4))]
    small = Image.fromarray(255 - np.asarray(Image.open(io.BytesIO(drawing)).convert("L").resize((28, 28), resample)))
    buf = io.BytesIO()
    small.save(buf, format="PNG")
    return buf.getvalue()


def _encoded(digit: np.ndarray, side: int, fmt: str, rng: np.random.Generator) -> bytes:
    """A digit as a dark-on-light or light-on-dark file of side x side pixels."""
    img = Image.fromarray(digit if rng.random() < 0.5 else 255 - digit)
    if side != 28:
        img = img.resize((side, side), Image.BICUBIC if rng.random() < 0.5 else Image.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, format=fmt, **({"quality": int(rng.integers(60, 96))} if fmt == "JPEG" else {}))
    return buf.getvalue()


def judge_inputs(studio: Studio, kinds: dict[str, list[tuple[bytes, int, str]]]) -> dict[str, list[dict]]:
    """Each input through the Space's path (preprocess, score, project), one row per input."""
    rows: dict[str, list[dict]] = {}
    for kind, cases in kinds.items():
        for data, label, origin in cases:
            j = studio.judge(data)
            r, fit = j.score, j.closest
            rows.setdefault(kind, []).append({
                "origin": origin, "outcome": r.outcome, "is_digit": r.is_digit, "read_right": None if label < 0 else r.is_digit and r.digit == label,  # a flagged digit is named to no one
                "p_real": r.p_real, "p_real_gan_d": r.p_real_gan_d, "faint": r.faint_grey_pixels,
                "residual": None if fit is None else fit.figures["pixel_error"]})
    return rows


PEOPLE, SHRUNK = "people's drawings and photos", "drawings shrunk to 28x28 by their maker"
# Evidence, each oriented so that higher means "more real / less like this GAN's output".
EVIDENCE = {"verdict model p_real": "p_real", "GAN's own D": "p_real_gan_d", "fewer faint grey pixels": "faint", "projection residual": "residual"}
PAIRS = {  # (kinds with the other origin, this GAN's kinds): can the evidence tell them apart?
    "exact 28x28 PNG: MNIST vs this GAN": ("MNIST test digit, exact 28x28 PNG", "this GAN's digit, exact 28x28 PNG"),
    "28x28 JPEG: MNIST vs this GAN": ("MNIST test digit, 28x28 JPEG", "this GAN's digit, 28x28 JPEG"),
    "resized: MNIST vs this GAN": ("MNIST test digit, resized", "this GAN's digit, resized"),
    "drawings and photos vs this GAN's digits resized": ("drawing:|photo", "this GAN's digit, resized"),
    "drawings shrunk to 28x28 PNGs vs this GAN's exact PNGs": ("drawing shrunk", "this GAN's digit, exact 28x28 PNG"),
}


def verdict_figures(rows: dict[str, list[dict]]) -> dict:
    """Per kind: the share of each outcome, digits read right, flagged not a digit; per pair
    of origins: each evidence's ROC AUC."""
    from gan.core.metrics import roc_auc
    from gan.space.verdict import GENERATED, NEITHER, REAL

    per_kind = {}
    for kind, rs in rows.items():
        read = [r["read_right"] for r in rs if r["read_right"] is not None]
        per_kind[kind] = {"n": len(rs), **{o: float(np.mean([r["outcome"] == o for r in rs])) for o in (REAL, GENERATED, NEITHER)},
                          "read_right": float(np.mean(read)) if read else None, "flagged_not_digit": float(np.mean([not r["is_digit"] for r in rs]))}
    auc = {}
    for pair, (other, ours) in PAIRS.items():
        a = [r for k, rs in rows.items() if any(k.startswith(o) for o in other.split("|")) for r in rs]
        b = [r for k, rs in rows.items() if k == ours for r in rs]
        auc[pair] = {}
        for name, key in EVIDENCE.items():
            sign = -1 if key == "faint" else 1
            xa = [sign * r[key] for r in a if r[key] is not None]
            xb = [sign * r[key] for r in b if r[key] is not None]
            auc[pair][name] = round(roc_auc(torch.tensor(xa, dtype=torch.float64), torch.tensor(xb, dtype=torch.float64)), 3) if xa and xb else None
    return {"per_kind": per_kind, "auc": auc, PEOPLE: pooled(per_kind, ("drawing:", "photo")),
            SHRUNK: pooled(per_kind, ("drawing shrunk",))}


def pooled(per_kind: dict[str, dict], prefixes: tuple[str, ...]) -> dict:
    """The kinds whose names start with one of `prefixes`, pooled: inputs, share called made by
    this GAN, share read right."""
    from gan.space.verdict import GENERATED

    kinds = [f for k, f in per_kind.items() if k.startswith(prefixes)]
    n = sum(f["n"] for f in kinds)
    return {"n": n, "called generated": sum(f[GENERATED] * f["n"] for f in kinds) / n,
            "read right": sum(f["read_right"] * f["n"] for f in kinds) / n}


def experiment_tables(figures: dict, args) -> dict[str, dict]:
    """--verdict's figures as two tables of the experiment log (gan dev experiments)."""
    import datetime

    from gan.space.verdict import GENERATED, NEITHER, REAL

    command = f"gan dev uploads --verdict --data-dir ../shared/data --per-kind-verdict {args.per_kind_verdict} --seed {args.seed} --experiments docs/experiments"
    date = datetime.date.today().isoformat()
    pct = lambda x: "" if x is None else f"{x:.1%}"
    people, shrunk = figures[PEOPLE], figures[SHRUNK]
    outcomes = {"title": "The verdict on every kind of input a visitor brings", "date": date, "command": command,
                "columns": ["input", "n", REAL, GENERATED, NEITHER, "digit read right", "flagged not a digit"],
                "rows": [[kind, str(f["n"]), pct(f[REAL]), pct(f[GENERATED]), pct(f[NEITHER]), pct(f["read_right"]), pct(f["flagged_not_digit"])]
                         for kind, f in figures["per_kind"].items()],
                "notes": (f"People's drawings (on a canvas, 280-600 px) and photos together: {people['n']} inputs, "
                          f"{pct(people['called generated'])} called made by this GAN, {pct(people['read right'])} read right (a digit "
                          f"flagged as not a digit counts as misread). Drawings their maker shrank to 28x28 PNGs arrive pixel-exact and "
                          f"keep their own layout (not MNIST's 20 px box), which the digit detector and the classifier were not made for: "
                          f"{pct(shrunk['called generated'])} called made by this GAN, {pct(shrunk['read right'])} read right.")}
    evidence = {"title": "What each piece of evidence is worth: ROC AUC, other origin against this GAN's digits", "date": date, "command": command,
                "columns": ["inputs compared", *EVIDENCE],
                "rows": [[pair, *("" if a is None else f"{a:.3f}" for a in aucs.values())] for pair, aucs in figures["auc"].items()],
                "notes": "1.0: the evidence tells them apart perfectly; 0.5: not at all; below 0.5: it points the wrong way."}
    return {"verdict_outcomes": outcomes, "verdict_evidence": evidence}


def run(args: argparse.Namespace) -> None:
    """`gan dev uploads` (args: gan.cli.dev's options): print what --photos, --nondigits and --verdict measure."""
    torch.set_num_threads(1)
    studio = Studio(args.weights)
    if args.photos:
        images, labels = test_digits(args.data_dir)
        print(markdown(measure_photos(photo_cases(images, labels, args.per_condition, args.seed), studio)))
    if args.nondigits:
        print(json.dumps(measure_nondigits(studio, args.data_dir, args.per_kind), indent=1))
    if args.verdict:
        figures = verdict_figures(judge_inputs(studio, verdict_inputs(studio, args.data_dir, args.per_kind_verdict, args.seed)))
        print(json.dumps(figures, indent=1))
        if args.experiments:
            for name, table in experiment_tables(figures, args).items():
                (args.experiments / f"{name}.json").write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n")
