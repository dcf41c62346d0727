import json

import numpy as np
import pytest

from dgm_utils.course import results_table
from dgm_utils.spreads import SPREAD_FILE, current_fd_spreads, save_fd_spreads, stale_spreads

AGAIN = "re-run notebook 09 (make gifs NB=09_comparison)"


def _record(fd: float, own_fd: float | None = None) -> dict:
    """The parts of a record that the README table reads."""

    def evaluation(value: float) -> dict:
        return {"metrics": {"frechet_distance": {"model": value, "floor": 10.0}, "digits_present": {"model": 10}}}

    return {
        "likelihood": None, "likelihood_note": None, "sampler": "T = 0.9", "sampler_is_own": own_fd is None,
        "samples": evaluation(fd), "own_samples": evaluation(fd if own_fd is None else own_fd),
    }  # fmt: skip


@pytest.fixture
def course(tmp_path):
    """A course tree with two notebooks, their records and samples files."""
    (tmp_path / "notebooks").mkdir()
    results = tmp_path / "results"
    results.mkdir()
    for stem, record in (("01_arm", _record(12.81, own_fd=16.36)), ("08_gan", _record(14.55))):
        (tmp_path / "notebooks" / f"{stem}.ipynb").write_text("{}")
        name = stem.split("_", 1)[1]
        (results / f"{name}.json").write_text(json.dumps(record))
        np.save(results / f"{name}_samples.npy", np.full((4, 8, 8), len(name), dtype=np.int8))
    np.save(results / "arm_own_samples.npy", np.zeros((4, 8, 8), dtype=np.int8))
    return tmp_path


SPREADS = {"arm_samples.npy": 1.52, "arm_own_samples.npy": 1.83, "gan_samples.npy": 1.34}
FDS = {"arm_samples.npy": 12.81, "arm_own_samples.npy": 16.36, "gan_samples.npy": 14.55}


def _save(course, spreads=SPREADS, fds=FDS, **kw):
    results = course / "results"
    args = {"floor": 10.0, "floor_sd": 1.46, "n_boot": 50, "samples_dir": results, "results_dir": results} | kw
    return save_fd_spreads(spreads, fds, **args)


def test_the_table_shows_a_spread_only_while_its_samples_and_fd_are_the_ones_measured(course):
    results = course / "results"
    assert "±" not in results_table(course)  # no spread file yet
    _save(course)
    assert current_fd_spreads(course) == SPREADS | {"floor": 1.46}
    rows = results_table(course).splitlines()
    assert "(floor 10.0 ± 1.5)" in rows[0]
    assert "| 12.8 ± 1.5 | 16.4 ± 1.8 |" in rows[2] and "| 14.6 ± 1.3 | same |" in rows[3]
    assert stale_spreads(course) == []

    np.save(results / "gan_samples.npy", np.ones((4, 8, 8), dtype=np.int8))  # notebook 08 re-run: other samples
    rows = results_table(course).splitlines()
    assert "| 14.6 | same |" in rows[3] and "| 12.8 ± 1.5 | 16.4 ± 1.8 |" in rows[2]  # only the changed file loses it
    assert stale_spreads(course) == [
        f"{SPREAD_FILE}: the spread of gan_samples.npy is stale (its samples file has changed since): {AGAIN}"
    ]

    arm = json.loads((results / "arm.json").read_text())  # the same samples scored again, to another FD
    arm["own_samples"]["metrics"]["frechet_distance"]["model"] = 17.0
    (results / "arm.json").write_text(json.dumps(arm))
    assert "| 12.8 ± 1.5 | 17.0 |" in results_table(course).splitlines()[2]
    assert "its record's FD is now 17.00, the spread was computed around 16.36" in stale_spreads(course)[0]

    arm["samples"]["metrics"]["frechet_distance"]["floor"] = 11.0  # another floor: its sd no longer belongs to it
    (results / "arm.json").write_text(json.dumps(arm))
    assert "floor" not in current_fd_spreads(course) and "±" not in results_table(course).splitlines()[0]

    (results / "arm_samples.npy").unlink()
    np.save(results / "vae_samples.npy", np.zeros((4, 8, 8), dtype=np.int8))  # a notebook 09 has not seen yet
    lines = stale_spreads(course)
    assert f"{SPREAD_FILE}: the spread of arm_samples.npy is stale (its samples file is gone): {AGAIN}" in lines
    assert lines[-1] == f"{SPREAD_FILE}: no spread for vae_samples.npy: {AGAIN}"


def test_bad_spreads_are_refused_before_anything_is_written(course):
    results = course / "results"
    one = {"arm_samples.npy": 1.5}
    for spreads, fds, kw, match in [
        ({"arm_samples.npy": float("nan")}, {"arm_samples.npy": 12.8}, {}, r"spreads\['arm_samples.npy'\].*got nan"),
        ({"arm_samples.npy": -1.0}, {"arm_samples.npy": 12.8}, {}, r"spreads\['arm_samples.npy'\].*>= 0.0, got -1.0"),
        (one, {"arm_samples.npy": float("inf")}, {}, r"fds\['arm_samples.npy'\].*got inf"),
        (one, {"gan_samples.npy": 14.5}, {}, "must name the same files"),
        ({"../arm_samples.npy": 1.0}, {"../arm_samples.npy": 1.0}, {}, "samples file names"),
        ({"arm.npy": 1.0}, {"arm.npy": 1.0}, {}, "samples file names"),
        ({"vae_samples.npy": 1.0}, {"vae_samples.npy": 1.0}, {}, "does not exist"),
        ({}, {}, {}, "no samples files"),
        (one, {"arm_samples.npy": 12.8}, {"n_boot": 1}, "n_boot"),
        (one, {"arm_samples.npy": 12.8}, {"floor_sd": float("inf")}, "floor_sd"),
        (one, {"arm_samples.npy": 12.8}, {"floor": -1.0}, "floor: expected"),
    ]:
        with pytest.raises((ValueError, FileNotFoundError), match=match):
            _save(course, spreads, fds, **kw)
    assert not (results / SPREAD_FILE).exists()


def test_a_broken_spread_file_is_named_in_the_error(course):
    path = course / "results" / SPREAD_FILE
    path.write_text('{"files": {"arm_samples.npy": {"sd": 1.0}}}')  # no fd, no sha256, no floor
    with pytest.raises(ValueError, match=f"{SPREAD_FILE} is not a spread file written by save_fd_spreads"):
        results_table(course)


def test_by_default_the_spreads_go_to_this_modes_results_folder(course, monkeypatch):
    monkeypatch.setenv("DGM_QUICK", "1")
    monkeypatch.setenv("DGM_SCRATCH", str(course / "scratch"))
    path = _save(course, results_dir=None)
    assert path == course / "scratch" / "results" / SPREAD_FILE  # quick mode: never over the committed results
    assert not (course / "results" / SPREAD_FILE).exists()
