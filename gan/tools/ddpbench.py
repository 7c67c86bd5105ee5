"""Training throughput on 1..N processes: `gan train` alone and under torchrun.

    gan dev ddpbench --data-dir ../shared/data                 # 1 and 2 processes, the shipped recipe's batch
    gan dev ddpbench --data-dir ../shared/data --procs 1 2 4 --batch-size 32

Each measurement is a real run of the command (`--max-steps`, into a temporary folder) with the
machine's cores shared out among its processes (`--threads` each: cores / processes, unless
--threads fixes it), timed
by the run's own log: images per second between its first and last log lines, so start-up,
the data's broadcast and the export are not counted. The settings alternate (1, 2, 1, 2, ...)
so a drifting load on a shared machine falls on all of them. Then the cost of the generator's
synchronised batch norm, timed on 2 processes: G's forward and backward on its half of a
batch, with gan.core.distributed.SyncBatchNorm and with each process's own batch norm; and
what per-process batch norm would change: G's output normalised over batch / N digits
instead of the whole batch, for N = 2, 4, 8 (one process, the shipped generator).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

from gan.core import distributed
from gan.core.config import Config
from gan.core.models import Generator
from gan.core.step import build
from gan.core.weights import resolve_weights

from .bench import timed

TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone"]


def train_command(procs: int, threads: int, data_dir: str, batch: int, steps: int, log_every: int, out: Path) -> list[str]:
    launcher = [sys.executable] if procs == 1 else [*TORCHRUN, f"--nproc_per_node={procs}"]
    return [*launcher, "-m", "gan", "train", "--data-dir", data_dir, "--out", str(out), "--batch-size", str(batch),
            "--max-steps", str(steps), "--log-every", str(log_every), "--threads", str(threads)]


def images_per_second(log: Path, batch: int) -> float:
    """The run's rate between its first and last log lines (the first interval is warm-up)."""
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    first, last = rows[0], rows[-1]
    return (last["step"] - first["step"]) * batch / (last["seconds"] - first["seconds"])


def threads_per_process(args: argparse.Namespace, procs: int) -> int:
    return args.threads or max(1, args.cores // procs)


def throughput(args: argparse.Namespace) -> dict[int, list[float]]:
    rates: dict[int, list[float]] = {n: [] for n in args.procs}
    for _ in range(args.repeats):
        for procs in args.procs:
            threads = threads_per_process(args, procs)
            with tempfile.TemporaryDirectory() as tmp:
                cmd = train_command(procs, threads, args.data_dir, args.batch_size, args.steps, args.log_every, Path(tmp) / "run")
                subprocess.run(cmd, cwd=Path(__file__).resolve().parents[2], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "OMP_NUM_THREADS": str(threads)})
                rates[procs].append(images_per_second(Path(tmp) / "run" / "train_log.jsonl", args.batch_size))
            print(f"  {procs} process(es) x {threads} thread(s): {rates[procs][-1]:,.0f} images/s", file=sys.stderr, flush=True)
    return rates


def generator_step_ms(g: Generator, z: torch.Tensor, y: torch.Tensor, repeats: int) -> float:
    """Median ms of G's forward and backward in training mode (what a step asks of its batch norm)."""
    return statistics.median(timed(lambda: g(z, y).square().mean().backward(), repeats))


def time_batchnorm_worker(batch: int) -> None:
    """Under torchrun: G's forward and backward on this process's rows, with each process's own
    batch norm and with the synchronised one; rank 0 prints both as JSON."""
    shard = distributed.shard_from_environment()
    distributed.join(shard, torch.device("cpu"))
    torch.set_num_threads(1)
    torch.manual_seed(0)
    g = Generator().train()
    z, y = shard.rows(torch.randn(batch, g.z_dim)), shard.rows(torch.arange(batch) % 10)
    own = generator_step_ms(g, z, y, 40)
    synced = generator_step_ms(distributed.sync_batchnorm(g), z, y, 40)
    grads = torch.zeros(sum(p.numel() for p in build(Config())[0].parameters()) + sum(p.numel() for p in build(Config())[1].parameters()))
    allreduce = statistics.median(timed(lambda: torch.distributed.all_reduce(grads), 40))
    if shard.lead:
        print(json.dumps({"own": own, "synced": synced, "gradients": allreduce, "gradient_mb": grads.numel() * 4 / 1e6}))
    distributed.leave()


def batchnorm_cost(batch: int) -> dict[str, float]:
    out = subprocess.run([*TORCHRUN, "--nproc_per_node=2", "-m", "gan", "dev", "ddpbench", "--batch-size", str(batch),
                          "--time-batchnorm"], cwd=Path(__file__).resolve().parents[2], check=True, capture_output=True, text=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


@torch.no_grad()
def local_batchnorm_error(batch: int, processes: list[int]) -> dict[int, float]:
    """How far G's training-mode output moves when each of N processes normalises over its own
    batch / N digits instead of the whole batch: relative L2 distance, the shipped generator,
    over 20 batches."""
    g = Generator.from_pretrained(resolve_weights() / "generator").train()
    gen = torch.Generator().manual_seed(0)
    errors = {}
    for n in processes:
        num = den = 0.0
        for _ in range(20):
            z, y = torch.randn(batch, g.z_dim, generator=gen), torch.randint(0, 10, (batch,), generator=gen)
            whole = g(z, y)
            parts = torch.cat([g(z[r::n], y[r::n]) for r in range(n)])
            whole = torch.cat([whole[r::n] for r in range(n)])  # the same rows in the same order
            num += (parts - whole).norm().item() ** 2
            den += whole.norm().item() ** 2
        errors[n] = (num / den) ** 0.5
    return errors


def run(args: argparse.Namespace) -> None:
    """`gan dev ddpbench` (args: gan.cli.dev's options); with --time-batchnorm, one process of batchnorm_cost's run."""
    if args.time_batchnorm:
        return time_batchnorm_worker(args.batch_size)
    print(f"training {args.steps} steps of {args.batch_size} on {args.cores} cores ({os.cpu_count()} here), "
          f"{args.repeats} runs each, alternating:", file=sys.stderr)
    rates = throughput(args)
    cost = batchnorm_cost(args.batch_size)
    errors = local_batchnorm_error(args.batch_size, [2, 4, 8])
    print("\n| processes x threads | images/s (each run) | median |\n|---|---|---:|")
    for procs, values in rates.items():
        print(f"| {procs} x {threads_per_process(args, procs)} | {', '.join(f'{v:,.0f}' for v in values)} | {statistics.median(values):,.0f} |")
    print(f"\nG's forward + backward on 2 processes, {args.batch_size // 2} rows each: {cost['own']:.1f} ms with each process's "
          f"own batch norm, {cost['synced']:.1f} ms synchronised over the {args.batch_size}; "
          f"all-reducing G's and D's gradients ({cost['gradient_mb']:.1f} MB): {cost['gradients']:.1f} ms")
    print("per-process batch norm would move G's output by " + ", ".join(
        f"{100 * e:.1f}% at {n} processes ({args.batch_size // n} digits each)" for n, e in errors.items()))
    print(f"\ncommand: gan dev ddpbench --data-dir {args.data_dir} --procs {' '.join(map(str, args.procs))} "
          f"--batch-size {args.batch_size} --steps {args.steps} --repeats {args.repeats} --cores {args.cores}"
          + (f" --threads {args.threads}" if args.threads else ""))
    if args.json:
        args.json.write_text(json.dumps({"rates": rates, "batchnorm_ms": cost, "local_batchnorm_error": errors}, indent=1) + "\n")
