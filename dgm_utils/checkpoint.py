"""Checkpoints as ``state_dict``s, tagged with a fingerprint of the code that made them.

Staleness: a checkpoint stores a fingerprint of the model's class (the bytecode and
constants of every method, so editing ``loss`` or ``forward`` changes it, and of every
function of the same module that a method calls, directly or through other such functions,
so editing a notebook's ``linear_schedule`` changes it too), its
architecture (``repr(model)``), the config and the run mode. :func:`load_checkpoint`
returns ``None`` when the fingerprint differs, so a notebook retrains instead of
silently loading weights trained by other code. ``DGM_RETRAIN=1`` (set by ``make gifs``)
ignores checkpoints altogether.
"""

from __future__ import annotations

import hashlib
import inspect
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .atomic import atomic_write
from .modes import mode_name, retrain_requested


def _code_bytes(code: types.CodeType, scope: dict | None = None, seen: set[int] | None = None) -> bytes:
    """The bytecode, names and constants of ``code``, nested code objects included.

    With ``scope`` (the function's globals), every function of that same module that the code
    names is included too, recursively: a notebook's ``loss`` calling its ``linear_schedule``.
    """
    seen = set() if seen is None else seen
    parts = [code.co_code, repr(code.co_names).encode(), repr(code.co_varnames).encode()]
    for const in code.co_consts:
        parts.append(_code_bytes(const, scope, seen) if isinstance(const, types.CodeType) else repr(const).encode())
    if scope is not None:
        for name in code.co_names:
            obj = scope.get(name)
            if isinstance(obj, types.FunctionType) and obj.__globals__ is scope and id(obj) not in seen:
                seen.add(id(obj))
                parts.append(name.encode() + b"=" + _code_bytes(obj.__code__, scope, seen))
    return b"|".join(parts)


def code_fingerprint(func: Callable[..., Any]) -> str:
    """A short hash of a function's code and of the same-module functions it calls (see module doc).

    Used for a custom training ``step``: editing it, or a ``gradient_penalty`` it calls, makes a
    checkpoint trained by the old code stale.
    """
    func = inspect.unwrap(func)
    if not isinstance(func, types.FunctionType):
        return type(func).__qualname__  # a callable object: its class's name is all we can tell
    return hashlib.sha256(_code_bytes(func.__code__, func.__globals__, {id(func)})).hexdigest()[:16]


def _class_bytes(cls: type) -> bytes:
    parts = [cls.__qualname__.encode()]
    for name, attr in sorted(vars(cls).items()):
        func = getattr(attr, "__func__", attr)  # unwrap static/class methods
        if isinstance(func, types.FunctionType):
            parts.append(name.encode() + _code_bytes(func.__code__, func.__globals__))
        elif isinstance(func, property) and func.fget is not None:
            parts.append(name.encode() + _code_bytes(func.fget.__code__, func.fget.__globals__))
    return b"||".join(parts)


def fingerprint(model: nn.Module, config: Any = None) -> str:
    """A short hash of the model's code, architecture, config and mode.

    The code is that of every class of every submodule *and their base classes*, so editing a
    shared base class (say, the sampler of a notebook's ``ARM``) makes its subclasses stale too.
    """
    h = hashlib.sha256()
    classes = {cls for m in model.modules() for cls in type(m).__mro__}
    for cls in sorted(classes, key=lambda c: (c.__module__, c.__qualname__)):
        if cls.__module__.startswith("torch.") or cls is object:
            continue  # PyTorch's own layers: their code is the installed torch
        h.update(_class_bytes(cls))
    h.update(repr(model).encode())
    h.update(repr(config).encode())
    h.update(mode_name().encode())
    return h.hexdigest()[:16]


def save_checkpoint(model: nn.Module, path: str | Path, config: Any = None, meta: dict | None = None) -> Path:
    """Save ``model.state_dict()`` with its fingerprint and ``meta`` (numbers, strings, lists).

    Written to a temporary file and renamed, so an interrupted save never corrupts the old one.
    """
    payload = {"state_dict": model.state_dict(), "fingerprint": fingerprint(model, config), "meta": meta or {}}
    return atomic_write(path, lambda tmp: torch.save(payload, tmp))


def load_checkpoint(model: nn.Module, path: str | Path, config: Any = None) -> dict | None:
    """Load weights into ``model`` if ``path`` holds a checkpoint of the same code; else ``None``.

    Returns the checkpoint's ``meta`` dict on success. Loads with ``weights_only=True`` and
    ``map_location`` set to the model's device. Returns ``None`` (and loads nothing) when the
    file is missing, its fingerprint differs (stale), or ``DGM_RETRAIN=1``.
    """
    path = Path(path)
    if retrain_requested() or not path.exists():
        return None
    try:
        device = next(model.parameters()).device
    except StopIteration:
        device = torch.device("cpu")
    payload = torch.load(path, map_location=device, weights_only=True)
    if payload.get("fingerprint") != fingerprint(model, config):
        return None
    model.load_state_dict(payload["state_dict"])
    return dict(payload.get("meta", {}))
