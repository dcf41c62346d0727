"""Latent-space interpolation grids, shared by the notebooks whose models have a latent z."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .data import check_digits


def interpolate(z_a: torch.Tensor, z_b: torch.Tensor, steps: int = 9) -> torch.Tensor:
    """Points on the straight line from ``z_a`` to ``z_b`` (same shape), endpoints included: (steps, *shape)."""
    if z_a.shape != z_b.shape:
        raise ValueError(f"interpolate: endpoints differ in shape, {tuple(z_a.shape)} and {tuple(z_b.shape)}")
    if steps < 2:
        raise ValueError(f"interpolate: steps must be >= 2 (both endpoints), got {steps}")
    t = torch.linspace(0, 1, steps, device=z_a.device).reshape(steps, *([1] * z_a.ndim))  # (steps, 1, ...)
    return (1 - t) * z_a + t * z_b


@torch.no_grad()
def interpolation_grid(
    encode: Callable[[torch.Tensor], torch.Tensor],
    decode: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    steps: int = 9,
) -> torch.Tensor:
    """Decode straight lines in z between consecutive pairs of images (x[0], x[1]), (x[2], x[3]), ...

    ``encode`` maps integer images (B, 8, 8) to codes (B, ...); ``decode`` maps codes
    (steps, ...) back to integer images (steps, 8, 8). Returns (pairs * steps, 8, 8), one
    row of ``steps`` images per pair, ready for ``show_digits(grid, nrow=steps)``.
    """
    x = check_digits(x, "x").to(x.device)
    if len(x) % 2:
        raise ValueError(f"interpolation_grid: needs pairs of images, got {len(x)}")
    z = encode(x)
    rows = [check_digits(decode(interpolate(z[i], z[i + 1], steps)), "decoded") for i in range(0, len(x), 2)]
    return torch.cat(rows)
