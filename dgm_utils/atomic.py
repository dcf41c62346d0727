"""Atomic file writes: write to a temporary file beside the target, then rename.

An interrupted run (Ctrl-C, a crash, a full disk) never leaves a half-written GIF,
checkpoint, record or notebook: the old file stays until the new one is complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp)`` on a temporary path in ``path``'s folder, then rename it to ``path``.

    The temporary name keeps ``path``'s suffix (writers such as imageio pick the format
    from it). The finished file gets the usual permissions (0666 minus the umask) rather
    than the private 0600 of a temporary file. Parent folders are created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=path.suffix, prefix=f".{path.stem}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, as :func:`atomic_write` does."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
