"""Readable plots: loss curves and digit grids (grey-scale, no interpolation)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from torchvision.utils import make_grid

from .data import MAX_LEVEL, check_digits
from .train import History


def digit_grid(x: torch.Tensor | np.ndarray, nrow: int = 10, padding: int = 1) -> np.ndarray:
    """Tile integer digits (N, 8, 8) in 0..16 into one float image in [0, 1] (white on black)."""
    t = check_digits(x).float().unsqueeze(1) / MAX_LEVEL  # (N, 8, 8) -> (N, 1, 8, 8)
    grid = make_grid(t.cpu(), nrow=nrow, padding=padding, pad_value=0.35)  # (3, H, W)
    return grid[0].numpy()


def _save(fig: matplotlib.figure.Figure, path: str | Path | None) -> None:
    if path is not None:
        fig.savefig(path, dpi=110, bbox_inches="tight")


def plot_losses(
    history: History | dict[str, Sequence[float]],
    ylabel: str = "NLL (nats / image)",
    title: str = "Training curves",
    path: str | Path | None = None,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Plot training and validation loss per epoch; mark the epoch whose weights were kept.

    ``history`` is a :class:`History` or a dict of named per-epoch curves (GAN players).
    """
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6, 3.6))
    if isinstance(history, History):
        curves = {"train": history.train}
        if history.val:
            curves["validation"] = history.val
    else:
        curves = dict(history)
    for name, values in curves.items():
        ax.plot(range(1, len(values) + 1), values, label=name)
    if isinstance(history, History) and history.val and history.best_epoch:
        ax.axvline(history.best_epoch, color="grey", ls=":", label=f"best epoch ({history.best_epoch})")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    _save(fig, path)
    return fig


def show_digits(x: torch.Tensor | np.ndarray, title: str = "", nrow: int = 10, ax: plt.Axes | None = None) -> plt.Axes:
    """Show a grid of digits on ``ax`` in grey-scale without interpolation."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(digit_grid(x, nrow=nrow), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    return ax


def compare_samples(
    real: torch.Tensor | np.ndarray,
    samples: dict[str, torch.Tensor | np.ndarray] | torch.Tensor | np.ndarray,
    n: int = 100,
    path: str | Path | None = None,
    suptitle: str | None = None,
) -> plt.Figure:
    """Real test digits beside one or more sets of samples, ``n`` of each, same scale."""
    if not isinstance(samples, dict):
        samples = {"samples": samples}
    panels = {"real (test split)": real, **samples}
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.9))
    axes = np.atleast_1d(axes)
    for ax, (name, x) in zip(axes, panels.items(), strict=True):
        show_digits(check_digits(x, name)[:n], title=name, ax=ax)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    _save(fig, path)
    return fig


def plot_label_histograms(
    evaluations: dict[str, dict],
    title: str = "Which digits do the samples show?",
    path: str | Path | None = None,
    present: float = 0.03,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Grouped bars: the share of samples the classifier assigns to each digit, per sampler.

    ``evaluations`` maps a sampler's name to what ``evaluate_samples`` returned for it (a
    record's ``"samples"`` entry is one). The data floor, which all of them share, comes
    first. A dotted line marks ``present`` (a digit below it counts as missing).
    """
    if not evaluations:
        raise ValueError("plot_label_histograms: no evaluations given")
    floors = {tuple(ev["label_histogram"]["floor"]) for ev in evaluations.values()}
    if len(floors) != 1:
        raise ValueError("plot_label_histograms: the evaluations have different floors (other test data?)")
    histograms = {"data floor (train split)": list(floors.pop())}
    histograms |= {name: ev["label_histogram"]["model"] for name, ev in evaluations.items()}
    for name, hist in histograms.items():
        if len(hist) != 10:
            raise ValueError(f"plot_label_histograms: {name!r} needs 10 shares, got {len(hist)}")
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(9.5, 3.2))
    width = 0.8 / len(histograms)
    for k, (name, hist) in enumerate(histograms.items()):
        offset = (k - (len(histograms) - 1) / 2) * width
        ax.bar([d + offset for d in range(10)], [100 * v for v in hist], width, label=name)
    ax.axhline(100 * present, color="grey", ls=":", lw=1, label=f"{present:.0%}: counts as present")
    ax.set_xticks(range(10))
    ax.set_xlabel("digit predicted by the classifier")
    ax.set_ylabel("share of samples (%)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)  # beside the bars, not over them
    fig.tight_layout()
    _save(fig, path)
    return fig
