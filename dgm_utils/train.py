"""The training loop shared by every likelihood-style model.

A model is any ``nn.Module`` with ``loss(x) -> loss`` or ``loss(x) -> (loss, stats)``,
where ``loss`` is a scalar to minimise (say the NLL in nats per image). ``fit`` runs
epochs of mini-batch steps, evaluates the validation loss after each epoch, stops early
when it has not improved for ``patience`` epochs and restores the best weights. With
``ema_decay`` it keeps an exponential moving average of the weights (Polyak averaging) and
validates, keeps and returns that average instead of the last step's weights.
Adversarial models bring their own ``step`` (and no validation loss).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from .checkpoint import code_fingerprint, fingerprint, load_checkpoint, save_checkpoint
from .data import batches
from .modes import progress_enabled

Step = Callable[[torch.Tensor], dict[str, float]]


@dataclass
class History:
    """What happened during training: per-epoch mean losses and any extra statistics."""

    train: list[float] = field(default_factory=list)  #: mean training loss per epoch
    val: list[float] = field(default_factory=list)  #: validation loss per epoch (may be empty)
    stats: dict[str, list[float]] = field(default_factory=dict)  #: other per-epoch means
    best_epoch: int = 0  #: 1-based epoch whose weights were kept
    seconds: float = 0.0  #: wall time of the whole fit
    stopped_early: bool = False
    from_checkpoint: bool = False  #: True when the weights were loaded, not trained, in this run

    @property
    def epochs(self) -> int:
        return len(self.train)


def _scalar_loss(out: torch.Tensor | tuple[torch.Tensor, dict]) -> tuple[torch.Tensor, dict]:
    loss, stats = out if isinstance(out, tuple) else (out, {})
    if loss.ndim != 0:
        raise ValueError(f"model.loss must return a scalar, got shape {tuple(loss.shape)}")
    return loss, stats


@torch.no_grad()
def evaluate_loss(model: nn.Module, x: torch.Tensor, batch_size: int = 500) -> float:
    """Mean of ``model.loss`` over ``x`` (eval mode, no gradients), weighted by batch size."""
    was_training = model.training
    model.eval()
    total, n = 0.0, 0
    for xb in batches(x, batch_size):
        loss, _ = _scalar_loss(model.loss(xb))
        total += loss.item() * len(xb)
        n += len(xb)
    model.train(was_training)
    return total / n


def gradient_step(model: nn.Module, optimizer: torch.optim.Optimizer, clip: float | None = None) -> Step:
    """The default step: ``loss = model.loss(x)``, backward, optional gradient clipping, update."""

    def step(xb: torch.Tensor) -> dict[str, float]:
        loss, stats = _scalar_loss(model.loss(xb))
        if not torch.isfinite(loss):
            raise FloatingPointError(f"training loss became {loss.item()}: lower the learning rate?")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        return {"loss": loss.item(), **{k: float(v) for k, v in stats.items()}}

    return step


@torch.no_grad()
def _update_average(average: nn.Module | None, model: nn.Module, decay: float) -> nn.Module:
    """One Polyak-averaging update: avg <- decay * avg + (1 - decay) * weights; buffers copied.

    Not torch's AveragedModel: with use_buffers=True it would average buffers (a bool flag such as
    ActNorm's ``initialised`` cannot be), with use_buffers=False it keeps them stale (say batch norm's).
    """
    if average is None:
        return copy.deepcopy(model)
    for a, w in zip(average.parameters(), model.parameters(), strict=True):
        a.lerp_(w, 1.0 - decay)
    for a, b in zip(average.buffers(), model.buffers(), strict=True):
        a.copy_(b)
    return average


def fit(
    model: nn.Module,
    train_x: torch.Tensor,
    val_x: torch.Tensor | None,
    *,
    epochs: int,
    batch_size: int = 64,
    lr: float | None = None,
    weight_decay: float | None = None,
    patience: int | None = 20,
    clip: float | None = None,
    ema_decay: float | None = None,
    step: Step | None = None,
    on_epoch_end: Callable[[int, History], None] | None = None,
    generator: torch.Generator | None = None,
    desc: str = "train",
) -> History:
    """Train ``model`` for up to ``epochs`` epochs and return its :class:`History`.

    Args:
        train_x, val_x: the training and validation data, already in the model's view.
            ``val_x=None`` turns validation and early stopping off.
        patience: stop after this many epochs without a better validation loss and
            restore the best weights (``None``: never stop early, keep the last weights).
        lr, weight_decay, clip: the default step's Adam learning rate (1e-3), weight decay (0)
            and gradient-norm clipping (none).
        ema_decay: if given (0 <= ema_decay < 1), Polyak averaging: after every step the average
            moves as ``avg = ema_decay * avg + (1 - ema_decay) * weights`` (it starts as the weights
            after the first step, so data-dependent initialisations are in it; buffers are copied,
            not averaged). Validation, early stopping and the weights left in ``model`` are then
            the average's; ``on_epoch_end`` still sees ``model`` with the raw training weights.
        step: one optimisation step on a batch returning ``{"loss": ..., ...}``; the default
            is Adam(lr, weight_decay) on ``model.loss``. GANs pass their own, which brings its
            own optimiser: passing ``lr``, ``weight_decay`` or ``clip`` beside it is an error.
        on_epoch_end: called as ``on_epoch_end(epoch, history)`` after each epoch (1-based),
            for example to record a GIF frame from a fixed noise batch.
        generator: shuffling generator, for reproducible batches.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if ema_decay is not None and not 0.0 <= ema_decay < 1.0:
        raise ValueError(f"ema_decay must be in [0, 1), got {ema_decay}")
    if step is not None:
        ignored = [k for k, v in {"lr": lr, "weight_decay": weight_decay, "clip": clip}.items() if v is not None]
        if ignored:
            raise ValueError(f"{', '.join(ignored)} would be ignored: a custom step brings its own optimiser")
    else:
        optimizer = torch.optim.Adam(
            model.parameters(), lr=1e-3 if lr is None else lr, weight_decay=weight_decay or 0.0
        )
        step = gradient_step(model, optimizer, clip)
    history = History()
    best_val, best_state, since_best = math.inf, None, 0
    average: nn.Module | None = None  # the Polyak average of the weights (ema_decay), made after the first step
    start = time.perf_counter()
    bar = tqdm(range(1, epochs + 1), desc=desc, disable=not progress_enabled(), leave=False)
    for epoch in bar:
        model.train()
        sums: dict[str, float] = {}
        n = 0
        for xb in batches(train_x, batch_size, shuffle=True, generator=generator):
            for k, v in step(xb).items():
                sums[k] = sums.get(k, 0.0) + v * len(xb)
            n += len(xb)
            if ema_decay is not None:
                average = _update_average(average, model, ema_decay)
        means = {k: v / n for k, v in sums.items()}
        history.train.append(means.pop("loss"))
        for k, v in means.items():
            history.stats.setdefault(k, []).append(v)
        postfix = {"train": f"{history.train[-1]:.2f}"}
        kept = model if average is None else average  # the weights that are validated and kept
        if val_x is not None:
            val = evaluate_loss(kept, val_x)
            history.val.append(val)
            postfix["val"] = f"{val:.2f}"
            if val < best_val:
                best_val, since_best, history.best_epoch = val, 0, epoch
                best_state = copy.deepcopy(kept.state_dict())
            else:
                since_best += 1
        else:
            history.best_epoch = epoch
        bar.set_postfix(postfix)
        if on_epoch_end is not None:
            on_epoch_end(epoch, history)
        if patience is not None and val_x is not None and since_best >= patience:
            history.stopped_early = True
            break
    bar.close()
    if best_state is None and average is not None:  # no validation: keep the last average
        best_state = average.state_dict()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    history.seconds = time.perf_counter() - start
    return history


