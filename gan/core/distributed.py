"""Data-parallel training over the processes torchrun starts: one global batch, N processes.

    torchrun --standalone --nproc_per_node=N -m gan train --data-dir ../shared/data --out runs/NAME

torchrun starts N copies of `gan train` and tells each its RANK and the WORLD_SIZE in the
environment (`shard_from_environment`). Each process holds the whole model and, every step,
trains on its own rows of the recipe's global batch (`Shard.rows`: every N-th row from its rank
on, of the batch one process would take) with its rows of the latents one process would draw;
before each optimiser step the gradients are averaged over the processes (`average_gradients`),
and the generator's batch norm takes its statistics over the whole global batch
(`SyncBatchNorm`). So N processes compute the step one process computes, to float rounding:
the same recipe, bit for bit in law, whatever N.

This is what torch's DistributedDataParallel does, without its wrapper: DDP averages a
parameter's gradient only for graphs built through the wrapper's forward(), and a step calls D
through `heads()` and `both()` and runs double backwards for its gradient penalties. A D wrapped
in DDP and called through `heads()` gets no error and no averaging (each process keeps its own
gradient: docs/training.md, "Training on N processes"). Averaging at the optimiser step is one
all-reduce of all of a model's gradients, flattened, per optimiser step.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import torch
import torch.distributed as dist
import torch.distributed._functional_collectives as funcol  # torch's autograd-aware collectives
from torch import nn

from .errors import LaunchError

T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    """This process's place among the processes torchrun started."""

    rank: int
    world: int

    @property
    def lead(self) -> bool:
        """Rank 0 reads the data and checkpoint for all, and alone writes the run folder."""
        return self.rank == 0

    def rows(self, batch: torch.Tensor) -> torch.Tensor:
        """This process's rows of a global batch: every world-th row from its rank on."""
        return batch[self.rank::self.world]


def shard_from_environment() -> Shard | None:
    """The Shard torchrun's RANK and WORLD_SIZE describe; None for a single process
    (a plain `gan train`, or torchrun with one process)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return Shard(int(os.environ["RANK"]), world) if world > 1 else None


def join(shard: Shard, device: torch.device) -> torch.device:
    """Join torchrun's process group: NCCL between CUDA GPUs (this process's is LOCAL_RANK's),
    gloo between CPU processes. Returns the device this process trains on."""
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
    elif device.type == "cpu":
        dist.init_process_group("gloo")
    else:
        raise LaunchError(f"torchrun training runs on CPUs (gloo) or CUDA GPUs (NCCL), not on {device.type}: give --device cpu or cuda")
    return device


def leave() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def from_lead(shard: Shard, read: Callable[[], T] | None) -> T:
    """What the lead (rank 0) read, for every process: `read` is a function on the lead and
    None elsewhere. An exception it raises is raised in every process, so all stop with the
    lead's sentence instead of waiting for a lead that has gone."""
    box: list[object] = [None]
    if shard.lead:
        try:
            box[0] = ("value", read())
        except Exception as e:  # noqa: BLE001 -- re-raised below, in every process
            box[0] = ("error", e)
    dist.broadcast_object_list(box, src=0)
    kind, value = box[0]
    if kind == "error":
        raise value
    return value


def average_gradients(optimizer: torch.optim.Optimizer, world: int) -> None:
    """Before each step of `optimizer`, replace each gradient of its parameters by its mean over
    the processes: one all-reduce of all of them, flattened."""
    def before_step(opt: torch.optim.Optimizer, args: object, kwargs: object) -> None:
        grads = [p.grad for group in opt.param_groups for p in group["params"] if p.grad is not None]
        flat = torch._utils._flatten_dense_tensors(grads)
        dist.all_reduce(flat)  # a sum: gloo has no average
        flat.div_(world)
        for grad, mean in zip(grads, torch._utils._unflatten_dense_tensors(flat, grads)):
            grad.copy_(mean)

    optimizer.register_step_pre_hook(before_step)


def mean_over_processes(values: dict[str, float], device: torch.device) -> dict[str, float]:
    """Each value's mean over the processes (their losses on their own rows: the global batch's
    mean, since every process has as many rows). A NaN anywhere is a NaN everywhere."""
    t = torch.tensor(list(values.values()), dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return dict(zip(values, (t / dist.get_world_size()).tolist()))


class StopSignal:
    """SIGTERM and Ctrl-C's SIGINT, noted rather than raised: torchrun passes a SIGTERM on to
    every process, each at its own moment; `agreed()` after each step stops all of them at the
    same step, when any one was signalled, so the lead's checkpoint is the step every process reached."""

    def __init__(self) -> None:
        self.received = False
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._note)

    def _note(self, signum: int, frame: object) -> None:
        self.received = True

    def agreed(self, device: torch.device) -> bool:
        flag = torch.tensor([float(self.received)], device=device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item())


class SyncBatchNorm(nn.modules.batchnorm._BatchNorm):
    """Batch norm whose training statistics are those of the global batch, all processes' rows
    together: N processes normalise as one process does. torch.nn.SyncBatchNorm does this on
    GPUs only; this one runs on gloo's CPUs and NCCL's GPUs alike. The sums go through
    autograd-aware all-reduces, so the gradient flows through the global statistics too.
    Two passes (the mean, then the squared deviations from it) keep float32's precision."""

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected a batch of at least 2 dimensions, got {input.dim()}")

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check_input_dim(input)
        if not self.training:
            return super().forward(input)  # the running statistics: nothing to share
        dims, shape = [0, *range(2, input.dim())], [1, -1] + [1] * (input.dim() - 2)
        x = input.float()
        n = x.numel() // x.shape[1] * dist.get_world_size()
        mean = funcol.all_reduce(x.sum(dims), "sum", dist.group.WORLD) / n
        centred = x - mean.view(shape)
        var = funcol.all_reduce(centred.square().sum(dims), "sum", dist.group.WORLD) / n
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                factor = 1 / self.num_batches_tracked.item() if self.momentum is None else self.momentum
                self.running_mean.lerp_(mean, factor)
                self.running_var.lerp_(var * n / max(n - 1, 1), factor)  # unbiased, as torch's batch norm keeps it
        out = centred * torch.rsqrt(var + self.eps).view(shape)
        if self.affine:
            out = out * self.weight.view(shape) + self.bias.view(shape)
        return out.to(input.dtype)


def sync_batchnorm(model: nn.Module) -> nn.Module:
    """`model` with each batch norm replaced, in place, by a SyncBatchNorm holding the same
    weights and statistics (the same tensors: an optimiser built on the model still steps them)."""
    for name, child in model.named_children():
        if isinstance(child, nn.modules.batchnorm._BatchNorm):
            synced = SyncBatchNorm(child.num_features, child.eps, child.momentum, child.affine, child.track_running_stats)
            for key, tensor in [*child.named_parameters(recurse=False), *child.named_buffers(recurse=False)]:
                setattr(synced, key, tensor)
            setattr(model, name, synced)
        else:
            sync_batchnorm(child)
    return model
