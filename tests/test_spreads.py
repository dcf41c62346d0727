import json

import numpy as np
import pytest

from dgm_utils.course import results_table
from dgm_utils.spreads import SPREAD_FILE, current_fd_spreads, save_fd_spreads, stale_spreads


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


def test_the_table_shows_a_spread_only_while_its_samples_are_the_ones_measured(course):
    results = course / "results"
    assert "±" not in results_table(course)  # no spread file yet
    spreads = {"arm_samples.npy": 1.52, "arm_own_samples.npy": 1.83, "gan_samples.npy": 1.34}
    save_fd_spreads(spreads, floor_sd=1.46, n_boot=50, samples_dir=results, results_dir=results)
    assert current_fd_spreads(course) == spreads | {"floor": 1.46}
    rows = results_table(course).splitlines()
    assert "(floor 10.0 ± 1.5)" in rows[0]
    assert "| 12.8 ± 1.5 | 16.4 ± 1.8 |" in rows[2] and "| 14.6 ± 1.3 | same |" in rows[3]
    assert stale_spreads(course) == []

    np.save(results / "gan_samples.npy", np.ones((4, 8, 8), dtype=np.int8))  # notebook 08 re-run: other samples
    rows = results_table(course).splitlines()
    assert "| 14.6 | same |" in rows[3] and "| 12.8 ± 1.5 | 16.4 ± 1.8 |" in rows[2]  # only the changed file loses it
    assert stale_spreads(course) == [
        f"{SPREAD_FILE}: the spread of gan_samples.npy was computed on samples that have changed since: "
        "re-run notebook 09 (make gifs NB=09_comparison)"
    ]
    (results / "arm_samples.npy").unlink()
    assert len(stale_spreads(course)) == 2


def test_bad_spreads_are_refused_before_anything_is_written(course):
    results = course / "results"
    good = {"arm_samples.npy": 1.5}
    for bad, match in [
        ({"arm_samples.npy": float("nan")}, "finite"),
        ({"arm_samples.npy": -1.0}, ">= 0"),
        ({"../arm_samples.npy": 1.0}, "file names"),
        ({"arm.json": 1.0}, "file names"),
        ({"vae_samples.npy": 1.0}, "does not exist"),
        ({}, "no samples files"),
    ]:
        with pytest.raises((ValueError, FileNotFoundError), match=match):
            save_fd_spreads(bad, floor_sd=1.0, n_boot=50, samples_dir=results, results_dir=results)
    with pytest.raises(ValueError, match="n_boot"):
        save_fd_spreads(good, floor_sd=1.0, n_boot=1, samples_dir=results, results_dir=results)
    with pytest.raises(ValueError, match="floor_sd"):
        save_fd_spreads(good, floor_sd=float("inf"), n_boot=50, samples_dir=results, results_dir=results)
    assert not (results / SPREAD_FILE).exists()
