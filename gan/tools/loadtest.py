"""Load test: a crowd of simulated visitors against the real app, over Gradio's HTTP API.

    gan dev loadtest                    # 50 visitors, 5000 requests; starts app.py on a free loopback port
    gan dev loadtest --smoke            # CI: 10 visitors, 200 requests, <= 60 s; exit 1 on any failure
    gan dev loadtest --url http://127.0.0.1:7860 --pid 1234   # a server already running (loopback only)

One request = POST /gradio_api/call/<name> {"data": [...]} -> {"event_id"}, then GET
/gradio_api/call/<name>/<event_id>, a server-sent-event stream ending in `event: complete` (success)
or `event: error` (a failed request). Score requests first upload the image to /gradio_api/upload,
as the browser does, and their latency includes that upload. GAN_WEIGHTS passes through to the app.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import ipaddress
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np
from PIL import Image, ImageOps

from gan.core.directions import SLIDER_NAMES
from gan.space.studio import SLIDER_RANGE

from .procs import memory_mb, start_app, stop, wait_ready

API = "/gradio_api"
ENDPOINTS = ("generate", "grid", "score", "score_files")  # the API calls: these make up the request budget
ROWS = ENDPOINTS + ("image",)  # plus the page fetching each image it shows (not counted in the budget)
ACTIONS, WEIGHTS = ("new", "drag", "grid", "score", "score_files"), (50, 30, 10, 8, 2)
TARGETS = {"generate_p95_ms": 250.0, "rss_growth_mb": 50.0}


class Failed(Exception):
    """A request that did not end in `event: complete` with outputs."""


@dataclass
class Stats:
    latency_ms: dict[str, list[float]] = field(default_factory=lambda: {e: [] for e in ROWS})
    errors: dict[str, int] = field(default_factory=lambda: {e: 0 for e in ROWS})
    error_samples: list[str] = field(default_factory=list)
    rss_mb: dict[str, float | None] = field(default_factory=dict)  # "before", "after_first_N", "after_last"
    rss_series: list[tuple[int, float]] = field(default_factory=list)  # (requests done, MB) every 500

    @property
    def done(self) -> int:
        return sum(len(self.latency_ms[e]) + self.errors[e] for e in ENDPOINTS)

    async def timed(self, name: str, request: Awaitable) -> Any:
        """Await one request, recording its latency or its failure; returns its result or None."""
        t0 = time.perf_counter()
        try:
            result = await request
        except (Failed, httpx.HTTPError, ValueError, KeyError, TypeError) as e:  # anything the server got wrong
            self.errors[name] += 1
            if len(self.error_samples) < 20:
                self.error_samples.append(f"{type(e).__name__}: {e}"[:300])
            return None
        self.latency_ms[name].append((time.perf_counter() - t0) * 1000)
        return result


def rss_mb(pid: int | None) -> float | None:
    """Resident memory of the server process in MB (None without a pid or once it is gone)."""
    memory = memory_mb(pid) if pid else None
    return memory[1] if memory else None


async def call(http: httpx.AsyncClient, name: str, data: list, session: str | None = None) -> list:
    """One API call through the queue; returns the outputs or raises Failed. Like a browser tab
    (or a gradio_client.Client), a visitor sends its session id: without one, every call is a new
    Gradio session, which costs the server ~20 ms and ~160 KB each (gradio.state_holder.SessionState)."""
    r = await http.post(f"{API}/call/{name}", json={"data": data, "session_hash": session})
    if r.status_code != 200:
        raise Failed(f"POST {name}: HTTP {r.status_code} {r.text[:200]}")
    event_id, event = r.json()["event_id"], None
    async with http.stream("GET", f"{API}/call/{name}/{event_id}") as s:
        async for line in s.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = json.loads(line[5:])
                if event == "error" or not payload or payload[0] is None:
                    raise Failed(f"{name}: {event} {line[5:200]}")
                return payload
    raise Failed(f"{name}: stream ended without a result (last event {event})")


async def upload(http: httpx.AsyncClient, png: bytes, n: int = 1) -> list[dict]:
    """Upload n copies of a PNG; returns FileData dicts for the API."""
    files = [("files", (f"digit{i}.png", png, "image/png")) for i in range(n)]
    r = await http.post(f"{API}/upload", files=files)
    if r.status_code != 200:
        raise Failed(f"upload: HTTP {r.status_code} {r.text[:200]}")
    return [{"path": p, "meta": {"_type": "gradio.FileData"}} for p in r.json()]


class Crowd:
    """`clients` visitors share one request budget and one deadline."""

    def __init__(self, http: httpx.AsyncClient, args: argparse.Namespace, png: bytes, pid: int | None):
        self.http, self.args, self.png, self.pid = http, args, png, pid
        self.stats, self.claimed, self.visits = Stats(), 0, 0
        self.mark = min(1000, args.requests // 5)  # "after the first thousand" (fewer in a smoke run)
        self.deadline = time.monotonic() + args.max_seconds
        self.over = asyncio.Event()  # set once the budget or the time is spent: pauses end at once

    async def _request(self, name: str, make: Callable[[], Awaitable]) -> bool:
        """One API call, then the image it shows; False (and no request) once the budget or time is spent."""
        if self.claimed >= self.args.requests or time.monotonic() > self.deadline:
            self.over.set()
            return False
        self.claimed += 1
        out = await self.stats.timed(name, make())
        done = self.stats.done  # counted just now, with no await since: each count is seen exactly once
        if done == self.mark:
            self.stats.rss_mb[f"after_first_{self.mark}"] = rss_mb(self.pid)
        if done % 500 == 0 and self.pid:
            self.stats.rss_series.append((done, rss_mb(self.pid)))
        if out and isinstance(out[0], dict) and "url" in out[0]:  # the page's <img src=url>
            await self.stats.timed("image", self._fetch(out[0]["url"]))
        return True

    async def _think(self, rng: random.Random) -> None:
        """A visitor's pause between actions: exponential, like independent people; cut short at the end."""
        pause = rng.expovariate(1000 / self.args.think_ms) if self.args.think_ms else 0.0
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.over.wait(), min(pause, max(0.0, self.deadline - time.monotonic())))

    async def _fetch(self, url: str) -> None:
        r = await self.http.get(url)
        if r.status_code != 200 or not r.content:
            raise Failed(f"image: HTTP {r.status_code}")

    async def _score(self, session: str, n: int) -> list:
        files = await upload(self.http, self.png, n)
        return await call(self.http, "score" if n == 1 else "score_files", files[:1] if n == 1 else [files], session)

    async def visitor(self, i: int) -> None:
        """One browser tab after another: each visit is a new Gradio session, its page load, then 10-40 actions."""
        rng = random.Random(i)
        await asyncio.sleep(rng.uniform(0, self.args.think_ms / 1000))  # arrive spread out, not all at once
        first_action = ACTIONS[i % len(ACTIONS)]  # so that even a short run exercises every endpoint
        while True:
            session, self.visits = f"load{i}-{rng.getrandbits(40):x}", self.visits + 1
            digit, seed, sliders = 3, 42, dict.fromkeys(SLIDER_NAMES, 0.0)  # the page opens on digit 3, seed 42
            gen = lambda: call(self.http, "generate", [digit, seed, 1.0, *sliders.values(), ""], session)  # "": no projected latent (tabs/steer.py)
            if not await self._request("generate", gen):  # and renders it on load, for every visitor alike
                return
            for _ in range(rng.randint(10, 40)):
                action, first_action = first_action or rng.choices(ACTIONS, WEIGHTS)[0], None
                if action == "new":  # another digit or seed
                    digit, seed = rng.randrange(10), rng.randrange(10**6)
                    ok = await self._request("generate", gen)
                elif action == "drag":  # a slider drag: 3-6 frames, same seed. With trigger_mode="always_last"
                    # the page sends the next frame as soon as the previous one returns: no think time inside.
                    name, frames = rng.choice(SLIDER_NAMES), rng.randint(3, 6)
                    start, end = sliders[name], rng.uniform(-SLIDER_RANGE, SLIDER_RANGE)
                    ok = True
                    for k in range(1, frames + 1):
                        sliders[name] = round(start + (end - start) * k / frames, 1)
                        ok = ok and await self._request("generate", gen)
                elif action == "grid":  # a small seed grid
                    first = rng.randrange(10**6)
                    ok = await self._request("grid", lambda: call(self.http, "grid", [first, 2, 8, -1, 1.0], session))
                else:  # an upload scored: one image, or three at once
                    n = 1 if action == "score" else 3
                    ok = await self._request(action, lambda: self._score(session, n))
                if not ok:
                    return
                await self._think(rng)


