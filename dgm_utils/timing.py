"""Small cost helpers: parameter counts and wall-clock timing that waits for the GPU."""

from __future__ import annotations

import time

import torch
from torch import nn


def count_parameters(model: nn.Module, verbose: bool = True) -> int:
    """Number of trainable parameters; prints one line ``<Class>: 123,456 parameters``."""
    n = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if verbose:
        print(f"{type(model).__name__}: {n:,} parameters")
    return n


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``; synchronises CUDA so GPU work is counted."""

    def __init__(self, device: torch.device | str | None = None) -> None:
        self.device = torch.device(device) if device is not None else None
        self.seconds = 0.0

    def _sync(self) -> None:
        if self.device is not None and self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def __enter__(self) -> Timer:
        self._sync()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sync()
        self.seconds = time.perf_counter() - self._start
