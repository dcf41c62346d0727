import json

import numpy as np
import pytest
import torch

from dgm_utils.data import load_digits
from dgm_utils.likelihood import Likelihood
from dgm_utils.records import save_results


def _save(tmp_path, samples, **kw):
    args = dict(model="test", n_params=10, train_seconds=1.0, sample_ms_per_image=0.5, device="cpu")
    args.update(kw)
    return save_results("unit", samples, results_dir=tmp_path, **args)


def test_writes_json_and_samples(tmp_path, quick):
    samples = load_digits().train.x[:200]  # quick mode records 200 samples
    rec = _save(tmp_path, samples, likelihood=Likelihood(90.0, "exact", "test"))
    on_disk = json.loads((tmp_path / "unit.json").read_text())
    assert on_disk == json.loads(json.dumps(rec))
    assert on_disk["mode"] == "quick" and on_disk["likelihood"]["kind"] == "exact"
    assert on_disk["samples"]["metrics"]["frechet_distance"]["floor"] > 0
    arr = np.load(tmp_path / "unit_samples.npy")
    assert arr.shape == (200, 8, 8) and arr.min() >= 0 and arr.max() <= 16
    assert np.array_equal(arr, samples.numpy())


def test_bad_input_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("DGM_QUICK", "0")
    good = load_digits().train.x
    with pytest.raises(ValueError, match="1000 images in full mode"):
        _save(tmp_path, good[:10])
    with pytest.raises(ValueError, match="0..16"):
        _save(tmp_path, good + 1)
    with pytest.raises(ValueError, match="name"):
        save_results(
            "../x",
            good,
            model="m",
            n_params=1,
            train_seconds=1,
            sample_ms_per_image=1,
            device="cpu",
            results_dir=tmp_path,
        )
    with pytest.raises(TypeError):
        _save(tmp_path, good, extra={"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_cli_scores_a_samples_file(tmp_path, capsys):
    from dgm_utils.evaluate import main

    path = tmp_path / "s.npy"
    np.save(path, load_digits().train.x.numpy())
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "frechet_distance" in out and "floor" in out
    np.save(path, np.full((3, 8, 8), 99))
    assert main([str(path)]) == 2
    assert "0..16" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.npy")]) == 2
    torch.save(torch.randint(0, 17, (50, 8, 8)), tmp_path / "s.pt")
    assert main([str(tmp_path / "s.pt")]) == 0
