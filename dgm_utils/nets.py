"""A small U-Net for 8x8 images with a scalar conditioning input (a time step or a noise level).

The backbone shared by the diffusion and score notebooks (04, 05, 06): it maps an image
and one number per image to an image of the same shape. What the number means (DDPM's
integer step t, an SDE's time, a log noise level) and what the output means (the noise,
the score, a denoised image) is the notebook's business; the objective never lives here.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def sinusoidal_embedding(s: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of scalars s (B,) -> (B, dim), as for positions in the Transformer.

    Frequencies run geometrically from 1 down to 1e-4, so the features resolve differences of
    about 1 in s over a range of about 10,000: pass integer steps as they are, and scale a
    continuous time in [0, 1] up (say by 1000) before calling.
    """
    if s.ndim != 1:
        raise ValueError(f"expected one conditioning value per image, shape (B,), got {tuple(s.shape)}")
    if dim % 2:
        raise ValueError(f"embedding dimension must be even, got {dim}")
    freqs = torch.exp(-math.log(10_000) * torch.arange(dim // 2, device=s.device) / (dim // 2))
    angles = s.float()[:, None] * freqs[None]  # (B, dim/2)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class ResBlock(nn.Module):
    """GroupNorm-SiLU-Conv twice, the conditioning embedding added in between, and a skip connection."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.time = nn.Linear(emb_dim, c_out)
        self.norm2, self.conv2 = nn.GroupNorm(8, c_out), nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        out = self.conv1(F.silu(self.norm1(h))) + self.time(emb)[:, :, None, None]  # (B, C_out, H, W)
        out = self.conv2(F.silu(self.norm2(out)))
        return out + self.skip(h)


class UNet(nn.Module):
    """f(x, s): (B, 1, 8, 8), (B,) -> (B, 1, 8, 8). A two-level U-Net (8x8 and 4x4).

    Args:
        channels: feature maps at 8x8 (twice as many at 4x4); a multiple of 8 (group norm).
        zero_output: start the last convolution at zero, so the network outputs 0 at
            initialisation (DDPM's eps_theta = 0; a score or a residual that starts at 0).
    """

    def __init__(self, channels: int, zero_output: bool = True):
        super().__init__()
        if channels <= 0 or channels % 8:
            raise ValueError(f"channels must be a positive multiple of 8 (group norm), got {channels}")
        c = channels
        self.c, emb_dim = c, 4 * c
        self.time = nn.Sequential(nn.Linear(c, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.inp = nn.Conv2d(1, c, 3, padding=1)
        self.down_block = ResBlock(c, c, emb_dim)  # 8x8
        self.down = nn.Conv2d(c, 2 * c, 3, stride=2, padding=1)  # 8x8 -> 4x4
        self.mid = nn.ModuleList([ResBlock(2 * c, 2 * c, emb_dim), ResBlock(2 * c, 2 * c, emb_dim)])
        self.up = nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1)  # 4x4 -> 8x8
        self.up_block = ResBlock(2 * c, c, emb_dim)  # after concatenating the skip
        self.out = nn.Sequential(nn.GroupNorm(8, c), nn.SiLU(), nn.Conv2d(c, 1, 3, padding=1))
        if zero_output:
            nn.init.zeros_(self.out[-1].weight)
            nn.init.zeros_(self.out[-1].bias)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1:] != (1, 8, 8):
            raise ValueError(f"expected images of shape (B, 1, 8, 8), got {tuple(x.shape)}")
        if s.shape != (len(x),):
            raise ValueError(f"expected one conditioning value per image, shape ({len(x)},), got {tuple(s.shape)}")
        emb = self.time(sinusoidal_embedding(s, self.c))  # (B,) -> (B, 4c)
        h8 = self.down_block(self.inp(x), emb)  # (B, c, 8, 8)
        h4 = self.down(h8)  # (B, 2c, 4, 4)
        for block in self.mid:
            h4 = block(h4, emb)
        return self.out(self.up_block(torch.cat([self.up(h4), h8], dim=1), emb))  # (B, 2c, 8, 8) -> (B, 1, 8, 8)
