"""The Real-or-fake game's stored rounds: export them, or print the figures they give.

    python -m gan.human_eval --export rounds.csv          # every round, one row each (data folder: $GAN_DATA_DIR, else data/)
    python -m gan.human_eval --data-dir /data --figures   # the figures /human_eval serves, as JSON

A row is one round as the server decided it (a real digit's index in real_digits.npz, or a
generated digit's seed, digit and truncation; the generator's checksum; shown_at in unix
seconds) and, once answered, the guess (1 real, 0 fake) and answered_at; verdict_p_real and
gan_d_p_real are the machines' P(real) for the same image. No model is loaded (an older
schema's file is migrated, as the app would). The protocol and the columns: docs/human_eval.md.
"""

from __future__ import annotations

from gan.core.cli import Parser


def build_parser() -> Parser:
    p = Parser(prog="python -m gan.human_eval", description=__doc__)
    p.add_argument("--data-dir", default=None, help="the app's data folder (default: $GAN_DATA_DIR, else /data on a Space, else data/ in the checkout)")
    p.add_argument("--export", metavar="CSV", help="write every stored round to this .csv")
    p.add_argument("--figures", action="store_true", help="print the figures as JSON, for the model whose rounds are most recent "
                   "(--model picks another)")
    p.add_argument("--model", help="with --figures: the generator checksum to report (others are listed apart)")
    return p


if __name__ == "__main__":
    build_parser().parse_args()  # --help and usage errors answer here, before anything else is imported

import json
import sqlite3
import sys
from pathlib import Path

from gan.space.human_eval import (
    DB_NAME,
    Store,
    as_json,
    connect,
    csv_text,
    data_dir,
    figures,
)


def main(argv: list[str] | None = None) -> None:
    p = build_parser()
    args = p.parse_args(argv)
    if not args.export and not args.figures:
        p.error("nothing to do: give --export CSV and/or --figures")
    if args.export and not args.export.endswith(".csv"):
        p.error("--export must name a .csv file")
    db = Path(args.data_dir or data_dir()) / DB_NAME
    if not db.exists():
        sys.exit(f"error: no rounds stored yet: {db} does not exist (set --data-dir or GAN_DATA_DIR to the app's data folder)")
    try:
        connect(db).close()  # an unusable file is reported here, never set aside as the app would
    except sqlite3.DatabaseError as e:
        sys.exit(f"error: {db} cannot be read as the game's database ({e})")
    store = Store(db)
    rows = store.rows()
    if args.export:
        Path(args.export).parent.mkdir(parents=True, exist_ok=True)
        Path(args.export).write_text(csv_text(rows))
        print(f"wrote {args.export}: {len(rows):,} rounds ({sum(r['guess'] is not None for r in rows):,} answered) from {db}",
              file=sys.stderr if args.figures else sys.stdout)
    if args.figures:
        model = args.model or (rows[-1]["model"] if rows else "")
        print(json.dumps(as_json(figures(store, model)), indent=1))
    store.close()


if __name__ == "__main__":
    main()
