# Two commands: `make demo` (set up, then sync this repository's own dependencies)
# and `make test` (set up, then lint, type-check and test). Both need only python3, git, make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench git-lfs cross-tools clean

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

# wh build's tests import an aarch64 wheel into Debian's aarch64 CPython under qemu-user,
# in an arm64 root made with mmdebstrap (without them, and not root, those tests skip).
cross-tools:
	@{ command -v qemu-aarch64 && command -v mmdebstrap; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing qemu-user and mmdebstrap from the OS packages"; \
	    apt-get update -qq && apt-get install -y -qq qemu-user mmdebstrap >/dev/null; \
	  else \
	    echo "qemu-user and mmdebstrap are missing: the aarch64 import test will skip (apt-get install qemu-user mmdebstrap)" >&2; \
	  fi; }

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

pytest: $(STAMP) git-lfs cross-tools
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

bench: $(STAMP)
	PIP_CONFIG_FILE=/dev/null $(BIN)/python benchmarks/bench_sync.py
	$(BIN)/python benchmarks/bench_verify.py
	$(BIN)/python benchmarks/bench_lock.py
	$(BIN)/python benchmarks/bench_pex.py
	PIP_CONFIG_FILE=/dev/null $(BIN)/python benchmarks/bench_build.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
