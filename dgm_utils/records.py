"""One call at the end of every notebook: write results/<name>.json and <name>_samples.npy."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .atomic import atomic_write, atomic_write_text
from .data import check_digits
from .features import load_classifier
from .likelihood import Likelihood
from .metrics import evaluate_samples
from .modes import budget, course_root, mode_name, output_dirs

N_SAMPLES = 1000  #: samples every full run records and scores
N_SAMPLES_QUICK = 200  #: quick mode scores fewer, to keep the tests fast


_QUOTED: dict[str, str] = {}  # record name -> record_digest of what load_result returned in this process
_SAVED: dict[str, Path] = {}  # record name -> the file save_results wrote in this process


def n_eval_samples() -> int:
    """How many samples a notebook draws for the record: 1000 (full mode) or 200 (quick mode)."""
    return budget(full=N_SAMPLES, quick=N_SAMPLES_QUICK)


def _device_name(device: torch.device | str) -> str:
    device = torch.device(device)
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return f"{device} ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)"


def save_results(
    name: str,
    samples: torch.Tensor | np.ndarray,
    *,
    model: str,
    sampler: str,
    own_samples: torch.Tensor | np.ndarray | None = None,
    own_sampler: str | None = None,
    n_params: int,
    train_seconds: float,
    sample_ms_per_image: float,
    device: torch.device | str,
    likelihood: Likelihood | None = None,
    likelihood_note: str | None = None,
    extra: dict[str, Any] | None = None,
    ood: dict[str, Any] | None = None,
    results_dir: str | Path | None = None,
) -> dict:
    """Evaluate ``samples`` and write ``<name>.json`` and ``<name>_samples.npy`` to the results folder.

    ``samples`` must be :func:`n_eval_samples` integer images in 0..16 (1000 in full mode),
    checked before anything is written. ``model`` names the network the record belongs to
    (its likelihood and its samples); ``sampler`` says how ``samples`` were drawn ("T = 0.9",
    "z from a GMM on the training codes, most likely pixels", ...).

    The model's **own** samples (T = 1, pixels drawn from the decoder, z from the prior,
    fresh chains) are always scored: pass them as ``own_samples`` with ``own_sampler``
    when ``samples`` come from a tuned sampler; leave both out when ``samples`` *are* the
    model's own, and the record says so.
    They go to ``<name>_own_samples.npy`` beside the recorded ones.
    ``read_records`` in the record lists the other records this process read with
    :func:`load_result` (each by :func:`record_digest`), so :func:`stale_quotes` can tell
    when a notebook's outputs quote a record that has changed since.
    ``likelihood=None`` records that the family has no likelihood; ``likelihood_note`` says why
    instead, where the family has one that could not be measured ("AIS failed: ..."); the
    README's table shows it in place of the number. ``ood`` is the result of
    :func:`dgm_utils.ood.evaluate_ood` (AUROC of test digits vs each OOD set), for models
    with a likelihood, a bound or an energy. Both files are written
    atomically; the results folder is this mode's (see :func:`dgm_utils.modes.output_dirs`).
    Returns the record that was written.
    """
    if not name.replace("_", "").isalnum():
        raise ValueError(f"name must be letters, digits and underscores, got {name!r}")
    if not sampler.strip():
        raise ValueError("sampler: say how the samples were drawn")
    if likelihood_note is not None and (likelihood is not None or not likelihood_note.strip()):
        raise ValueError("likelihood_note: a non-empty reason, and only when likelihood is None")
    if (own_samples is None) != (own_sampler is None):
        raise ValueError("own_samples and own_sampler go together: pass both (a tuned sampler) or neither")
    x = check_digits(samples, "samples")
    if len(x) != n_eval_samples():
        raise ValueError(f"samples: expected {n_eval_samples()} images in {mode_name()} mode, got {len(x)}")
    own = None if own_samples is None else check_digits(own_samples, "own_samples")
    if own is not None and len(own) != n_eval_samples():
        raise ValueError(f"own_samples: expected {n_eval_samples()} images in {mode_name()} mode, got {len(own)}")
    if extra is not None:
        json.dumps(extra)  # fail before writing anything if extra is not JSON
    sets = ood.get("sets") if isinstance(ood, dict) else None
    if ood is not None and not (
        isinstance(sets, dict) and all(isinstance(v, dict) and "auroc" in v for v in sets.values())
    ):
        raise ValueError("ood: pass the dict returned by dgm_utils.ood.evaluate_ood")
    _, clf = load_classifier()
    evaluation = evaluate_samples(x)
    record = {
        "name": name,
        "model": model,
        "sampler": sampler,
        "sampler_is_own": own is None,
        "mode": mode_name(),
        "likelihood": likelihood.as_dict() if likelihood is not None else None,
        "likelihood_note": likelihood_note,
        "samples": evaluation,
        "own_sampler": sampler if own is None else own_sampler,
        "own_samples": evaluation if own is None else evaluate_samples(own),
        "feature_classifier_test_accuracy": clf["test_accuracy"],
        "cost": {
            "parameters": int(n_params),
            "train_seconds": round(float(train_seconds), 1),
            "sample_ms_per_image": round(float(sample_ms_per_image), 3),
            "device": _device_name(device),
            "torch": torch.__version__,
        },
        "date": _dt.date.today().isoformat(),
        "ood": ood,
        "extra": extra or {},
        "read_records": {other: digest for other, digest in sorted(_QUOTED.items()) if other != name},
    }
    folder = Path(results_dir) if results_dir is not None else output_dirs().results
    folder.mkdir(parents=True, exist_ok=True)
    array = x.numpy().astype(np.int8)
    atomic_write(folder / f"{name}_samples.npy", lambda tmp: np.save(tmp, array))  # tmp ends in .npy: no suffix added
    if own is not None:
        own_array = own.numpy().astype(np.int8)
        atomic_write(folder / f"{name}_own_samples.npy", lambda tmp: np.save(tmp, own_array))
    _write_record(folder / f"{name}.json", record)
    _SAVED[name] = folder / f"{name}.json"
    return record


def _write_record(path: Path, record: dict) -> None:
    """The one format of a record file: indented JSON, written atomically (a crash leaves the old file whole)."""
    atomic_write_text(path, json.dumps(record, indent=2) + "\n")


def load_result(name: str, root: str | Path | None = None) -> dict | None:
    """Another notebook's committed full-run record, ``results/<name>.json``, or None if absent.

    For prose that quotes another family's number: read it, never type it. Always the
    committed full-mode record (also in quick mode, whose scratch results are not worth
    quoting); None outside a checkout (say on Colab), so callers print "not run yet".
    What it returned is noted (by :func:`record_digest`) in the ``read_records`` of the record
    this process saves with :func:`save_results`, or has already saved: the one file it writes.
    """
    if not name.replace("_", "").isalnum():
        raise ValueError(f"name must be letters, digits and underscores, got {name!r}")
    path = Path(root if root is not None else course_root()) / "results" / f"{name}.json"
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    _QUOTED[name] = record_digest(record)  # save_results writes it into the reader's record ...
    for own_name, own_path in _SAVED.items():  # ... or, read after the reader saved its record, adds it there
        own = json.loads(own_path.read_text()) if own_path.exists() else None
        if own is not None and own_name != name and own.get("read_records", {}).get(name) != _QUOTED[name]:
            own["read_records"] = dict(sorted({**own.get("read_records", {}), name: _QUOTED[name]}.items()))
            _write_record(own_path, own)
    return record


QUOTE_KINDS = ("likelihood", "samples")


def quote_records(names: list[str] | tuple[str, ...], kind: str, root: str | Path | None = None) -> str:
    """Other notebooks' committed records, quoted for printing: one block per name, "not run yet" if absent.

    ``kind="likelihood"``: the recorded NLL in nats and bits/dim, its kind (exact, upper bound,
    estimate) and the model, or "no likelihood" and the record's reason; an ARM record's
    family best (``extra["family_best_nll"]``) when it is another model than the recorded one.
    ``kind="samples"``: the recorded samples' Frechet distance against its floor, their precision,
    density and coverage, the model and the sampler that drew them and, for a
    tuned sampler, the model's own samples' Frechet distance beside it.
    Reads each record with :func:`load_result`, so the reader's own record notes what it quoted.
    """
    if kind not in QUOTE_KINDS:
        raise ValueError(f"kind must be one of {QUOTE_KINDS}, got {kind!r}")
    if isinstance(names, str):
        raise TypeError(f"names must be a list of record names, got the string {names!r}")
    blocks = []
    for name in names:
        rec = load_result(name, root=root)
        if rec is None:
            blocks.append(f"{name}: not run yet (no results/{name}.json)")
        elif kind == "likelihood":
            lik = rec["likelihood"]
            if lik is None:
                reason = rec.get("likelihood_note") or "the family has none"
                blocks.append(f"{name}: no likelihood ({reason}); {rec['model']}")
                continue
            nll = f"{lik['nats']:.2f} nats = {lik['bits_per_dim']:.3f} bits/dim, {lik['kind']}"
            lines = [f"{name}: {nll}; {rec['model']}"]
            best = rec.get("extra", {}).get("family_best_nll")
            if best is not None and best["model"] not in rec["model"]:
                best_nll = f"{best['nats']:.2f} nats, {best['kind']}"
                lines.append(f"  (family best in its notebook: {best_nll}; {best['model']})")
            blocks.append("\n".join(lines))
        else:
            m = rec["samples"]["metrics"]
            fd = m["frechet_distance"]
            lines = [f"{name}: FD {fd['model']:.2f} = {fd['model'] / fd['floor']:.2f}x floor, "
                     + ", ".join(f"{k} {m[k]['model']:.3f}" for k in ("precision", "density", "coverage"))
                     + f"; {rec['model']}", f"  sampler: {rec['sampler']}"]  # fmt: skip
            if not rec["sampler_is_own"]:
                own = rec["own_samples"]["metrics"]["frechet_distance"]["model"]
                lines.append(f"  own samples: FD {own:.2f} = {own / fd['floor']:.2f}x floor; {rec['own_sampler']}")
            blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _without_timings(value: Any) -> Any:
    """``value`` with every timing left out: keys ending in "seconds" or "ms_per_image", at any depth."""
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if not k.endswith(("seconds", "ms_per_image"))}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def record_digest(record: dict) -> str:
    """A fingerprint of what a record says: everything but when it was made and how long things took.

    Leaves out ``date``, ``cost`` (parameters, device and timings) and every timing in ``extra``
    (keys ending in "seconds" or "ms_per_image"). Two runs that give the same model, sampler,
    likelihood, metrics, OOD table and extras share it, on any machine and at any speed; any
    changed number changes it.
    """
    content = {key: value for key, value in record.items() if key not in ("date", "cost", "read_records")}
    return hashlib.sha256(json.dumps(_without_timings(content), sort_keys=True).encode()).hexdigest()[:16]


def stale_quotes(root: str | Path | None = None) -> list[str]:
    """One line per committed record whose notebook quoted another record that has changed since.

    Reads ``results/*.json`` under ``root`` (the course root by default) and compares each
    record's ``read_records`` with the digest of the record now on disk. The notebook that wrote
    a stale record printed the other family's old numbers: re-run it (``make gifs NB=...``).
    """
    root = Path(root if root is not None else course_root())
    folder = root / "results"
    current = {
        p.stem: record_digest(json.loads(p.read_text())) for p in sorted(folder.glob("*.json")) if p.stem != "runtimes"
    }
    lines = []
    for reader in sorted(current):
        quoted = json.loads((folder / f"{reader}.json").read_text()).get("read_records", {})
        for other, digest in sorted(quoted.items()):
            if current.get(other) != digest:
                now = "is gone" if other not in current else "has changed since"
                notebooks = sorted((root / "notebooks").glob(f"[0-9][0-9]_{reader}.ipynb"))
                how = f"make gifs NB={notebooks[0].stem}" if notebooks else "make gifs"
                lines.append(f"{reader}: its notebook quotes the {other} record, which {now}: re-run it ({how})")
    return lines
