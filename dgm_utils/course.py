"""Course maintenance: execute notebooks for ``make gifs`` and keep the repository address in sync.

    python -m dgm_utils.course run notebooks/01_arm.ipynb   # execute in place, atomically
    python -m dgm_utils.course links                        # rewrite badges from pyproject.toml
    python -m dgm_utils.course links --check                # exit 1 if anything is out of sync

The repository's address lives in one place, ``[project.urls] Repository`` in
pyproject.toml. ``links`` writes it into each notebook's Colab badge, install cell and
figure links (relative while the address is the placeholder, raw GitHub addresses once
it is set, so they resolve on Colab) and into README.md's badges.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

from .atomic import atomic_write_text
from .modes import course_root, mode_name
from .spreads import current_fd_spreads, stale_spreads

PLACEHOLDER_REPO = "https://github.com/your-org/deep-generative-models"
_BADGE = re.compile(r"https://colab\.research\.google\.com/github/[^)\s\"]+?/blob/[^/]+/notebooks/([\w.-]+\.ipynb)")
_REPO_LINE = re.compile(r'^(\s*REPO = )"[^"]*"', re.M)
# a figure linked from a notebook's Markdown: relative (../figures/x) or on raw.githubusercontent.com
_FIGURE = re.compile(r"\]\((?:\.\./|https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[\w.-]+/)figures/([\w.-]+)\)")


def repository(root: Path | None = None) -> str:
    """The repository address from ``pyproject.toml`` (``[project.urls] Repository``)."""
    text = ((root or course_root()) / "pyproject.toml").read_text()
    m = re.search(r'^Repository\s*=\s*"([^"]+)"', text, re.M)
    if m is None:
        raise ValueError("pyproject.toml has no [project.urls] Repository entry")
    return m.group(1).rstrip("/")


def colab_url(repo: str, notebook: str, branch: str = "main") -> str:
    """Colab's address for a notebook of a GitHub repository."""
    path = repo.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{path}/blob/{branch}/notebooks/{notebook}"


def figure_base(repo: str, branch: str = "main") -> str:
    """Where notebooks link figures from: ``../`` while the address is the placeholder, else raw GitHub.

    Colab opens a single notebook, so a relative ``../figures/x.gif`` does not resolve there;
    once the repository's address is set, the links point at the published files.
    """
    if repo == PLACEHOLDER_REPO:
        return "../"
    return f"https://raw.githubusercontent.com/{repo.removeprefix('https://github.com/')}/{branch}/"


def _sync_text(text: str, repo: str, figures: bool = False) -> str:
    text = _BADGE.sub(lambda m: colab_url(repo, m.group(1)), text)
    if figures:
        text = _FIGURE.sub(lambda m: f"]({figure_base(repo)}figures/{m.group(1)})", text)
    return _REPO_LINE.sub(lambda m: f'{m.group(1)}"{repo}"', text)


def sync_links(root: Path | None = None, check: bool = False) -> list[Path]:
    """Write the repository address into badges and install cells; return the files that differed."""
    root = root or course_root()
    repo = repository(root)
    stale = []
    for nb_path in sorted((root / "notebooks").glob("*.ipynb")):
        nb = json.loads(nb_path.read_text())
        changed = False
        for cell in nb["cells"]:
            src = "".join(cell["source"])
            new = _sync_text(src, repo, figures=cell["cell_type"] == "markdown")
            if new != src:
                cell["source"] = new.splitlines(keepends=True)
                changed = True
        if changed:
            stale.append(nb_path)
            if not check:
                _write_json_atomic(nb_path, nb)
    readme = root / "README.md"
    if readme.exists():
        text = readme.read_text()
        new = _sync_text(text, repo)
        if new != text:
            stale.append(readme)
            if not check:
                readme.write_text(new)
    return stale


