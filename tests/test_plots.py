import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dgm_utils.plots import compare_samples, digit_grid, plot_label_histograms, plot_losses  # noqa: E402
from dgm_utils.train import History  # noqa: E402


def test_digit_grid_scales_to_unit_range():
    x = torch.tensor([[[0] * 8] * 8, [[16] * 8] * 8])  # one black, one white digit
    grid = digit_grid(x, nrow=2, padding=0)
    assert grid.shape == (8, 16) and grid.min() == 0.0 and grid.max() == 1.0


def test_plot_losses_labels_units_and_best_epoch(tmp_path):
    h = History(train=[3.0, 2.0, 1.0], val=[3.5, 2.5, 2.7], best_epoch=2)
    fig = plot_losses(h, ylabel="NLL (nats / image)", path=tmp_path / "loss.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "NLL (nats / image)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation", "best epoch (2)"]
    assert (tmp_path / "loss.png").stat().st_size > 0


def test_compare_samples_puts_real_data_first_and_checks_input():
    real = torch.randint(0, 17, (20, 8, 8))
    fig = compare_samples(real, {"model": real.flip(0)})
    assert [ax.get_title() for ax in fig.axes] == ["real (test split)", "model"]
    with pytest.raises(ValueError, match="0..16"):
        compare_samples(real, {"model": real + 20})


def test_plot_label_histograms_draws_ten_bars_per_sampler(tmp_path):
    def evaluation(model, floor=(0.1,) * 10):
        return {"label_histogram": {"model": list(model), "floor": list(floor)}}

    evaluations = {"one digit": evaluation(np.eye(10)[3]), "uniform": evaluation([0.1] * 10)}
    fig = plot_label_histograms(evaluations, path=tmp_path / "labels.png")
    ax = fig.axes[0]
    assert len(ax.patches) == 30  # the floor and two samplers, ten bars each
    assert max(p.get_height() for p in ax.patches) == pytest.approx(100.0)
    assert "data floor (train split)" in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(ValueError, match="10 shares"):
        plot_label_histograms({"bad": evaluation([0.5, 0.5])})
    with pytest.raises(ValueError, match="different floors"):
        plot_label_histograms({"a": evaluation([0.1] * 10), "b": evaluation([0.1] * 10, floor=[0.2] * 5 + [0.0] * 5)})
