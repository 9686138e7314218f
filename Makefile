# The two commands a user needs: `make run` and `make test`. Both build the virtualenv on first use.
# `make check` runs the static checks (configured in pyproject.toml; see docs/checks.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LINTED := src tests bench

.PHONY: run check test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/dgx-pixels $(ARGS)

# Every check runs even when an earlier one fails, so one run lists everything to fix; any failure fails the target.
check: $(STAMP)
	@status=0; \
	echo "== ruff format --check"; $(BIN)/ruff format --check $(LINTED) || status=1; \
	echo "== ruff check"; $(BIN)/ruff check $(LINTED) || status=1; \
	echo "== mypy"; $(BIN)/mypy || status=1; \
	echo "== lint-imports"; $(BIN)/lint-imports || status=1; \
	if [ $$status -ne 0 ]; then echo "make check: failed (see above)" >&2; fi; exit $$status

# The static checks first: a violation fails the build before any test runs.
# pytest exits 5 when it collected nothing; that is a failure here, as is any failed test.
# The tests run in one process per core (at most 4); PYTEST_ARGS='-n 0 tests/unit' runs them in this one.
PYTEST_ARGS ?= -n auto --maxprocesses=4
test: check
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests ran" >&2; exit 1; fi; exit $$rc

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache build dist
