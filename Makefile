# Two commands: `make run` and `make test`. Both create .venv on first use.
# `make mutate` (mutation testing, docs/testing.md) is slow and runs only when asked.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test bench mutate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.run-installed

$(VENV)/.mutate-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,mutate]'
	touch $@ $(VENV)/.test-installed $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(BIN)/breathcue run --sim --config docs/examples/demo.toml $(ARGS)

# Two workers (pytest-xdist): the suite's time on two cores; ARGS="-n 0" runs it in one process.
test: $(VENV)/.test-installed
	$(BIN)/python -m pytest -n 2 $(ARGS)

# Each module against its own tests, niced; MODULES="core/cues.py history.py" narrows it.
mutate: $(VENV)/.mutate-installed
	nice $(BIN)/python tools/mutate.py run $(MODULES)

bench: $(VENV)/.test-installed
	for f in tests/bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info device/*.egg-info .pytest_cache .mutate
