"""A small Digits classifier whose penultimate layer is the feature space for sample metrics.

FID-style metrics need features that know what digits look like; ImageNet's Inception
knows nothing about 8x8 digits and would have to be downloaded. So the course trains its
own CNN on the **train split only** (early stopping on validation) and ships the weights
(``dgm_utils/weights/digits_classifier.pt``, ~100 KB) inside the package. Retrain them,
deterministically on the CPU, with::

    python -m dgm_utils.retrain_classifier
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .data import MAX_LEVEL, check_digits, load_digits

WEIGHTS = Path(__file__).parent / "weights" / "digits_classifier.pt"
FEATURE_DIM = 64


class DigitsClassifier(nn.Module):
    """conv(32) -> conv(64) -> pool -> conv(64) -> pool -> fc(64) features -> fc(10) logits."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 8x8 -> 4x4
            nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 4x4 -> 2x2
            nn.Flatten(),  # (N, 64, 2, 2) -> (N, 256)
            nn.Dropout(0.3),
            nn.Linear(256, FEATURE_DIM), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Linear(FEATURE_DIM, 10)

    @staticmethod
    def prepare(x: torch.Tensor) -> torch.Tensor:
        """Integer digits (N, 8, 8) in 0..16 -> floats (N, 1, 8, 8) in [0, 1]."""
        return x.float().unsqueeze(1) / MAX_LEVEL

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(self.prepare(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def _shift(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Augment by random shifts of up to one pixel (zero padding): (N, 8, 8) -> (N, 8, 8)."""
    padded = F.pad(x, (1, 1, 1, 1))  # (N, 10, 10)
    dy, dx = torch.randint(0, 3, (2,), generator=g).tolist()
    return padded[:, dy : dy + 8, dx : dx + 8]


@torch.no_grad()
def accuracy(net: DigitsClassifier, x: torch.Tensor, y: torch.Tensor) -> float:
    net.eval()
    return (net(x).argmax(1) == y).float().mean().item()


def train_classifier(seed: int = 0, epochs: int = 100) -> tuple[DigitsClassifier, dict]:
    """Train the classifier deterministically on the CPU on the train split only.

    Adam with a cosine learning-rate schedule for a fixed number of epochs, random
    one-pixel shifts as augmentation. Returns the network and its accuracies.
    """
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    g = torch.Generator().manual_seed(seed)
    d = load_digits("cpu")
    net = DigitsClassifier()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(d.train), generator=g)
        for i in range(0, len(order), 50):
            idx = order[i : i + 50]
            xb = torch.stack([_shift(d.train.x[j : j + 1], g)[0] for j in idx.tolist()])  # (50, 8, 8)
            loss = F.cross_entropy(net(xb), d.train.y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        schedule.step()
    torch.use_deterministic_algorithms(False)
    net.eval()
    info = {
        "seed": seed,
        "epochs": epochs,
        "train_accuracy": accuracy(net, d.train.x, d.train.y),
        "val_accuracy": accuracy(net, d.val.x, d.val.y),
        "test_accuracy": accuracy(net, d.test.x, d.test.y),
    }
    return net, info


@functools.lru_cache(maxsize=4)
def _load(device: str) -> tuple[DigitsClassifier, dict]:
    if not WEIGHTS.exists():
        raise FileNotFoundError(f"{WEIGHTS.name} is missing: run `python -m dgm_utils.retrain_classifier`")
    payload = torch.load(WEIGHTS, map_location=device, weights_only=True)
    net = DigitsClassifier().to(device)
    net.load_state_dict(payload["state_dict"])
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net, dict(payload["info"])


def load_classifier(device: torch.device | str = "cpu") -> tuple[DigitsClassifier, dict]:
    """The shipped classifier (offline, ``weights_only=True``) and its recorded accuracies."""
    return _load(str(torch.device(device)))


@torch.no_grad()
def digit_features(x: torch.Tensor, device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Features (N, 64) float64 and predicted labels (N,) of integer digits, on the CPU."""
    x = check_digits(x).to(device)
    net, _ = load_classifier(device)
    feats, labels = [], []
    for i in range(0, len(x), 1000):
        f = net.features(x[i : i + 1000])
        feats.append(f.cpu().double())  # float64 on the CPU: MPS has none
        labels.append(net.head(f).argmax(1).cpu())
    return torch.cat(feats), torch.cat(labels)
