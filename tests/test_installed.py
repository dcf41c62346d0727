"""The course the way Colab runs it: dgm_utils installed from a built wheel (not editable, not the
checkout), and a notebook executed in quick mode from an empty folder with no checkout around it.

Shipped files (the classifier's weights) must come from the installed package, data from
scikit-learn, and outputs must land in the folder the notebook runs in. The wheel goes into a
fresh ``--target`` folder placed first on ``PYTHONPATH``, so the checkout's editable install is
shadowed; the test asserts that inside the kernel. PyTorch and the other dependencies come from
the running environment (installing them again would cost gigabytes and minutes).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "01_arm.ipynb"  # the template notebook; any would do

RUN = """
import os, sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
probe = nbformat.v4.new_code_cell(
    "import os, dgm_utils\\n"
    "assert dgm_utils.__file__.startswith(os.environ['DGM_EXPECT_SITE']), dgm_utils.__file__"
)
nb.cells.insert(0, probe)  # before the setup cell: which dgm_utils would it find?
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": os.getcwd()}}).execute()
"""


def _package_source(dest: Path) -> Path:
    """Copy only what the wheel is built from, so nothing else of the checkout can leak in."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "dgm_utils", dest / "dgm_utils", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def test_a_notebook_runs_from_the_installed_package_in_an_empty_folder(tmp_path):
    source = _package_source(tmp_path / "source")
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "colab"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)], check=True)
    (wheel,) = wheels.glob("dgm_utils-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    assert (site / "dgm_utils" / "weights" / "digits_classifier.pt").is_file(), "the wheel lacks the weights"

    work.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, work / NOTEBOOK)
    env = {k: v for k, v in os.environ.items() if k not in ("DGM_ROOT", "DGM_SCRATCH", "PYTHONPATH")}
    env |= {"PYTHONPATH": str(site), "DGM_EXPECT_SITE": str(site), "DGM_QUICK": "1", "DGM_PROGRESS": "0"}
    result = subprocess.run(
        [sys.executable, "-c", RUN, NOTEBOOK], cwd=work, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-3000:]
    record = json.loads((work / ".quick" / "results" / "arm.json").read_text())
    assert record["mode"] == "quick" and record["sampler"]
    assert (work / ".quick" / "figures" / "arm_training.gif").is_file(), "figures belong beside the notebook"
