"""Benchmark the Space: in-process calls, HTTP through gradio_client, cold start, generator
throughput against the CPU's matmul speed, and the app's memory. Prints a Markdown table.

    gan bench                      # full run (a few minutes at most)
    gan bench --smoke --json b.json   # a few repetitions, as CI runs it

The app runs in its own subprocess (`python app.py`), so its start-up time and resident memory
are its own, not this process's. A second, trivial Gradio app with one endpoint returning a
fixed 28x28 PNG, served with app.py's queue settings, is timed alternately with the real one:
its latency is the framework's floor, which /generate is compared with.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Callable

import numpy as np
import torch
from PIL import Image
from torch.utils.flop_counter import FlopCounterMode

from gan.core.directions import SLIDER_NAMES
from gan.space.studio import Studio

from .procs import memory_mb, start_app, stop, wait_ready

SLIDERS = dict(zip(SLIDER_NAMES, (0.5, -0.4, 0.3, 0.0, 0.2, 0.0, -0.1, 0.0)))

# The framework's floor: app.py's queue and launch settings, one torch thread, no work.
TRIVIAL_APP = """
import os, numpy as np, torch
torch.set_num_threads(1)
os.environ["GRADIO_ANALYTICS_CACHE_FREQUENCY"], os.environ["GRADIO_ANALYTICS_MAX_EVENTS"] = str(10**9), "1000"
import gradio as gr
IMAGE = (np.arange(28 * 28) % 256).astype(np.uint8).reshape(28, 28)
def trivial(digit=3, seed=0):
    return IMAGE
with gr.Blocks() as demo:
    digit, seed, out = gr.Number(3), gr.Number(0), gr.Image(format="png")
    gr.Button().click(trivial, [digit, seed], out, api_name="trivial", preprocess=False)
demo.queue(default_concurrency_limit=2, max_size=256)
demo.launch(max_file_size="10mb", enable_monitoring=False)
"""


def stats(samples: list[float]) -> tuple[float, float]:
    """(median, p95) of the samples."""
    return float(np.median(samples)), float(np.percentile(samples, 95))


def timed(fn: Callable[[], object], repeats: int, warmup: int = 3) -> list[float]:
    """Wall times of fn() in ms, after a few untimed calls (first-call allocations, caches)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times


def make_inputs(studio: Studio, folder: Path) -> tuple[Path, Path]:
    """A generated digit as a user would upload it (dark on white, 280x280 PNG), and as a
    4000x3000 phone photo (uneven noisy paper, off-centre digit, JPEG quality 90)."""
    digit = 255 - studio.generate(studio.recipe(7, 1234))
    png = folder / "digit.png"
    Image.fromarray(digit).resize((280, 280), Image.BICUBIC).save(png)
    w, h, (x0, y0, side) = 4000, 3000, (2300, 700, 1100)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    paper = 190 + 45 * xx / w - 25 * yy / h + np.random.default_rng(0).normal(0, 5, (h, w)).astype(np.float32)
    ink = 1 - np.asarray(Image.fromarray(digit).resize((side, side), Image.BICUBIC), np.float32) / 255
    paper[y0:y0 + side, x0:x0 + side] = paper[y0:y0 + side, x0:x0 + side] * (1 - ink) + 35 * ink
    jpeg = folder / "photo.jpg"
    Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8)).convert("RGB").save(jpeg, quality=90)
    return png, jpeg


def in_process(studio: Studio, png: Path, jpeg: Path, n: int) -> dict[str, list[float]]:
    seeds = iter(range(10**9))  # a fresh seed per call: nothing can be served from a cache
    small = studio.load_upload(png)
    return {
        "in-process: one digit (seed, digit, 8 sliders)": timed(lambda: studio.generate(studio.recipe(3, next(seeds), 0.9, **SLIDERS)), n * 5),
        "in-process: 64-digit grid (8x8)": timed(lambda: studio.seed_grid(next(seeds), 8, 8), n),
        "in-process: 16-frame interpolation": timed(lambda: studio.interpolate(next(seeds), next(seeds), 3, 8, 16), n),
        "in-process: score a 28x28 image": timed(lambda: studio.score(small[None]), n * 5),
        "in-process: preprocess + score 4000x3000 JPEG": timed(lambda: studio.score(studio.load_upload(jpeg)[None]), n),
    }


