"""Device selection and seeding."""

from __future__ import annotations

import os
import random
import re

import numpy as np
import torch

_DEVICE_RE = re.compile(r"^(cpu|mps|cuda)(:(\d+))?$")


def _cuda_free_memory(index: int) -> int:
    free, _total = torch.cuda.mem_get_info(index)
    return int(free)


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def _parse(name: str) -> torch.device:
    """Validate a device name such as ``cpu``, ``cuda``, ``cuda:1`` or ``mps``."""
    m = _DEVICE_RE.match(name.strip().lower())
    if m is None:
        raise ValueError(f"unknown device name {name!r}: expected 'cpu', 'cuda', 'cuda:N' or 'mps'")
    kind, index = m.group(1), m.group(3)
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(f"device {name!r} requested, but CUDA is not available on this machine")
        count = torch.cuda.device_count()
        if index is not None and int(index) >= count:
            raise RuntimeError(f"device {name!r} requested, but this machine has {count} CUDA device(s)")
        return torch.device("cuda", int(index) if index is not None else 0)
    if kind == "mps":
        if index not in (None, "0"):
            raise ValueError(f"device {name!r}: MPS has a single device, use 'mps'")
        if not _mps_available():
            raise RuntimeError(f"device {name!r} requested, but MPS is not available on this machine")
        return torch.device("mps")
    if index not in (None, "0"):
        raise ValueError(f"device {name!r}: use 'cpu'")
    return torch.device("cpu")


def _accelerator_type() -> str | None:
    """The current accelerator's type via ``torch.accelerator`` where it exists (PyTorch >= 2.6)."""
    acc = getattr(torch, "accelerator", None)
    if acc is not None and hasattr(acc, "is_available"):
        if acc.is_available():
            dev = acc.current_accelerator()
            return None if dev is None else dev.type
        return None
    if torch.cuda.is_available():
        return "cuda"
    if _mps_available():
        return "mps"
    return None


def choose_device(name: str | None = None) -> tuple[torch.device, str]:
    """Pick a device and say why, without printing. See :func:`get_device`."""
    if name is None:
        name = os.environ.get("DGM_DEVICE") or None
        source = "DGM_DEVICE"
    else:
        source = "argument"
    if name is not None:
        device = _parse(name)
        return device, f"{source}={name!r}"
    kind = _accelerator_type()
    if kind == "cuda":
        count = torch.cuda.device_count()
        if count == 1:
            return torch.device("cuda", 0), f"CUDA available ({torch.cuda.get_device_name(0)})"
        free = [_cuda_free_memory(i) for i in range(count)]
        best = max(range(count), key=lambda i: free[i])
        why = f"{count} CUDA GPUs, cuda:{best} has the most free memory ({free[best] / 2**30:.1f} GiB)"
        return torch.device("cuda", best), why
    if kind == "mps":
        return torch.device("mps"), "Apple MPS available (no float64 there)"
    return torch.device("cpu"), "no CUDA or MPS accelerator found"


def get_device(name: str | None = None, verbose: bool = True) -> torch.device:
    """Choose the device to train on and print one line saying what and why.

    Order: ``name`` if given, else ``$DGM_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``);
    otherwise CUDA (with several GPUs, the one with the most free memory), then MPS, then CPU.

    Raises:
        ValueError: the name is not a device name.
        RuntimeError: the named device is not available here.
    """
    device, why = choose_device(name)
    if verbose:
        print(f"device: {device} ({why})")
    return device


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's, NumPy's and PyTorch's generators (CPU and all GPUs) in one call.

    Returns a fresh CPU ``torch.Generator`` seeded with ``seed`` for code that wants its own.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)
