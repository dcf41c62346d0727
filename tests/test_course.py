import json

import pytest

from dgm_utils.course import clean_metadata, record_runtime, slowest_cells


def _cell(source, start=None, end=None, kind="code"):
    execution = {} if start is None else {"iopub.execute_input": start, "shell.execute_reply": end}
    return {"cell_type": kind, "source": source, "metadata": {"execution": execution}, "outputs": []}


def test_slowest_cells_ranks_code_cells_by_their_timestamps():
    nb = {"cells": [
        _cell("# intro\nimport torch", "2026-11-29T08:00:00.000Z", "2026-11-29T08:00:01.500Z"),
        _cell("text", kind="markdown"),
        _cell(["# train\n", "history = du.fit(model)\n"], "2026-11-29T08:00:02Z", "2026-11-29T08:03:02.250Z"),
        _cell("x = 1"),  # never ran (no timestamps): skipped
        _cell("y = " + "1 + " * 40 + "1", "2026-11-29T08:59:59.900Z", "2026-11-29T09:00:10.000Z"),  # across the hour
    ]}  # fmt: skip
    out = slowest_cells(nb, n=2)
    assert out == [{"cell": 2, "seconds": 180.2, "first_line": "history = du.fit(model)"},
                   {"cell": 4, "seconds": 10.1, "first_line": ("y = " + "1 + " * 40)[:67] + "..."}]  # fmt: skip
    assert [c["cell"] for c in slowest_cells(nb)] == [2, 4, 0]
    assert slowest_cells(clean_metadata(nb)) == []  # the committed notebook keeps no timings
    with pytest.raises(ValueError, match="n must be"):
        slowest_cells(nb, n=0)


def test_record_runtime_keeps_other_notebooks_and_the_slowest_cells(tmp_path):
    (tmp_path / "results").mkdir()
    record_runtime(tmp_path, "01_arm", 100.4)
    record_runtime(tmp_path, "02_flow", 200.6, [{"cell": 3, "seconds": 150.0, "first_line": "fit()"}])
    data = json.loads((tmp_path / "results" / "runtimes.json").read_text())
    assert data["01_arm"]["seconds"] == 100 and "slowest_cells" not in data["01_arm"]
    assert data["02_flow"]["seconds"] == 201 and data["02_flow"]["slowest_cells"][0]["cell"] == 3
