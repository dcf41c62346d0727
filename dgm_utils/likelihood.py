"""Likelihood bookkeeping: units, bounds and the importance-weighted estimator.

All likelihoods in the course are of the *discrete* Digits images (64 pixels, 17 levels)
in nats per image, so that an ARM's exact NLL, a flow's dequantization bound, a VAE's
ELBO and DDPM's variational bound are comparable. bits/dim = nats / (64 ln 2).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import torch

from .data import DEQUANT_LOG_DET, N_LEVELS, N_PIXELS, check_digits

#: NLL of the uniform model over 17^64 images, in nats per image (181.3).
UNIFORM_NLL = N_PIXELS * math.log(N_LEVELS)

Kind = Literal["exact", "upper bound"]


def bits_per_dim(nats_per_image: float, dims: int = N_PIXELS) -> float:
    """Convert nats per image to bits per dimension: nats / (D ln 2)."""
    return nats_per_image / (dims * math.log(2))


def independent_pixels_log_probs(train: torch.Tensor, smoothing: float = 0.5) -> torch.Tensor:
    """log p_i(level) (64, 17), float64 on the CPU: the 17-level frequencies at each pixel of ``train`` plus ``smoothing``.

    The model of :func:`independent_pixels_nlls`; also a normalised base density for other models
    (notebook 07 spreads each level uniformly over its dequantization bin).
    """
    if smoothing <= 0:
        raise ValueError(f"smoothing must be > 0 (else unseen levels get probability 0), got {smoothing}")
    # on the CPU: float64 counts, which MPS lacks, and a table this small gains nothing from a GPU
    train = check_digits(train, "train").cpu().reshape(-1, N_PIXELS)  # (N, 8, 8) -> (N, 64)
    counts = torch.nn.functional.one_hot(train, N_LEVELS).sum(0).double() + smoothing  # (64, 17)
    return (counts / counts.sum(1, keepdim=True)).log()


def independent_pixels_nlls(train: torch.Tensor, test: torch.Tensor, smoothing: float = 0.5) -> torch.Tensor:
    """Per-image test NLLs (M,) in nats, float64 on the CPU, of 64 independent categoricals fitted on ``train``.

    p(x) = prod_i p_i(x_i), with p_i the frequencies of the 17 levels at pixel i in ``train``
    plus ``smoothing`` (add-1/2 by default, so no level has probability zero). Both sets are
    integer images (N, 8, 8) in 0..16.
    """
    log_p = independent_pixels_log_probs(train, smoothing)  # (64, 17): log p_i(level)
    test = check_digits(test, "test").cpu().reshape(-1, N_PIXELS)  # (M, 8, 8) -> (M, 64)
    return -log_p.gather(1, test.T).sum(0)  # gather (64, M) -> sum over pixels -> (M,)


def independent_pixels_nll(train: torch.Tensor, test: torch.Tensor, smoothing: float = 0.5) -> float:
    """Mean test NLL (nats per image) of 64 independent categoricals fitted on ``train``.

    The baseline of notebook 01 (see :func:`independent_pixels_nlls`). About 106 nats on Digits.
    """
    return independent_pixels_nlls(train, test, smoothing).mean().item()


def dequantized_nll(neg_log_p_y: torch.Tensor) -> torch.Tensor:
    """Discrete-NLL bound from a continuous model of ``y = (x + u) / 17`` (see ``data.dequantize``).

    ``neg_log_p_y`` is -log p_Y(y) per image; adds back the rescaling log-determinant so
    that E_u[result] >= -log P(x) in nats per image.
    """
    return neg_log_p_y - DEQUANT_LOG_DET


def log_mean_exp(log_w: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """log (1/K) sum_k exp(log_w_k), computed stably (for importance-weighted bounds)."""
    k = log_w.shape[dim]
    return torch.logsumexp(log_w, dim=dim) - math.log(k)


def iw_bound(log_w: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """The importance-weighted bound -log (1/K) sum_k w_k >= -log p(x) (Burda et al. 2016).

    ``log_w[k] = log p(x, z_k) - log q(z_k | x)`` with ``z_k ~ q(z | x)`` along ``dim``.
    Returns the bound in nats per image (the same shape as ``log_w`` without ``dim``).
    K = 1 is the negative ELBO; the bound tightens as K grows.
    """
    return -log_mean_exp(log_w, dim=dim)


@dataclass(frozen=True)
class Likelihood:
    """A test-set NLL in nats per image, whether it is exact or an upper bound, and of which model."""

    nats: float  #: mean NLL over the test images, nats per image
    kind: Kind  #: "exact" (ARM) or "upper bound" (flow, VAE, DDPM)
    method: str  #: how it was computed, in words (the bound, its K or solver tolerance)
    n_images: int = 447
    standard_error: float | None = None  #: of the mean over test images, where the number is stochastic

    def __post_init__(self) -> None:
        if not math.isfinite(self.nats):
            raise ValueError(f"Likelihood: nats must be finite, got {self.nats}")
        if self.standard_error is not None and not (math.isfinite(self.standard_error) and self.standard_error >= 0):
            raise ValueError(f"Likelihood: standard_error must be finite and >= 0, got {self.standard_error}")
        if self.kind not in ("exact", "upper bound"):
            raise ValueError(f"Likelihood: kind must be 'exact' or 'upper bound', got {self.kind!r}")

    @property
    def bits_per_dim(self) -> float:
        return bits_per_dim(self.nats)

    def as_dict(self) -> dict:
        return {**asdict(self), "bits_per_dim": self.bits_per_dim, "unit": "nats per image"}

    def __str__(self) -> str:
        se = f" ± {self.standard_error:.2f}" if self.standard_error is not None else ""
        return f"{self.nats:.2f}{se} nats/image = {self.bits_per_dim:.3f} bits/dim ({self.kind}: {self.method})"
