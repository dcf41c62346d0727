"""dgm_utils: the boilerplate shared by the deep generative models course.

Data, device selection, the training loop, plots, GIFs, checkpoints, run modes and
the evaluation toolkit. The models and their objectives live in the notebooks.
"""

from .checkpoint import fingerprint, load_checkpoint, save_checkpoint
from .data import (
    DEQUANT_LOG_DET,
    MAX_LEVEL,
    N_LEVELS,
    N_PIXELS,
    Digits,
    DigitsSplit,
    batches,
    check_digits,
    dequantize,
    dequantize_symmetric,
    from_dequantized_symmetric,
    from_symmetric,
    from_unit,
    load_digits,
    to_symmetric,
)
from .device import get_device, seed_everything
from .gif import GifRecorder, write_gif
from .latent import interpolate, interpolation_grid
from .likelihood import (
    UNIFORM_NLL,
    Likelihood,
    bits_per_dim,
    dequantized_nll,
    independent_pixels_log_probs,
    independent_pixels_nll,
    independent_pixels_nlls,
    iw_bound,
    log_mean_exp,
)
from .metrics import (
    choose_by_validation_fd,
    evaluate_samples,
    format_table,
    frechet_distance_spread,
    frechet_distance_to_split,
    fresh_draw_fds,
    memorisation,
    validation_floor,
)
from .modes import budget, is_quick, mode_name, output_dirs
from .nets import UNet
from .ood import OOD_SET_NAMES, auroc, evaluate_ood, format_ood, ood_sets
from .plots import compare_samples, plot_label_histograms, plot_losses, show_digits
from .records import load_result, n_eval_samples, quote_records, record_digest, save_results, stale_quotes
from .spreads import save_fd_spreads
from .timing import Timer, count_parameters
from .train import History, evaluate_loss, fit, fit_or_load

__version__ = "0.1.0"

__all__ = [
    "DEQUANT_LOG_DET", "MAX_LEVEL", "N_LEVELS", "N_PIXELS", "OOD_SET_NAMES", "UNIFORM_NLL",
    "Digits", "DigitsSplit", "GifRecorder", "History", "Likelihood", "Timer", "UNet",
    "auroc", "batches", "bits_per_dim", "evaluate_ood", "format_ood", "ood_sets", "choose_by_validation_fd", "interpolate", "interpolation_grid", "memorisation",
    "validation_floor", "budget", "check_digits", "compare_samples", "count_parameters",
    "dequantize", "dequantize_symmetric", "dequantized_nll", "from_dequantized_symmetric", "evaluate_loss", "evaluate_samples", "fingerprint", "fit", "fit_or_load",
    "format_table", "frechet_distance_spread", "frechet_distance_to_split", "fresh_draw_fds", "from_symmetric", "from_unit", "get_device", "independent_pixels_log_probs", "independent_pixels_nll", "independent_pixels_nlls",
    "is_quick", "iw_bound",
    "load_checkpoint", "load_digits", "load_result", "log_mean_exp", "mode_name", "n_eval_samples", "output_dirs", "plot_label_histograms", "plot_losses", "quote_records",
    "record_digest", "save_checkpoint", "save_fd_spreads", "save_results", "seed_everything", "show_digits", "stale_quotes", "to_symmetric", "write_gif",
]  # fmt: skip
