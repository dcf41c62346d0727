"""OOD sets (shapes, ranges, determinism, what each set is) and the AUROC helper against scikit-learn."""

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from dgm_utils import OOD_SET_NAMES, auroc, evaluate_ood, format_ood, load_digits, ood_sets


@pytest.fixture(scope="module")
def test_x():
    return load_digits().test.x


def test_sets_have_the_test_splits_shape_range_and_are_deterministic(test_x):
    a, b, other_seed = ood_sets(test_x), ood_sets(test_x), ood_sets(test_x, seed=1)
    assert tuple(a) == OOD_SET_NAMES
    for name, images in a.items():
        assert images.shape == test_x.shape and images.dtype == torch.int64, name
        assert images.min() >= 0 and images.max() <= 16, name
        assert torch.equal(images, b[name]), name
    for name in ("pixel_shuffled", "uniform_noise", "constant", "photo_patches"):  # the random ones
        assert not torch.equal(a[name], other_seed[name]), name


def test_each_set_is_what_it_says(test_x):
    s = ood_sets(test_x)
    assert torch.equal(s["inverted"], 16 - test_x)
    assert torch.equal(s["flipped"][:, :, 0], test_x[:, :, 7])
    assert torch.equal(s["rotated"].rot90(-1, dims=(-2, -1)), test_x)
    assert torch.equal(s["pixel_shuffled"].reshape(-1, 64).sort(1).values, test_x.reshape(-1, 64).sort(1).values)
    assert not torch.equal(s["pixel_shuffled"], test_x)
    flat = s["constant"].reshape(len(test_x), 64)
    assert torch.all(flat == flat[:, :1]) and len(flat[:, 0].unique()) > 10
    photo = s["photo_patches"].float()
    assert photo.std(dim=(1, 2)).mean() < test_x.float().std(dim=(1, 2)).mean()  # photos are smoother than digits
    assert len(photo.unique()) > 10


def test_bad_reference_is_refused():
    with pytest.raises(ValueError, match="0..16"):
        ood_sets(torch.full((3, 8, 8), 17))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auroc_matches_scikit_learn_with_ties(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 5, 40).astype(float), rng.integers(1, 7, 30).astype(float)  # many ties
    expected = roc_auc_score(np.r_[np.zeros(40), np.ones(30)], np.r_[a, b])
    assert auroc(torch.tensor(a), b) == pytest.approx(expected, abs=1e-12)


def test_auroc_edges():
    assert auroc([0.0, 1.0], [2.0, np.inf]) == 1.0
    assert auroc([2.0, 3.0], [0.0, 1.0]) == 0.0
    assert auroc([1.0, 1.0], [1.0]) == 0.5
    with pytest.raises(ValueError, match="NaN"):
        auroc([1.0, np.nan], [0.0])
    with pytest.raises(ValueError, match="both sides"):
        auroc([], [0.0])


def test_evaluate_ood_with_a_score_that_knows_the_digits(test_x):
    ink = lambda x: -(x.float().std(dim=(1, 2)))  # noqa: E731  low contrast = anomalous
    out = evaluate_ood(ink, test_x, score_name="minus pixel std")
    assert set(out["sets"]) == set(OOD_SET_NAMES) and out["score"] == "minus pixel std"
    assert out["sets"]["constant"]["auroc"] == 1.0  # std 0 beats every digit
    assert out["sets"]["pixel_shuffled"]["auroc"] == pytest.approx(0.5, abs=1e-9)  # same std per image
    scored = test_x[: out["n_images"]]  # all of them in full mode, the first 100 in quick mode
    assert out["blank_image_score"] == 0.0 and out["test_best_score"] == pytest.approx(
        -scored.float().std(dim=(1, 2)).max()
    )
    text = format_ood(out).splitlines()
    assert len(text) == 3 + len(OOD_SET_NAMES) + 2 and text[0].startswith("score: minus pixel std")
    assert "less typical than the most typical digit" in text[-2]  # a blank image has std 0: the most anomalous
    ink_sum = evaluate_ood(lambda x: x.float().sum(dim=(1, 2)), test_x, score_name="total ink", ratio=False)
    assert "MORE typical than every test digit" in format_ood(ink_sum).splitlines()[-2]  # blank: 0 ink, the least
    assert ink_sum["ratio"] is None and all("auroc_ratio" not in v for v in ink_sum["sets"].values())
    fooled = [s for s, v in out["sets"].items() if v["auroc"] < 0.5]
    assert text[-1].endswith(", ".join(fooled) if fooled else "none")
    with pytest.raises(ValueError, match="values for"):
        evaluate_ood(lambda x: torch.zeros(3), test_x, score_name="s")
    with pytest.raises(ValueError, match="NaN"):
        evaluate_ood(lambda x: torch.full((len(x),), float("nan")), test_x, score_name="s")


def test_ratio_of_the_background_model_itself_is_chance(test_x):
    from dgm_utils import independent_pixels_nll, independent_pixels_nlls

    train = load_digits().train.x
    per_image = independent_pixels_nlls(train, test_x)
    assert per_image.shape == (len(test_x),) and per_image.mean().item() == pytest.approx(
        independent_pixels_nll(train, test_x)
    )
    out = evaluate_ood(lambda x: independent_pixels_nlls(train, x), test_x, score_name="background NLL")
    assert out["blank_image_score"] < out["test_best_score"]  # the blank image fools the background model
    assert out["sets"]["constant"]["auroc"] < 1.0
    for name, v in out["sets"].items():
        assert v["auroc_ratio"] == 0.5, name  # score - background = 0 for every image: all ties


@pytest.mark.parametrize("quick_mode", [False, True])
def test_quick_mode_scores_the_first_100_images_and_full_mode_all(test_x, monkeypatch, quick_mode):
    if quick_mode:
        monkeypatch.setenv("DGM_QUICK", "1")
    else:
        monkeypatch.delenv("DGM_QUICK", raising=False)
    seen = []
    out = evaluate_ood(lambda x: seen.append(x.clone()) or x.float().mean(dim=(1, 2)), test_x, score_name="mean")
    n = 100 if quick_mode else len(test_x)
    assert out["n_images"] == n and torch.equal(seen[0], test_x[:n])  # the first n test digits, in order
    assert [len(s) for s in seen] == [n, 1] + [n] * len(OOD_SET_NAMES)  # test digits, the blank image, each set