def _write_json_atomic(path: Path, nb: dict) -> None:
    atomic_write_text(path, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def clean_metadata(nb: dict) -> dict:
    """Strip volatile metadata (timings, widget state, kernel details); keep execution counts."""
    nb["metadata"] = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
        cell.get("metadata", {}).pop("collapsed", None)
        cell.pop("id", None) if nb.get("nbformat_minor", 0) < 5 else None
    return nb


def _iso_seconds(stamp: str) -> float:
    """Seconds since the epoch of a Jupyter timestamp such as "2026-11-29T08:12:47.123456Z"."""
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def slowest_cells(nb: dict, n: int = 5) -> list[dict]:
    """The ``n`` code cells that took longest in an executed notebook, slowest first.

    Reads the timestamps nbclient writes into each cell's ``metadata.execution`` (before
    :func:`clean_metadata` strips them); a cell without both timestamps is skipped. Each entry:
    ``{"cell": index in nb["cells"], "seconds": wall seconds, "first_line": the first line of
    code that is not a comment, at most 70 characters}``.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    timed = []
    for index, cell in enumerate(nb.get("cells", [])):
        execution = cell.get("metadata", {}).get("execution", {})
        start, end = execution.get("iopub.execute_input"), execution.get("shell.execute_reply")
        if cell.get("cell_type") != "code" or not (start and end):
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        lines = [line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]
        first = lines[0] if lines else ""
        timed.append({"cell": index, "seconds": round(_iso_seconds(end) - _iso_seconds(start), 1),
                      "first_line": first if len(first) <= 70 else first[:67] + "..."})  # fmt: skip
    return sorted(timed, key=lambda c: -c["seconds"])[:n]


def run_notebook(path: Path, timeout: int = 1800) -> tuple[float, list[dict]]:
    """Execute a notebook in its folder and write it back with outputs.

    Returns the wall seconds and its :func:`slowest_cells`. The executed notebook goes to a
    temp file first; the original is replaced only when every cell succeeded, so a failed run
    never loses the committed outputs.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=True,
        resources={"metadata": {"path": str(path.parent)}},
    )  # fmt: skip
    client.execute()
    seconds = time.perf_counter() - start
    data = json.loads(nbformat.writes(nb))
    slowest = slowest_cells(data)
    _write_json_atomic(path, clean_metadata(data))
    return seconds, slowest


NOTEBOOK_TITLES = {
    "01_arm": "Autoregressive models (WaveNet, PixelCNN, a mixture of PixelCNNs)",
    "02_flow": "Normalizing flows (RealNVP, Glow, variational dequantization)",
    "03_vae": "Variational autoencoders",
    "04_ddpm": "Denoising diffusion (DDPM, DDIM)",
    "05_score_matching": "Score matching",
    "06_sbgm": "Score-based models via SDEs",
    "07_ebm": "Energy-based models",
    "08_gan": "GANs (GAN, LSGAN, WGAN-GP)",
    "09_comparison": "All families head to head",
}
#: notebooks that train nothing and keep no record of their own: what their row says, and its picture
SUMMARY_NOTEBOOKS = {
    "09_comparison": (
        "trains nothing: reads every record above (leaderboard, pictures, OOD table)",
        "comparison_nll_vs_fd.png",
    ),
}
_TABLE = re.compile(r"(<!-- results:start -->\n).*?(<!-- results:end -->)", re.S)


def _runtimes_path(root: Path) -> Path:
    return root / "results" / "runtimes.json"


