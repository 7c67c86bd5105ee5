"""Train the class-conditional GAN on MNIST: one plain adversarial loop.

    gan train --data-dir ../shared/data --out runs/dcgan

Each step (`gan.core.step.train_step`, which the Space's Training lab runs too) trains D on a real
batch and a fake batch (its labels are the real batch's), then trains G on D's feedback. With
--aux-weight > 0 (the default), D also learns to name the digit of real images and G is also
trained to make D name the digit it was asked for (AC-GAN).
Every setting lives in `gan.core.config.Config`; `gan train --help` lists them all, and `--recipe NAME`
picks a named set of them (shipped, bf16-30, fast30, bf16-30-variety, quick).
Outputs under --out: checkpoint.pt (each epoch, and on Ctrl-C or kill; --resume continues from it),
train_log.jsonl, grids/epoch_NNN.png, and at the end generator/ (the EMA generator, the one
that ships), discriminator/, samples.png and progress.gif. A run never writes to weights/:
serve it as it is with `GAN_WEIGHTS=runs/dcgan python app.py`, and make it the shipped model
with `gan ship runs/dcgan --data-dir ../shared/data`.

Under torchrun (`torchrun --standalone --nproc_per_node=N -m gan train ...`, or its multi-node
flags) N processes train the same recipe data-parallel, rank 0 alone writing the run folder:
gan/core/distributed.py and docs/training.md ("Training on N processes").
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from gan.core import distributed
from gan.core.config import Config
from gan.core.data import load_mnist
from gan.core.errors import DataError, LaunchError, RunFolderError
from gan.core.inputs import check_run_folder
from gan.core.models import Discriminator, Generator
from gan.core.pixels import to_model_range
from gan.core.sampling import images_from_latents, latents_from_seeds
from gan.core.step import build, train_step, update_ema
from gan.core.viz import grid, save_gif, upscale


def pick_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    return torch.device(name)


@torch.no_grad()
def recalibrate_batchnorm(g: Generator, z_dim: int, device: torch.device, batches: int = 20) -> None:
    """Re-estimate BN statistics for the EMA weights (copied ones belong to the raw G)."""
    if not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in g.modules()):
        return
    for m in g.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the batches below
    g.train()
    gen = torch.Generator().manual_seed(1234)
    for _ in range(batches):
        g(torch.randn(256, z_dim, generator=gen).to(device), torch.randint(0, 10, (256,), generator=gen).to(device))
    for m in g.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.momentum = 0.1
    g.eval()


def sample_grid(g: Generator, device: torch.device) -> np.ndarray:
    """Fixed seeds 0-9 (columns) x digits 0-9 (rows), the picture of training progress."""
    z = latents_from_seeds(range(10), g.z_dim).repeat(10, 1)
    labels = torch.arange(10).repeat_interleave(10)
    return grid(images_from_latents(g, z.to(device), labels.to(device)), cols=10)


def epoch_order(labels: torch.Tensor, shares: list[float] | None, seed: int) -> torch.Tensor:
    """The indices an epoch visits: a shuffle of all the digits, or, given each digit's share,
    as many draws with replacement, the digit d drawn in proportion to shares[d]."""
    gen = torch.Generator().manual_seed(seed)
    if shares is None:
        return torch.randperm(len(labels), generator=gen)
    labels = labels.cpu()
    share = torch.tensor(shares) / sum(shares)
    per_example = (share / torch.bincount(labels, minlength=10).float())[labels]
    return torch.multinomial(per_example, len(labels), replacement=True, generator=gen)


def trim_log(path: Path, last_step: int) -> None:
    """Drop log lines written after the checkpoint (a crash or kill between two checkpoints):
    the resumed run writes those steps again."""
    if path.exists():
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(l for l in lines if json.loads(l)["step"] <= last_step))


def read_run_inputs(cfg: Config, out: Path) -> tuple[torch.Tensor, torch.Tensor, dict | None]:
    """The data (images, labels) and, with --resume, the checkpoint to continue from: every
    file a run reads, each problem a sentence (DataError, RunFolderError)."""
    images, labels = load_mnist(cfg.data_dir)
    shares = cfg.shares()
    if shares and not any(shares[d] > 0 for d in labels.unique().tolist()):
        raise DataError(f"--class-shares gives a share of 0 to every digit in {cfg.data_dir} (it holds {labels.unique().tolist()}): "
                        "an epoch would draw nothing")
    check_run_folder(out, cfg.resume)  # the command checked it before loading torch; a caller of train() may not have
    if not cfg.resume:
        return images, labels, None
    ckpt_path = out / "checkpoint.pt"
    # On the CPU: load_state_dict copies each tensor to its model's device (another process's GPU under torchrun).
    return images, labels, torch.load(ckpt_path, map_location="cpu", weights_only=True)  # never unpickle code


def train(cfg: Config) -> Path:
    """Train as `cfg` says. Under torchrun (WORLD_SIZE > 1) each process trains on its rows of
    every batch (gan.core.distributed); the lead process (rank 0) reads the data and checkpoint
    for all and alone writes the run folder."""
    out = Path(cfg.out)
    started = time.time()
    shard = distributed.shard_from_environment()
    if shard and cfg.batch_size % shard.world:
        raise LaunchError(f"--batch-size {cfg.batch_size} does not divide among {shard.world} processes: "
                          f"give a multiple of {shard.world} (each process trains on batch-size / {shard.world} of every batch)")
    device = pick_device(cfg.device)
    lead = shard is None or shard.lead
    if shard:
        device = distributed.join(shard, device)
        stop = distributed.StopSignal()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    if shard:  # the lead's files, sent to every process: the other nodes need neither the data nor the run folder
        images, labels, ckpt = distributed.from_lead(shard, (lambda: read_run_inputs(cfg, out)) if lead else None)
    else:
        images, labels, ckpt = read_run_inputs(cfg, out)
    shares = cfg.shares()
    data, labels = to_model_range(images).to(device), labels.to(device)
    steps_per_epoch = len(data) // cfg.batch_size or 1
    total_steps = cfg.epochs * steps_per_epoch

    G, D, opt_g, opt_d = build(cfg, device)
    ema = copy.deepcopy(G).eval()
    if shard:  # after the EMA's copy: the generator that ships keeps torch's own batch norm
        distributed.sync_batchnorm(G)
        for opt in (opt_g, opt_d):
            distributed.average_gradients(opt, shard.world)

    sched_g = torch.optim.lr_scheduler.LambdaLR(opt_g, lambda s: cfg.lr_factor(s, total_steps))
    sched_d = torch.optim.lr_scheduler.LambdaLR(opt_d, lambda s: cfg.lr_factor(s, total_steps))
    step, seconds = 0, 0.0
    ckpt_path = out / "checkpoint.pt"
    if ckpt is not None:
        for obj, key in [(G, "G"), (D, "D"), (ema, "ema"), (opt_g, "opt_g"), (opt_d, "opt_d"), (sched_g, "sched_g"), (sched_d, "sched_d")]:
            obj.load_state_dict(ckpt[key])
        step, seconds = ckpt["step"], ckpt["seconds"]
        if lead:
            trim_log(out / "train_log.jsonl", step)
            print(f"resumed from {ckpt_path} at step {step}")

    def save_checkpoint() -> None:
        state = {"G": G.state_dict(), "D": D.state_dict(), "ema": ema.state_dict(), "opt_g": opt_g.state_dict(),
                 "opt_d": opt_d.state_dict(), "sched_g": sched_g.state_dict(), "sched_d": sched_d.state_dict(),
                 "step": step, "seconds": seconds, "config": dataclasses.asdict(cfg)}
        torch.save(state, ckpt_path.with_suffix(".tmp"))
        ckpt_path.with_suffix(".tmp").replace(ckpt_path)  # a crash mid-write never leaves a half checkpoint

    last_step = min(total_steps, cfg.max_steps) if cfg.max_steps else total_steps
    if lead:
        (out / "grids").mkdir(parents=True, exist_ok=True)  # only now: a start that fails (bad data, no checkpoint) leaves no empty folders
        log = open(out / "train_log.jsonl", "a")
    # The whole run's bar (its ETA is the one that matters), above each epoch's bar.
    run_bar = tqdm(total=last_step, initial=step, desc="run", unit="step", file=sys.stdout, position=0, disable=not lead)
    sums = {"loss_d": 0.0, "loss_g": 0.0, "d_real": 0.0, "d_fake": 0.0}
    n_sums, t_last = 0, time.time()
    try:
        while step < last_step:
            epoch, first = divmod(step, steps_per_epoch)
            # The epoch's shuffle depends only on (seed, epoch), so a resumed run sees the same batches.
            order = epoch_order(labels, shares, seed=cfg.seed * 100_003 + epoch).to(device)
            bar = tqdm(range(first, min(steps_per_epoch, first + last_step - step)), desc=f"epoch {epoch + 1}/{cfg.epochs}", file=sys.stdout, initial=first, total=steps_per_epoch, position=1, leave=False, disable=not lead)
            G.train(); D.train()
            for i in bar:
                idx = order[i * cfg.batch_size:(i + 1) * cfg.batch_size]
                if shard:
                    idx = shard.rows(idx)
                real, y = data[idx], labels[idx]

                metrics = train_step(G, D, opt_g, opt_d, real, y, cfg, aux_weight=cfg.aux_weight_at(step, total_steps), step=step, shard=shard)
                sched_g.step(); sched_d.step()
                update_ema(ema, G, cfg.ema_beta(step))
                step += 1

                for k in sums:
                    sums[k] += metrics[k]
                n_sums += 1
                if step % cfg.log_every == 0 or step == last_step:
                    if shard:  # the global batch's figures, as one process would log them
                        sums, metrics = (distributed.mean_over_processes(v, device) for v in (sums, metrics))
                    now = time.time()
                    seconds += now - t_last
                    t_last = now
                    row = {"step": step, "epoch": step / steps_per_epoch, **{k: round(v / n_sums, 5) for k, v in sums.items()},
                           "lr_g": opt_g.param_groups[0]["lr"], "aux_weight": cfg.aux_weight_at(step - 1, total_steps), "seconds": round(seconds, 2)}
                    if lead:
                        log.write(json.dumps(row) + "\n"); log.flush()
                    bar.set_postfix(loss_d=row["loss_d"], loss_g=row["loss_g"], dx=row["d_real"], dgz=row["d_fake"])
                    run_bar.update(step - run_bar.n)
                    sums = dict.fromkeys(sums, 0.0); n_sums = 0
                    if not all(map(math.isfinite, (metrics["loss_d"], metrics["loss_g"]))):
                        raise FloatingPointError(f"loss is not finite at step {step}: {row}")
                if shard and stop.agreed(device):  # a signal to any process stops all of them here, at one step
                    raise KeyboardInterrupt
            bar.close()
            trained_seconds = seconds + time.time() - t_last  # before this epoch's checkpoint and grid
            if lead and (step % steps_per_epoch == 0 or step == last_step):
                save_checkpoint()
                upscale(sample_grid(ema, device), 2).save(out / "grids" / f"epoch_{epoch + 1:03d}.png")
                if cfg.snapshot_every and step % steps_per_epoch == 0 and (epoch + 1) % cfg.snapshot_every == 0:
                    save_snapshot(ema, cfg, device, out / "snapshots" / f"epoch_{epoch + 1:03d}", step, trained_seconds)
    except KeyboardInterrupt:
        if lead:
            save_checkpoint()
            print(f"\ninterrupted at step {step}: checkpoint saved to {ckpt_path}; continue with --resume ({_wall(started, seconds)})")
        return out
    finally:
        run_bar.close()
        if lead:
            log.close()

    if lead:
        export(cfg, G, D, ema, device, out)
        print(f"done: {step:,} steps, {_wall(started, seconds)}")
    return out


def save_snapshot(ema: Generator, cfg: Config, device: torch.device, folder: Path, step: int, seconds: float) -> None:
    """The EMA generator as it would ship now (its own copy, batch norm re-estimated), with
    the training seconds it cost: one point of the cost-quality frontier (gan.tools.frontier)."""
    g = copy.deepcopy(ema)
    recalibrate_batchnorm(g, cfg.z_dim, device)
    g.cpu().save_pretrained(folder)
    (folder / "cost.json").write_text(json.dumps({"step": step, "seconds": round(seconds, 2)}) + "\n")


def _wall(started: float, seconds: float) -> str:
    """This invocation's wall time, and the training time of the whole schedule so far (resumes included)."""
    fmt = lambda s: f"{int(s // 3600)}:{int(s % 3600 // 60):02d}:{int(s % 60):02d}"
    return f"wall time {fmt(time.time() - started)} for this run, {fmt(seconds)} of training in all"