def throughput(studio: Studio, n: int) -> dict[str, list[float]]:
    """Generator images/s at batch 256 beside what its FLOPs allow at this CPU's matmul speed
    (same thread count for both, so the ratio is the generator's efficiency)."""
    g, batch = studio.generator.eval(), 256
    z, labels = torch.randn(batch, g.z_dim), torch.arange(batch) % 10
    with torch.inference_mode():
        with FlopCounterMode(display=False) as counter:
            g(z, labels)
        flops = counter.get_total_flops() / batch  # matmuls and convolutions; BN/ReLU/tanh are noise
        reps = max(5, n // 4)  # each call is long (~0.2 s) and steady: fewer repeats keep the run short
        forward_ms = timed(lambda: g(z, labels), reps)
        a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
        matmul_ms = timed(lambda: a @ b, reps)
    gflops = [2 * 1024**3 / (t / 1000) / 1e9 for t in matmul_ms]
    return {
        "float32 matmul 1024x1024 (GFLOP/s)": gflops,
        "generator FLOPs per image (MFLOP)": [flops / 1e6],
        "generator throughput, batch 256 (images/s)": [batch / (t / 1000) for t in forward_ms],
        "FLOP bound at matmul speed (images/s)": [x * 1e9 / flops for x in gflops],
    }


def training_throughput(n: int, threads: int, batch_sizes: list[int]) -> dict[str, list[float]]:
    """One training step of the recipe (gan train's Config defaults but the batch size, random
    data of MNIST's shape) in images/s for each batch size, beside what its FLOPs allow at this
    CPU's matmul speed with the same threads: how far the loop is from the bound, as for the
    generator. Smaller batches pay the step's fixed costs (optimiser, spectral norm, Python)
    more often: the price of the extra steps the recipe buys with them. Each is timed twice:
    in float32 and under `--precision bf16` (bfloat16 autocast, against the bfloat16 matmul
    speed; on CPUs without AMX or AVX512-BF16 it is emulated and slower)."""
    from gan.core.config import Config
    from gan.core.step import build, train_step

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    rows: dict[str, list[float]] = {}
    try:
        for precision, dtype in [("fp32", "float32"), ("bf16", "bfloat16")]:
            a, b = (torch.randn(1024, 1024, dtype=getattr(torch, dtype)) for _ in range(2))
            gflops = [2 * 1024**3 / (t / 1000) / 1e9 for t in timed(lambda: a @ b, max(5, n // 4))]
            rows[f"training: {dtype} matmul 1024x1024, {threads} threads (GFLOP/s)"] = gflops
            tag = "" if precision == "fp32" else f", --precision {precision}"
            for batch in batch_sizes:
                cfg = Config(batch_size=batch, precision=precision)
                torch.manual_seed(0)
                G, D, opt_g, opt_d = build(cfg)
                real = torch.rand(batch, 1, 28, 28) * 2 - 1
                y = torch.arange(batch) % 10
                with FlopCounterMode(display=False) as counter:
                    train_step(G, D, opt_g, opt_d, real, y, cfg)
                flops = counter.get_total_flops() / batch  # forward and backward passes of D and G
                step_ms = timed(lambda: train_step(G, D, opt_g, opt_d, real, y, cfg), max(5, n // 4))
                if precision == "fp32":  # the same count under autocast: only the number format changes
                    rows[f"training: FLOPs per image, step of {batch} (MFLOP)"] = [flops / 1e6]
                rows.update({
                    f"training: step of {batch}{tag}, {threads} threads (images/s)": [batch / (t / 1000) for t in step_ms],
                    f"training: FLOP bound at {dtype} matmul speed, {threads} threads, step of {batch} (images/s)": [x * 1e9 / flops for x in gflops],
                    f"training: epoch of 60,000 in steps of {batch}{tag} at that rate (s)": [60_000 / batch * t / 1000 for t in step_ms],
                })
    finally:
        torch.set_num_threads(before)
    return rows


def gradio_event_summary(n: int) -> dict[str, list[float]]:
    """What Gradio 6.31 would spend after every request rebuilding its monitoring summary from
    a full event history (10,000 events), which app.py switches off."""
    import random

    from gradio.queueing import Queue

    rng = random.Random(0)
    records = [{"time": time.time(), "status": "success", "process_time": rng.random(), "session_hash": str(i),
                "function": rng.choice(["generate", "grid", "score", "score_files"])} for i in range(10_000)]
    queue = Queue.__new__(Queue)  # only the summary's own fields, not a running queue
    queue.cached_event_analytics_summary, queue.events_recorded_per_fn = {"functions": {}}, {}
    queue.ANAYLTICS_CACHE_FREQUENCY, queue.events_recorded, queue.event_count_at_last_cache = 1, 0, 0

    def one_request() -> None:
        queue.events_recorded += 1
        queue.compute_analytics_summary(records)

    return {"Gradio's per-request event summary, 10,000 events (off in app.py)": timed(one_request, max(3, n // 10))}


def bare_import(weights: Path) -> float:
    """Seconds from process start until `import gradio, torch` is done. The child says when,
    because its exit (tearing down torch and gradio) takes another 1-2 s that no server pays."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "import gradio, torch; print('imported', flush=True)"],
                            env={**os.environ, "GAN_WEIGHTS": str(weights)}, stdout=subprocess.PIPE)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t
    if proc.wait() != 0 or not line.startswith(b"imported"):
        raise RuntimeError("python -c 'import gradio, torch' failed")
    return elapsed


def client(url: str, downloads: Path):
    from gradio_client import Client  # imported here: the in-process part does not need it

    return Client(url, verbose=False, analytics_enabled=False, download_files=str(downloads))


def call_generate(c, seed: int) -> object:
    return c.predict(digit=3, seed=seed, truncation=0.9, **SLIDERS, api_name="/generate")


def serve(script: list[str], weights: Path) -> tuple[subprocess.Popen, str, IO[bytes]]:
    log = tempfile.TemporaryFile()
    return (*start_app(script, log, {"GAN_WEIGHTS": str(weights)}), log)


def over_http(weights: Path, png: Path, jpeg: Path, n: int, cold_runs: int, warm: bool = True) -> dict[str, list[float]]:
    """Cold starts of app.py beside bare imports, its peak memory after its heaviest requests,
    then gradio_client latencies of the app and of the trivial app, alternately."""
    from gradio_client import handle_file

    out: dict[str, list[float]] = {k: [] for k in ("bare import gradio, torch (s)", "cold start to first /generate (s)",
                                                   "cold start beyond imports (s)", "app peak RSS, VmHWM (MB)")}
    app = trivial = None
    if warm:  # untimed: the first import after install or reboot also pays for the disk cache
        bare_import(weights)
    try:
        for run in range(cold_runs):  # bare import and cold start alternate, so load drifts hit both
            imports = bare_import(weights)
            t = time.perf_counter()
            app, url, app_log = serve(["app.py"], weights)
            wait_ready(app, url, app_log)
            c = client(url, png.parent)
            call_generate(c, 0)
            cold = time.perf_counter() - t
            out["bare import gradio, torch (s)"].append(imports)
            out["cold start to first /generate (s)"].append(cold)
            out["cold start beyond imports (s)"].append(cold - imports)
            if run == cold_runs - 1:  # the floor's server starts while the app works (neither is timed now)
                trivial, turl, trivial_log = serve(["-c", TRIVIAL_APP], weights)
            # The heaviest things a visitor can ask for, so the peak below covers them.
            c.predict(first_seed=0, rows=10, cols=10, digit=-1, api_name="/grid")
            c.predict(seed_a=1, seed_b=2, digit_a=3, digit_b=8, frames=64, api_name="/interpolate")
            c.predict(image=handle_file(str(jpeg)), api_name="/score")
            if run < cold_runs - 1:
                out["app peak RSS, VmHWM (MB)"].append(memory_mb(app.pid)[0])
                stop(app)
        wait_ready(trivial, turl, trivial_log)
        tc = client(turl, png.parent)
        seeds = iter(range(1, 10**9))
        calls = {  # timed alternately, so both servers see the same background load
            "HTTP /generate": lambda: call_generate(c, next(seeds)),
            "HTTP trivial endpoint (fixed 28x28 PNG)": lambda: tc.predict(digit=3, seed=next(seeds), api_name="/trivial"),
            "HTTP /grid (8x8)": lambda: c.predict(first_seed=next(seeds), rows=8, cols=8, digit=-1, api_name="/grid"),
            "HTTP /score (280x280 PNG upload)": lambda: c.predict(image=handle_file(str(png)), api_name="/score"),
        }
        for fn in [*calls.values()] * 3:  # warm-up
            fn()
        for name in calls:
            out[f"{name} (ms)"] = []
        for _ in range(n):
            for name, fn in calls.items():
                out[f"{name} (ms)"] += timed(fn, 1, warmup=0)
        out["app peak RSS, VmHWM (MB)"].append(memory_mb(app.pid)[0])
        out["app RSS after the run, VmRSS (MB)"] = [memory_mb(app.pid)[1]]
    finally:
        for p in (app, trivial):
            if p is not None and p.poll() is None:
                stop(p)
    return out


# name -> (target in words, test of the median); rows without a target are context.
TARGETS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "in-process: one digit (seed, digit, 8 sliders) (ms)": ("< 2 ms", lambda m: m < 2),
    "in-process: preprocess + score 4000x3000 JPEG (ms)": ("< 150 ms", lambda m: m < 150),
    "/generate ÷ trivial endpoint (ratio)": ("≤ 1.3", lambda m: m <= 1.3),
    "cold start beyond imports (s)": ("< 2 s", lambda m: m < 2),
    "app peak RSS, VmHWM (MB)": ("< 700 MB", lambda m: m < 700),
}


def table(rows: list[dict]) -> str:
    lines = ["| measurement | median | p95 | target | met? |", "|---|---:|---:|---|---|"]
    for r in rows:
        met = "" if r["met"] is None else ("yes" if r["met"] else "**no**")
        lines.append(f"| {r['name']} | {r['median']:.4g} | {r['p95']:.4g} | {r['target']} | {met} |")
    return "\n".join(lines)


def bench(args: argparse.Namespace) -> None:
    """`gan bench`: every measurement, printed as a Markdown table (args: gan.cli.commands' options;
    args.weights a resolved local folder)."""
    n, cold_runs = (5, 1) if args.smoke else (args.repeats, args.cold_runs)
    torch.set_num_threads(args.threads)
    started = time.perf_counter()

    weights = Path(args.weights)
    studio = Studio(weights)
    progress = lambda stage: print(f"[{time.perf_counter() - started:5.0f} s] {stage}...", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        png, jpeg = make_inputs(studio, Path(tmp))
        progress("in-process calls")
        samples = {f"{k} (ms)": v for k, v in in_process(studio, png, jpeg, n).items()}
        progress("generator throughput against the matmul speed")
        samples.update(throughput(studio, n))
        progress(f"training steps (batches {', '.join(map(str, args.train_batch))}, both precisions)")
        samples.update(training_throughput(n, args.train_threads, args.train_batch))
        progress("Gradio's event path")
        samples.update({f"{k} (ms)": v for k, v in gradio_event_summary(n).items()})
        progress(f"HTTP through gradio_client, {cold_runs} cold start(s) of the app")
        samples.update(over_http(weights, png, jpeg, n, cold_runs, warm=not args.smoke))
    gen, floor = samples["HTTP /generate (ms)"], samples["HTTP trivial endpoint (fixed 28x28 PNG) (ms)"]
    samples["/generate ÷ trivial endpoint (ratio)"] = [np.median(gen) / np.median(floor), np.percentile(gen, 95) / np.percentile(floor, 95)]

    groups = ["in-process", "float32", "generator", "FLOP", "training", "Gradio", "HTTP", "/generate", "bare", "cold", "app"]
    rows = []
    for name, values in sorted(samples.items(), key=lambda kv: [kv[0].startswith(g) for g in groups].index(True)):
        median, p95 = (values[0], values[1]) if "ratio" in name else stats(values)
        if "images/s" in name or "GFLOP/s" in name:  # higher is better: the slow 5% is the 5th percentile
            p95 = float(np.percentile(values, 5))
        target, ok = TARGETS.get(name, ("", None))
        rows.append({"name": name, "median": float(median), "p95": float(p95), "n": len(gen) if "ratio" in name else len(values),
                     "target": target, "met": None if ok is None else bool(ok(median))})
    print(f"\ntorch threads in process: {torch.get_num_threads()} (the app: 1); CPU cores: {os.cpu_count()}; "
          f"repeats: {n}; cold starts: {cold_runs}; weights: {weights}")
    print("p95 is the slow end: the 95th percentile of times, the 5th of rates; the ratio row divides medians, then p95s.\n")
    print(table(rows))
    print(f"\nbenchmark wall time: {time.perf_counter() - started:.0f} s; command: gan bench" + (" --smoke" if args.smoke else ""))
    if args.json:
        args.json.write_text(json.dumps({"threads": torch.get_num_threads(), "repeats": n, "cold_runs": cold_runs, "rows": rows}, indent=1))
