"""The Real-or-fake game's stored rounds: export them, or print the figures they give.

    gan human-eval --export rounds.csv          # every round, one row each (data folder: $GAN_DATA_DIR, else data/)
    gan human-eval --data-dir /data --figures   # the figures /human_eval serves, as JSON

A row is one round as the server decided it (a real digit's index in real_digits.npz, or a
generated digit's seed, digit and truncation; the generator's checksum; shown_at in unix
seconds) and, once answered, the guess (1 real, 0 fake) and answered_at; verdict_p_real and
gan_d_p_real are the machines' P(real) for the same image. No model is loaded, and the file is
only read: an older schema's rows are migrated in a copy in memory, the file left as it was.
The protocol and the columns: docs/human_eval.md.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

from gan.space.human_eval import DB_NAME, Store, as_json, csv_text, data_dir, figures, migrate


def read_store(db: Path) -> Store:
    """The rounds of `db`, copied into memory and migrated there: reading never writes the file
    (no schema, WAL or journal files, no migration). sqlite3.DatabaseError if it is unusable."""
    # A database the app has open keeps recent rounds in its write-ahead log beside it: read
    # it with the log. One at rest has no log, and is read as immutable: even a read-only open
    # of a WAL database would create the log files.
    at_rest = not db.with_name(db.name + "-wal").exists()
    source = sqlite3.connect(f"{db.resolve().as_uri()}?{'immutable=1' if at_rest else 'mode=ro'}", uri=True)
    try:
        store = Store(None)  # in memory
        source.backup(store.conn)
    finally:
        source.close()
    problem = store.conn.execute("PRAGMA quick_check").fetchone()[0]
    if problem != "ok":
        raise sqlite3.DatabaseError(f"integrity check failed: {problem}")
    migrate(store.conn)  # an older schema's copy, as the app would see the file
    return store


def report(folder: str | Path | None = None, export: str | Path | None = None, show_figures: bool = False, model: str | None = None) -> None:
    """`gan human-eval`: write every round of the data folder's database to `export` (.csv)
    and/or print the figures of `model` (default: the model of the latest round) as JSON."""
    db = Path(folder or data_dir()) / DB_NAME
    if not db.is_file():
        sys.exit(f"error: no rounds stored yet: {db} does not exist (set --data-dir or GAN_DATA_DIR to the app's data folder)")
    try:
        store = read_store(db)
    except sqlite3.DatabaseError as e:  # an unusable file is reported here, never set aside as the app would
        sys.exit(f"error: {db} cannot be read as the game's database ({e})")
    rows = store.rows()
    if export:
        Path(export).parent.mkdir(parents=True, exist_ok=True)
        Path(export).write_text(csv_text(rows))
        print(f"wrote {export}: {len(rows):,} rounds ({sum(r['guess'] is not None for r in rows):,} answered) from {db}",
              file=sys.stderr if show_figures else sys.stdout)
    if show_figures:
        print(json.dumps(as_json(figures(store, model or (rows[-1]["model"] if rows else ""))), indent=1))
    store.close()
