"""Retrain the shipped Digits classifier deterministically (train split only, fixed seed, CPU).

    python -m dgm_utils.retrain_classifier            # retrain and overwrite the shipped weights
    python -m dgm_utils.retrain_classifier --out F    # retrain into F, leave the shipped weights alone
    python -m dgm_utils.retrain_classifier --check    # only print the shipped weights' accuracies

Retraining with the same seed, PyTorch build and CPU gives the same weights, so
``--out`` followed by a comparison with the shipped file checks reproducibility.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from .atomic import atomic_write
from .features import WEIGHTS, _load, load_classifier, train_classifier


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Retrain the Digits feature classifier (train split only).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check", action="store_true", help="only print the shipped weights' accuracies")
    parser.add_argument("--out", type=Path, default=None, help="write the weights here instead of the shipped file")
    args = parser.parse_args(argv)
    if args.check:
        _, info = load_classifier()
    else:
        net, info = train_classifier(seed=args.seed)
        out = args.out or WEIGHTS
        atomic_write(out, lambda tmp: torch.save({"state_dict": net.state_dict(), "info": info}, tmp))
        _load.cache_clear()
        print(f"wrote {out}")
    print(
        "digits classifier: "
        + ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in info.items())
    )


if __name__ == "__main__":
    main()
