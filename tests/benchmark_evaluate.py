"""How long the shared evaluation takes: `make bench` (not a pass/fail test; timings depend on the machine).

Times the first ``evaluate_samples`` of a process (the real-data floor is computed too) and a
second one (the floor cached), on 1000 training digits, and prints one line each.
"""

import time

from dgm_utils import evaluate_samples, load_digits
from dgm_utils.metrics import floor


def main() -> None:
    samples = load_digits().train.x  # (1000, 8, 8) integers
    floor.cache_clear()
    for label in ("first call (floor computed)", "second call (floor cached)"):
        start = time.perf_counter()
        evaluate_samples(samples)
        print(f"evaluate_samples, 1000 samples, {label}: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
