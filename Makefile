# The course's commands. `make test` and `make gifs` build their own virtual environment
# (.venv) on a machine that has only python3 and make; later runs reuse it.
#
#   make gifs            execute every notebook in full mode: figures/, results/ and the
#                        notebooks' committed outputs are regenerated (make gifs NB=01_arm: one)
#   make test            unit tests + every notebook through nbval in quick mode
#   make lab             open the course in JupyterLab
#   make bench           time the shared evaluation (prints seconds; not a test)
#   make links           write the repository address from pyproject.toml into badges
#   make clean           remove scratch outputs and caches (make distclean: the venv too)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
NB     ?=
NOTEBOOKS := $(if $(NB),notebooks/$(NB:.ipynb=).ipynb,$(sort $(wildcard notebooks/[0-9]*.ipynb)))

.PHONY: setup test unit nbval gifs lab links lint bench clean distclean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

test: unit nbval

unit: $(STAMP)
	DGM_QUICK=1 DGM_PROGRESS=0 $(PY) -m pytest -q tests

nbval: $(STAMP)
	DGM_QUICK=1 DGM_PROGRESS=0 $(PY) -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env $(NOTEBOOKS)

gifs: $(STAMP)
	@test -n "$(NOTEBOOKS)" || { echo "no notebook matches NB=$(NB)"; exit 2; }
	DGM_QUICK=0 DGM_RETRAIN=1 DGM_PROGRESS=0 $(PY) -m dgm_utils.course run $(NOTEBOOKS)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

links: $(STAMP)
	$(PY) -m dgm_utils.course links

bench: $(STAMP)
	$(PY) tests/benchmark_evaluate.py

lint: $(STAMP)
	$(VENV)/bin/ruff check dgm_utils tests
	$(VENV)/bin/ruff format --check dgm_utils tests

clean:
	rm -rf .quick checkpoints .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
