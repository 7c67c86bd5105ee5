"""Load test of the live human evaluation: a crowd of simulated players answers the Real-or-fake
game while the server is killed with SIGKILL and restarted, and nothing acknowledged is lost.

    gan dev human-eval-load             # 50 players for 60 s, one SIGKILL halfway; starts app.py on loopback
    gan dev human-eval-load --smoke     # CI: 12 players for 15 s, one SIGKILL; exit 1 on any failed check

Each player is a browser tab's Gradio session (a session hash of its own) calling the game's
events over HTTP as the page does (/game_new, then /game_real or /game_fake after 0.35-1.2 s;
one answer in 20 instantly, which must be kept but not counted; one round in 10 answered twice,
which must be refused). While the server is down, players wait and then come back as new
sessions, as a reloaded page would. The checks, over the database the server wrote:

- every answer the server acknowledged is in it, with the guess the player gave and the truth
  the reveal named; a session's answered rounds are its acknowledged ones (plus at most the one
  whose answer was in flight at the kill), and no round is answered twice;
- the figures the restarted server reports equal the figures of the database the killed one
  left; at the end, with the players stopped, the figures before a last SIGKILL equal those after.

The data folder is a fresh temporary one (--data-dir keeps it); the per-address limit is
raised for the run (every player shares one loopback address), the per-session one is not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from gan.space.human_eval import (
    DB_NAME,
    LIMITS_ENV,
    SESSION_ROUNDS_PER_MINUTE,
    Store,
    as_json,
    figures,
)
from gan.space.ui import ALREADY_ANSWERED

from .loadtest import Failed, call, command_line, percentile
from .procs import start_app, stop, wait_ready

THINK_S = (0.35, 1.2)  # a person looks, then clicks: above the 300 ms floor
INSTANT_SHARE, TWICE_SHARE = 0.05, 0.10


@dataclass
class Tally:
    acknowledged: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)  # session -> [(guess, truth)] in order
    shown: int = 0
    instant: int = 0
    twice_refused: int = 0
    twice_recorded: int = 0  # a second answer to one round that the server accepted: must stay 0
    failed_requests: int = 0
    refused: list[str] = field(default_factory=list)  # messages of first answers refused (expected: none)
    answer_ms: list[float] = field(default_factory=list)
    errors_while_up: list[str] = field(default_factory=list)


class Restarted(Exception):
    """The server restarted during a player's round."""


class Server:
    """app.py on a free loopback port, over one data folder, killed and restarted at will."""

    def __init__(self, data_dir: Path, log_path: Path):
        self.env = {"GAN_DATA_DIR": str(data_dir), LIMITS_ENV: f"{SESSION_ROUNDS_PER_MINUTE},1000000"}
        self.log = log_path.open("w+b")
        self.proc, self.url, self.start_s = None, "", []  # seconds each start took, to serving

    def start(self) -> None:
        t0 = time.perf_counter()
        self.proc, self.url = start_app(["app.py"], self.log, self.env)
        wait_ready(self.proc, self.url, self.log)
        self.start_s.append(round(time.perf_counter() - t0, 1))

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            stop(self.proc)
        self.log.close()


