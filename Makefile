# One-command entry points. `make run` installs and starts the gateway; `make test` installs and runs the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3.11
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF
export LITELLM_LOCAL_MODEL_COST_MAP := True
export HF_HUB_OFFLINE := 1

.PHONY: install run test bench
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -e '.[dev]'
	touch $@

run: install
	$(VENV)/bin/duet serve

test: install
	$(PY) -m pytest -q
