"""Pixel ranges, one conversion each way: uint8 digits (0 = background, 255 = ink) and the
[-1, 1] floats that G's tanh produces and D reads."""

from __future__ import annotations

import numpy as np
import torch


def to_model_range(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    """uint8 [N, 28, 28] -> float [N, 1, 28, 28] in [-1, 1]."""
    if isinstance(images, np.ndarray):  # a float32 copy: read-only and strided arrays welcome
        images = torch.from_numpy(np.array(images, dtype=np.float32))
    return images.float().div(127.5).sub(1).unsqueeze(1)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """float [N, 1, 28, 28] (or [N, 28, 28]) in [-1, 1] -> uint8 numpy [N, 28, 28], rounded in
    the dtype it comes in (float64 for the Space's served pixels, gan.core.sampling.float64_copy)."""
    if images.dim() == 4:
        images = images.squeeze(1)
    return images.detach().add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8).cpu().numpy()
