"""Live human evaluation: every round of the Real-or-fake game, stored for good, and what the
answers measure (how often people take generated digits for real; HYPE-infinity).

A round is decided and stored by the server when it is shown (a real MNIST test digit's index,
or the seed, digit and truncation of a generated one; the generator's checksum; the time), and
completed by the answer (the guess and its time). The answer stays on the server until the
guess; only the round's picture leaves it, its digit enlarged (`game_picture`), never the
exact 28x28 pixels the verdict model could read the answer off. Rounds live in SQLite
(standard library, WAL) in the data folder (`data_dir`); the schema is versioned
(`MIGRATIONS`), so a later change migrates instead of losing rows.

The protocol (docs/human_eval.md): one answer per round, from the session that was shown it;
a round expires `ROUND_TTL_S` after it is shown; an answer faster than `MIN_ANSWER_S` is kept
but not counted; new rounds are rate-limited per session and per address. Standard library
only (no torch, no gradio): `gan human-eval` exports the rounds without loading a model.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gan.core.intervals import Rate, mean_of_two, wilson
from gan.core.weights import CHECKOUT, sha256

if TYPE_CHECKING:
    import numpy as np

    from .score import Score
    from .studio import Studio

log = logging.getLogger(__name__)

DB_NAME = "human_eval.sqlite3"
HUB_FOLDER = "human_eval_hub"  # what CommitScheduler uploads: one CSV of rounds per day shown
ROUND_TTL_S = 300.0  # an unanswered round expires after 5 minutes: no stockpiling digits to look up
MIN_ANSWER_S = 0.3  # faster than a person can see a digit and click: kept, not counted
SESSION_ROUNDS_PER_MINUTE = 40  # a quick person needs 1.5 s a round
ADDRESS_ROUNDS_PER_MINUTE = 400  # a classroom behind one address
LIMITS_ENV = "GAN_ROUNDS_PER_MINUTE"  # "session,address", e.g. "40,400": the load test raises the address limit

# Each version's statements, applied in order in one transaction; PRAGMA user_version holds the
# last applied. Never edit a shipped version: add the next one.
MIGRATIONS: dict[int, list[str]] = {
    1: ["""CREATE TABLE rounds (
            id TEXT PRIMARY KEY,        -- random; reaches the browser only after the answer
            session TEXT NOT NULL,      -- the Gradio session shown the digit: the only one that may answer
            model TEXT NOT NULL,        -- SHA-256 of the generator's weights (generator/model.safetensors)
            is_real INTEGER NOT NULL,   -- 1: a real MNIST test digit, 0: generated
            digit INTEGER NOT NULL,     -- the real digit's label, or the digit asked of the generator
            real_index INTEGER,         -- real: its index in real_digits.npz
            seed INTEGER,               -- generated: its seed ...
            truncation REAL,            -- ... and truncation
            shown_at REAL NOT NULL,     -- unix seconds, when the server decided it and sent it
            guess INTEGER,              -- 1: "real", 0: "fake"; NULL until answered
            answered_at REAL)""",
        "CREATE INDEX rounds_by_model ON rounds (model, guess)"],
    # 2: the machines' verdicts on each round, for their accuracy on the very rounds people saw
    # (rows from version 1 are filled in by HumanEval at start-up, redrawn from their recipe).
    2: ["ALTER TABLE rounds ADD COLUMN verdict_p_real REAL",  # the verdict model's P(real); NULL without one
        "ALTER TABLE rounds ADD COLUMN gan_d_p_real REAL"],  # the GAN's own discriminator's, calibrated
}
SCHEMA_VERSION = max(MIGRATIONS)
COLUMNS = ["id", "session", "model", "is_real", "digit", "real_index", "seed", "truncation", "shown_at", "guess",
           "answered_at", "verdict_p_real", "gan_d_p_real"]


def data_dir() -> Path:
    """$GAN_DATA_DIR; else, on a Space with persistent storage, /data; else the checkout's
    data/ (git-ignored)."""
    if os.environ.get("GAN_DATA_DIR"):
        return Path(os.environ["GAN_DATA_DIR"])
    if os.environ.get("SPACE_ID") and os.path.isdir("/data") and os.access("/data", os.W_OK):
        return Path("/data")
    return CHECKOUT / "data"


# ---------------------------------------------------------------------------- storage


class Unusable(sqlite3.DatabaseError):
    """A database file that opens but cannot be used: it fails its integrity check, or its
    schema is newer than this code knows."""


def migrate(conn: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> None:
    """Apply the versions after the database's own, up to `upto`, each in one transaction."""
    have = conn.execute("PRAGMA user_version").fetchone()[0]
    if have > SCHEMA_VERSION:
        raise Unusable(f"schema version {have} is newer than this code's {SCHEMA_VERSION}")
    for version in range(have + 1, upto + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if have:
            log.info("human evaluation database migrated to schema version %d", version)


def connect(path: Path | str, upto: int = SCHEMA_VERSION) -> sqlite3.Connection:
    """An open, checked, migrated database (sqlite3.DatabaseError if the file is unusable).
    Autocommit: every write is its own durable transaction unless a BEGIN says otherwise."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
    try:
        if str(path) != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # an acknowledged answer survives a crash of the machine too
        problem = conn.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise Unusable(f"integrity check failed: {problem}")
        migrate(conn, upto)
        conn.execute("BEGIN IMMEDIATE")  # take the write lock once: a read-only file fails here, not at the first answer
        conn.execute("ROLLBACK")
    except BaseException:
        conn.close()
        raise
    return conn


def set_aside(path: Path, reason: BaseException) -> Path:
    """Rename a database that cannot be used (and its WAL files) out of the way; log one line."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    moved = path.with_name(f"{path.name}.broken-{stamp}-{secrets.token_hex(2)}")
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(moved.with_name(moved.name + suffix))
    path.rename(moved)
    log.error("human evaluation database %s is unusable (%s: %s): set aside as %s, started a fresh one",
              path, type(reason).__name__, reason, moved.name)
    return moved


DAMAGE = ("not a database", "malformed", "readonly", "unable to open", "disk i/o")


def is_damage(error: sqlite3.Error) -> bool:
    """The file itself is unusable (corrupt, unwritable, not a file), as opposed to a lock held
    a little long or a mistake in a query (closed connection, duplicate id): only damage sets a
    database aside."""
    plain = type(error) in (sqlite3.DatabaseError, sqlite3.OperationalError)
    return isinstance(error, Unusable) or (plain and any(words in str(error).lower() for words in DAMAGE))


# One answered round's key in the figures' counts, in SQL (to count a whole table) and in
# Python (to count one more answer); the same arithmetic in both (IEEE doubles).
TALLY_SQL = """SELECT model, digit, is_real, guess, (answered_at - shown_at) < ?,
                      CASE WHEN verdict_p_real IS NULL THEN NULL ELSE verdict_p_real >= 0.5 END,
                      CASE WHEN gan_d_p_real IS NULL THEN NULL ELSE gan_d_p_real >= 0.5 END, COUNT(*)
               FROM rounds WHERE guess IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7"""


def tally_key(row: dict) -> tuple:
    said_real = lambda p: None if p is None else int(p >= 0.5)
    return (row["model"], row["digit"], row["is_real"], row["guess"], int(row["answered_at"] - row["shown_at"] < MIN_ANSWER_S),
            said_real(row.get("verdict_p_real")), said_real(row.get("gan_d_p_real")))


class Store:
    """The rounds table behind one connection and one lock (SQLite serialises writes anyway).
    An unusable file is set aside and a fresh one started; if none can be, rounds are kept in
    memory and the game still plays (logged)."""

    def __init__(self, path: Path | None):
        self.path = path
        self.lock = threading.Lock()
        self.conn = self._open()
        # The figures' counts, read from the database once (TALLY_SQL) and then kept up to date
        # by add() and answer(): an answer costs O(1), not a scan of every round (at 100,000
        # rounds the scan takes 0.6 s). None until first needed, and after the file is replaced.
        self.counts: Counter | None = None
        self.shown_counts: dict[str, list[int]] | None = None

    def _load_counts(self, c: sqlite3.Connection) -> None:
        if self.counts is None:
            self.counts = Counter({tuple(r[:-1]): r[-1] for r in c.execute(TALLY_SQL, (MIN_ANSWER_S,))})
            self.shown_counts = {m: [n, u] for m, n, u in c.execute("SELECT model, COUNT(*), SUM(guess IS NULL) FROM rounds GROUP BY model")}

    def _open(self) -> sqlite3.Connection:
        if self.path is None:
            return connect(":memory:")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                return connect(self.path)
            except sqlite3.Error as e:
                if not is_damage(e):
                    raise
                set_aside(self.path, e)
                return connect(self.path)
        except (sqlite3.Error, OSError) as e:
            log.error("human evaluation database %s cannot be used (%s: %s): keeping rounds in memory, lost at restart",
                      self.path, type(e).__name__, e)
            self.path = None
            return connect(":memory:")

    def run(self, work: Callable[[sqlite3.Connection], object]) -> object:
        """work(conn) under the lock; a file that went bad while serving is set aside, a fresh
        one started and the work retried once."""
        with self.lock:
            try:
                return work(self.conn)
            except sqlite3.DatabaseError as e:
                if not is_damage(e):
                    raise
                self.conn.close()
                if self.path is not None and os.path.lexists(self.path):
                    set_aside(self.path, e)
                self.conn, self.counts, self.shown_counts = self._open(), None, None
                return work(self.conn)

    def add(self, row: dict) -> None:
        names = [c for c in COLUMNS if c in row]
        sql = f"INSERT INTO rounds ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"

        def work(c: sqlite3.Connection) -> None:
            c.execute(sql, [row[n] for n in names])
            if self.counts is not None:
                shown = self.shown_counts.setdefault(row["model"], [0, 0])
                shown[0] += 1
                shown[1] += row.get("guess") is None
                if row.get("guess") is not None:  # a whole round at once (tests, imports): counted now
                    self.counts[tally_key(row)] += 1
        self.run(work)

    def get(self, round_id: str) -> dict | None:
        def work(c: sqlite3.Connection):
            found = c.execute(f"SELECT {', '.join(COLUMNS)} FROM rounds WHERE id = ?", (round_id,)).fetchone()
            return dict(zip(COLUMNS, found)) if found else None
        return self.run(work)

    def answer(self, round_id: str, session: str, said_real: bool, now: float, ttl: float) -> bool:
        """Record the guess if this round exists, is this session's, is unanswered and unexpired:
        one guarded UPDATE, so two answers to one round can never both land."""
        sql = ("UPDATE rounds SET guess = ?, answered_at = ? "
               "WHERE id = ? AND session = ? AND guess IS NULL AND shown_at >= ?")

        def work(c: sqlite3.Connection) -> bool:
            if c.execute(sql, (int(said_real), now, round_id, session, now - ttl)).rowcount != 1:
                return False
            if self.counts is not None:
                row = dict(zip(COLUMNS, c.execute(f"SELECT {', '.join(COLUMNS)} FROM rounds WHERE id = ?", (round_id,)).fetchone()))
                self.counts[tally_key(row)] += 1
                self.shown_counts[row["model"]][1] -= 1
            return True
        return self.run(work)

    def rows(self, where: str = "1", params: Iterable = ()) -> list[dict]:
        sql = f"SELECT {', '.join(COLUMNS)} FROM rounds WHERE {where} ORDER BY shown_at, id"
        return [dict(zip(COLUMNS, r)) for r in self.run(lambda c: c.execute(sql, tuple(params)).fetchall())]

    def set_scores(self, scores: list[tuple[float | None, float | None, str]]) -> None:
        """(verdict_p_real, gan_d_p_real, id) for rows stored without them."""
        def work(c: sqlite3.Connection):
            c.execute("BEGIN IMMEDIATE")
            c.executemany("UPDATE rounds SET verdict_p_real = ?, gan_d_p_real = ? WHERE id = ?", scores)
            c.execute("COMMIT")
            self.counts = None  # answered rounds may have changed key: count again
        self.run(work)

    def tallies(self) -> list[tuple]:
        """Answered rounds counted by (model, digit, is_real, guess, too fast, verdict said real,
        GAN D said real, count): everything the figures need."""
        def work(c: sqlite3.Connection) -> list[tuple]:
            self._load_counts(c)
            return [(*key, n) for key, n in sorted(self.counts.items(), key=repr) if n]
        return self.run(work)

    def shown(self) -> dict[str, tuple[int, int]]:
        """model -> (rounds shown, of them never answered)."""
        def work(c: sqlite3.Connection) -> dict[str, tuple[int, int]]:
            self._load_counts(c)
            return {m: (n, u) for m, (n, u) in self.shown_counts.items()}
        return self.run(work)

    def close(self) -> None:
        with self.lock:
            self.conn.close()


# ---------------------------------------------------------------------------- export


def csv_text(rows: list[dict]) -> str:
    """Rounds as CSV, one row each, every column (floats in full: a round-trip is exact)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else repr(v) if isinstance(v, float) else v) for k, v in r.items()} for r in rows)
    return out.getvalue()


def write_upload_folder(store: Store, folder: Path) -> list[Path]:
    """The folder CommitScheduler uploads: rounds-YYYY-MM-DD.csv per UTC day shown. A file is
    rewritten (atomically) only when its rounds changed: the scheduler uploads what changed."""
    by_day: dict[str, list[dict]] = defaultdict(list)
    for row in store.rows():
        by_day[time.strftime("%Y-%m-%d", time.gmtime(row["shown_at"]))].append(row)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for day, rows in sorted(by_day.items()):
        path, text = folder / f"rounds-{day}.csv", csv_text(rows)
        if not path.exists() or path.read_text() != text:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(text)
            os.replace(tmp, path)
            written.append(path)
    return written


def start_hub_sync(store: Store, folder: Path, every_minutes: float = 5) -> object | None:
    """Where GAN_HUB_DATASET (a Hub dataset id) and HF_TOKEN are set: huggingface_hub's
    CommitScheduler pushes the upload folder to that dataset every few minutes (and at exit),
    so a Space without persistent storage loses no round at restart. None otherwise, or when
    the Hub cannot be reached (logged; the game plays on)."""
    repo, token = os.environ.get("GAN_HUB_DATASET"), os.environ.get("HF_TOKEN")
    if not (repo and token):
        return None
    from huggingface_hub import CommitScheduler

    class RoundsScheduler(CommitScheduler):
        def push_to_hub(self):
            with self.lock:  # the same lock the upload's file listing takes
                write_upload_folder(store, self.folder_path)
            return super().push_to_hub()

    try:
        return RoundsScheduler(repo_id=repo, repo_type="dataset", folder_path=folder, every=every_minutes,
                               token=token, private=True)
    except Exception as e:  # noqa: BLE001 - offline, a bad token, no such namespace: whatever it is, the rounds stay local
        log.error("could not start pushing rounds to the Hub dataset %s (%s: %s): they stay in %s",
                  repo, type(e).__name__, str(e)[:200], folder.parent)
        return None


# ---------------------------------------------------------------------------- rate limits


@dataclass
class RateLimiter:
    """New rounds per session and per address in a sliding minute, in memory only (no address
    is ever written to disk)."""

    per_session: int = SESSION_ROUNDS_PER_MINUTE
    per_address: int = ADDRESS_ROUNDS_PER_MINUTE
    window_s: float = 60.0
    seen: dict[str, deque] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_env(cls) -> RateLimiter:
        text = os.environ.get(LIMITS_ENV, "")
        if not text:
            return cls()
        try:
            session, address = (int(v) for v in text.split(","))
        except ValueError:
            raise ValueError(f"{LIMITS_ENV} must be two whole numbers, 'per session,per address', got {text!r}") from None
        return cls(session, address)

    def refusal(self, session: str, address: str, now: float) -> str:
        """'' and the round counted, or why not (one sentence)."""
        with self.lock:
            if len(self.seen) > 10_000:  # forget the idle: memory stays bounded under many visitors
                self.seen = {k: q for k, q in self.seen.items() if q and q[-1] > now - self.window_s}
            keys = (("s:" + session, self.per_session, "for one visitor"), ("a:" + address, self.per_address, "from one address"))
            for key, limit, who in keys:
                q = self.seen.setdefault(key, deque())
                while q and q[0] <= now - self.window_s:
                    q.popleft()
                if len(q) >= limit:
                    return f"Too many new digits: at most {limit} a minute {who}. Wait {q[0] + self.window_s - now:.0f} s."
            for key, _, _ in keys:
                self.seen[key].append(now)
            return ""


def address_of(headers: Mapping[str, str], host: str | None) -> str:
    """The visitor's address for the per-address limit. Behind a Space's proxy every request
    comes from the proxy, so there the first X-Forwarded-For entry (the visitor as the proxy
    saw them) counts; elsewhere the socket's own peer, and the header is not trusted."""
    forwarded = headers.get("x-forwarded-for", "") if os.environ.get("SPACE_ID") else ""
    return forwarded.split(",")[0].strip() or host or "unknown"


# ---------------------------------------------------------------------------- figures


JUDGES = {"people": 3, "verdict_model": 5, "gan_discriminator": 6}  # judge -> its "said real" column in a tally


def judge_figures(tallies: list[tuple], said_real_at: int) -> dict:
    """One judge's figures on counted rounds: generated taken for real (the fooling rate), real
    taken for fake, HYPE-infinity (the mean of the two: the error rate on a balanced mix) and
    accuracy, each a Rate with its 95% interval. Rounds the judge has no answer for are skipped."""
    n = defaultdict(int)  # (is_real, said_real) -> rounds
    for t in tallies:
        if t[said_real_at] is not None:
            n[bool(t[2]), bool(t[said_real_at])] += t[-1]
    fooled = wilson(n[False, True], n[False, True] + n[False, False])
    real_called_fake = wilson(n[True, False], n[True, False] + n[True, True])
    right = n[True, True] + n[False, False]
    return {"fooled": fooled, "real_called_fake": real_called_fake, "hype": mean_of_two(fooled, real_called_fake),
            "accuracy": wilson(right, right + n[True, False] + n[False, True])}


def model_figures(tallies: list[tuple]) -> dict:
    """Counted rounds of one model: overall and per digit, for people and the two machines."""
    counted = [t for t in tallies if not t[4]]
    out = {"answered": sum(t[-1] for t in counted), "excluded_too_fast": sum(t[-1] for t in tallies if t[4])}
    out.update({judge: judge_figures(counted, at) for judge, at in JUDGES.items()})
    out["per_digit"] = [{"digit": d, **{judge: judge_figures([t for t in counted if t[1] == d], at) for judge, at in JUDGES.items()}}
                        for d in range(10)]
    return out


def as_json(value: object) -> object:
    """Figures with every Rate as a plain dict, for the API and the export."""
    if isinstance(value, Rate):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


def figures(store: Store, model: str) -> dict:
    """Everything the game tab, the Model tab and /human_eval show, from the database alone
    (so a restarted server reports exactly what it reported before). Rounds of other
    generators (other checksums) are kept and reported apart, under `other_models`."""
    by_model: dict[str, list[tuple]] = defaultdict(list)
    for t in store.tallies():
        by_model[t[0]].append(t)
    shown = store.shown()
    def one(m: str) -> dict:
        n, unanswered = shown.get(m, (0, 0))
        return {"model": m, **model_figures(by_model.get(m, [])), "shown": n, "unanswered": unanswered}
    return {**one(model), "other_models": [one(m) for m in sorted(shown) if m != model],
            "protocol": {"min_answer_ms": round(MIN_ANSWER_S * 1000), "round_ttl_s": ROUND_TTL_S,
                         "rounds_per_minute": {"session": SESSION_ROUNDS_PER_MINUTE, "address": ADDRESS_ROUNDS_PER_MINUTE},
                         "interval": "95%: Wilson score for each rate, MOVER from the two Wilson intervals for HYPE-infinity"}}


# ---------------------------------------------------------------------------- the game

# The picture a round sends is its digit enlarged, never the exact 28x28 pixels: saved from the
# page ("Save image") and uploaded to the Discriminator tab, the exact PNG gave the answer away
# (issue 42: judged "a real MNIST digit" or "made by this GAN" rightly 396 times in 400). Lanczos
# to 250x250, a factor of 8.93, so no output pixel lands on an input pixel's centre (an odd whole
# factor would copy every input pixel exactly) and no exact 28x28 can be read back; the upload is
# re-read as resized: "neither / can't tell" for all 400 (docs/human_eval.md has the candidates
# measured). The same transformation for both kinds: one size, one mode (L), one encoder
# (Gradio's PNG, no metadata).
PICTURE_SIZE = 250


def game_picture(digit: np.ndarray) -> np.ndarray:
    """The picture the game sends the browser for a round's digit, uint8 [28, 28] ->
    uint8 [PICTURE_SIZE, PICTURE_SIZE]: the same digit enlarged smoothly (Lanczos), real and
    generated alike. The machines' scores and the stored round are the 28x28 digit's."""
    import numpy as np
    from PIL import Image

    digit = np.ascontiguousarray(digit, np.uint8)
    if digit.shape != (28, 28):
        raise ValueError(f"a game digit is 28x28, got {digit.shape}")
    return np.asarray(Image.fromarray(digit).resize((PICTURE_SIZE, PICTURE_SIZE), Image.LANCZOS))


@dataclass
class Shown:
    """A round as the visitor's session holds it on the server (never sent to the browser but
    the image): its id, the image (`game_picture` of its digit: the only thing sent), and what
    the machines said about the digit (revealed after the guess)."""

    id: str
    image: np.ndarray
    verdict: Score  # the machines' scores of the round's 28x28 digit (gan/space/score.py)


@dataclass
class Answer:
    """What happened to a guess: recorded (counted, or too fast to count) or refused, and why."""

    recorded: bool
    message: str  # one sentence for the visitor when refused
    round: dict | None = None  # the stored row, once recorded
    seconds: float | None = None  # from shown to answered, as the server measured it

    @property
    def counted(self) -> bool:
        return self.recorded and self.seconds is not None and self.seconds >= MIN_ANSWER_S


class HumanEval:
    """The game's rounds for one Studio: show, answer, figures. One per app (it owns the DB)."""

    def __init__(self, studio: Studio, folder: Path | None = None, limits: RateLimiter | None = None,
                 clock: Callable[[], float] = time.time):
        self.studio = studio
        self.folder = Path(folder) if folder is not None else data_dir()
        self.model = sha256(studio.folder / "generator" / "model.safetensors")
        self.store = Store(self.folder / DB_NAME)
        self.limits = limits or RateLimiter.from_env()
        self.clock = clock
        self.fill_in_scores()
        self.hub = start_hub_sync(self.store, self.folder / HUB_FOLDER)

    def fill_in_scores(self) -> int:
        """Score this generator's rounds stored without the machines' verdicts (rows from
        schema version 1), redrawing each image from what its round stored."""
        import numpy as np

        rows = self.store.rows("model = ? AND gan_d_p_real IS NULL", (self.model,))
        if not rows:
            return 0
        images = np.stack([self.studio.game_image(bool(r["is_real"]), r["digit"], r["real_index"], r["seed"],
                                                  r["truncation"] if r["truncation"] is not None else 1.0) for r in rows])
        scores = [self.machine_scores(v) for v in self.studio.score(images)]
        self.store.set_scores([(*s, r["id"]) for s, r in zip(scores, rows)])
        log.info("scored %d stored rounds with the verdict model and the GAN's discriminator", len(rows))
        return len(rows)

    def machine_scores(self, verdict: Score) -> tuple[float | None, float]:
        """(the verdict model's P(real) or None without one, the GAN's own D's)."""
        return (verdict.p_real if self.studio.verdict is not None else None), verdict.p_real_gan_d

    def show(self, session: str, address: str, rng: np.random.Generator | None = None) -> Shown | str:
        """A new round for this session, stored before it is returned; or why not (rate limit)."""
        import numpy as np

        now = self.clock()
        refusal = self.limits.refusal(session, address, now)
        if refusal:
            return refusal
        game = self.studio.game_round(rng or np.random.default_rng())
        verdict = self.studio.score(game.image[None])[0]
        verdict_p, gan_d_p = self.machine_scores(verdict)
        round_id = secrets.token_urlsafe(12)
        self.store.add({"id": round_id, "session": session, "model": self.model, "is_real": int(game.is_real),
                        "digit": game.digit, "real_index": game.real_index, "seed": game.seed, "truncation": game.truncation,
                        "shown_at": now, "verdict_p_real": verdict_p, "gan_d_p_real": gan_d_p})
        return Shown(round_id, game_picture(game.image), verdict)

    def answer(self, round_id: str, session: str, said_real: bool) -> Answer:
        """Record a guess, or refuse it: unknown, another session's, already answered, expired."""
        now = self.clock()
        if self.store.answer(round_id, session, said_real, now, ROUND_TTL_S):
            row = self.store.get(round_id)
            return Answer(True, "", row, row["answered_at"] - row["shown_at"])
        row = self.store.get(round_id)
        if row is None:
            return Answer(False, "This round is not known here (the server may have restarted): press New digit.")
        if row["session"] != session:
            return Answer(False, "This round was shown to another session: press New digit.")
        if row["guess"] is not None:
            return Answer(False, "This round is already answered (one answer per round): press New digit.")
        return Answer(False, f"This digit expired ({ROUND_TTL_S / 60:.0f} minutes after it was shown): press New digit.")

    def figures(self) -> dict:
        return figures(self.store, self.model)