async def digit_png(http: httpx.AsyncClient) -> bytes:
    """A realistic upload: a generated digit, dark on white, smoothly enlarged to 280x280."""
    out = await call(http, "generate", [7, 2024, 1.0, *[0.0] * len(SLIDER_NAMES), ""])
    r = await http.get(out[0]["url"])
    r.raise_for_status()
    img = ImageOps.invert(Image.open(io.BytesIO(r.content)).convert("L")).resize((280, 280), Image.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


async def crowd(args: argparse.Namespace, url: str, pid: int | None) -> dict:
    """The visitors' run against the server at `url`: every request's outcome and the figures."""
    limits = httpx.Limits(max_connections=args.clients + 8, max_keepalive_connections=args.clients + 8)
    # trust_env=False: a proxy from the environment must never see loopback traffic.
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits, trust_env=False) as http:
        png = await digit_png(http)
        # Warm up every endpoint once (not counted): first calls pay one-time costs.
        await call(http, "grid", [0, 2, 8, -1, 1.0])
        for n, name in ((1, "score"), (3, "score_files")):
            files = await upload(http, png, n)
            await call(http, name, files[:1] if n == 1 else [files])
        crowd = Crowd(http, args, png, pid)
        crowd.stats.rss_mb["before"] = rss_mb(pid)
        t0 = time.perf_counter()
        await asyncio.gather(*(crowd.visitor(i) for i in range(args.clients)))
        wall = time.perf_counter() - t0
        crowd.stats.rss_mb["after_last"] = rss_mb(pid)
    st = crowd.stats
    first, last = st.rss_mb.get(f"after_first_{crowd.mark}"), st.rss_mb["after_last"]
    growth = None if first is None or last is None else round(last - first, 1)
    gen_p95 = percentile(st.latency_ms["generate"], 95)
    failed = sum(st.errors.values())  # image fetches included
    return {
        "command": args.command,
        "config": {"clients": args.clients, "requests": args.requests, "max_seconds": args.max_seconds,
                   "think_ms": args.think_ms, "cpus": os.cpu_count(), "url": url},
        "wall_s": round(wall, 1), "visits": crowd.visits, "requests_done": st.done, "failed": failed,
        "throughput_rps": round(st.done / wall, 1),
        "endpoints": {e: {"count": len(st.latency_ms[e]) + st.errors[e], "errors": st.errors[e],
                          **{f"p{q}_ms": percentile(st.latency_ms[e], q) for q in (50, 95, 99)}} for e in ROWS},
        "rss_mb": {k: None if v is None else round(v, 1) for k, v in st.rss_mb.items()},
        "rss_growth_mb": growth, "rss_series": [(n, round(m, 1)) for n, m in st.rss_series],
        "targets": {"all_requests_done": st.done >= args.requests, "zero_failed": failed == 0,
                    "generate_p95_under_250ms": gen_p95 is not None and gen_p95 < TARGETS["generate_p95_ms"],
                    "rss_growth_under_50mb": None if growth is None else growth < TARGETS["rss_growth_mb"]},
        "error_samples": st.error_samples,
    }