def record_runtime(root: Path, notebook: str, seconds: float, slowest: list[dict] | None = None) -> None:
    """Remember a full run's wall time in results/runtimes.json (read by the README table),
    with its slowest cells (from :func:`slowest_cells`), so a reader sees where the time goes."""
    path = _runtimes_path(root)
    data = json.loads(path.read_text()) if path.exists() else {}
    data[notebook] = {"seconds": round(seconds), "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    if slowest is not None:
        data[notebook]["slowest_cells"] = slowest
    atomic_write_text(path, json.dumps(dict(sorted(data.items())), indent=2) + "\n")


def _fd_cell(evaluation: dict, sd: float | None = None) -> str:
    """An FD to one decimal, with notebook 09's bootstrap sd of its samples file when that is current."""
    fd = f"{evaluation['metrics']['frechet_distance']['model']:.1f}"
    return fd if sd is None else f"{fd} ± {sd:.1f}"


def results_table(root: Path | None = None) -> str:
    """The README's notebook table, built from results/*.json and results/runtimes.json.

    Every row names the sampler its recorded samples came from and gives the Frechet
    distance of those samples and of the model's own samples (T = 1, the prior, drawn
    pixels), both against the same floor, written into the header. Each distance carries
    "± sd", notebook 09's bootstrap standard deviation over its samples
    (``results/fd_spread.json``), while the samples file and its record's FD are the ones 09 measured.
    """
    root = root or course_root()
    runtimes = json.loads(_runtimes_path(root).read_text()) if _runtimes_path(root).exists() else {}
    spreads = current_fd_spreads(root)
    rows, floor = [], None
    for nb_path in sorted((root / "notebooks").glob("[0-9]*.ipynb")):
        stem = nb_path.stem
        name = stem.split("_", 1)[1]
        title = NOTEBOOK_TITLES.get(stem, name)
        gif = root / "figures" / f"{name}_training.gif"
        res_path = root / "results" / f"{name}.json"
        cells = [
            f"[{stem}](notebooks/{nb_path.name}): {title}",
            f"![{name}](figures/{gif.name})" if gif.exists() else "",
        ]
        if stem in SUMMARY_NOTEBOOKS:
            picture = root / "figures" / SUMMARY_NOTEBOOKS[stem][1]
            cells[1] = f"![{name}](figures/{picture.name})" if picture.exists() else ""
            cells += [SUMMARY_NOTEBOOKS[stem][0], "", "", "", "", ""]
        elif res_path.exists():
            rec = json.loads(res_path.read_text())
            lik = rec.get("likelihood")
            cells.append(
                f"{lik['nats']:.1f} / {lik['bits_per_dim']:.2f} ({lik['kind']})"
                if lik
                else rec.get("likelihood_note") or "none (no likelihood)"
            )
            samples = rec["samples"]
            floor = samples["metrics"]["frechet_distance"]["floor"]
            own = rec.get("own_samples")
            cells.append(rec.get("sampler", "not recorded"))
            cells.append(_fd_cell(samples, spreads.get(f"{name}_samples.npy")))
            own_sd = spreads.get(f"{name}_own_samples.npy")
            cells.append("same" if rec.get("sampler_is_own") else (_fd_cell(own, own_sd) if own else "not recorded"))
            cells.append(f"{samples['metrics']['digits_present']['model']:.0f} / 10")
            memo = samples.get("memorisation")
            cells.append(f"{memo['exact_copies']['model']:.1%}" if memo else "not recorded")
        else:
            cells += ["not run yet", "", "", "", "", ""]
        rt = runtimes.get(stem)
        cells.append(f"{rt['seconds'] / 60:.1f} min" if rt else "")
        rows.append("| " + " | ".join(cells) + " |")
    floor_text = f" (floor {floor:.1f})" if floor is not None else ""
    if floor is not None and "floor" in spreads:
        floor_text = f" (floor {floor:.1f} ± {spreads['floor']:.1f})"
    header = [
        "| notebook | training | test NLL (nats / bits per dim) | recorded sampler "
        f"| Fréchet distance, recorded sampler{floor_text} | Fréchet distance, model's own samples{floor_text} "
        "| digits present | samples copying a training image | full run (CPU) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    return "\n".join(header + rows) + "\n"


def update_readme(root: Path | None = None) -> bool:
    """Rewrite the table between the README's results markers; True when it changed."""
    root = root or course_root()
    readme = root / "README.md"
    text = readme.read_text()
    if not _TABLE.search(text):
        raise ValueError("README.md has no <!-- results:start --> ... <!-- results:end --> markers")
    new = _TABLE.sub(lambda m: m.group(1) + results_table(root) + m.group(2), text)
    if new != text:
        atomic_write_text(readme, new)
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Course maintenance")
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="execute notebooks in place (outputs committed from full runs)")
    run.add_argument("notebooks", nargs="+", type=Path)
    links = sub.add_parser("links", help="write the repository address from pyproject.toml everywhere")
    links.add_argument("--check", action="store_true", help="only report files that are out of sync")
    sub.add_parser("readme", help="rewrite README.md's results table from results/")
    args = parser.parse_args(argv)
    if args.cmd == "readme":
        print("README.md table " + ("updated" if update_readme() else "unchanged"))
        return 0
    if args.cmd == "run":
        for path in args.notebooks:
            if not path.exists():
                print(f"error: {path}: no such notebook", file=sys.stderr)
                return 2
            print(f"running {path} ({mode_name()} mode) ...", flush=True)
            seconds, slowest = run_notebook(path)
            print(f"  {path.name}: {seconds:.0f} s; slowest cells: "
                  + ", ".join(f"[{c['cell']}] {c['seconds']:.0f} s" for c in slowest), flush=True)  # fmt: skip
            if mode_name() == "full":
                record_runtime(course_root(), path.stem, seconds, slowest)
        if mode_name() == "full" and (course_root() / "README.md").exists():
            update_readme()
            from .records import stale_quotes  # imports torch: only here

            for line in stale_quotes(course_root()) + stale_spreads(course_root()):  # run before what it read changed
                print(f"  stale: {line}", flush=True)
        return 0
    stale = sync_links(check=args.check)
    for p in stale:
        print(f"{'out of sync' if args.check else 'updated'}: {p}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    raise SystemExit(main())
