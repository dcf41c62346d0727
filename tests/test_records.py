import json

import numpy as np
import pytest
import torch

from dgm_utils.data import load_digits
from dgm_utils.likelihood import Likelihood
from dgm_utils.records import save_results


def _save(tmp_path, samples, **kw):
    args = dict(
        model="test", sampler="the model's own", n_params=10, train_seconds=1.0, sample_ms_per_image=0.5, device="cpu"
    )
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
    assert on_disk["sampler_is_own"] and on_disk["own_samples"] == on_disk["samples"]
    assert "memorisation" in on_disk["samples"] and not (tmp_path / "unit_own_samples.npy").exists()
    assert on_disk["likelihood_note"] is None


def test_likelihood_note_only_in_place_of_a_likelihood(tmp_path, quick):
    samples = load_digits().train.x[:200]
    rec = _save(tmp_path, samples, likelihood_note="none: AIS failed")
    assert rec["likelihood"] is None and rec["likelihood_note"] == "none: AIS failed"
    with pytest.raises(ValueError, match="likelihood_note"):
        _save(tmp_path, samples, likelihood=Likelihood(90.0, "exact", "test"), likelihood_note="both")


def test_tuned_sampler_records_the_models_own_samples_beside_it(tmp_path, quick):
    d = load_digits()
    rec = _save(tmp_path, d.train.x[:200], sampler="T = 0.9", own_samples=d.val.x[:200], own_sampler="T = 1")
    assert rec["sampler"] == "T = 0.9" and rec["own_sampler"] == "T = 1" and not rec["sampler_is_own"]
    assert rec["samples"]["memorisation"]["exact_copies"]["model"] == 1.0  # train images copy themselves
    assert rec["own_samples"]["memorisation"]["exact_copies"]["model"] < 0.05
    assert np.array_equal(np.load(tmp_path / "unit_own_samples.npy"), d.val.x[:200].numpy())


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
            sampler="s",
            n_params=1,
            train_seconds=1,
            sample_ms_per_image=1,
            device="cpu",
            results_dir=tmp_path,
        )
    with pytest.raises(TypeError):
        _save(tmp_path, good, extra={"bad": object()})
    with pytest.raises(ValueError, match="go together"):
        _save(tmp_path, good, own_samples=good)
    with pytest.raises(ValueError, match="own_samples: expected 1000"):
        _save(tmp_path, good, own_samples=good[:10], own_sampler="T = 1")
    with pytest.raises(ValueError, match="sampler"):
        _save(tmp_path, good, sampler=" ")
    with pytest.raises(ValueError, match="evaluate_ood"):
        _save(tmp_path, good, ood={"sets": {"inverted": 0.9}})
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


def test_load_result_reads_committed_records_or_says_none(tmp_path):
    from dgm_utils.records import load_result

    assert load_result("arm", root=tmp_path) is None
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "arm.json").write_text(json.dumps({"likelihood": {"nats": 82.4}}))
    assert load_result("arm", root=tmp_path)["likelihood"]["nats"] == 82.4
    with pytest.raises(ValueError, match="name"):
        load_result("../arm", root=tmp_path)


