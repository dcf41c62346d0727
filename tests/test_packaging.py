import re
import sys
from pathlib import Path

import pytest

from dgm_utils.course import PLACEHOLDER_REPO, _sync_text, colab_url, figure_base, repository, results_table, sync_links

ROOT = Path(__file__).resolve().parents[1]
# conda names that differ from pip's
CONDA_TO_PIP = {"pytorch": "torch"}


def _names(specs):
    return {re.split(r"[<>=!~ \[]", s.strip(), maxsplit=1)[0].lower() for s in specs}


def test_environment_yml_lists_the_same_packages_as_pyproject():
    if sys.version_info < (3, 11):
        pytest.skip("tomllib needs Python 3.11")
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = _names(project["dependencies"]) | _names(project["optional-dependencies"]["dev"])
    conda = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^\s+- ([A-Za-z][\w.-]*)", line)
        if m and m.group(1) not in ("python", "pip", "-e"):
            conda.add(CONDA_TO_PIP.get(m.group(1).lower(), m.group(1).lower()))
    assert conda == pip


def test_badges_and_install_cells_follow_pyproject():
    repo = repository(ROOT)
    assert repo.startswith("https://github.com/")
    assert sync_links(ROOT, check=True) == []  # `make links` leaves nothing to change
    assert colab_url("https://github.com/a/b", "01_arm.ipynb").endswith("github/a/b/blob/main/notebooks/01_arm.ipynb")


def test_package_ships_the_classifier_weights():
    if sys.version_info < (3, 11):
        pytest.skip("tomllib needs Python 3.11")
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "weights/*.pt" in data["dgm_utils"]
    assert (ROOT / "dgm_utils" / "weights" / "digits_classifier.pt").stat().st_size < 1_000_000


def test_figure_links_resolve_locally_until_the_address_is_set_then_on_github():
    md = "![gif](../figures/arm_training.gif) and ![png](../figures/arm_loss.png)"
    assert figure_base(PLACEHOLDER_REPO) == "../"
    assert _sync_text(md, PLACEHOLDER_REPO, figures=True) == md
    real = _sync_text(md, "https://github.com/a/b", figures=True)
    assert "](https://raw.githubusercontent.com/a/b/main/figures/arm_training.gif)" in real
    assert _sync_text(real, PLACEHOLDER_REPO, figures=True) == md  # and back
    assert _sync_text(md, "https://github.com/a/b") == md  # code cells keep their paths


def test_install_cell_refuses_the_placeholder_address():
    import json

    for nb_path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        setup = "".join(json.loads(nb_path.read_text())["cells"][1]["source"])
        assert 'if "your-org" in REPO:' in setup and "raise RuntimeError" in setup, nb_path.name
        assert setup.index("raise RuntimeError") < setup.index("pip"), nb_path.name


def test_results_table_names_the_sampler_and_both_fds():
    table = results_table(ROOT)
    header = table.splitlines()[0]
    assert "recorded sampler" in header and "model's own samples" in header and "floor" in header
    assert len(table.splitlines()) == 2 + len(list((ROOT / "notebooks").glob("[0-9]*.ipynb")))


def test_notebook_sources_hold_no_control_characters():
    """A LaTeX command written through a non-raw Python string (\\top, \\big, \\rVert) turns into a tab,
    a backspace or a carriage return and silently breaks the formula."""
    import json

    bad = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]|\t")
    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(nb_path.read_text())["cells"]):
            m = bad.search("".join(cell["source"]))
            assert m is None, f"{nb_path.name} cell {i}: control character {m.group()!r}"
