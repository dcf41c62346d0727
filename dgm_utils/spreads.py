"""The bootstrap spreads of the recorded Frechet distances, kept beside the records they belong to.

Notebook 09 estimates, for every committed samples file, how far its Frechet distance could
move with the draw of the samples (:func:`dgm_utils.metrics.frechet_distance_spread`) and
writes them here, in ``results/fd_spread.json``, each with the SHA-256 of the file it was
computed on. The README's table prints an FD as "25.2 ± 1.9" only while that file is
unchanged; a notebook re-run with new samples drops the "±" until 09 runs again, and
:func:`stale_spreads` says so. Torch-free: the README table is built without importing torch.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

from .atomic import atomic_write_text
from .modes import course_root, output_dirs

SPREAD_FILE = "fd_spread.json"  #: in results/, beside the records (not a record itself)


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _check_sd(label: str, sd: float) -> float:
    sd = float(sd)
    if not math.isfinite(sd) or sd < 0:
        raise ValueError(f"{label}: a standard deviation must be finite and >= 0, got {sd}")
    return sd


def save_fd_spreads(
    spreads: dict[str, float],
    *,
    floor_sd: float,
    n_boot: int,
    samples_dir: str | Path | None = None,
    results_dir: str | Path | None = None,
) -> Path:
    """Write ``fd_spread.json``: for each samples file name (``"flow_samples.npy"``) its bootstrap sd.

    ``samples_dir`` holds the files the spreads were computed on (the committed ``results/`` by
    default); each entry stores the SHA-256 of its file, so a file that changes later no longer
    matches. ``floor_sd`` is the floor's own spread (the train split resampled). Checked before
    anything is written; written atomically to this mode's results folder (a scratch folder in
    quick mode). Returns the path written.
    """
    if n_boot < 2:
        raise ValueError(f"n_boot must be at least 2, got {n_boot}")
    if not spreads:
        raise ValueError("spreads: no samples files given")
    samples_dir = Path(samples_dir) if samples_dir is not None else course_root() / "results"
    files = {}
    for name, sd in sorted(spreads.items()):
        path = samples_dir / name
        if Path(name).name != name or path.suffix != ".npy":
            raise ValueError(
                f"spreads: keys are samples file names in {samples_dir} such as 'arm_samples.npy', got {name!r}"
            )
        if not path.exists():
            raise FileNotFoundError(f"spreads: {path} does not exist")
        files[name] = {"sd": _check_sd(name, sd), "sha256": file_digest(path)}
    data = {"n_boot": int(n_boot), "split": "test", "floor_sd": _check_sd("floor_sd", floor_sd), "files": files}
    folder = Path(results_dir) if results_dir is not None else output_dirs().results
    return atomic_write_text(folder / SPREAD_FILE, json.dumps(data, indent=2) + "\n")


def _read(root: Path) -> dict | None:
    path = root / "results" / SPREAD_FILE
    return json.loads(path.read_text()) if path.exists() else None


def current_fd_spreads(root: str | Path | None = None) -> dict[str, float]:
    """The spreads of ``results/fd_spread.json`` whose samples file is still the one they were computed on.

    Samples file name -> bootstrap sd, plus ``"floor"`` -> the floor's sd when any file matches;
    empty when there is no spread file.
    """
    root = Path(root if root is not None else course_root())
    data = _read(root)
    if data is None:
        return {}
    current = {
        name: entry["sd"]
        for name, entry in data["files"].items()
        if (root / "results" / name).exists() and file_digest(root / "results" / name) == entry["sha256"]
    }
    return current | {"floor": data["floor_sd"]} if current else {}


def stale_spreads(root: str | Path | None = None) -> list[str]:
    """One line per samples file whose spread in ``fd_spread.json`` was computed on other samples (or is gone)."""
    root = Path(root if root is not None else course_root())
    data = _read(root)
    if data is None:
        return []
    fresh = current_fd_spreads(root)
    return [
        f"{SPREAD_FILE}: the spread of {name} was computed on samples that have changed since: "
        "re-run notebook 09 (make gifs NB=09_comparison)"
        for name in sorted(data["files"])
        if name not in fresh
    ]
