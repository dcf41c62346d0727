import pytest
import torch
from torch import nn

from dgm_utils.train import History, evaluate_loss, fit


class Gaussian(nn.Module):
    """A 1-parameter model: NLL (up to a constant) of x under N(mu, 1)."""

    def __init__(self):
        super().__init__()
        self.mu = nn.Parameter(torch.zeros(()))

    def loss(self, x):
        return 0.5 * (x - self.mu).pow(2).mean()


def test_fit_reduces_loss_and_records_history():
    torch.manual_seed(0)
    x = torch.randn(200) + 3.0
    model = Gaussian()
    frames = []
    h = fit(model, x, x[:50], epochs=30, lr=0.1, batch_size=50, on_epoch_end=lambda e, h: frames.append(e))
    assert isinstance(h, History) and h.epochs == len(h.val) == len(frames)
    assert frames == list(range(1, h.epochs + 1))
    assert h.train[-1] < h.train[0] / 4
    assert abs(model.mu.item() - 3.0) < 0.3


def test_early_stopping_restores_best_weights():
    torch.manual_seed(0)
    train = torch.full((100,), 5.0)
    val = torch.zeros(20)  # training moves mu away from the validation optimum
    model = Gaussian()
    h = fit(model, train, val, epochs=50, lr=0.05, batch_size=100, patience=3)
    assert h.stopped_early and h.best_epoch == 1 and h.epochs == 4
    assert evaluate_loss(model, val) == pytest.approx(min(h.val))


def test_custom_step_and_no_validation():
    model = Gaussian()
    seen = []

    def step(xb):
        seen.append(len(xb))
        return {"loss": 1.0, "d_loss": 2.0}

    h = fit(model, torch.zeros(10), None, epochs=2, batch_size=4, step=step)
    assert h.val == [] and h.stats["d_loss"] == [2.0, 2.0] and seen == [4, 4, 2] * 2


@pytest.mark.parametrize("kwargs", [{"lr": 0.1}, {"weight_decay": 1e-4}, {"clip": 1.0}])
def test_optimiser_settings_beside_a_custom_step_are_an_error(kwargs):
    with pytest.raises(ValueError, match="custom step"):
        fit(Gaussian(), torch.zeros(4), None, epochs=1, step=lambda xb: {"loss": 0.0}, **kwargs)


def test_fit_or_load_retrains_when_the_custom_step_changes(tmp_path, monkeypatch):
    monkeypatch.delenv("DGM_RETRAIN", raising=False)
    from dgm_utils.train import fit_or_load

    path = tmp_path / "ck.pt"

    def step(xb):
        return {"loss": 1.0}

    def other_step(xb):
        return {"loss": 2.0}

    assert not fit_or_load(Gaussian(), path, torch.zeros(4), None, epochs=1, step=step).from_checkpoint
    assert fit_or_load(Gaussian(), path, torch.zeros(4), None, epochs=1, step=step).from_checkpoint
    assert not fit_or_load(Gaussian(), path, torch.zeros(4), None, epochs=1, step=other_step).from_checkpoint


def test_non_scalar_loss_is_an_error():
    class Bad(Gaussian):
        def loss(self, x):
            return x - self.mu

    with pytest.raises(ValueError, match="scalar"):
        fit(Bad(), torch.zeros(4), None, epochs=1)


