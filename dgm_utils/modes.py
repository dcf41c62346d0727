"""Run modes and output folders.

The course runs in two modes:

* **full** (default): the budgets whose numbers the README reports; figures and
  results go to the committed ``figures/`` and ``results/`` folders.
* **quick** (``DGM_QUICK=1``, set by ``make test`` and CI): tiny budgets so nbval
  runs the whole course in minutes; figures, results and checkpoints go to a
  scratch folder (``.quick/`` in the course root, or ``$DGM_SCRATCH``) and never
  over the committed ones.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={os.environ[name]!r}: expected one of 1/0, true/false, yes/no, on/off")


def is_quick() -> bool:
    """True when ``DGM_QUICK`` asks for the quick mode (tiny budgets, scratch outputs)."""
    return _flag("DGM_QUICK")


def mode_name() -> str:
    """``"quick"`` or ``"full"``: the string recorded in every results file."""
    return "quick" if is_quick() else "full"


def budget(full: T, quick: T) -> T:
    """Pick a training/sampling budget by mode: ``epochs = budget(full=300, quick=3)``."""
    return quick if is_quick() else full


def course_root(start: Path | None = None) -> Path:
    """The folder that holds ``notebooks/`` and ``dgm_utils/`` (or ``$DGM_ROOT``).

    Notebooks run with the working directory ``notebooks/``; scripts from the root.
    Outside a checkout (say on Colab after ``pip install``) the working directory is used.
    """
    if "DGM_ROOT" in os.environ:
        return Path(os.environ["DGM_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "notebooks").is_dir() and (folder / "dgm_utils").is_dir():
            return folder
    return here


@dataclass(frozen=True)
class OutputDirs:
    """Where a notebook writes: ``figures``, ``results`` and ``checkpoints`` folders."""

    figures: Path
    results: Path
    checkpoints: Path


def output_dirs(root: Path | None = None) -> OutputDirs:
    """Folders for this mode, created if missing (nested folders included).

    Full mode: ``<root>/figures``, ``<root>/results``, ``<root>/checkpoints``.
    Quick mode: the same names under ``$DGM_SCRATCH`` (default ``<root>/.quick``),
    so a quick run never overwrites a committed figure or result.
    """
    root = course_root() if root is None else Path(root)
    if is_quick():
        base = Path(os.environ.get("DGM_SCRATCH", root / ".quick"))
    else:
        base = root
    dirs = OutputDirs(base / "figures", base / "results", base / "checkpoints")
    for d in (dirs.figures, dirs.results, dirs.checkpoints):
        d.mkdir(parents=True, exist_ok=True)
    return dirs


def retrain_requested() -> bool:
    """True when ``DGM_RETRAIN=1``: ignore saved checkpoints and train from scratch.

    ``make gifs`` sets it, so that every committed number comes from a fresh run.
    """
    return _flag("DGM_RETRAIN")


def progress_enabled() -> bool:
    """Progress bars show unless ``DGM_PROGRESS=0`` or ``CI`` is set."""
    if os.environ.get("DGM_PROGRESS", "").strip():
        return _flag("DGM_PROGRESS")
    ci = os.environ.get("CI", "").strip().lower()
    return ci in _FALSE
