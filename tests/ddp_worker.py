"""Run by tests/test_ddp.py under torchrun: one step of a small generator on this process's rows
of a batch, with the generator's batch norm synchronised and gradients averaged as gan train
does under torchrun; saves the output rows and the stepped weights for the test to compare
with one process's step on the whole batch.

    python -m torch.distributed.run --standalone --nproc_per_node=2 tests/ddp_worker.py OUT_DIR
"""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gan.core import distributed  # noqa: E402
from gan.core.models import Generator  # noqa: E402

BATCH = 12


def generator_and_batch() -> tuple[Generator, torch.Tensor, torch.Tensor]:
    """A small DCGAN generator (batch norm over features and over channels) and a batch for it."""
    torch.manual_seed(0)
    g = Generator("dcgan", z_dim=8, width=16).train()
    return g, torch.randn(BATCH, 8), torch.arange(BATCH) % 10


def one_step(g: Generator, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Plain SGD, whose step is proportional to the gradient: a sum for the mean would show."""
    opt = torch.optim.SGD(g.parameters(), lr=0.5)
    if distributed.shard_from_environment():
        distributed.average_gradients(opt, torch.distributed.get_world_size())
    out = g(z, y)
    out.square().mean().backward()
    opt.step()
    return out.detach()


if __name__ == "__main__":
    shard = distributed.shard_from_environment()
    distributed.join(shard, torch.device("cpu"))
    torch.set_num_threads(1)
    g, z, y = generator_and_batch()
    out = one_step(distributed.sync_batchnorm(g), shard.rows(z), shard.rows(y))
    torch.save({"out": out, "state": g.state_dict()}, Path(sys.argv[1]) / f"rank{shard.rank}.pt")
    distributed.leave()
