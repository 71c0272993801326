# Two commands: `make demo` (set up, then sync this repository's own dependencies)
# and `make test` (set up, then lint, type-check and test). Both need only python3, git, make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench git-lfs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

git-lfs:
	@git lfs version >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing git-lfs from the OS packages"; \
	    apt-get update -qq && apt-get install -y -qq git-lfs >/dev/null; \
	  else \
	    echo "git-lfs is missing: install it with your OS package manager (apt-get install git-lfs, brew install git-lfs)" >&2; \
	    exit 1; \
	  fi; }

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

pytest: $(STAMP) git-lfs
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

# The main job, on this repository itself: its lock of wh's own dependencies (compiled by
# `wh lock`) -> the wheel for every target -> the gate -> wh as one PEX for every target.
demo: $(STAMP) git-lfs
	$(BIN)/wh sync --platforms macosx,linux
	$(BIN)/wh verify --platforms macosx,linux
	$(BIN)/wh pex
	$(BIN)/wh inspect dist/wh.pex
	$(PYTHON) dist/wh.pex --version

# Every benchmark in one run, then one table of ratios (benchmarks/all.py).
bench: $(STAMP)
	PIP_CONFIG_FILE=/dev/null $(BIN)/python benchmarks/all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
