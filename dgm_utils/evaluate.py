"""Score any samples file the way every notebook is scored.

    python -m dgm_utils.evaluate results/arm_samples.npy [--json]

The file holds integer digits 0..16 of shape (N, 8, 8) or (N, 64) (``.npy``, or ``.pt``
holding one tensor). Prints the metrics beside the real-data floor (train vs test split).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from .metrics import evaluate_samples, format_table


def load_samples(path: str | Path) -> np.ndarray | torch.Tensor:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if path.suffix == ".pt":
        obj = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(obj, torch.Tensor):
            raise ValueError(f"{path}: expected one tensor, got {type(obj).__name__}")
        return obj
    raise ValueError(f"{path}: expected a .npy or .pt file")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score Digits samples against the test split and the floor.")
    parser.add_argument("samples", help=".npy or .pt file of integer digits 0..16, shape (N, 8, 8) or (N, 64)")
    parser.add_argument("--json", action="store_true", help="print the full evaluation as JSON")
    args = parser.parse_args(argv)
    try:
        evaluation = evaluate_samples(load_samples(args.samples))
    except (ValueError, TypeError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(evaluation, indent=2))
    else:
        print(f"{evaluation['n_samples']} samples vs {evaluation['reference']}")
        print(format_table(evaluation))
        hist = evaluation["label_histogram"]["model"]
        print("labels: " + " ".join(f"{d}:{h:.0%}" for d, h in enumerate(hist)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
