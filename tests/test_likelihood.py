import math

import pytest
import torch

from dgm_utils import independent_pixels_nll  # exported at the top level
from dgm_utils.data import load_digits
from dgm_utils.likelihood import (
    UNIFORM_NLL,
    Likelihood,
    bits_per_dim,
    dequantized_nll,
    independent_pixels_log_probs,
    independent_pixels_nlls,
    iw_bound,
    log_mean_exp,
)


def test_units_and_reference_points():
    assert UNIFORM_NLL == pytest.approx(181.3, abs=0.05)
    assert bits_per_dim(UNIFORM_NLL) == pytest.approx(math.log2(17))
    assert Likelihood(100.0, "exact", "test").bits_per_dim == pytest.approx(100 / (64 * math.log(2)))
    assert dequantized_nll(torch.tensor(0.0)).item() == pytest.approx(UNIFORM_NLL)


def test_log_mean_exp_and_iw_bound():
    w = torch.tensor([[1.0, 2.0], [3.0, 6.0]])
    assert torch.allclose(log_mean_exp(w.log(), dim=0), torch.tensor([2.0, 4.0]).log())
    log_w = torch.randn(1000, 5, generator=torch.Generator().manual_seed(0))
    bounds = [iw_bound(log_w[:k]).mean().item() for k in (1, 10, 1000)]
    assert bounds[0] == pytest.approx(-log_w[0].mean().item())  # K = 1 is the negative ELBO
    assert bounds[0] > bounds[1] > bounds[2]  # the bound tightens with K (on average)


def test_likelihood_rejects_bad_values():
    with pytest.raises(ValueError, match="finite"):
        Likelihood(float("nan"), "exact", "x")
    with pytest.raises(ValueError, match="kind"):
        Likelihood(1.0, "approximate", "x")
    with pytest.raises(ValueError, match="standard_error"):
        Likelihood(1.0, "exact", "x", standard_error=-0.1)
    assert "± 0.50" in str(Likelihood(90.0, "upper bound", "x", standard_error=0.5))
    assert Likelihood(90.0, "upper bound", "x", standard_error=0.5).as_dict()["standard_error"] == 0.5


def test_independent_pixels_nll_by_hand():
    train = torch.zeros(3, 8, 8, dtype=torch.long)  # every pixel 0 in all three images
    test = torch.zeros(2, 8, 8, dtype=torch.long)
    test[1, 0, 0] = 16  # one pixel at a level never seen in train
    p0, p_unseen = 3.5 / (3 + 17 * 0.5), 0.5 / (3 + 17 * 0.5)  # add-1/2 smoothing
    nll_0 = -64 * math.log(p0)
    nll_1 = -63 * math.log(p0) - math.log(p_unseen)
    assert independent_pixels_nll(train, test) == pytest.approx((nll_0 + nll_1) / 2)
    # with smoothing -> infinity every pixel becomes uniform: the uniform model
    assert independent_pixels_nll(train, test, smoothing=1e9) == pytest.approx(UNIFORM_NLL, rel=1e-6)


def test_independent_pixels_nll_rejects_bad_input():
    x = torch.zeros(2, 8, 8, dtype=torch.long)
    with pytest.raises(ValueError, match="0..16|outside"):
        independent_pixels_nll(x + 17, x)
    with pytest.raises(ValueError, match="smoothing"):
        independent_pixels_nll(x, x, smoothing=0)


def test_independent_pixels_log_probs_are_the_baselines_model():
    d = load_digits()
    log_p = independent_pixels_log_probs(d.train.x)
    assert log_p.shape == (64, 17) and torch.allclose(log_p.exp().sum(1), torch.ones(64, dtype=torch.float64))
    by_hand = -log_p.gather(1, d.test.x.reshape(-1, 64).T).sum(0)  # the NLL of each test image under those tables
    assert torch.allclose(by_hand, independent_pixels_nlls(d.train.x, d.test.x))
