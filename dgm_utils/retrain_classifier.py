"""Retrain the shipped Digits classifier deterministically and overwrite its weights.

    python -m dgm_utils.retrain_classifier [--seed 0]

Without ``--retrain`` nothing changes; ``--check`` only prints the shipped accuracies.
"""

from __future__ import annotations

import argparse

import torch

from .features import WEIGHTS, _load, load_classifier, train_classifier


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Retrain the Digits feature classifier (train split only).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check", action="store_true", help="only print the shipped weights' accuracies")
    args = parser.parse_args(argv)
    if not args.check:
        net, info = train_classifier(seed=args.seed)
        WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
        tmp = WEIGHTS.with_suffix(".tmp")
        torch.save({"state_dict": net.state_dict(), "info": info}, tmp)
        tmp.replace(WEIGHTS)
        _load.cache_clear()
    _, info = load_classifier()
    print(
        "digits classifier: "
        + ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in info.items())
    )


if __name__ == "__main__":
    main()