def test_a_record_names_the_records_it_quoted_and_stale_quotes_finds_changed_ones(tmp_path, quick):
    from dgm_utils.records import _QUOTED, _SAVED, load_result, record_digest, stale_quotes

    results = tmp_path / "results"
    samples = load_digits().train.x[:200]
    _QUOTED.clear()
    _SAVED.clear()
    _save(results, samples)  # "unit", quoting nothing
    quoted = load_result("unit", root=tmp_path)
    reader = save_results(
        "reader", samples, model="r", sampler="own", n_params=1, train_seconds=1.0, sample_ms_per_image=0.5,
        device="cpu", results_dir=results,
    )  # fmt: skip
    assert reader["read_records"] == {"unit": record_digest(quoted)}
    assert stale_quotes(tmp_path) == []
    _save(results / "other", samples)  # a third record, read only after "reader" saved its own ...
    (results / "other" / "unit.json").rename(results / "third.json")
    third = load_result("third", root=tmp_path)
    on_disk = json.loads((results / "reader.json").read_text())  # ... still lands in the reader's record
    assert on_disk["read_records"] == {"third": record_digest(third), "unit": record_digest(quoted)}
    assert "reader" not in json.loads((results / "unit.json").read_text())["read_records"]  # only the saver's own
    (results / "third.json").unlink()
    on_disk["read_records"].pop("third")
    (results / "reader.json").write_text(json.dumps(on_disk))

    path = results / "unit.json"
    rerun = json.loads(path.read_text()) | {"date": "2099-01-01"}
    rerun["cost"]["train_seconds"] = 99.0
    timed = rerun | {"extra": {"runs": [{"train_seconds": 3.0, "ms_per_image": 2.0}], "ais": {"seconds": 4.0}}}
    slower = rerun | {"extra": {"runs": [{"train_seconds": 30.0, "ms_per_image": 20.0}], "ais": {"seconds": 40.0}}}
    assert record_digest(timed) == record_digest(slower)  # timings in extra, at any depth, are not quoted numbers
    assert record_digest(timed) != record_digest(timed | {"extra": {"runs": [{"train_seconds": 3.0, "fd": 1.0}]}})
    path.write_text(json.dumps(rerun))  # the same numbers, another day and timing: still current
    assert stale_quotes(tmp_path) == []
    rerun["samples"]["metrics"]["frechet_distance"]["model"] += 1.0
    path.write_text(json.dumps(rerun))  # a number the reader printed has changed
    assert stale_quotes(tmp_path) == [
        "reader: its notebook quotes the unit record, which has changed since: re-run it (make gifs)"
    ]
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "99_reader.ipynb").write_text("{}")
    assert stale_quotes(tmp_path)[0].endswith("re-run it (make gifs NB=99_reader)")  # names the notebook to re-run
    path.unlink()
    assert "which is gone" in stale_quotes(tmp_path)[0]
    _QUOTED.clear()
    _SAVED.clear()


def test_committed_records_quote_the_current_records():
    from dgm_utils.modes import course_root
    from dgm_utils.records import stale_quotes

    assert stale_quotes(course_root()) == [], "a notebook's committed outputs quote another family's old record"


def test_quote_records_prints_each_record_or_says_it_is_missing(tmp_path, quick):
    from dgm_utils.records import _QUOTED, _SAVED, quote_records

    results = tmp_path / "results"
    samples = load_digits().train.x[:200]
    _save(results, samples, likelihood=Likelihood(90.0, "upper bound", "test"), model="model U")
    (results / "unit.json").rename(results / "first.json")
    _save(results, samples.flip(-1), model="model T", sampler="a tuned one", own_samples=samples,
          own_sampler="its own", likelihood_note="it has none")  # fmt: skip
    (results / "unit.json").rename(results / "second.json")
    first, second = (json.loads((results / f"{n}.json").read_text()) for n in ("first", "second"))

    lik = quote_records(["first", "second", "absent"], "likelihood", root=tmp_path).splitlines()
    assert lik[0] == "first: 90.00 nats = 2.029 bits/dim, upper bound; model U"
    assert lik[1] == "second: no likelihood (it has none); model T"
    assert lik[2] == "absent: not run yet (no results/absent.json)"

    fd = first["samples"]["metrics"]["frechet_distance"]
    out = quote_records(["first", "second"], "samples", root=tmp_path).splitlines()
    m = first["samples"]["metrics"]
    assert out[0] == (f"first: FD {fd['model']:.2f} = {fd['model'] / fd['floor']:.2f}x floor, precision "
                      f"{m['precision']['model']:.3f}, density {m['density']['model']:.3f}, coverage "
                      f"{m['coverage']['model']:.3f}; model U")  # fmt: skip
    assert out[1] == "  sampler: the model's own" and out[2].startswith("second: FD ")
    assert out[3] == "  sampler: a tuned one"  # a tuned sampler: the model's own samples quoted beside it
    own_fd = second["own_samples"]["metrics"]["frechet_distance"]["model"]
    assert out[4].startswith(f"  own samples: FD {own_fd:.2f} = ") and out[4].endswith("; its own") and len(out) == 5
    assert own_fd == pytest.approx(fd["model"]) and second["samples"]["metrics"]["frechet_distance"]["model"] != own_fd

    second["extra"] = {"family_best_nll": {"model": "another net", "nats": 80.0, "kind": "exact"}}
    second["likelihood"] = first["likelihood"]
    (results / "second.json").write_text(json.dumps(second))
    lines = quote_records(["second"], "likelihood", root=tmp_path).splitlines()
    assert lines[1] == "  (family best in its notebook: 80.00 nats, exact; another net)"
    with pytest.raises(ValueError, match="kind"):
        quote_records(["first"], "nll", root=tmp_path)
    with pytest.raises(TypeError, match="list"):
        quote_records("first", "samples", root=tmp_path)
    _QUOTED.clear()
    _SAVED.clear()
