"""The live human evaluation (gan.space.human_eval, issue 36): rounds stored when shown and
completed by their answer, the protocol's refusals and exclusions, the intervals against
hand-computed values, the migration from the first schema, a broken database set aside, the
folder the Hub upload would push, the export command and the game over the app's API."""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from PIL import Image

from gan.core.intervals import mean_of_two, wilson
from gan.core.weights import sha256
from gan.space import human_eval as he
from gan.space.human_eval import (
    DB_NAME,
    MIN_ANSWER_S,
    ROUND_TTL_S,
    HumanEval,
    RateLimiter,
    Shown,
)
from gan.space.verdict import NEITHER

DAY = 86_400.0


class Clock:
    """The evaluation's time, moved by the test instead of slept through."""

    def __init__(self, t: float = 1_764_547_200.0):  # 2025-12-01 00:00 UTC
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def evaluation(studio, tmp_path, clock) -> HumanEval:
    return HumanEval(studio, tmp_path, RateLimiter(10_000, 10_000), clock=clock)


def show(evaluation: HumanEval, session: str = "s1", seed: int = 0) -> Shown:
    shown = evaluation.show(session, "127.0.0.1", np.random.default_rng(seed))
    assert isinstance(shown, Shown), shown
    return shown


# ---------------------------------------------------------------------------- storage


def test_a_round_is_stored_when_shown_and_completed_by_its_answer(studio, evaluation, clock, tmp_path):
    shown = show(evaluation)
    row = evaluation.store.get(shown.id)
    assert row["session"] == "s1" and row["shown_at"] == clock.t and row["guess"] is None and row["answered_at"] is None
    assert row["model"] == sha256(studio.folder / "generator" / "model.safetensors")
    # What was stored redraws exactly the digit that was shown (the picture sent is made from it),
    # and the machines' scores are that 28x28 digit's.
    redrawn = studio.game_image(bool(row["is_real"]), row["digit"], row["real_index"], row["seed"], row["truncation"] or 1.0)
    assert np.array_equal(he.game_picture(redrawn), shown.image)
    scores = studio.score(redrawn[None])[0]
    assert (row["verdict_p_real"], row["gan_d_p_real"]) == (scores.p_real, scores.p_real_gan_d)
    assert (row["real_index"] is None) == (row["seed"] is not None)

    clock.t += 2.5
    answer = evaluation.answer(shown.id, "s1", said_real=True)
    assert answer.recorded and answer.counted and answer.seconds == 2.5
    assert answer.round["guess"] == 1 and answer.round["answered_at"] == clock.t
    before, figures = evaluation.store.rows(), evaluation.figures()
    evaluation.store.close()
    again = HumanEval(studio, tmp_path, clock=clock)  # a restart on the same folder
    assert again.store.rows() == before and again.figures() == figures and figures["answered"] == 1