class Game:
    """The crowd of players, what the server acknowledged to them, and whether it is up."""

    def __init__(self, server: Server, players: int):
        self.server, self.tally, self.up, self.stop, self.restarts = server, Tally(), asyncio.Event(), asyncio.Event(), 0
        limits = httpx.Limits(max_connections=players + 8, max_keepalive_connections=players + 8)
        self.http = httpx.AsyncClient(timeout=60, limits=limits, trust_env=False)  # loopback only: no proxy from the environment

    async def _call(self, name: str, session: str) -> list:
        return await call(self.http, name, [], session)

    def reconnect(self) -> None:
        """A restarted server listens on a new free port, and has forgotten every session."""
        self.http.base_url = self.server.url
        self.restarts += 1

    async def player(self, i: int) -> None:
        rng = random.Random(i)
        await asyncio.sleep(rng.uniform(0, 1))  # arrive spread out
        while not self.stop.is_set():
            await self.up.wait()
            session = f"player{i}-{rng.getrandbits(48):x}"  # a new page load: a new Gradio session
            self.tally.acknowledged[session] = []
            try:
                while not self.stop.is_set():
                    await self.round(session, rng)
            except Restarted:
                pass  # the page's session died with the server: reload, as a person would
            except (Failed, httpx.HTTPError, KeyError, TypeError, ValueError) as e:
                self.tally.failed_requests += 1  # the server went down mid-request: come back as a new session
                if self.up.is_set() and len(self.tally.errors_while_up) < 5:  # not explained by a kill
                    self.tally.errors_while_up.append(f"{type(e).__name__}: {e}"[:300])
                await asyncio.sleep(0.2)

    async def round(self, session: str, rng: random.Random) -> None:
        restarts = self.restarts
        prompt = (await self._call("game_new", session))[1]  # the image, the prompt (the state stays on the server)
        if "Too many" in str(prompt):  # the per-session limit: a person would wait
            await asyncio.sleep(2)
            return
        self.tally.shown += 1
        instant = rng.random() < INSTANT_SHARE
        self.tally.instant += instant
        await asyncio.sleep(0 if instant else rng.uniform(*THINK_S))
        if self.restarts != restarts:  # killed while this player looked: the round died with its session
            raise Restarted
        said_real = rng.random() < 0.5
        t0 = time.perf_counter()
        reveal = (await self._call("game_real" if said_real else "game_fake", session))[0]
        self.tally.answer_ms.append((time.perf_counter() - t0) * 1000)
        if not reveal.startswith("### "):
            self.tally.refused.append(reveal)
            return
        self.tally.acknowledged[session].append((int(said_real), "real MNIST test digit" in reveal.split("\n")[0]))
        if rng.random() < TWICE_SHARE and self.restarts == restarts:
            again = (await self._call("game_fake" if said_real else "game_real", session))[0]
            # A refused second press shows the reveal again, with the note that the round is answered.
            if again.startswith("### ") and ALREADY_ANSWERED not in again:
                self.tally.twice_recorded += 1
            else:
                self.tally.twice_refused += 1

    async def figures(self) -> dict:
        """What /human_eval serves."""
        return (await call(self.http, "human_eval", []))[0]


def database_figures(data_dir: Path, model: str) -> dict:
    """The figures of the database as it is on disk (what the killed server committed)."""
    store = Store(data_dir / DB_NAME)
    try:
        return json.loads(json.dumps(as_json(figures(store, model))))
    finally:
        store.close()


def check_database(data_dir: Path, tally: Tally) -> tuple[dict[str, bool], int]:
    """The checks over the database, and how many answers were stored but not acknowledged (in flight at a kill)."""
    store = Store(data_dir / DB_NAME)
    rows = store.rows()
    store.close()
    by_session: dict[str, list[dict]] = {}
    for row in rows:
        if row["guess"] is not None:
            by_session.setdefault(row["session"], []).append(row)
    every_ack_stored, extra = True, 0
    for session, acked in tally.acknowledged.items():
        stored = sorted(by_session.get(session, []), key=lambda r: r["answered_at"])
        every_ack_stored &= [(r["guess"], bool(r["is_real"])) for r in stored[:len(acked)]] == acked
        extra += max(0, len(stored) - len(acked))
        every_ack_stored &= len(stored) - len(acked) in (0, 1)  # at most the answer in flight at a kill
    return {"every_acknowledged_answer_stored": every_ack_stored,
            "no_round_stored_twice": len({r["id"] for r in rows}) == len(rows),
            "no_unknown_sessions_answered": set(by_session) <= set(tally.acknowledged),
            "second_answers_all_refused": tally.twice_recorded == 0,
            "first_answers_never_refused": not tally.refused}, extra


