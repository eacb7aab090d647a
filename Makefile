# Everything runs from .venv, created on first use; `make setup` is idempotent.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint format clean docs

# `sam validate --lint` needs the SAM CLI, whose pins (click) clash with the dev tools: it gets a venv of its own.
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed
SAM_CLI_VERSION := 1.170.0

setup: $(STAMP) chromium

# The review page's tests drive Debian's Chromium: installed when missing, where apt-get is present and we are root
# (CI runs as root on a clean machine); silent when it is there already.
CHROMIUM := /usr/bin/chromium
.PHONY: chromium
chromium:
	@if [ ! -x $(CHROMIUM) ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium for the review page's browser tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	elif [ ! -x $(CHROMIUM) ]; then \
		echo "note: $(CHROMIUM) is missing; the review page's browser tests need Debian's chromium (make setup as root installs it)"; \
	fi

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[cli,train,sagemaker,dev]'
	touch $(STAMP)

$(SAM_STAMP): Makefile
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION)
	touch $(SAM_STAMP)

demo: setup
	$(PY) -m service.cli.demo

lint: setup $(SAM_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(SAM) validate --lint --template infra/template.yaml
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet --site-dir build/site

test: setup lint
	$(PY) -m pytest -n 2 --dist loadfile

# The manual, served with live reload on http://127.0.0.1:8000.
docs: setup
	$(VENV)/bin/mkdocs serve

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf build dist .pytest_cache .ruff_cache

# The Lambda artifact for infra/template.yaml (python3.12, arm64) in build/lambda, without Docker.
.PHONY: package
package: setup
	$(PY) scripts/package_lambda.py
