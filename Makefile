# Everything runs from .venv, created on first use; `make setup` is idempotent.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint format clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[cli,train,sagemaker,dev]'
	touch $(STAMP)

demo: setup
	$(PY) -m service.cli.demo

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

test: setup lint
	$(PY) -m pytest -n 2 --dist loadfile

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf build dist .pytest_cache .ruff_cache

# The Lambda artifact for infra/template.yaml (python3.12, arm64) in build/lambda, without Docker.
.PHONY: package
package: setup
	$(PY) scripts/package_lambda.py
