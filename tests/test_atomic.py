import os
import stat

import pytest

from dgm_utils.atomic import atomic_write, atomic_write_text


def test_atomic_write_creates_folders_and_readable_file(tmp_path):
    path = atomic_write(tmp_path / "a" / "b" / "x.json", lambda tmp: open(tmp, "w").write("{}"))
    assert path.read_text() == "{}"
    mode = stat.S_IMODE(os.stat(path).st_mode)
    assert mode & 0o044, f"others and group cannot read: {oct(mode)}"  # not the 0600 of a temp file
    assert [p.name for p in path.parent.iterdir()] == ["x.json"]


def test_interrupted_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("old")

    def broken(tmp):
        open(tmp, "w").write("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, broken)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_temp_name_keeps_the_suffix(tmp_path):
    seen = []
    atomic_write(tmp_path / "s.npy", lambda tmp: (seen.append(tmp), open(tmp, "w").close()))
    assert seen[0].endswith(".npy")


def test_atomic_write_text_replaces_and_keeps_unicode(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("old")
    atomic_write_text(path, "Fréchet ✓")
    assert path.read_text(encoding="utf-8") == "Fréchet ✓"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
