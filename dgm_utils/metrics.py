"""Sample-quality metrics in the feature space of the Digits classifier, each beside its floor.

* Frechet distance (FD): ||mu_r - mu_g||^2 + tr(S_r) + tr(S_g) - 2 tr((S_r S_g)^{1/2}), in
  float64; the trace of the matrix square root is the sum of square roots of the
  eigenvalues of S_r S_g (real and >= 0 in exact arithmetic, since it is similar to a
  PSD matrix), which avoids SciPy's fragile ``sqrtm``.
* KID: the unbiased MMD^2 with the polynomial kernel k(a, b) = (a.b / d + 1)^3, averaged
  over random subsets (size no larger than the smaller set).
* Precision, recall, density, coverage with k = 5 nearest neighbours (Naeem et al. 2020).
* The classifier's label histogram of the samples: are all ten digits there?
* Memorisation, in pixel space: the share of samples that copy a training image exactly,
  and how close samples sit to their nearest training image compared with test digits.

Written by hand (about as long as the glue a library would need) so that they run on
any device without downloads; ``tests/test_metrics.py`` checks them against torchmetrics
(FD, KID) and the ``prdc`` package (PRDC) when those are installed.

The **floor** is each metric between the train split (1000 images) and the test split
(447): what a perfect model, one that samples fresh digits from the data distribution,
would score at these sample sizes. Model samples (1000) are scored against the test split.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .data import check_digits, load_digits
from .features import digit_features

#: a digit counts as present when at least this fraction of samples is classified as it
PRESENT_FRACTION = 0.03

#: the metrics, whether lower or higher is better, in reporting order
DIRECTIONS = {
    "frechet_distance": "lower",
    "kid": "lower",
    "precision": "higher",
    "recall": "higher",
    "density": "higher",
    "coverage": "higher",
    "digits_present": "higher",
}


def _check_features(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    a, b = torch.as_tensor(a).cpu().double(), torch.as_tensor(b).cpu().double()  # float64 on the CPU (not on MPS)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"feature sets must be (N, d) with the same d, got {tuple(a.shape)} and {tuple(b.shape)}")
    if len(a) < 2 or len(b) < 2:
        raise ValueError("feature sets need at least 2 rows each")
    if not (torch.isfinite(a).all() and torch.isfinite(b).all()):
        raise ValueError("features contain NaN or infinite values")
    return a, b


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (N, d), (M, d), in float64."""
    a, b = _check_features(a, b)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    eig = torch.linalg.eigvals(cov_a @ cov_b)  # eigenvalues of S_a S_b: real, >= 0 up to round-off
    tr_sqrt = eig.real.clamp(min=0).sqrt().sum()
    fd = (mu_a - mu_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * tr_sqrt
    return max(float(fd), 0.0)


def _poly_kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def kid(
    a: torch.Tensor, b: torch.Tensor, subset_size: int = 1000, n_subsets: int = 100, seed: int = 0
) -> tuple[float, float]:
    """Kernel Inception Distance (Binkowski et al. 2018): mean and std of unbiased MMD^2 over subsets.

    Each subset draws ``m = min(subset_size, len(a), len(b))`` rows of each set without
    replacement. Unbiased, so it can be slightly negative for identical distributions.
    """
    a, b = _check_features(a, b)
    m = min(subset_size, len(a), len(b))
    g = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(n_subsets):
        x = a[torch.randperm(len(a), generator=g)[:m]]
        y = b[torch.randperm(len(b), generator=g)[:m]]
        kxx, kyy, kxy = _poly_kernel(x, x), _poly_kernel(y, y), _poly_kernel(x, y)
        off = m * (m - 1)
        mmd = (kxx.sum() - kxx.trace()) / off + (kyy.sum() - kyy.trace()) / off - 2 * kxy.mean()
        values.append(float(mmd))
    v = np.asarray(values)
    return float(v.mean()), float(v.std())


def prdc(real: torch.Tensor, fake: torch.Tensor, k: int = 5) -> dict[str, float]:
    """Precision, recall, density and coverage (Naeem et al. 2020) with k nearest neighbours.

    A ball around each point reaches its k-th nearest neighbour in its own set.
    precision: share of fakes inside some real ball; recall: share of reals inside some
    fake ball; density: mean number of real balls holding each fake, divided by k;
    coverage: share of real balls that hold at least one fake.
    """
    real, fake = _check_features(real, fake)
    if k >= min(len(real), len(fake)):
        raise ValueError(f"k={k} needs more than k points in each set")

    def kth_radius(x: torch.Tensor) -> torch.Tensor:
        d = torch.cdist(x, x)
        return d.kthvalue(k + 1, dim=1).values  # +1: the distance to itself is 0

    r_real, r_fake = kth_radius(real), kth_radius(fake)
    d = torch.cdist(real, fake)  # (N_real, N_fake)
    inside_real = d < r_real[:, None]  # fake j inside real ball i
    return {
        "precision": inside_real.any(0).double().mean().item(),
        "recall": (d < r_fake[None, :]).any(1).double().mean().item(),
        "density": (inside_real.sum(0).double() / k).mean().item(),
        "coverage": (d.min(1).values < r_real).double().mean().item(),
    }


def label_histogram(labels: torch.Tensor) -> list[float]:
    """Share of samples the classifier assigns to each digit 0..9."""
    counts = torch.bincount(torch.as_tensor(labels).cpu().long().flatten(), minlength=10)[:10].double()
    return (counts / counts.sum()).tolist()


def digits_present(histogram: list[float], fraction: float = PRESENT_FRACTION) -> int:
    """How many of the ten digits make up at least ``fraction`` of the samples."""
    return int(sum(h >= fraction for h in histogram))


def compare(real_x: torch.Tensor, fake_x: torch.Tensor, seed: int = 0) -> dict:
    """All metrics of integer digits ``fake_x`` against ``real_x`` in classifier feature space."""
    fr, _ = digit_features(real_x)
    ff, labels = digit_features(fake_x)
    hist = label_histogram(labels)
    kid_mean, kid_std = kid(fr, ff, seed=seed)
    return {
        "frechet_distance": frechet_distance(fr, ff),
        "kid": kid_mean,
        "kid_std": kid_std,
        **prdc(fr, ff),
        "digits_present": digits_present(hist),
        "label_histogram": hist,
    }


@functools.lru_cache(maxsize=1)
def floor() -> dict:
    """The real-data floor: every metric of the train split (1000) against the test split (447)."""
    d = load_digits("cpu")
    return compare(d.test.x, d.train.x)


def _nearest_train_distance(x: torch.Tensor, train: torch.Tensor) -> torch.Tensor:
    """Euclidean distance (grey levels, 64 pixels) from each image of ``x`` to its nearest training image."""
    return torch.cdist(x.reshape(len(x), -1).double(), train.reshape(len(train), -1).double()).min(dim=1).values


def memorisation(samples: torch.Tensor | np.ndarray) -> dict:
    """How much do samples copy the training split? Each figure beside the test split's own.

    * ``exact_copies``: share of samples identical to some training image (the test
      split's share is the floor: real digits that happen to repeat a training image).
    * ``nearest_train_distance``: median Euclidean distance, in grey levels over the 64
      pixels, from a sample to its nearest training image; the floor is the test digits'
      median. A model that memorises sits well *below* the floor.
    * ``closer_than_test_5pct``: share of samples nearer to the training set than the 5%
      of test digits that are nearest to it; 0.05 by construction for fresh real digits,
      so a value far above 0.05 means near-copies.
    """
    x = check_digits(samples, "samples").cpu()
    d = load_digits("cpu")
    model_d = _nearest_train_distance(x, d.train.x)
    test_d = _nearest_train_distance(d.test.x, d.train.x)
    threshold = torch.quantile(test_d, 0.05)
    train_set = {tuple(row) for row in d.train.x.reshape(len(d.train), -1).tolist()}

    def copies(images: torch.Tensor) -> float:
        return sum(tuple(row) in train_set for row in images.reshape(len(images), -1).tolist()) / len(images)

    return {
        "exact_copies": {"model": copies(x), "floor": copies(d.test.x)},
        "nearest_train_distance": {"model": model_d.median().item(), "floor": test_d.median().item()},
        "closer_than_test_5pct": {"model": (model_d < threshold).double().mean().item(), "floor": 0.05},
        "unit": "Euclidean distance in grey levels over 64 pixels; shares in 0..1",
    }


def evaluate_samples(samples: torch.Tensor | np.ndarray) -> dict:
    """Score integer samples (N, 8, 8) in 0..16 against the test split, beside the floor.

    Returns ``{"n_samples", "reference", "metrics": {name: {"model", "floor", "better"}},
    "label_histogram": {"model", "floor"}, "kid_std": {...}, "memorisation": {...}}``
    (see :func:`memorisation`).
    """
    x = check_digits(samples, "samples")
    d = load_digits("cpu")
    model, base = compare(d.test.x, x), floor()
    return {
        "n_samples": len(x),
        "reference": f"test split ({len(d.test)} images); floor = train split ({len(d.train)}) vs test split",
        "metrics": {
            name: {"model": model[name], "floor": base[name], "better": better} for name, better in DIRECTIONS.items()
        },
        "kid_std": {"model": model["kid_std"], "floor": base["kid_std"]},
        "label_histogram": {"model": model["label_histogram"], "floor": base["label_histogram"]},
        "memorisation": memorisation(x),
    }


def validation_floor() -> float:
    """Frechet distance of the train split to the validation split: the floor of validation FDs.

    The unshuffled validation images differ from the training images more than the test
    images do, so this floor is well above the test floor; compare a validation FD with it.
    """
    return frechet_distance(_split_features("val"), _split_features("train"))


def choose_by_validation_fd(candidates: dict, describe: Callable[[Any], str] = str) -> tuple[Any, dict]:
    """Pick the sampler whose samples have the lowest Frechet distance to the validation split.

    ``candidates`` maps a sampler's key (a temperature, a (network, T) pair, ...) to its
    integer samples. Prints one line per candidate and the validation floor, marks the
    choice, and returns ``(chosen key, {key: validation FD})``. The test split is never used,
    so the test metrics of the chosen sampler stay an honest measurement.
    """
    if not candidates:
        raise ValueError("choose_by_validation_fd: no candidates given")
    fds = {key: frechet_distance_to_split(x, "val") for key, x in candidates.items()}
    chosen = min(fds, key=fds.get)
    floor_label = "floor: the train split itself"
    width = max(len(floor_label), *(len(describe(key)) for key in fds))
    for key, fd in fds.items():
        mark = "  <- chosen" if key == chosen else ""
        print(f"{describe(key):<{width}}  Fréchet distance to the validation digits {fd:7.2f}{mark}")
    print(f"{floor_label:<{width}}  Fréchet distance to the validation digits {validation_floor():7.2f}")
    return chosen, fds


def frechet_distance_to_split(samples: torch.Tensor | np.ndarray, split: str = "val") -> float:
    """Frechet distance of integer samples (N, 8, 8) to one data split, for *choosing* sampler settings.

    Tune a sampling knob (a temperature, a number of steps) against ``split="val"``, never
    against the test split that the reported numbers use. With ``split="test"`` it gives the
    Frechet distance that :func:`evaluate_samples` reports, without the other metrics (for
    measuring, say, how much that number moves between sampling seeds).
    """
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    fake, _ = digit_features(check_digits(samples, "samples"))
    return frechet_distance(_split_features(split), fake)


def fresh_draw_fds(
    draw: Callable[[torch.Generator], torch.Tensor | np.ndarray], n_draws: int, split: str = "test", seed: int = 100
) -> dict[str, Any]:
    """Frechet distances of ``n_draws`` fresh sample sets to one data split, and their summary.

    ``draw(generator)`` returns one set of integer samples (N, 8, 8), drawing all its randomness
    from ``generator``; draw ``d`` gets ``torch.Generator().manual_seed(seed + d)``, so the sets are
    reproducible and a caller can pass the same seeds to several samplers (common random numbers).
    Returns ``{"mean", "sd", "min", "max", "fds"}``: ``sd`` is the spread over draws (the uncertainty
    of one draw's distance), ``sd / sqrt(n_draws)`` the standard error of the mean. Unlike
    :func:`frechet_distance_spread` it sees how far another draw lands, lucky draws included, but
    still not the noise of the fixed reference split or of training.
    """
    if n_draws < 2:
        raise ValueError(f"n_draws must be at least 2 (a spread needs two), got {n_draws}")
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    fds = [frechet_distance_to_split(draw(torch.Generator().manual_seed(seed + d)), split) for d in range(n_draws)]
    t = torch.tensor(fds)
    return {"mean": t.mean().item(), "sd": t.std().item(), "min": t.min().item(), "max": t.max().item(), "fds": fds}


def frechet_distance_spread(
    samples: torch.Tensor | np.ndarray, n_boot: int = 50, seed: int = 0, split: str = "test"
) -> float:
    """Bootstrap standard deviation of the Frechet distance of integer samples (N, 8, 8) to one data split.

    Resamples the N samples with replacement ``n_boot`` times and recomputes the distance to the
    split, which stays fixed: how much the number moves with the draw of the samples alone, around
    the one draw at hand (a lucky draw looks as precise as a typical one), without the noise of the
    reference images or of training. Read it as a rough lower gauge of one distance's uncertainty;
    :func:`fresh_draw_fds` measures fresh draws instead, where sampling is cheap.
    """
    if n_boot < 2:
        raise ValueError(f"n_boot must be at least 2, got {n_boot}")
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    fake, _ = digit_features(check_digits(samples, "samples"))
    real = _split_features(split)
    g = torch.Generator().manual_seed(seed)
    boots = [frechet_distance(real, fake[torch.randint(len(fake), (len(fake),), generator=g)]) for _ in range(n_boot)]
    return float(torch.tensor(boots).std())


@functools.lru_cache(maxsize=3)
def _split_features(split: str) -> torch.Tensor:
    """Classifier features of one data split, computed once per process."""
    return digit_features(getattr(load_digits("cpu"), split).x)[0]


def format_table(evaluation: dict, columns: dict[str, dict] | None = None) -> str:
    """A plain-text table of metrics beside their floors.

    ``evaluation`` is what :func:`evaluate_samples` returns; ``columns`` (name -> evaluation)
    puts several models side by side, each against the same floor.
    """
    columns = columns or {"model": evaluation}
    width = max(10, *(len(name) + 2 for name in columns))
    rows = [f"{'metric':<16}" + "".join(f"{name:>{width}}" for name in columns) + f"{'floor':>10}   better"]
    for name, m in evaluation["metrics"].items():
        fmt = ".0f" if name == "digits_present" else (".4f" if name == "kid" else ".3f")
        cells = "".join(f"{c['metrics'][name]['model']:>{width}{fmt}}" for c in columns.values())
        rows.append(f"{name:<16}{cells}{m['floor']:>10{fmt}}   {m['better']}")
    if all("memorisation" in c for c in columns.values()) and "memorisation" in evaluation:
        for key, label in (("exact_copies", "train copies"), ("nearest_train_distance", "NN train dist"),
                           ("closer_than_test_5pct", "near-copies")):  # fmt: skip
            cells = "".join(f"{c['memorisation'][key]['model']:>{width}.3f}" for c in columns.values())
            rows.append(f"{label:<16}{cells}{evaluation['memorisation'][key]['floor']:>10.3f}   near floor")
    return "\n".join(rows)