def export(cfg: Config, G: Generator, D: Discriminator, ema: Generator, device: torch.device, out: Path) -> None:
    """Write the shipped weights (EMA generator, discriminator), final grid and progress GIF."""
    from PIL import Image

    recalibrate_batchnorm(ema, cfg.z_dim, device)
    ema.cpu().save_pretrained(out / "generator")
    D.cpu().eval().save_pretrained(out / "discriminator")
    upscale(sample_grid(ema, torch.device("cpu")), 3).save(out / "samples.png")
    frames = [np.asarray(Image.open(p).convert("L")) for p in sorted((out / "grids").glob("epoch_*.png"))]
    if frames:
        save_gif(frames, out / "progress.gif", ms_per_frame=400)
    print(f"saved {out / 'generator'}, {out / 'discriminator'}, {out / 'samples.png'}")


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # train() saves a checkpoint and stops, as on Ctrl-C


def run(cfg: Config) -> None:
    """`gan train`: train(cfg), stopped by SIGTERM as by Ctrl-C, each expected failure a sentence."""
    # `kill` and job schedulers stop a run with SIGTERM, and a run started in the background
    # from a script ignores Ctrl-C's SIGINT: both should still leave a checkpoint to --resume.
    # (Under torchrun, train() notes the signal instead: gan.core.distributed.StopSignal.)
    signal.signal(signal.SIGTERM, _stop)
    try:
        train(cfg)
    except (DataError, RunFolderError, LaunchError) as e:  # bad data, no checkpoint to resume, a run already there: a sentence
        lead = int(os.environ.get("RANK", "0")) == 0
        sys.exit(f"error: {e}" if lead else 1)  # under torchrun, said once
    finally:
        distributed.leave()
