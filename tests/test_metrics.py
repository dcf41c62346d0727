import numpy as np
import pytest
import torch

from dgm_utils.data import load_digits
from dgm_utils.features import digit_features, load_classifier
from dgm_utils.metrics import evaluate_samples, floor, frechet_distance, kid, prdc


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def feats(digits):
    f_train, _ = digit_features(digits.train.x)
    f_test, _ = digit_features(digits.test.x)
    return f_train, f_test


def test_classifier_is_accurate(digits):
    net, info = load_classifier()
    acc = (net(digits.test.x).argmax(1) == digits.test.y).float().mean().item()
    assert acc == pytest.approx(info["test_accuracy"]) and acc >= 0.97


def test_frechet_distance_zero_on_itself_and_symmetric(feats):
    a, b = feats
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-6)
    assert frechet_distance(a, b + 1.0) > frechet_distance(a, b)


def test_frechet_distance_of_gaussians_matches_closed_form():
    # N(0, I) vs N(m, 4I) in d dims: |m|^2 + d + 4d - 2 * 2d = |m|^2 + d
    g = torch.Generator().manual_seed(0)
    d = 4
    x = torch.randn(200_000, d, generator=g, dtype=torch.float64)
    y = 2 * torch.randn(200_000, d, generator=g, dtype=torch.float64) + 1.0
    assert frechet_distance(x, y) == pytest.approx(d + d, rel=0.02)


def test_kid_of_two_real_halves_is_within_noise_of_zero(feats):
    a, _ = feats
    perm = torch.randperm(len(a), generator=torch.Generator().manual_seed(0))
    mean, std = kid(a[perm[:500]], a[perm[500:]], subset_size=200, n_subsets=100)
    assert abs(mean) < 3 * std + 1e-4


def test_prdc_of_a_set_with_itself(feats):
    a, _ = feats
    r = prdc(a, a)
    assert r["precision"] == r["recall"] == r["coverage"] == 1.0


def test_against_reference_implementations(feats):
    a, b = feats
    prdc_ref = pytest.importorskip("prdc")
    ref = prdc_ref.compute_prdc(real_features=a.numpy(), fake_features=b.numpy(), nearest_k=5)
    ours = prdc(a, b)
    for key in ours:
        assert ours[key] == pytest.approx(ref[key], abs=1e-9), key
    pytest.importorskip("torchmetrics")
    from torchmetrics.image.fid import _compute_fid

    ref_fd = _compute_fid(a.mean(0), torch.cov(a.T), b.mean(0), torch.cov(b.T)).item()
    assert frechet_distance(a, b) == pytest.approx(ref_fd, rel=1e-5)
    from torchmetrics.image.kid import maximum_mean_discrepancy, poly_kernel

    perm = torch.randperm(1000, generator=torch.Generator().manual_seed(0))[:447]
    ours_mmd, _ = kid(a[perm], b, n_subsets=1)  # one subset: all 447 rows of both sets
    ref_mmd = maximum_mean_discrepancy(poly_kernel(a[perm], a[perm]), poly_kernel(a[perm], b), poly_kernel(b, b))
    assert ours_mmd == pytest.approx(ref_mmd.item(), rel=1e-6)


def test_degenerate_generators_score_far_worse_than_the_floor(digits):
    base = floor()
    one_digit = digits.train.x[:1].repeat(1000, 1, 1)  # a real image, repeated: total mode collapse
    blank = torch.zeros(1000, 8, 8, dtype=torch.long)  # nothing like a digit
    for samples in (one_digit, blank):
        m = evaluate_samples(samples)["metrics"]
        assert m["frechet_distance"]["model"] > 10 * base["frechet_distance"]
        assert m["kid"]["model"] > 10 * max(base["kid"], 1e-3)
        assert m["recall"]["model"] < 0.1 < base["recall"]
        assert m["coverage"]["model"] < 0.1 < base["coverage"]
        assert m["digits_present"]["model"] == 1 and base["digits_present"] == 10
    m = evaluate_samples(blank)["metrics"]
    # precision and density measure fidelity only: a collapsed *realistic* image keeps them high
    assert m["precision"]["model"] < 0.1 < base["precision"]
    assert m["density"]["model"] < 0.1 < base["density"]


def test_floor_is_the_train_vs_test_comparison(digits):
    m = evaluate_samples(digits.train.x)["metrics"]
    for name, v in m.items():
        assert v["model"] == pytest.approx(v["floor"]), name


def test_bad_samples_raise_clear_errors():
    with pytest.raises(ValueError, match="shape"):
        evaluate_samples(torch.zeros(10, 9, 9))
    with pytest.raises(ValueError, match="0..16"):
        evaluate_samples(np.full((10, 8, 8), 20))
    with pytest.raises(ValueError, match="NaN"):
        evaluate_samples(np.full((10, 8, 8), np.nan))
    with pytest.raises(ValueError, match="same d"):
        frechet_distance(torch.zeros(5, 3), torch.zeros(5, 4))


def test_frechet_distance_to_split(digits):
    from dgm_utils.metrics import frechet_distance_to_split

    assert frechet_distance_to_split(digits.val.x, "val") == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance_to_split(digits.train.x, "test") == pytest.approx(floor()["frechet_distance"])
    degenerate = digits.train.x[:1].expand(200, 8, 8)
    assert frechet_distance_to_split(degenerate, "val") > 10 * frechet_distance_to_split(digits.train.x, "val")
    with pytest.raises(ValueError, match="split"):
        frechet_distance_to_split(digits.val.x, "validation")


