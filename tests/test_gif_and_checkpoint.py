import imageio.v3 as iio
import numpy as np
import pytest
import torch
from torch import nn

from dgm_utils.checkpoint import fingerprint, load_checkpoint, save_checkpoint
from dgm_utils.gif import GifRecorder, write_gif


def test_gif_is_animated_looping_and_labelled(tmp_path):
    gif = GifRecorder()
    for epoch in (1, 2, 3):
        gif.record(epoch, torch.full((16, 8, 8), 5 * epoch), panel="A")
    gif.record(1, torch.zeros(16, 8, 8), panel="B")  # B stopped early: keeps its last samples
    assert len(gif) == 3
    path = gif.save(tmp_path / "nested" / "x_training.gif", ms_per_frame=100)
    frames = iio.imread(path, index=None)
    assert frames.shape[0] == 3
    assert frames.ndim == 4 and frames.shape[-1] == 3
    meta = iio.immeta(path, index=None)
    assert meta.get("loop") == 0
    assert [iio.immeta(path, index=i)["duration"] for i in range(3)] == [100, 100, 700]  # last frame held
    assert not np.array_equal(frames[0], frames[1])
    assert list(tmp_path.glob("nested/.*")) == []  # no temp file left


def test_write_gif_rejects_bad_frames_and_keeps_old_file(tmp_path):
    path = tmp_path / "a.gif"
    write_gif([np.zeros((4, 4), np.uint8), np.ones((4, 4), np.uint8) * 255], path)
    before = path.read_bytes()
    write_gif([np.zeros((4, 4), np.uint8)], tmp_path / "one.gif")  # a single frame works too
    with pytest.raises(ValueError, match="HxW or HxWx3"):
        write_gif([np.zeros((4, 4, 1), np.uint8)], path)
    with pytest.raises(ValueError, match="no frames"):
        write_gif([], path)
    assert path.read_bytes() == before


class Net(nn.Module):
    def __init__(self, width=3):
        super().__init__()
        self.lin = nn.Linear(2, width)

    def forward(self, x):
        return self.lin(x)


class Net2(Net):
    def forward(self, x):
        return self.lin(x) * 2


def test_fingerprint_covers_base_classes():
    class Base(nn.Module):
        def scale(self):
            return 1.0

    class Child(Base):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

    before = fingerprint(Child())
    assert fingerprint(Child()) == before  # deterministic
    Base.scale = lambda self: 2.0  # edit only the base class's code
    assert fingerprint(Child()) != before


def test_checkpoint_round_trip_and_staleness(tmp_path, monkeypatch):
    monkeypatch.delenv("DGM_RETRAIN", raising=False)
    a = Net()
    path = save_checkpoint(a, tmp_path / "ck" / "net.pt", config={"lr": 1}, meta={"seconds": 1.5})
    b = Net()
    assert load_checkpoint(b, path, config={"lr": 1}) == {"seconds": 1.5}
    assert torch.equal(a.lin.weight, b.lin.weight)
    assert load_checkpoint(Net(), path, config={"lr": 2}) is None  # other config
    assert load_checkpoint(Net(width=4), path, config={"lr": 1}) is None  # other architecture
    assert fingerprint(Net()) != fingerprint(Net2())  # other code
    assert load_checkpoint(Net(), tmp_path / "missing.pt") is None
    monkeypatch.setenv("DGM_RETRAIN", "1")
    assert load_checkpoint(Net(), path, config={"lr": 1}) is None
    payload = torch.load(path, weights_only=True)  # a plain state_dict payload, no pickled classes
    assert set(payload) == {"state_dict", "fingerprint", "meta"}


def test_descending_recorder_plays_from_the_largest_step(tmp_path):
    gif = GifRecorder(label="t", descending=True)
    for t, level in [(0, 16), (500, 8), (999, 0)]:
        gif.record(t, torch.full((4, 8, 8), level))
    frames = gif.frames()
    assert len(frames) == 3
    # first frame shows the t = 999 samples (level 0: dark digits), last the t = 0 ones (bright)
    assert frames[0].mean() < frames[-1].mean()
    path = gif.save(tmp_path / "rev.gif")
    assert iio.imread(path, index=None).shape[0] == 3


NOTEBOOK = """
def schedule():
    return {value}


def helper():
    return schedule()  # reached only through another function


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def loss(self, x):
        return self.lin(x).sum() * helper()


def gradient_penalty():
    return {value}


def step(x):
    return {{"loss": gradient_penalty()}}
"""


def _notebook(value: float) -> dict:
    """The namespace of a 'notebook' whose module-level functions return ``value``."""
    scope = {"nn": nn}
    exec(NOTEBOOK.format(value=value), scope)
    return scope


def test_fingerprint_follows_module_level_functions():
    from dgm_utils.checkpoint import code_fingerprint

    one, same, two = _notebook(1.0), _notebook(1.0), _notebook(2.0)
    assert fingerprint(one["Model"]()) == fingerprint(same["Model"]())  # deterministic
    assert fingerprint(one["Model"]()) != fingerprint(two["Model"]())  # schedule() edited, two calls deep
    assert code_fingerprint(one["step"]) == code_fingerprint(same["step"])
    assert code_fingerprint(one["step"]) != code_fingerprint(two["step"])  # gradient_penalty() edited
