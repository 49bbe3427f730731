# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo emulator test lint typecheck bench docs clean fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(STAMP)

demo: $(DEVSTAMP)
	$(BIN)/python -m lambda_advisor.demo

# An emulated account that keeps serving (Ctrl-C stops it): try `lambda-advisor audit` by hand.
emulator: $(DEVSTAMP)
	$(BIN)/python -m lambda_advisor.serve_emulator --port $(or $(PORT),5000)

test: $(DEVSTAMP)
	$(BIN)/ruff check lambda_advisor tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

lint: $(DEVSTAMP)
	$(BIN)/ruff check lambda_advisor tests bench
	$(BIN)/ruff format --check lambda_advisor tests bench

bench: $(DEVSTAMP)
	$(BIN)/python bench/run.py

# The long fuzz campaign: 10,000 mutated templates in batches of 200 and 300 inputs of every other
# kind through the real CLI; prints each batch, then inputs tried, time, memory, lost runs and internal-error entries (both must be 0).
# FUZZ_ARGS="--templates 1000 --others 50 --seed 7" for a shorter or replayed run.
FUZZ_ARGS ?=
fuzz: $(DEVSTAMP)
	$(BIN)/python tests/fuzz_campaign.py $(FUZZ_ARGS)

docs: $(DEVSTAMP)
	$(BIN)/python -m lambda_advisor.rule_catalog
	$(BIN)/python -m lambda_advisor.docs > docs/rules.md
	$(BIN)/python -m lambda_advisor.docs readme

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