async def play(args: argparse.Namespace, server: Server) -> dict:
    game = Game(server, args.players)
    tally, kills = game.tally, []
    try:
        game.reconnect()
        model = (await game.figures())["model"]
        game.up.set()
        players = [asyncio.create_task(game.player(i)) for i in range(args.players)]
        t0, down = time.perf_counter(), 0.0  # the players play for args.seconds, not counting the restarts
        for k in range(args.kills):  # kill at evenly spaced moments of play, under load
            await asyncio.sleep(max(0.0, t0 + down + args.seconds * (k + 1) / (args.kills + 1) - time.perf_counter()))
            game.up.clear()  # players wait for the restart (a request in flight fails as it would for a person)
            killed = time.perf_counter()
            server.kill()
            left = await asyncio.to_thread(database_figures, args.data_dir, model)
            await asyncio.to_thread(server.start)
            game.reconnect()
            after = await game.figures()
            kills.append({"answered_at_kill": left["answered"], "restart_s": server.start_s[-1],
                          "figures_after_restart_equal_database_at_kill": after == left})
            down += time.perf_counter() - killed
            game.up.set()
        await asyncio.sleep(max(0.0, t0 + down + args.seconds - time.perf_counter()))
        game.stop.set()
        await asyncio.gather(*players)
        wall = time.perf_counter() - t0 - down
        before = await game.figures()  # quiet now: a last kill must not change a single figure
        server.kill()
        await asyncio.to_thread(server.start)
        game.reconnect()
        after = await game.figures()
    finally:
        await game.http.aclose()
    checks, in_flight = check_database(args.data_dir, tally)
    checks["figures_equal_after_restart_each_kill"] = all(k["figures_after_restart_equal_database_at_kill"] for k in kills)
    checks["figures_equal_after_final_restart"] = before == after
    acked = sum(len(v) for v in tally.acknowledged.values())
    return {"config": {"players": args.players, "seconds": args.seconds, "kills": args.kills, "cpus": os.cpu_count(),
                       "data_dir": str(args.data_dir)},
            "play_s": round(wall, 1), "rounds_shown": tally.shown, "answers_acknowledged": acked,
            "answers_per_s": round(acked / wall, 1), "answered_in_db": before["answered"] + before["excluded_too_fast"],
            "counted": before["answered"], "excluded_too_fast": before["excluded_too_fast"], "instant_answers_sent": tally.instant,
            "second_answers_refused": tally.twice_refused, "answers_in_flight_at_a_kill_stored": in_flight,
            "failed_requests_while_down": tally.failed_requests, "kills": kills, "start_s": server.start_s,
            "answer_ms": {f"p{q}": percentile(tally.answer_ms, q) for q in (50, 95, 99)},
            "checks": checks, "refused_samples": tally.refused[:5], "errors_while_up": tally.errors_while_up}


def run(args: argparse.Namespace) -> int:
    """`gan dev human-eval-load` (args: gan.cli.dev's options): the exit status, 1 on any failed check."""
    command = command_line("gan dev human-eval-load", args)
    args.players = args.players or (12 if args.smoke else 50)
    args.seconds = args.seconds or (15.0 if args.smoke else 60.0)
    args.data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="human-eval-load-"))
    args.data_dir.mkdir(parents=True, exist_ok=True)
    server = Server(args.data_dir, args.data_dir / "server.log")
    try:
        server.start()
        res = asyncio.run(play(args, server))
    finally:
        server.close()
    res["command"] = command
    print(json.dumps({k: v for k, v in res.items() if k != "refused_samples"}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    failed = [k for k, ok in res["checks"].items() if not ok]
    if failed:
        print("FAILED:", ", ".join(failed), file=sys.stderr)
    return 1 if failed or not res["answers_acknowledged"] else 0
