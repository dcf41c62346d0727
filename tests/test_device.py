import random

import numpy as np
import pytest
import torch

from dgm_utils import device as dev
from dgm_utils.device import choose_device, get_device, seed_everything


def test_cpu_by_name_and_env(monkeypatch, capsys):
    assert get_device("cpu") == torch.device("cpu")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "cpu" in out
    monkeypatch.setenv("DGM_DEVICE", "cpu")
    device, why = choose_device()
    assert device == torch.device("cpu") and "DGM_DEVICE" in why


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "tpu", "", "cpu:1"])
def test_unknown_device_names_are_errors(name):
    with pytest.raises(ValueError, match="device"):
        get_device(name, verbose=False)


def test_unavailable_cuda_is_an_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        get_device("cuda:1", verbose=False)


def test_picks_gpu_with_most_free_memory(monkeypatch):
    monkeypatch.setattr(dev, "_accelerator_type", lambda: "cuda")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 3)
    free = {0: 2 * 2**30, 1: 9 * 2**30, 2: 5 * 2**30}
    monkeypatch.setattr(dev, "_cuda_free_memory", lambda i: free[i])
    device, why = choose_device()
    assert device == torch.device("cuda", 1) and "most free memory" in why


def test_works_without_torch_accelerator(monkeypatch):
    monkeypatch.delattr(torch, "accelerator", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(dev, "_mps_available", lambda: False)
    device, why = choose_device()
    assert device == torch.device("cpu") and "no CUDA" in why


def test_seed_everything_repeats_all_generators():
    seed_everything(3)
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    seed_everything(3)
    assert a == (random.random(), np.random.rand(), torch.rand(1).item())
    with pytest.raises(ValueError):
        seed_everything(-1)
