"""The shared U-Net: shapes, clear errors, the zero start and that the conditioning is used."""

import pytest
import torch

from dgm_utils import UNet
from dgm_utils.nets import sinusoidal_embedding


def test_shape_and_zero_start():
    net = UNet(8)
    x, s = torch.randn(5, 1, 8, 8), torch.rand(5)
    out = net(x, s)
    assert out.shape == (5, 1, 8, 8)
    assert torch.all(out == 0)  # zero_output=True: the last convolution starts at zero


def test_conditioning_changes_output():
    torch.manual_seed(0)
    net = UNet(8, zero_output=False)
    x = torch.randn(1, 1, 8, 8).expand(2, -1, -1, -1)
    out = net(x, torch.tensor([1.0, 400.0]))
    assert not torch.allclose(out[0], out[1], atol=1e-4)  # a network that ignored s would give twins


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    net = UNet(8, zero_output=False)
    net(torch.randn(4, 1, 8, 8), torch.arange(4.0)).pow(2).sum().backward()
    missing = [name for name, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing


def test_embedding_values():
    emb = sinusoidal_embedding(torch.tensor([0.0, 2.0]), 6)
    assert emb.shape == (2, 6)
    torch.testing.assert_close(emb[0], torch.tensor([0.0, 0, 0, 1, 1, 1]))
    torch.testing.assert_close(emb[1, 0], torch.tensor(2.0).sin())  # the first frequency is 1


@pytest.mark.parametrize(
    "x, s, match",
    [
        (torch.randn(2, 8, 8), torch.rand(2), "shape"),
        (torch.randn(2, 1, 8, 8), torch.rand(3), "one conditioning value"),
        (torch.randn(2, 1, 8, 8), torch.rand(2, 1), "one conditioning value"),
    ],
)
def test_bad_input(x, s, match):
    with pytest.raises(ValueError, match=match):
        UNet(8)(x, s)


def test_bad_channels():
    with pytest.raises(ValueError, match="multiple of 8"):
        UNet(12)
