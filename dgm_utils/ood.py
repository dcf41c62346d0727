"""Out-of-distribution sets and the AUROC of "test digit vs OOD" for any per-image score.

The sets are built offline and deterministically from the test split (same size, integers
0..16 of shape (N, 8, 8)), so every notebook scores the same images:

==================  ==================================================================
``inverted``        16 - x: dark strokes on a bright background
``flipped``         each digit mirrored left-right
``rotated``         each digit turned a quarter turn counter-clockwise
``pixel_shuffled``  each digit's 64 pixels in a random order: its histogram, no shape
``uniform_noise``   every pixel uniform on 0..16
``constant``        one grey level for the whole image (level 0 is a blank image)
``photo_patches``   32x32 crops of the two photographs that ship with scikit-learn
                    (china.jpg, flower.jpg), grey, averaged down to 8x8, quantised to 17 levels
==================  ==================================================================

A notebook passes a function that maps integer images to one score each, *higher meaning
more anomalous* (an NLL in nats, an energy), to :func:`evaluate_ood` and records the result.
Beside each AUROC of the score itself, :func:`evaluate_ood` measures one remedy for the known
failure of likelihoods (Nalisnick et al. 2019: simple images look typical): a **likelihood
ratio** against a background model that knows only how often each grey level appears at each
pixel, score(x) - NLL_background(x) (the idea of Ren et al. 2019 in its simplest form). A
simple image is likely under both models, so the ratio cancels what its simplicity explains.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from .data import MAX_LEVEL, check_digits, load_digits
from .likelihood import independent_pixels_nlls
from .modes import budget

N_QUICK = 100  # reference images scored in quick mode (a smoke test of the code, not a number)

OOD_SET_NAMES = (
    "inverted", "flipped", "rotated", "pixel_shuffled", "uniform_noise", "constant", "photo_patches",
)  # fmt: skip


def _photo_patches(n: int, rng: np.random.Generator) -> torch.Tensor:
    from sklearn.datasets import load_sample_images  # ships with scikit-learn: no download

    photos = [img.mean(axis=2) for img in load_sample_images().images]  # (427, 640) grey in 0..255 each
    out = np.empty((n, 8, 8))
    for i in range(n):
        photo = photos[i % len(photos)]
        r, c = rng.integers(0, photo.shape[0] - 32 + 1), rng.integers(0, photo.shape[1] - 32 + 1)
        crop = photo[r : r + 32, c : c + 32]  # (32, 32)
        out[i] = crop.reshape(8, 4, 8, 4).mean(axis=(1, 3))  # (32, 32) -> (8, 4, 8, 4) -> (8, 8): 4x4 averages
    return torch.from_numpy(np.rint(out / 255 * MAX_LEVEL)).long()


def ood_sets(reference: torch.Tensor, seed: int = 0) -> dict[str, torch.Tensor]:
    """The OOD sets of the module docstring, each the size of ``reference`` (the test split).

    Deterministic for a given ``reference`` and ``seed``; returned on the CPU as int64 (N, 8, 8).
    """
    x = check_digits(reference, "reference").cpu()
    n = len(x)
    rng = np.random.default_rng(seed)
    perms = torch.from_numpy(np.argsort(rng.random((n, 64)), axis=1))  # (n, 64): one permutation per image
    sets = {
        "inverted": MAX_LEVEL - x,
        "flipped": x.flip(-1),
        "rotated": x.rot90(1, dims=(-2, -1)),
        "pixel_shuffled": x.reshape(n, 64).gather(1, perms).reshape(n, 8, 8),
        "uniform_noise": torch.from_numpy(rng.integers(0, MAX_LEVEL + 1, (n, 8, 8))).long(),
        "constant": torch.from_numpy(rng.integers(0, MAX_LEVEL + 1, (n, 1, 1))).long().expand(n, 8, 8).clone(),
        "photo_patches": _photo_patches(n, rng),
    }
    assert tuple(sets) == OOD_SET_NAMES
    return {name: check_digits(s, name) for name, s in sets.items()}


def auroc(in_scores: torch.Tensor | np.ndarray, out_scores: torch.Tensor | np.ndarray) -> float:
    """Area under the ROC curve for telling OOD from in-distribution by a score (higher = more OOD).

    Equals P(score of an OOD image > score of an in-distribution image), ties counted half
    (the Mann-Whitney statistic): 1 separates perfectly, 0.5 is chance, below 0.5 means the
    score ranks the OOD images as *more* typical than the data. +-inf scores are allowed.
    """
    from scipy.stats import rankdata

    a = np.asarray(torch.as_tensor(in_scores).detach().cpu().double()).ravel()
    b = np.asarray(torch.as_tensor(out_scores).detach().cpu().double()).ravel()
    if len(a) == 0 or len(b) == 0:
        raise ValueError(f"auroc needs scores on both sides, got {len(a)} in-distribution and {len(b)} OOD")
    if np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("auroc: scores contain NaN")
    ranks = rankdata(np.concatenate([a, b]))  # average ranks: ties count half
    return float((ranks[len(a) :].sum() - len(b) * (len(b) + 1) / 2) / (len(a) * len(b)))


def evaluate_ood(
    score: Callable[[torch.Tensor], torch.Tensor],
    reference: torch.Tensor,
    *,
    score_name: str,
    seed: int = 0,
    ratio: bool = True,
) -> dict:
    """Score the test digits and every OOD set with ``score``; return AUROCs and score summaries.

    ``score`` maps integer images (N, 8, 8) on the CPU to (N,) numbers, higher meaning more
    anomalous; move them to your device inside it. ``score_name`` says what it is ("test NLL
    bound, nats per image"). ``ratio=False`` leaves out the likelihood ratio, for a score that
    is not an NLL in nats (a discriminator's output), where subtracting an NLL means nothing.
    The result is JSON-ready: pass it to ``save_results(ood=...)``.

    Quick mode scores only the first ``N_QUICK`` (100) reference images and OOD sets of that
    size, so that CI's run of every notebook stays short; ``n_images`` in the result says how
    many were scored.
    """
    if not score_name.strip():
        raise ValueError("score_name: say what the score is")
    x = check_digits(reference, "reference").cpu()
    x = x[: budget(full=len(x), quick=min(len(x), N_QUICK))]  # quick mode: a smoke test on fewer images

    def run(images: torch.Tensor, label: str) -> torch.Tensor:
        s = torch.as_tensor(score(images)).detach().cpu().double().reshape(-1)
        if len(s) != len(images):
            raise ValueError(f"score returned {len(s)} values for {len(images)} {label} images")
        if torch.isnan(s).any():
            raise ValueError(f"score returned NaN for {label} images")
        return s

    train = load_digits().train.x
    s_in = run(x, "test")
    r_in = s_in - independent_pixels_nlls(train, x) if ratio else None  # the ratio against the background model
    blank = run(torch.zeros(1, 8, 8, dtype=torch.long), "blank")  # the simplest image of all
    out = {"score": score_name, "n_images": len(x), "test_median_score": s_in.median().item(),
           "test_best_score": s_in.min().item(), "blank_image_score": blank.item(),
           "ratio": "score minus the NLL (nats) of 64 independent per-pixel categoricals fitted on the train split"
           if ratio else None,
           "sets": {}}  # fmt: skip
    for name, images in ood_sets(x, seed).items():
        s_out = run(images, name)
        out["sets"][name] = {"auroc": auroc(s_in, s_out), "median_score": s_out.median().item()}
        if r_in is not None:
            out["sets"][name]["auroc_ratio"] = auroc(r_in, s_out - independent_pixels_nlls(train, images))
    return out


def format_ood(result: dict) -> str:
    """A plain-text table of :func:`evaluate_ood`'s result: AUROC, AUROC of the ratio, median score per set.

    Then the score of a blank image beside the best-scored test digit, and the sets that the score
    ranks as *more* typical than the test digits (AUROC below 0.5): the failure Nalisnick et al.
    (2019) found for likelihoods, which simple images (a blank one) show most readily.
    The ratio column is the remedy: the score minus the background model's NLL (module doc).
    """
    rows = [f"score: {result['score']} (higher = more anomalous)",
            f"{'set':<16}{'AUROC':>8}{'AUROC of ratio':>16}{'median score':>15}",
            f"{'test digits':<16}{'':>8}{'':>16}{result['test_median_score']:>15.2f}"]  # fmt: skip
    for name, v in result["sets"].items():
        r = f"{v['auroc_ratio']:>16.3f}" if "auroc_ratio" in v else f"{'-':>16}"
        rows.append(f"{name:<16}{v['auroc']:>8.3f}{r}{v['median_score']:>15.2f}")
    blank, best = result["blank_image_score"], result["test_best_score"]
    rows.append(
        f"a blank image scores {blank:.2f}; the most typical test digit {best:.2f}: the blank image looks "
        + ("MORE typical than every test digit" if blank < best else "less typical than the most typical digit")
    )
    fooled = [name for name, v in result["sets"].items() if v["auroc"] < 0.5]
    rows.append(
        "ranked as more typical than the test digits (AUROC < 0.5): " + (", ".join(fooled) if fooled else "none")
    )
    return "\n".join(rows)
