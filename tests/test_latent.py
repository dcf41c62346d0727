import pytest
import torch

from dgm_utils.data import load_digits
from dgm_utils.latent import interpolate, interpolation_grid


def test_interpolate_includes_both_endpoints_and_is_linear():
    a, b = torch.zeros(3), torch.tensor([2.0, 4.0, 6.0])
    line = interpolate(a, b, steps=3)
    assert line.shape == (3, 3)
    torch.testing.assert_close(line, torch.stack([a, (a + b) / 2, b]))
    with pytest.raises(ValueError, match="shape"):
        interpolate(a, torch.zeros(4))
    with pytest.raises(ValueError, match="steps"):
        interpolate(a, b, steps=1)


def test_interpolation_grid_rows_start_and_end_at_the_pairs():
    x = load_digits().test.x[:4]
    # a "model" whose code is the image itself: the decoded line must start and end at the pair
    encode = lambda x: x.float().reshape(len(x), 64)  # noqa: E731
    decode = lambda z: z.round().long().reshape(len(z), 8, 8)  # noqa: E731
    grid = interpolation_grid(encode, decode, x, steps=5)
    assert grid.shape == (10, 8, 8)
    assert torch.equal(grid[0], x[0]) and torch.equal(grid[4], x[1])
    assert torch.equal(grid[5], x[2]) and torch.equal(grid[9], x[3])
    with pytest.raises(ValueError, match="pairs"):
        interpolation_grid(encode, decode, x[:3])
