"""How the Space reads uploads people make: photographed digits (gan.makers.photos) and
things that are not digits (gan.makers.nondigits), each scored through the real Studio.

    python -m gan.tools.uploads --photos --data-dir ../shared/data      # read-right and flagged shares per photo condition
    python -m gan.tools.uploads --nondigits --data-dir ../shared/data   # flagged shares: test non-digits, the 10,000 MNIST test digits
"""

from __future__ import annotations

import json
from pathlib import Path

from gan.core.cli import Parser


def build_parser() -> Parser:
    p = Parser(prog="python -m gan.tools.uploads", description=__doc__)
    p.add_argument("--photos", action="store_true", help="score photo-like test digits, per condition")
    p.add_argument("--nondigits", action="store_true", help="score test-split non-digits and the MNIST test digits")
    p.add_argument("--data-dir", default="data", help="MNIST: torchvision layout or .npz (default: data)")
    p.add_argument("--weights", default=None, help="weights folder or Hub repo id (default: the shipped weights)")
    p.add_argument("-n", "--per-condition", type=int, default=40, help="photos of each condition")
    p.add_argument("--per-kind", type=int, default=20, help="test non-digits of each kind")
    p.add_argument("--seed", type=int, default=0)
    return p


if __name__ == "__main__":
    build_parser().parse_args()  # --help and usage errors answer here, before torch is imported

import numpy as np  # noqa: E402

from gan.core.errors import InputError  # noqa: E402
from gan.makers.nondigits import LOOK_ALIKES, nondigit_cases  # noqa: E402
from gan.makers.photos import PhotoCase, photo_cases, test_digits  # noqa: E402
from gan.space.studio import Studio  # noqa: E402


def measure_photos(cases: list[PhotoCase], studio: Studio) -> dict[str, dict[str, float]]:
    """Per condition: cases, share read as the right digit, share flagged as not a digit."""
    rows: dict[str, list[tuple[bool, bool]]] = {}
    for case in cases:
        try:
            result = studio.score(studio.load_upload(case.jpeg)[None])[0]
            right, flagged = result["digit"] == case.label, not result.get("is_digit", True)
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
            flagged = not studio.score(studio.load_upload(case.data)[None])[0]["is_digit"]
        except InputError:  # refused by preprocessing ("No digit found"): flagged too
            flagged = True
        per_kind.setdefault(case.kind, []).append(flagged)
        if case.kind == "letter":
            letters[list(letters)[case.text not in LOOK_ALIKES]].append(flagged)
    images, _ = test_digits(data_dir)
    flags = [not r["is_digit"] for chunk in np.array_split(images, max(1, len(images) // 1000)) for r in studio.score(chunk)]
    return {"nondigits_flagged": {k: float(np.mean(v)) for k, v in per_kind.items()},
            "nondigits_flagged_all": float(np.mean([x for v in per_kind.values() for x in v])),
            "nondigits_count": sum(map(len, per_kind.values())),
            "letters_flagged": {k: f"{np.mean(v):.3f} of {len(v)}" for k, v in letters.items()},
            "mnist_test_flagged": float(np.mean(flags)), "mnist_test_count": len(flags)}


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if not (args.photos or args.nondigits):
        build_parser().error("say what to measure: --photos, --nondigits or both")
    import torch

    torch.set_num_threads(1)
    studio = Studio(args.weights)
    if args.photos:
        images, labels = test_digits(args.data_dir)
        print(markdown(measure_photos(photo_cases(images, labels, args.per_condition, args.seed), studio)))
    if args.nondigits:
        print(json.dumps(measure_nondigits(studio, args.data_dir, args.per_kind), indent=1))


if __name__ == "__main__":
    main()