def test_format_table_puts_models_side_by_side(digits):
    from dgm_utils.metrics import format_table

    ev = evaluate_samples(digits.train.x[:300])
    one = format_table(ev).splitlines()
    assert one[0].split() == ["metric", "model", "floor", "better"] and len(one) == 1 + len(ev["metrics"]) + 3
    assert one[-3].startswith("train copies") and one[-3].split()[2] == "1.000"  # training images copy themselves
    two = format_table(ev, {"first": ev, "second model": ev}).splitlines()
    assert two[0].split()[:3] == ["metric", "first", "second"]
    fd_row = two[1].split()
    assert (
        fd_row[0] == "frechet_distance"
        and fd_row[1] == fd_row[2] == f"{ev['metrics']['frechet_distance']['model']:.3f}"
    )


def test_memorisation_separates_copies_from_fresh_digits(digits):
    from dgm_utils.metrics import memorisation

    copies = memorisation(digits.train.x[:300])
    assert copies["exact_copies"]["model"] == 1.0
    assert copies["nearest_train_distance"]["model"] == 0.0
    assert copies["closer_than_test_5pct"]["model"] == 1.0
    fresh = memorisation(digits.val.x)  # real digits the training split has not seen
    assert fresh["exact_copies"]["floor"] == copies["exact_copies"]["floor"] < 0.05
    assert fresh["nearest_train_distance"]["model"] > 0.8 * fresh["nearest_train_distance"]["floor"]
    assert fresh["closer_than_test_5pct"]["model"] < 0.15
    # half copies, half fresh: the copy share says so exactly
    mixed = memorisation(torch.cat([digits.train.x[:100], digits.val.x[:100]]))
    assert mixed["exact_copies"]["model"] == 0.5
    with pytest.raises(ValueError, match="0..16"):
        memorisation(digits.val.x + 1)


def test_choose_by_validation_fd_picks_the_lowest_and_prints_the_floor(digits, capsys):
    from dgm_utils.metrics import choose_by_validation_fd, frechet_distance_to_split, validation_floor

    degenerate = digits.train.x[:1].expand(300, 8, 8)
    chosen, fds = choose_by_validation_fd({0.5: degenerate, 1.0: digits.train.x}, describe=lambda t: f"T = {t}")
    assert chosen == 1.0 and fds[0.5] > fds[1.0]
    assert fds[1.0] == pytest.approx(frechet_distance_to_split(digits.train.x, "val"))
    assert validation_floor() == pytest.approx(fds[1.0])  # the train split *is* the floor's sampler
    out = capsys.readouterr().out
    assert "T = 1.0" in out and "<- chosen" in out and "floor" in out
    with pytest.raises(ValueError, match="no candidates"):
        choose_by_validation_fd({})


def test_frechet_distance_spread_shrinks_with_more_samples(digits):
    from dgm_utils.metrics import frechet_distance_spread

    few, many = digits.train.x[:100], digits.train.x
    sd_few = frechet_distance_spread(few, n_boot=20)
    sd_many = frechet_distance_spread(many, n_boot=20)
    assert 0 < sd_many < sd_few  # 100 real digits pin the distance down less than 1000 do
    assert sd_many < floor()["frechet_distance"]  # a spread, not a distance: well below the number itself
    assert frechet_distance_spread(few, n_boot=20) == sd_few  # the same seed, the same resamples
    assert frechet_distance_spread(few, n_boot=20, seed=1) != sd_few
    with pytest.raises(ValueError, match="n_boot"):
        frechet_distance_spread(few, n_boot=1)
    with pytest.raises(ValueError, match="split"):
        frechet_distance_spread(few, split="validation")


def test_fresh_draw_fds_scores_one_reproducible_set_per_seed(digits):
    from dgm_utils.metrics import frechet_distance_to_split, fresh_draw_fds

    seen = []

    def draw(g: torch.Generator) -> torch.Tensor:
        """200 training digits picked by the generator: a sampler whose only randomness is g."""
        seen.append(g.initial_seed())
        return digits.train.x[torch.randperm(len(digits.train.x), generator=g)[:200]]

    out = fresh_draw_fds(draw, n_draws=4, seed=7)
    assert seen == [7, 8, 9, 10]  # one fresh seed per draw, as documented
    first = digits.train.x[torch.randperm(len(digits.train.x), generator=torch.Generator().manual_seed(7))[:200]]
    assert out["fds"][0] == pytest.approx(frechet_distance_to_split(first, "test"))
    fds = torch.tensor(out["fds"])
    assert len(set(out["fds"])) == 4  # different sets: a generator ignored (or reused) would repeat one distance
    assert out["mean"] == pytest.approx(fds.mean().item()) and out["sd"] == pytest.approx(fds.std().item())
    assert (
        out["min"] == pytest.approx(min(out["fds"])) and out["max"] == pytest.approx(max(out["fds"])) and out["sd"] > 0
    )
    assert fresh_draw_fds(draw, n_draws=4, seed=7)["fds"] == out["fds"]  # reproducible
    assert fresh_draw_fds(draw, n_draws=2, split="val")["fds"][0] == pytest.approx(
        frechet_distance_to_split(draw(torch.Generator().manual_seed(100)), "val")
    )
    with pytest.raises(ValueError, match="n_draws"):
        fresh_draw_fds(draw, n_draws=1)
    with pytest.raises(ValueError, match="split"):
        fresh_draw_fds(draw, n_draws=2, split="validation")
    with pytest.raises(ValueError, match="0..16"):
        fresh_draw_fds(lambda g: digits.train.x[:10] + 20, n_draws=2)
