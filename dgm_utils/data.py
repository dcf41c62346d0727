"""scikit-learn's Digits: the fixed split and the views every notebook uses.

1797 greyscale 8x8 images with integer pixels 0..16 (17 grey levels). The split is
fixed and unshuffled, as in the reference course, so numbers compare across courses:
the first 1000 images train, the next 350 validate, the last 447 test.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

N_LEVELS = 17  #: grey levels 0..16
MAX_LEVEL = N_LEVELS - 1
SIDE = 8  #: images are SIDE x SIDE
N_PIXELS = SIDE * SIDE  #: D = 64 dimensions
SPLIT_SIZES = {"train": 1000, "val": 350, "test": 447}


def check_digits(x: torch.Tensor | np.ndarray, name: str = "x") -> torch.Tensor:
    """Validate Digits images and return them as an ``int64`` tensor of shape (N, 8, 8).

    Accepts shape (N, 8, 8), (N, 1, 8, 8) or (N, 64), integer-valued, in 0..16.

    Raises:
        TypeError: not an array or tensor.
        ValueError: wrong shape, NaN/inf, non-integer values or values outside 0..16.
    """
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            raise TypeError(f"{name}: object arrays are not images")
        t = torch.from_numpy(np.ascontiguousarray(x))
    elif isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        raise TypeError(f"{name}: expected a numpy array or torch tensor, got {type(x).__name__}")
    shape = tuple(t.shape)
    if t.ndim == 2 and shape[1] == N_PIXELS:
        t = t.reshape(-1, SIDE, SIDE)  # (N, 64) -> (N, 8, 8)
    elif t.ndim == 4 and shape[1:] == (1, SIDE, SIDE):
        t = t[:, 0]  # (N, 1, 8, 8) -> (N, 8, 8)
    elif not (t.ndim == 3 and shape[1:] == (SIDE, SIDE)):
        raise ValueError(f"{name}: expected shape (N, 8, 8), (N, 1, 8, 8) or (N, 64), got {shape}")
    if shape[0] == 0:
        raise ValueError(f"{name}: no images (shape {shape})")
    if t.is_floating_point():
        if not torch.isfinite(t).all():
            raise ValueError(f"{name}: contains NaN or infinite values")
        if not torch.equal(t, t.round()):
            raise ValueError(f"{name}: pixel values must be integers 0..16, found non-integer values")
    elif t.dtype == torch.bool or t.is_complex():
        raise TypeError(f"{name}: expected integer or float pixels, got dtype {t.dtype}")
    lo, hi = int(t.min()), int(t.max())
    if lo < 0 or hi > MAX_LEVEL:
        raise ValueError(f"{name}: pixel values must lie in 0..16, found values in {lo}..{hi}")
    return t.to(torch.int64)


@dataclass(frozen=True)
class DigitsSplit:
    """One split: images ``x`` (N, 8, 8) int64 in 0..16 and labels ``y`` (N,) int64."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return len(self.x)

    def to(self, device: torch.device | str) -> DigitsSplit:
        return DigitsSplit(self.x.to(device), self.y.to(device))


@dataclass(frozen=True)
class Digits:
    """The three fixed splits of scikit-learn's Digits."""

    train: DigitsSplit
    val: DigitsSplit
    test: DigitsSplit

    def to(self, device: torch.device | str) -> Digits:
        return Digits(self.train.to(device), self.val.to(device), self.test.to(device))


def load_digits(device: torch.device | str = "cpu") -> Digits:
    """Load Digits (offline, it ships inside scikit-learn) as the fixed 1000/350/447 split.

    The whole data set is ~115 KB, so it lives on ``device`` for the whole run.
    """
    from sklearn.datasets import load_digits as _sk_load

    bunch = _sk_load()
    x = check_digits(bunch.images.astype(np.int64), "digits")
    y = torch.from_numpy(bunch.target.astype(np.int64))
    a = SPLIT_SIZES["train"]
    b = a + SPLIT_SIZES["val"]
    assert len(x) == b + SPLIT_SIZES["test"], "scikit-learn's Digits changed size"
    digits = Digits(DigitsSplit(x[:a], y[:a]), DigitsSplit(x[a:b], y[a:b]), DigitsSplit(x[b:], y[b:]))
    return digits.to(device)


# ---------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------

#: log-determinant per image of the rescaling y = (x + u) / 17 used by :func:`dequantize`:
#: log |dy/dx| = -64 ln 17, so log p(x + u) = log p_Y(y) - 64 ln 17.
DEQUANT_LOG_DET = -N_PIXELS * math.log(N_LEVELS)


def dequantize(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Uniform dequantization, rescaled to [0, 1): ``y = (x + u) / 17`` with ``u ~ U[0, 1)^64``.

    A continuous density p_Y on y gives a bound on the discrete likelihood (Theis et al. 2016):

        -log P(x) <= E_u[-log p_Y((x + u) / 17)] - DEQUANT_LOG_DET

    Returns float32 of the same shape as ``x`` (int, 0..16).
    """
    u = torch.rand(x.shape, generator=generator, device=x.device if generator is None else "cpu")
    return (x.float() + u.to(x.device)) / N_LEVELS


def dequantize_symmetric(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Uniform dequantization on the [-1, 1) scale: ``2 (x + u) / 17 - 1``, the same shape as ``x``.

    The view of continuous-density models trained on [-1, 1) (score-based models with a likelihood,
    energy-based models): :func:`dequantize` rescaled, so the log-determinant per image is
    ``DEQUANT_LOG_DET + 64 ln 2``. :func:`from_dequantized_symmetric` undoes it exactly.
    """
    return 2 * dequantize(x, generator) - 1


def from_dequantized_symmetric(y: torch.Tensor) -> torch.Tensor:
    """Floats y on the scale of :func:`dequantize_symmetric` -> integers ``floor(17 (y + 1) / 2)``, clamped to 0..16."""
    return from_unit((y + 1) / 2)


def to_symmetric(x: torch.Tensor) -> torch.Tensor:
    """Integers 0..16 -> floats in [-1, 1] (diffusion, score, EBM and GAN models)."""
    return x.float() / MAX_LEVEL * 2.0 - 1.0


def from_symmetric(y: torch.Tensor) -> torch.Tensor:
    """Floats in [-1, 1] (or beyond) -> the nearest integer grey level, clamped to 0..16."""
    return ((y.float() + 1.0) / 2.0 * MAX_LEVEL).round().clamp(0, MAX_LEVEL).long()


def from_unit(y: torch.Tensor) -> torch.Tensor:
    """Floats y in [0, 1) from :func:`dequantize` back to integers: ``floor(17 y)``, clamped."""
    return (y.float() * N_LEVELS).floor().clamp(0, MAX_LEVEL).long()


def batches(
    x: torch.Tensor, batch_size: int, shuffle: bool = False, generator: torch.Generator | None = None
) -> Iterator[torch.Tensor]:
    """Yield mini-batches of ``x`` along dim 0; shuffling happens on ``x``'s device."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    n = len(x)
    if shuffle:
        order = torch.randperm(n, generator=generator).to(x.device)
        for i in range(0, n, batch_size):
            yield x[order[i : i + batch_size]]
    else:
        for i in range(0, n, batch_size):
            yield x[i : i + batch_size]
