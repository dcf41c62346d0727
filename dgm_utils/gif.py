"""Training animations: one labelled frame of fixed-noise samples per recorded epoch."""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import matplotlib.pyplot as plt
import numpy as np
import torch

from .atomic import atomic_write
from .plots import digit_grid


def render_frame(
    panels: dict[str, torch.Tensor | np.ndarray] | torch.Tensor | np.ndarray,
    label: str,
    nrow: int = 8,
    scale: float = 2.4,
) -> np.ndarray:
    """Render one or more titled digit grids side by side under ``label`` as an (H, W, 3) uint8 frame."""
    if not isinstance(panels, dict):
        panels = {"": panels}
    grids = {name: digit_grid(x, nrow=nrow) for name, x in panels.items()}
    titled = any(grids) and any(name for name in grids)
    fig, axes = plt.subplots(1, len(grids), figsize=(scale * len(grids), scale + 0.35 + 0.25 * titled), dpi=100)
    for ax, (name, grid) in zip(np.atleast_1d(axes), grids.items(), strict=True):
        ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(name, fontsize=10)
        ax.axis("off")
    fig.suptitle(label, fontsize=11)
    fig.tight_layout()
    fig.canvas.draw()
    frame = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()  # (H, W, 4) -> (H, W, 3)
    plt.close(fig)
    return frame


def write_gif(frames: list[np.ndarray], path: str | Path, ms_per_frame: int = 250, hold_last: int = 6) -> Path:
    """Write frames as a looping GIF, atomically (a temp file in the same folder, then rename).

    An interrupted run never leaves a truncated GIF behind: the old file stays until the
    new one is complete. The last frame stays ``1 + hold_last`` times as long, so the final
    result stays on screen before the loop restarts.
    """
    if not frames:
        raise ValueError("write_gif: no frames to write")
    shapes = {f.shape for f in frames}
    if len(shapes) != 1:
        raise ValueError(f"write_gif: frames differ in shape: {sorted(shapes)}")
    (shape,) = shapes
    if frames[0].dtype != np.uint8 or not (len(shape) == 2 or (len(shape) == 3 and shape[2] == 3)):
        raise ValueError(f"write_gif: frames must be uint8 HxW or HxWx3, got {frames[0].dtype} {shape}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rgb = [np.repeat(f[..., None], 3, axis=2) if f.ndim == 2 else f for f in frames]  # HxW -> HxWx3
    stack = np.stack(rgb)  # (T, H, W, 3): unambiguous, unlike (T, H, W) with W in (3, 4)
    durations = [ms_per_frame] * (len(frames) - 1) + [ms_per_frame * (1 + hold_last)]
    duration = durations if len(durations) > 1 else durations[0]  # Pillow wants an int for one frame
    return atomic_write(path, lambda tmp: iio.imwrite(tmp, stack, extension=".gif", duration=duration, loop=0))


class GifRecorder:
    """Record fixed-noise samples during training, then :meth:`save` them as one labelled GIF.

    Several models (panels) can be recorded into one GIF, side by side; a panel whose
    training stopped early keeps showing its last samples::

        gif = GifRecorder()
        gif.record(epoch, model.sample(64, u=fixed_noise), panel="PixelCNN")  # in on_epoch_end
        gif.save(dirs.figures / "arm_training.gif")
    """

    def __init__(self, nrow: int = 8, label: str = "epoch", descending: bool = False) -> None:
        """``label`` names the step on each frame; ``descending=True`` plays the steps from the
        largest down (say a reverse diffusion, t = T ... 0)."""
        self.nrow = nrow
        self.label = label
        self.descending = descending
        self.samples: dict[str, dict[int, torch.Tensor]] = {}

    def record(self, step: int, x: torch.Tensor | np.ndarray, panel: str = "") -> None:
        """Keep a copy of samples ``x`` (integer digits) taken at ``step`` for ``panel``."""
        self.samples.setdefault(panel, {})[int(step)] = torch.as_tensor(x).detach().cpu().clone()

    def __len__(self) -> int:
        return len({s for panel in self.samples.values() for s in panel})

    def frames(self) -> list[np.ndarray]:
        steps = sorted({s for panel in self.samples.values() for s in panel}, reverse=self.descending)
        out = []
        for step in steps:
            panels = {}
            for name, by_step in self.samples.items():
                seen = [s for s in by_step if (s >= step if self.descending else s <= step)]
                if seen:
                    panels[name] = by_step[min(seen) if self.descending else max(seen)]
            if len(panels) == len(self.samples):
                out.append(render_frame(panels, f"{self.label} {step}", nrow=self.nrow))
        return out

    def save(self, path: str | Path, ms_per_frame: int = 250) -> Path:
        """Render every recorded step and write the GIF atomically."""
        return write_gif(self.frames(), path, ms_per_frame=ms_per_frame)
