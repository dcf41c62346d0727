import os

import pytest

os.environ.setdefault("DGM_PROGRESS", "0")


@pytest.fixture()
def quick(monkeypatch, tmp_path):
    """Quick mode with a scratch folder of its own."""
    monkeypatch.setenv("DGM_QUICK", "1")
    monkeypatch.setenv("DGM_SCRATCH", str(tmp_path / "scratch"))
    return tmp_path / "scratch"
