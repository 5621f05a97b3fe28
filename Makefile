# The two commands of the README: `make run` (set up and run the main job) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test setup setup-test browser bench clean

run: setup
	$(BIN)/pipeline run

# The tests run on SQLite and, through a throwaway local server (Debian's postgresql, installed
# when missing and root), on PostgreSQL too; in TEST_WORKERS processes (pytest-xdist): one more
# worker than cores pays, as many tests wait on subprocesses, sockets and servers; each further
# worker costs more CPU (its own imports and collection) than it wins back. Tests that share an
# expensive fixture stay on one worker (tests/conftest.py). TEST_WORKERS=0: one process.
TEST_WORKERS ?= 3
test: setup-test browser
	bash scripts/with-postgres.sh $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

setup-test: $(VENV)/.installed-test

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Headless Chromium for the web tests, from Debian's packages (needs root; skipped otherwise,
# and the browser tests then skip with a reason).
browser:
	@bash scripts/install-browser.sh

bench: setup-test
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) data out