def fit_or_load(
    model: nn.Module,
    path: str | Path,
    train_x: torch.Tensor,
    val_x: torch.Tensor | None,
    *,
    config: Any = None,
    weights: nn.Module | None = None,
    **fit_kwargs: Any,
) -> History:
    """Load ``model`` from the checkpoint at ``path`` if it was made by the same code; else ``fit`` and save.

    Staleness is decided by :func:`dgm_utils.checkpoint.fingerprint` (model code, architecture,
    ``config`` and run mode) and, for a custom ``step``, by the code of that step and of the
    notebook functions it calls; ``DGM_RETRAIN=1`` always retrains. The training history is
    stored with the weights, so loss curves still plot after a load; ``on_epoch_end`` hooks
    (GIF frames) only run when training. Prints one line saying which it did.

    ``weights``: the module whose weights are saved and loaded instead of ``model``'s, say an
    EMA copy kept by a custom ``step``; ``model``'s code still decides staleness.
    """
    if weights is None:
        weights, key = model, config
    else:
        key = (config, fingerprint(model))  # retrain when the algorithm's code changes, too
    if fit_kwargs.get("step") is not None:
        key = (key, code_fingerprint(fit_kwargs["step"]))  # and when the custom step's code does
    meta = load_checkpoint(weights, path, key)
    if meta is not None and "history" in meta:
        history = History(**{**meta["history"], "from_checkpoint": True})
        print(f"loaded {Path(path).name}: trained {history.epochs} epochs in {history.seconds:.0f} s "
              "by this code (DGM_RETRAIN=1 retrains)")  # fmt: skip
        model.eval()
        weights.eval()
        return history
    history = fit(model, train_x, val_x, **fit_kwargs)
    save_checkpoint(weights, path, key, meta={"history": asdict(history)})
    return history
