import math

import numpy as np
import pytest
import torch

from dgm_utils.data import (
    DEQUANT_LOG_DET,
    batches,
    check_digits,
    dequantize,
    dequantize_symmetric,
    from_dequantized_symmetric,
    from_symmetric,
    from_unit,
    load_digits,
    to_symmetric,
)


def test_split_is_fixed_and_unshuffled():
    from sklearn.datasets import load_digits as sk

    d = load_digits()
    assert (len(d.train), len(d.val), len(d.test)) == (1000, 350, 447)
    raw = sk().images
    assert np.array_equal(d.train.x.numpy(), raw[:1000])
    assert np.array_equal(d.test.x.numpy(), raw[-447:])
    assert d.train.x.dtype == torch.int64 and d.train.x.shape[1:] == (8, 8)
    assert int(d.train.x.min()) == 0 and int(d.train.x.max()) == 16


def test_views_round_trip():
    x = load_digits().test.x
    assert torch.equal(from_symmetric(to_symmetric(x)), x)
    y = to_symmetric(x)
    assert float(y.min()) == -1.0 and float(y.max()) == 1.0
    u = dequantize(x, torch.Generator().manual_seed(0))
    assert u.min() >= 0 and u.max() < 1
    assert torch.equal(from_unit(u), x)
    assert math.isclose(DEQUANT_LOG_DET, -64 * math.log(17))


def test_dequantize_symmetric_round_trip_and_range():
    x = load_digits().test.x
    y = dequantize_symmetric(x, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and y.min() >= -1 and y.max() < 1
    assert torch.equal(from_dequantized_symmetric(y), x)  # undone exactly
    # the same u as dequantize, rescaled: 2 (x + u) / 17 - 1
    torch.testing.assert_close(y, 2 * dequantize(x, torch.Generator().manual_seed(0)) - 1)
    # each level owns [2k / 17 - 1, 2 (k + 1) / 17 - 1): the level's lower edge maps to the level, not the one below
    k = torch.arange(17)
    assert torch.equal(from_dequantized_symmetric(2 * k / 17 - 1 + 1e-6), k)


def test_check_digits_accepts_flat_and_channel_shapes():
    x = torch.randint(0, 17, (5, 8, 8))
    assert torch.equal(check_digits(x.reshape(5, 64)), x)
    assert torch.equal(check_digits(x.unsqueeze(1).float()), x)
    assert torch.equal(check_digits(x.numpy().astype(np.int8)), x)


@pytest.mark.parametrize(
    "bad, message",
    [
        (torch.zeros(5, 7, 7), "expected shape"),
        (torch.zeros(8, 8), "expected shape"),
        (torch.zeros(0, 8, 8), "no images"),
        (torch.full((2, 8, 8), 17), "0..16"),
        (torch.full((2, 8, 8), -1), "0..16"),
        (torch.full((2, 8, 8), float("nan")), "NaN"),
        (torch.full((2, 8, 8), 0.5), "integers"),
    ],
)
def test_check_digits_errors_name_the_problem(bad, message):
    with pytest.raises(ValueError, match=message):
        check_digits(bad)


def test_check_digits_rejects_non_arrays():
    with pytest.raises(TypeError, match="numpy array or torch tensor"):
        check_digits([[0] * 64])


def test_batches_cover_everything_once():
    x = torch.arange(10)
    got = torch.cat(list(batches(x, 3, shuffle=True, generator=torch.Generator().manual_seed(0))))
    assert sorted(got.tolist()) == list(range(10))
    assert [len(b) for b in batches(x, 4)] == [4, 4, 2]
    with pytest.raises(ValueError, match="batch_size"):
        next(batches(x, 0))
