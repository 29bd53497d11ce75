# Every target sets up what it needs: .venv is created or refreshed from pyproject.toml + constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck sandbox generate check-generated clean lock

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

## run: the gateway over the embedded sandbox with demo data
run: $(STAMP)
	$(BIN)/umanize-gateway serve

## sandbox: the embedded REST upstream alone, with demo data
sandbox: $(STAMP)
	$(BIN)/umanize-gateway sandbox --seed

## test: the whole test suite (unit + end-to-end over loopback)
test: $(STAMP)
	$(BIN)/python -m pytest

## generate: regenerate the committed contracts (graphql/schema.graphql)
generate: $(STAMP)
	$(BIN)/umanize-gateway export-schema --output graphql/schema.graphql

## lint: ruff and mypy --strict
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

## lock: re-resolve constraints.txt from pyproject.toml (then review the diff)
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^umanize-gateway' > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .sandbox .pytest_cache .mypy_cache .ruff_cache