def markdown(res: dict) -> str:
    c, mb, images = res["config"], res["rss_mb"], res["endpoints"]["image"]["count"]
    lines = [f"Load test: {c['clients']} concurrent visitors, {res['requests_done']} API requests (plus {images} image "
             f"fetches) in {res['wall_s']} s: {res['throughput_rps']} API requests/s on {c['cpus']} CPUs. "
             f"{res['visits']} visits (a Gradio session each: page load, then 10-40 actions); think time between a visitor's actions "
             f"exponential with mean {c['think_ms']:g} ms, none between the frames of a slider drag.", "",
             "| endpoint | requests | errors | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|---:|"]
    for name, e in res["endpoints"].items():
        label = "image shown (GET file=)" if name == "image" else f"/{name}"
        lines.append(f"| {label} | {e['count']} | {e['errors']} | {e['p50_ms']} | {e['p95_ms']} | {e['p99_ms']} |")
    if mb.get("before") is not None:
        marks = ", ".join(f"{k.replace('_', ' ')} {v} MB" for k, v in mb.items())
        growth = "n/a" if res["rss_growth_mb"] is None else f"{res['rss_growth_mb']} MB"
        lines += ["", f"Server resident memory: {marks}; growth from the first to the last: {growth}."]
    verdict = {True: "yes", False: "NO", None: "n/a"}
    lines += ["", "Targets: " + "; ".join(f"{k} {verdict[v]}" for k, v in res["targets"].items()),
              "", f"Reproduce: `{res['command']}`"]
    return "\n".join(lines)


def command_line(prog: str, args: argparse.Namespace) -> str:
    """The options given (those not None or False) as a command line that reproduces the run."""
    given = [(k.replace("_", "-"), v) for k, v in vars(args).items() if v is not None and v is not False]
    return " ".join([prog, *(f"--{k}" if v is True else f"--{k} {v}" for k, v in given)])


def run(args: argparse.Namespace) -> int:
    """`gan dev loadtest` (args: gan.cli.dev's options): the exit status, 1 on a failed request."""
    args.command = command_line("gan dev loadtest", args)
    defaults = (10, 200, 60.0, 300.0) if args.smoke else (50, 5000, 600.0, 5000.0)
    for key, value in zip(("clients", "requests", "max_seconds", "think_ms"), defaults):
        setattr(args, key, value if getattr(args, key) is None else getattr(args, key))
    proc, log = None, Path(tempfile.mkdtemp(prefix="loadtest-")) / "server.log"
    log_file = log.open("w+b")
    if args.url:
        if not is_loopback(urlparse(args.url).hostname or ""):
            raise SystemExit(f"refusing {args.url}: the load test only targets this machine (loopback)")
        url, pid = args.url.rstrip("/"), args.pid
    else:
        proc, url = start_app(["app.py"], log_file)  # GAN_WEIGHTS in the environment passes through
        wait_ready(proc, url, log_file)
        pid = proc.pid
    try:
        res = asyncio.run(crowd(args, url, pid))
    finally:
        if proc is not None:
            stop(proc)
        log_file.close()
    if proc is not None:  # what the server itself complained about during the run
        res["server_log"], res["server_log_problems"] = str(log), [
            line for line in log.read_text(errors="replace").splitlines() if "traceback" in line.lower() or "error" in line.lower()][:20]
    print(markdown(res))
    for line in res["error_samples"] + res.get("server_log_problems", []):
        print("  ", line)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    bad = [k for k, v in res["targets"].items() if v is False]
    return 1 if res["failed"] or (bad and not args.smoke) else 0