def test_the_database_is_in_the_data_folder_which_git_ignores(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_DATA_DIR", str(tmp_path))
    assert he.data_dir() == tmp_path
    monkeypatch.delenv("GAN_DATA_DIR")
    monkeypatch.delenv("SPACE_ID", raising=False)
    assert he.data_dir() == ROOT / "data"
    ignored = subprocess.run(["git", "check-ignore", "-q", f"data/{DB_NAME}"], cwd=ROOT, check=False)
    assert ignored.returncode == 0  # the rounds are never committed by accident
    conn = sqlite3.connect(tmp_path / "x.sqlite3")
    conn.close()
    store = he.Store(tmp_path / DB_NAME)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == he.SCHEMA_VERSION


# ---------------------------------------------------------------------------- protocol


def test_foreign_duplicate_too_fast_expired_and_unknown_answers(evaluation, clock):
    first = show(evaluation, "s1", seed=1)
    clock.t += 1.0
    refused = evaluation.answer(first.id, "s2", said_real=False)
    assert not refused.recorded and "another session" in refused.message
    assert evaluation.store.get(first.id)["guess"] is None  # the owner can still answer

    assert evaluation.answer(first.id, "s1", said_real=False).recorded
    twice = evaluation.answer(first.id, "s1", said_real=True)
    assert not twice.recorded and "already answered" in twice.message
    assert evaluation.store.get(first.id)["guess"] == 0  # the first answer stands

    fast = show(evaluation, "s1", seed=2)
    clock.t += MIN_ANSWER_S / 3
    quick = evaluation.answer(fast.id, "s1", said_real=True)
    assert quick.recorded and not quick.counted  # kept, not counted
    late = show(evaluation, "s1", seed=3)
    clock.t += ROUND_TTL_S + 1
    expired = evaluation.answer(late.id, "s1", said_real=True)
    assert not expired.recorded and "expired" in expired.message and evaluation.store.get(late.id)["guess"] is None
    unknown = evaluation.answer("no-such-round", "s1", said_real=True)
    assert not unknown.recorded and "not known" in unknown.message

    figures = evaluation.figures()
    assert (figures["answered"], figures["excluded_too_fast"], figures["shown"], figures["unanswered"]) == (1, 1, 3, 1)


def test_figures_kept_up_to_date_equal_figures_counted_afresh(studio, evaluation, clock, tmp_path):
    """The counts behind the figures are read once and then updated per answer: after many
    answers (some too fast, some refused) they equal a count of the whole table from scratch."""
    assert evaluation.figures()["answered"] == 0  # the counts are loaded now, before any round
    rng = np.random.default_rng(7)
    for i in range(40):
        shown = show(evaluation, f"s{i % 4}", seed=i)
        clock.t += float(rng.choice([0.05, 0.29, 0.31, 1.0, 4.0]))
        evaluation.answer(shown.id, f"s{i % 4}" if i % 9 else "intruder", said_real=bool(rng.integers(2)))
    kept = evaluation.figures()
    afresh = he.figures(he.Store(tmp_path / DB_NAME), evaluation.model)
    assert kept == afresh and kept["answered"] + kept["excluded_too_fast"] + kept["unanswered"] == 40 and kept["excluded_too_fast"] > 0


def test_two_answers_racing_for_one_round_record_one(evaluation, clock):
    shown = show(evaluation)
    clock.t += 1.0
    results, start = [], threading.Barrier(8)

    def answer(said_real: bool) -> None:
        start.wait()
        results.append(evaluation.answer(shown.id, "s1", said_real).recorded)

    threads = [threading.Thread(target=answer, args=(i % 2 == 0,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]


def test_new_rounds_are_limited_per_session_and_per_address(studio, tmp_path, clock):
    evaluation = HumanEval(studio, tmp_path, RateLimiter(per_session=3, per_address=5), clock=clock)
    assert all(isinstance(evaluation.show("s1", "10.0.0.1"), Shown) for _ in range(3))
    refused = evaluation.show("s1", "10.0.0.1")
    assert isinstance(refused, str) and "at most 3 a minute for one visitor" in refused
    assert all(isinstance(evaluation.show("s2", "10.0.0.1"), Shown) for _ in range(2))
    assert "at most 5 a minute from one address" in evaluation.show("s3", "10.0.0.1")
    assert isinstance(evaluation.show("s3", "10.0.0.2"), Shown)  # another address is not held back
    clock.t += 61
    assert isinstance(evaluation.show("s1", "10.0.0.1"), Shown)  # a minute later, the window has moved on
    assert len(evaluation.store.rows()) == 7  # refused rounds were never stored


def test_the_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv(he.LIMITS_ENV, "7,70")
    assert (RateLimiter.from_env().per_session, RateLimiter.from_env().per_address) == (7, 70)
    monkeypatch.setenv(he.LIMITS_ENV, "seven")
    with pytest.raises(ValueError, match="two whole numbers"):
        RateLimiter.from_env()


def test_the_address_is_the_proxys_report_only_on_a_space(monkeypatch):
    headers = {"x-forwarded-for": "203.0.113.7, 10.0.0.2"}
    monkeypatch.delenv("SPACE_ID", raising=False)
    assert he.address_of(headers, "127.0.0.1") == "127.0.0.1"  # anyone can send the header: not trusted here
    monkeypatch.setenv("SPACE_ID", "user/space")
    assert he.address_of(headers, "10.0.0.2") == "203.0.113.7"
    assert he.address_of({}, None) == "unknown"


# ---------------------------------------------------------------------------- statistics


def test_intervals_match_hand_computed_values():
    # Wilson, 8 of 10, z = 1.96: centre (0.8 + 0.19207) / 1.38415 = 0.71674, half-width
    # 1.96 / 1.38415 * sqrt(0.016 + 0.0096037) = 0.22658 -> [0.4902, 0.9433].
    r = wilson(8, 10)
    assert (r.rate, round(r.low, 4), round(r.high, 4), r.count, r.hits) == (0.8, 0.4902, 0.9433, 10, 8)
    assert (round(wilson(0, 10).low, 4), round(wilson(0, 10).high, 4)) == (0.0, 0.2775)  # z²/(n + z²) = 3.8415 / 13.8415
    assert (round(wilson(10, 10).low, 4), wilson(10, 10).high) == (0.7225, 1.0)
    assert wilson(0, 0).rate is None and (wilson(0, 0).low, wilson(0, 0).high) == (0.0, 1.0)
    # MOVER for (p1 + p2) / 2 with p1 = 0.8 [0.4902, 0.9433] and p2 = 0.2 [0.0567, 0.5098]:
    # below = sqrt(0.3098² + 0.1433²) / 2 = 0.1707, above = sqrt(0.1433² + 0.3098²) / 2 = 0.1707.
    m = mean_of_two(wilson(8, 10), wilson(2, 10))
    assert (m.rate, round(m.low, 4), round(m.high, 4), m.count, m.hits) == (0.5, 0.3293, 0.6707, 20, 10)
    assert mean_of_two(wilson(3, 4), wilson(0, 0)).rate is None  # no real digits judged yet: no HYPE
    with pytest.raises(ValueError):
        wilson(3, 2)


def add_rows(store: he.Store, model: str, rows: list[tuple], start: float = 1_764_547_200.0) -> None:
    """(is_real, digit, guess, seconds to answer, verdict P(real), GAN D P(real)) per round."""
    for i, (is_real, digit, guess, seconds, verdict_p, gan_d_p) in enumerate(rows):
        store.add({"id": f"{model}-{i}", "session": f"s{i % 3}", "model": model, "is_real": is_real, "digit": digit,
                   "real_index": i if is_real else None, "seed": None if is_real else i, "truncation": None if is_real else 1.0,
                   "shown_at": start + i, "guess": guess, "answered_at": None if guess is None else start + i + seconds,
                   "verdict_p_real": verdict_p, "gan_d_p_real": gan_d_p})


def test_figures_count_people_and_machines_on_the_same_rounds(tmp_path):
    store = he.Store(tmp_path / DB_NAME)
    rows = ([(0, 3, 1, 2.0, 0.1, 0.6)] * 6 + [(0, 3, 0, 2.0, 0.1, 0.6)] * 4  # generated 3s: 6 of 10 taken for real
            + [(1, 5, 0, 2.0, 0.9, 0.4)] * 3 + [(1, 5, 1, 2.0, 0.9, 0.4)] * 6 + [(1, 5, 1, 2.0, 0.2, 0.4)]  # real 5s: 3 of 10 for fake
            + [(0, 3, 1, 0.1, 0.1, 0.6)] * 2  # too fast: kept, not counted
            + [(1, 5, None, None, 0.9, 0.4)])  # never answered
    add_rows(store, "current", rows)
    add_rows(store, "older", [(0, 1, 0, 1.0, None, 0.5), (1, 1, 1, 1.0, None, 0.5)])
    f = he.figures(store, "current")
    assert (f["model"], f["answered"], f["excluded_too_fast"], f["shown"], f["unanswered"]) == ("current", 20, 2, 23, 1)
    people = f["people"]
    assert people["fooled"] == wilson(6, 10) and people["real_called_fake"] == wilson(3, 10)
    assert people["hype"] == mean_of_two(wilson(6, 10), wilson(3, 10)) and people["hype"].rate == pytest.approx(0.45)
    assert people["accuracy"] == wilson(4 + 7, 20)
    verdict, gan_d = f["verdict_model"], f["gan_discriminator"]
    assert verdict["fooled"] == wilson(0, 10) and verdict["real_called_fake"] == wilson(1, 10) and verdict["accuracy"] == wilson(19, 20)
    assert gan_d["fooled"] == wilson(10, 10) and gan_d["real_called_fake"] == wilson(10, 10) and gan_d["accuracy"] == wilson(0, 20)
    digits = {d["digit"]: d for d in f["per_digit"]}
    assert digits[3]["people"]["fooled"] == wilson(6, 10) and digits[3]["people"]["real_called_fake"].count == 0
    assert digits[5]["people"]["real_called_fake"] == wilson(3, 10) and digits[0]["people"]["hype"].rate is None
    (older,) = f["other_models"]  # another generator's rounds: kept, reported apart, never mixed in
    assert (older["model"], older["answered"], older["people"]["accuracy"]) == ("older", 2, wilson(2, 2))
    assert older["verdict_model"]["accuracy"].count == 0  # no verdict stored for those rounds: not counted as wrong
    as_json = he.as_json(f)
    assert json.loads(json.dumps(as_json)) == as_json and as_json["people"]["fooled"]["rate"] == 0.6


# ---------------------------------------------------------------------------- schema and broken files


def test_a_database_of_the_first_schema_is_migrated_and_its_rounds_scored(studio, tmp_path):
    conn = he.connect(tmp_path / DB_NAME, upto=1)
    model = sha256(studio.folder / "generator" / "model.safetensors")
    rng, v1_rows = np.random.default_rng(5), []
    while len({r["is_real"] for r in v1_rows}) < 2 or len(v1_rows) < 4:
        game = studio.game_round(rng)
        v1_rows.append({"id": f"r{len(v1_rows)}", "session": "old", "model": model, "is_real": int(game.is_real), "digit": game.digit,
                        "real_index": game.real_index, "seed": game.seed, "truncation": game.truncation, "shown_at": 1.0e9 + len(v1_rows),
                        "guess": 1, "answered_at": 1.0e9 + len(v1_rows) + 2})
    for row in v1_rows:
        conn.execute(f"INSERT INTO rounds ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    with pytest.raises(sqlite3.OperationalError):  # the first schema has no machine verdicts
        conn.execute("SELECT verdict_p_real FROM rounds")
    conn.close()

    evaluation = HumanEval(studio, tmp_path)
    assert evaluation.store.conn.execute("PRAGMA user_version").fetchone()[0] == he.SCHEMA_VERSION == 2
    migrated = evaluation.store.rows()
    assert [{k: r[k] for k in v1_rows[0]} for r in migrated] == v1_rows  # nothing lost, nothing changed
    for row in migrated:
        image = studio.game_image(bool(row["is_real"]), row["digit"], row["real_index"], row["seed"], row["truncation"] or 1.0)
        scores = studio.score(image[None])[0]
        assert (row["verdict_p_real"], row["gan_d_p_real"]) == (scores.p_real, scores.p_real_gan_d)
    assert evaluation.figures()["answered"] == len(v1_rows)


@pytest.mark.parametrize("damage", ["garbage", "directory"])
def test_an_unusable_database_is_set_aside_and_a_fresh_one_started(studio, tmp_path, clock, caplog, damage):
    path = tmp_path / DB_NAME
    if damage == "garbage":
        path.write_bytes(b"not a database " * 100)
    else:
        path.mkdir()  # a path that cannot be opened as a file at all
    with caplog.at_level(logging.ERROR, logger="gan.space.human_eval"):
        evaluation = HumanEval(studio, tmp_path, clock=clock)
    (line,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "unusable" in line and "set aside as" in line and "started a fresh one" in line
    (aside,) = tmp_path.glob(f"{DB_NAME}.broken-*")
    assert aside.is_dir() if damage == "directory" else aside.read_bytes() == b"not a database " * 100
    shown = show(evaluation)
    clock.t += 1
    assert evaluation.answer(shown.id, "s1", said_real=True).recorded and evaluation.store.path == path


def test_a_database_that_goes_bad_while_serving_is_set_aside_and_the_game_plays_on(studio, tmp_path, clock, caplog):
    evaluation = HumanEval(studio, tmp_path, RateLimiter(10_000, 10_000), clock=clock)
    for seed in range(40):
        show(evaluation, seed=seed)
    store, path = evaluation.store, tmp_path / DB_NAME
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every round in the main file ...
    store.conn.execute("PRAGMA cache_size = 1")  # ... and read back from it, not from memory
    with path.open("r+b") as f:  # the disk garbles every page after the first
        f.seek(4096)
        f.write(np.random.default_rng(0).bytes(path.stat().st_size - 4096))
    with caplog.at_level(logging.ERROR, logger="gan.space.human_eval"):
        figures = evaluation.figures()
    (line,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "malformed" in line and "set aside as" in line and len(list(tmp_path.glob(f"{DB_NAME}.broken-*"))) == 1
    assert figures["shown"] == 0  # a fresh database: the old rounds are in the file set aside, not mixed in
    shown = show(evaluation)
    clock.t += 1
    assert evaluation.answer(shown.id, "s1", said_real=True).recorded and evaluation.figures()["answered"] == 1


def test_a_data_folder_that_cannot_be_created_keeps_rounds_in_memory(studio, tmp_path, clock, caplog):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with caplog.at_level(logging.ERROR, logger="gan.space.human_eval"):
        evaluation = HumanEval(studio, blocker / "data", clock=clock)
    assert evaluation.store.path is None and any("keeping rounds in memory" in r.getMessage() for r in caplog.records)
    shown = show(evaluation)
    clock.t += 1
    assert evaluation.answer(shown.id, "s1", said_real=False).recorded and evaluation.figures()["answered"] == 1


# ---------------------------------------------------------------------------- export and the Hub


def parse_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def as_text(row: dict) -> dict:
    return {k: "" if v is None else repr(v) if isinstance(v, float) else str(v) for k, v in row.items()}


def test_the_hub_upload_folder_holds_every_round_by_day_and_changes_only_what_changed(evaluation, clock, tmp_path):
    first = show(evaluation, seed=1)
    clock.t += DAY
    second = show(evaluation, seed=2)
    folder = tmp_path / he.HUB_FOLDER
    written = he.write_upload_folder(evaluation.store, folder)
    assert [p.name for p in written] == ["rounds-2025-12-01.csv", "rounds-2025-12-02.csv"]
    assert sorted(p.name for p in folder.iterdir()) == [p.name for p in written]  # nothing else to upload
    uploaded = [row for p in written for row in parse_csv(p.read_text())]
    assert uploaded == [as_text(r) for r in evaluation.store.rows()] and [r["id"] for r in uploaded] == [first.id, second.id]
    assert he.write_upload_folder(evaluation.store, folder) == []  # unchanged: not rewritten, so not uploaded again
    clock.t += 1
    evaluation.answer(second.id, "s1", said_real=True)
    assert [p.name for p in he.write_upload_folder(evaluation.store, folder)] == ["rounds-2025-12-02.csv"]
    assert parse_csv((folder / "rounds-2025-12-02.csv").read_text())[0]["guess"] == "1"


def test_no_hub_sync_without_a_dataset_and_a_token(evaluation, monkeypatch, tmp_path):
    monkeypatch.delenv("GAN_HUB_DATASET", raising=False)
    monkeypatch.setenv("HF_TOKEN", "x")
    assert evaluation.hub is None and he.start_hub_sync(evaluation.store, tmp_path / "hub") is None


def test_the_export_command_writes_every_round_and_the_figures(evaluation, clock, tmp_path):
    for seed in range(3):
        shown = show(evaluation, seed=seed)
        clock.t += 1.5
        evaluation.answer(shown.id, "s1", said_real=seed % 2 == 0)
    show(evaluation, seed=9)  # unanswered: exported too
    out = tmp_path / "out" / "rounds.csv"
    run = subprocess.run([sys.executable, "-m", "gan", "human-eval", "--data-dir", str(tmp_path), "--export", str(out), "--figures",
                          "--model", evaluation.model], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert parse_csv(out.read_text()) == [as_text(r) for r in evaluation.store.rows()]
    assert "wrote" in run.stderr and "4 rounds (3 answered)" in run.stderr
    assert json.loads(run.stdout) == json.loads(json.dumps(he.as_json(evaluation.figures())))
    missing = subprocess.run([sys.executable, "-m", "gan", "human-eval", "--data-dir", str(tmp_path / "none"), "--export", str(out)],
                             cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert missing.returncode == 1 and "no rounds stored yet" in missing.stderr and "Traceback" not in missing.stderr


# ---------------------------------------------------------------------------- the picture the game shows
# Issue 42: a game picture saved from the page ("Save image") and uploaded to the Discriminator
# tab must not give the answer away, whichever kind of digit it shows.


def served_png(picture: np.ndarray) -> bytes:
    """The PNG bytes the app sends the browser for a game picture (what "Save image" saves):
    gr.Image(format="png"), as tabs/game.py shows it, writes them."""
    import gradio as gr

    return Path(gr.Image(format="png", interactive=False).postprocess(picture).path).read_bytes()


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """A PNG file's chunks, (type, data) in file order."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        chunks.append((data[at + 4:at + 8], data[at + 8:at + 8 + length]))
        at += 12 + length
    return chunks


@pytest.fixture
def rounds_of_each_kind(evaluation) -> dict[bool, list[Shown]]:
    """20 rounds showing a real MNIST test digit and 20 showing a generated one (is_real ->
    rounds), drawn as the game draws them with a fixed generator."""
    rng, kinds = np.random.default_rng(42), {True: [], False: []}
    while min(len(v) for v in kinds.values()) < 20:
        shown = show_with(evaluation, rng)
        kinds[bool(evaluation.store.get(shown.id)["is_real"])].append(shown)
    return {is_real: shown[:20] for is_real, shown in kinds.items()}


def show_with(evaluation: HumanEval, rng: np.random.Generator) -> Shown:
    shown = evaluation.show("s1", "127.0.0.1", rng)
    assert isinstance(shown, Shown), shown
    return shown


def test_a_saved_game_picture_scored_on_the_discriminator_tab_cannot_tell(studio, rounds_of_each_kind):
    """The file a visitor saves, judged exactly as the Discriminator tab judges an upload:
    "neither / can't tell" for every real and every generated digit (the exact 28x28 PNG was
    called 'a real MNIST digit' or 'made by this GAN' nearly every time)."""
    for is_real, rounds in rounds_of_each_kind.items():
        for shown in rounds:
            result = studio.score_upload(studio.load_upload_steps(served_png(shown.image)))
            kind = "real" if is_real else "generated"
            assert result.outcome == NEITHER, f"a {kind} digit's picture was judged {result.outcome!r}: {result.why}"
            assert not result.exact_28x28, f"a {kind} digit's picture reached the verdict as an exact 28x28 digit"


def test_real_and_generated_pictures_are_files_of_one_kind(rounds_of_each_kind):
    """Nothing in the file but the picture differs by kind: one size (not 28x28, and no whole
    multiple of it, from which a pixel-exact digit could be read back), one mode, no metadata
    (only IHDR, IDAT and IEND chunks), one IHDR."""
    files = {is_real: [served_png(shown.image) for shown in rounds] for is_real, rounds in rounds_of_each_kind.items()}
    described = set()
    for is_real, datas in files.items():
        for data in datas:
            image = Image.open(io.BytesIO(data))
            chunks = png_chunks(data)
            types = [t for i, (t, _) in enumerate(chunks) if t != b"IDAT" or chunks[i - 1][0] != b"IDAT"]  # runs of IDAT as one
            assert types == [b"IHDR", b"IDAT", b"IEND"], (is_real, types)
            described.add((image.size, image.mode, tuple(sorted(image.info.items())), chunks[0][1]))
    (((width, height), mode, info, _),) = described  # every picture, real or generated, described alike
    assert width == height > 28 and width % 28 != 0 and mode == "L" and info == ()


# ---------------------------------------------------------------------------- over the app's API


def test_the_game_over_the_api_keeps_the_answer_until_the_guess(client):
    """One session: the new round gives only an image and the prompt; the guess reveals the
    answer and moves /human_eval's count; a second guess on the same round is refused."""
    before = client.predict(api_name="/human_eval")["answered"]
    outputs = client.predict(api_name="/game_new")
    assert len(outputs) == 2 and outputs[1] == "Real MNIST digit or generated? Make your guess."
    import time

    time.sleep(MIN_ANSWER_S + 0.1)  # a person's pace, so the answer counts
    reveal, score, summary, plot = client.predict(api_name="/game_fake")
    assert reveal.startswith("### ") and ("real MNIST test digit" in reveal or "generated by the GAN" in reveal)
    assert score.startswith("**You: ") and "counted rounds" in summary and plot.startswith("<svg")
    assert client.predict(api_name="/human_eval")["answered"] == before + 1
    again = client.predict(api_name="/game_real")
    assert "already answered" in again[0]
    assert client.predict(api_name="/human_eval")["answered"] == before + 1


def test_a_game_picture_fetched_from_the_app_and_uploaded_to_score_cannot_tell(app_url):
    """Through the running app, as a visitor would: /game_new's picture (the file the server
    sends), uploaded to /score, is "neither / can't tell"; the answer (/game_fake's reveal, the
    only way to learn it) shows rounds of both kinds were judged."""
    from gradio_client import Client, handle_file

    player = Client(app_url, verbose=False)  # a session of its own: its rounds are not the other tests'
    seen = {True: 0, False: 0}
    for _ in range(24):
        picture, _prompt = player.predict(api_name="/game_new")
        result = player.predict(image=handle_file(picture), api_name="/score")[3]
        reveal = player.predict(api_name="/game_fake")[0]
        is_real = "it was a real MNIST test digit" in reveal
        assert is_real or "it was generated by the GAN" in reveal, reveal
        assert result["outcome"] == NEITHER, f"a {'real' if is_real else 'generated'} digit's picture was judged {result['outcome']!r}"
        with Image.open(picture) as image:
            assert image.size == (he.PICTURE_SIZE, he.PICTURE_SIZE)  # the enlarged picture, not the 28x28 digit
        seen[is_real] += 1
        if min(seen.values()) >= 3:
            break
    assert min(seen.values()) >= 3, seen  # 24 rounds hold fewer than 3 of one kind once in 28,000 runs
