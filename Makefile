# Two commands: `make demo` (set up, then wh on its own dependencies and on the demo app)
# and `make test` (set up, then lint, type-check and test). Both need only python3, git, make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench git-lfs openssh-server cross-tools clean demo-app

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

# The deploy tests start real sshd servers on loopback; without them they skip, saying why.
openssh-server:
	@test -x /usr/sbin/sshd || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing openssh-server from the OS packages"; \
	    apt-get update -qq && apt-get install -y -qq openssh-server >/dev/null; \
	  else \
	    echo "openssh-server is missing: the wh deploy tests will skip (apt-get install openssh-server, as root)" >&2; \
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

pytest: $(STAMP) git-lfs openssh-server cross-tools
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
	@$(MAKE) --no-print-directory demo-app

# The demo app (examples/app): orjson, pydantic and cryptography, all native code, locked for
# macOS and Linux from this machine; a real gap shown and closed; one PEX for all 8 targets,
# run here; then the wheelhouse as a static index, a pylock.toml, hashed requirements and
# Pants complete platforms, installed from with pip and uv offline.
APP := examples/app
APP_ENV := env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null
demo-app: $(STAMP) git-lfs
	@echo "== 1. a lock as many projects have one: uv pins the newest cryptography everywhere"
	$(BIN)/wh lock --project $(APP) --resolver uv --upgrade-package cryptography
	@echo "== 2. wh sync: the wheel for every target, and what that lock hides"
	$(BIN)/wh sync --project $(APP) --no-prune \
	  || echo "   ^ a real gap, named with what to do about it; the demo goes on"
	@echo "== 3. wh lock --only-wheels: a version with a wheel for every target"
	$(BIN)/wh lock --project $(APP) --only-wheels
	$(BIN)/wh sync --project $(APP)
	$(BIN)/wh verify --project $(APP)
	@echo "== 4. one PEX for every target, built offline; native wheels per platform"
	$(BIN)/wh pex --project $(APP)
	$(BIN)/wh inspect --project $(APP) $(APP)/dist/app.pex
	@echo "== 5. run it here"
	$(PYTHON) $(APP)/dist/app.pex
	@echo "== 6. the wheelhouse for every other tool, offline"
	$(BIN)/wh index --project $(APP) --output $(APP)/dist/index
	$(BIN)/wh export pylock --project $(APP) --output $(APP)/dist/pylock.toml
	$(BIN)/wh export requirements --project $(APP) --output $(APP)/dist/requirements.txt
	$(BIN)/wh export pants --project $(APP) --output $(APP)/dist/pants
	rm -rf $(APP)/dist/pip-site $(APP)/dist/uv-venv
	$(APP_ENV) $(BIN)/python -m pip install --quiet --target $(APP)/dist/pip-site \
	  --index-url file://$(abspath $(APP))/dist/index/simple orjson pydantic cryptography
	PYTHONPATH=$(APP)/dist/pip-site:$(APP)/src $(BIN)/python -m demo_app.main
	$(BIN)/uv venv --quiet --no-config --python $(BIN)/python $(APP)/dist/uv-venv
	VIRTUAL_ENV=$(APP)/dist/uv-venv UV_NO_CONFIG=1 $(BIN)/uv pip install --quiet --offline \
	  -r $(APP)/dist/pylock.toml
	PYTHONPATH=$(APP)/src $(APP)/dist/uv-venv/bin/python -m demo_app.main

# Every benchmark in one run, then one table of ratios (benchmarks/all.py).
bench: $(STAMP)
	PIP_CONFIG_FILE=/dev/null $(BIN)/python benchmarks/all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
