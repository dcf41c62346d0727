import pytest

from dgm_utils.modes import budget, course_root, mode_name, output_dirs


def test_quick_outputs_never_land_in_committed_folders(quick, monkeypatch, tmp_path):
    root = course_root()
    dirs = output_dirs()
    assert mode_name() == "quick" and budget(full=100, quick=2) == 2
    for d in (dirs.figures, dirs.results, dirs.checkpoints):
        assert d.is_dir() and quick in d.parents
        assert d not in (root / "figures", root / "results")


def test_full_mode_creates_nested_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("DGM_QUICK", "0")
    root = tmp_path / "a" / "b"
    dirs = output_dirs(root)
    assert dirs.figures == root / "figures" and dirs.results.is_dir()
    assert budget(full=100, quick=2) == 100


def test_bad_flag_is_an_error(monkeypatch):
    monkeypatch.setenv("DGM_QUICK", "maybe")
    with pytest.raises(ValueError, match="DGM_QUICK"):
        mode_name()