def test_fit_or_load_trains_once_then_loads(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DGM_RETRAIN", raising=False)
    from dgm_utils.train import fit_or_load

    torch.manual_seed(0)
    x = torch.randn(100, 1) + 3.0
    path = tmp_path / "ck" / "mean.pt"
    a = Gaussian()
    h1 = fit_or_load(a, path, x, x[:50], config={"lr": 0.1}, epochs=5, lr=0.1, batch_size=50)
    assert path.exists() and not h1.from_checkpoint
    b = Gaussian()
    frames = []
    h2 = fit_or_load(
        b, path, x, x[:50], config={"lr": 0.1}, epochs=5, lr=0.1, on_epoch_end=lambda e, h: frames.append(e)
    )
    assert h2.from_checkpoint and frames == []  # loaded: no training, no hook calls
    assert h2.train == h1.train and h2.val == h1.val and h2.best_epoch == h1.best_epoch
    assert torch.equal(b.mu, a.mu)
    assert "loaded mean.pt" in capsys.readouterr().out
    # another config is stale: it trains again
    h3 = fit_or_load(Gaussian(), path, x, x[:50], config={"lr": 0.2}, epochs=2, lr=0.2)
    assert not h3.from_checkpoint and h3.epochs == 2
    # DGM_RETRAIN=1 ignores the checkpoint
    monkeypatch.setenv("DGM_RETRAIN", "1")
    assert not fit_or_load(Gaussian(), path, x, x[:50], config={"lr": 0.2}, epochs=1, lr=0.2).from_checkpoint


def test_fit_or_load_can_checkpoint_another_module(tmp_path, monkeypatch):
    """An EMA-style copy is what gets saved and loaded; the trained model's code decides staleness."""
    monkeypatch.delenv("DGM_RETRAIN", raising=False)
    from dgm_utils.train import fit_or_load

    x = torch.randn(100, 1) + 3.0
    path = tmp_path / "ema.pt"
    model, average = Gaussian(), Gaussian()
    with torch.no_grad():
        average.mu.fill_(7.0)  # stands in for the averaged weights
    h1 = fit_or_load(model, path, x, None, config={"lr": 0.1}, weights=average, epochs=2, lr=0.1, patience=None)
    assert not h1.from_checkpoint
    other_model, other_average = Gaussian(), Gaussian()
    h2 = fit_or_load(other_model, path, x, None, config={"lr": 0.1}, weights=other_average, epochs=2, lr=0.1)
    assert h2.from_checkpoint and other_average.mu.item() == 7.0  # the average was loaded
    assert other_model.mu.item() == 0.0  # the trained model itself was not touched

    class ShiftedGaussian(Gaussian):
        def loss(self, x):
            return 0.5 * (x - self.mu - 1).pow(2).mean()

    h3 = fit_or_load(ShiftedGaussian(), path, x, None, config={"lr": 0.1}, weights=Gaussian(), epochs=1, lr=0.1)
    assert not h3.from_checkpoint  # other algorithm code: stale, retrained


def _step_setting_mu(model):
    """A custom step that sets mu to 1, 2, 3, ... at successive steps (the raw weights are known)."""
    count = [0]

    def step(xb):
        count[0] += 1
        with torch.no_grad():
            model.mu.fill_(float(count[0]))
        return {"loss": 0.0}

    return step


def test_ema_keeps_the_polyak_average_not_the_last_weights():
    model = Gaussian()
    fit(model, torch.zeros(4), None, epochs=3, batch_size=4, step=_step_setting_mu(model), ema_decay=0.75)
    # average: 1 (the weights after the first step), then 0.75 * 1 + 0.25 * 2 = 1.25, then 0.75 * 1.25 + 0.25 * 3
    assert model.mu.item() == pytest.approx(1.6875)


def test_ema_validates_and_restores_the_average():
    model = Gaussian()
    val = torch.full((8,), 1.25)  # loss 0.5 (1.25 - avg)^2 for the averages 1, 1.25, 1.6875: best at epoch 2
    h = fit(model, torch.zeros(4), val, epochs=3, batch_size=4, step=_step_setting_mu(model), ema_decay=0.75)
    assert h.val == pytest.approx([0.03125, 0.0, 0.095703125])
    assert h.best_epoch == 2 and model.mu.item() == pytest.approx(1.25)


@pytest.mark.parametrize("decay", [-0.1, 1.0, 1.5])
def test_ema_decay_outside_0_1_is_an_error(decay):
    with pytest.raises(ValueError, match="ema_decay"):
        fit(Gaussian(), torch.zeros(4), None, epochs=1, ema_decay=decay)
