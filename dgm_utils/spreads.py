"""The bootstrap spreads of the recorded Frechet distances, kept beside the records they belong to.

Notebook 09 estimates, for every committed samples file, how far its Frechet distance could
move with the draw of the samples (:func:`dgm_utils.metrics.frechet_distance_spread`) and
writes them here, in ``results/fd_spread.json``, each with the SHA-256 of the file and the
distance it was computed around. The README's table prints an FD as "25.2 ± 1.9" only while
both still match (the file unchanged, the record's FD the same); a notebook re-run with new
samples, or a re-scoring, drops the "±" until 09 runs again, and :func:`stale_spreads` says
so. This module itself uses no torch.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

from .atomic import atomic_write_text
from .modes import course_root, output_dirs

SPREAD_FILE = "fd_spread.json"  #: in results/, beside the records (not a record itself)
_SAMPLES_FILE = re.compile(r"^([A-Za-z0-9_]+?)(_own)?_samples\.npy$")  # <record>_samples.npy, <record>_own_samples.npy
_SAME = 1e-6  # how close a stored FD must be to the record's to count as the same number


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _finite(label: str, value: float, minimum: float | None = None) -> float:
    value = float(value)
    if not math.isfinite(value) or (minimum is not None and value < minimum):
        raise ValueError(f"{label}: expected a finite number{'' if minimum is None else f' >= {minimum}'}, got {value}")
    return value


def record_fd(root: Path, samples_file: str) -> tuple[float, float] | None:
    """The FD and floor that the record of ``<name>[_own]_samples.npy`` gives that file, or None without a record."""
    match = _SAMPLES_FILE.match(samples_file)
    if match is None:
        raise ValueError(
            f"expected a samples file name '<record>_samples.npy' or '<record>_own_samples.npy', got {samples_file!r}"
        )
    path = root / "results" / f"{match.group(1)}.json"
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    fd = record["own_samples" if match.group(2) else "samples"]["metrics"]["frechet_distance"]
    return fd["model"], fd["floor"]


def save_fd_spreads(
    spreads: dict[str, float],
    fds: dict[str, float],
    *,
    floor: float,
    floor_sd: float,
    n_boot: int,
    samples_dir: str | Path | None = None,
    results_dir: str | Path | None = None,
) -> Path:
    """Write ``fd_spread.json``: for each samples file (``"flow_samples.npy"``) its FD and bootstrap sd.

    ``spreads`` and ``fds`` have the same keys, samples file names ``<record>_samples.npy`` or
    ``<record>_own_samples.npy`` in ``samples_dir`` (the committed ``results/`` by default); each
    entry stores the SHA-256 of its file and the FD the sd was computed around, so a file or a
    score that changes later no longer matches. ``floor`` and ``floor_sd`` are the floor's FD and
    its spread (the train split resampled). Checked before anything is written; written
    atomically to this mode's results folder (a scratch folder in quick mode). Returns the path.
    """
    if n_boot < 2:
        raise ValueError(f"n_boot must be at least 2, got {n_boot}")
    if not spreads:
        raise ValueError("spreads: no samples files given")
    if set(spreads) != set(fds):
        raise ValueError(f"spreads and fds must name the same files, got {sorted(spreads)} and {sorted(fds)}")
    samples_dir = Path(samples_dir) if samples_dir is not None else course_root() / "results"
    files = {}
    for name in sorted(spreads):
        if _SAMPLES_FILE.match(name) is None:
            raise ValueError(
                f"spreads: keys are samples file names such as 'arm_samples.npy' or 'arm_own_samples.npy', got {name!r}"
            )
        if not (samples_dir / name).exists():
            raise FileNotFoundError(f"spreads: {samples_dir / name} does not exist")
        files[name] = {
            "fd": _finite(f"fds[{name!r}]", fds[name], 0.0),
            "sd": _finite(f"spreads[{name!r}] (a standard deviation)", spreads[name], 0.0),
            "sha256": file_digest(samples_dir / name),
        }
    data = {
        "n_boot": int(n_boot), "split": "test", "floor": _finite("floor", floor, 0.0),
        "floor_sd": _finite("floor_sd (a standard deviation)", floor_sd, 0.0), "files": files,
    }  # fmt: skip
    folder = Path(results_dir) if results_dir is not None else output_dirs().results
    return atomic_write_text(folder / SPREAD_FILE, json.dumps(data, indent=2) + "\n")


def _read(root: Path) -> dict | None:
    path = root / "results" / SPREAD_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        for entry in data["files"].values():
            float(entry["fd"]), float(entry["sd"]), str(entry["sha256"])
        float(data["floor"]), float(data["floor_sd"])
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"{path} is not a spread file written by save_fd_spreads ({e!r}): re-run notebook 09") from e
    return data


def _problem(root: Path, name: str, entry: dict) -> str | None:
    """Why a stored spread no longer belongs to the number the README shows, or None if it does."""
    path = root / "results" / name
    if not path.exists():
        return "its samples file is gone"
    if file_digest(path) != entry["sha256"]:
        return "its samples file has changed since"
    scored = record_fd(root, name)
    if scored is None:
        return "its record is gone"
    if abs(scored[0] - entry["fd"]) > _SAME:
        return f"its record's FD is now {scored[0]:.2f}, the spread was computed around {entry['fd']:.2f}"
    return None


def current_fd_spreads(root: str | Path | None = None) -> dict[str, float]:
    """The spreads of ``results/fd_spread.json`` that still belong to the FD their record gives.

    Samples file name -> bootstrap sd, for each file unchanged since (same SHA-256) whose record
    still gives it the FD the spread was computed around; plus ``"floor"`` -> the floor's sd
    while those records' floor is the stored one. Empty without a spread file.
    """
    root = Path(root if root is not None else course_root())
    data = _read(root)
    if data is None:
        return {}
    current = {name: entry["sd"] for name, entry in data["files"].items() if _problem(root, name, entry) is None}
    floors = {record_fd(root, name)[1] for name in current}
    if current and all(abs(f - data["floor"]) <= _SAME for f in floors):
        current["floor"] = data["floor_sd"]
    return current


def stale_spreads(root: str | Path | None = None) -> list[str]:
    """One line per spread that no longer belongs to its FD, and per samples file with no spread."""
    root = Path(root if root is not None else course_root())
    data = _read(root)
    if data is None:
        return []
    again = "re-run notebook 09 (make gifs NB=09_comparison)"
    lines = [
        f"{SPREAD_FILE}: the spread of {name} is stale ({problem}): {again}"
        for name, entry in sorted(data["files"].items())
        if (problem := _problem(root, name, entry)) is not None
    ]
    for path in sorted((root / "results").glob("*_samples.npy")):
        if path.name not in data["files"] and _SAMPLES_FILE.match(path.name):
            lines.append(f"{SPREAD_FILE}: no spread for {path.name}: {again}")
    return lines
