# The front door. `make run` serves the app with demo data; `make test` runs every test.
# Both set everything up from nothing: virtualenv, pinned packages, PostgreSQL, migrations.

SHELL := /bin/bash
BOOT_PYTHON := $(shell command -v python3.13 || command -v python3.12 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# Exports DATABASE_URL (found or started by bin/database.py) for the rest of a recipe line.
WITH_DB = DATABASE_URL="$$($(PY) bin/database.py)" || exit 1; export DATABASE_URL;
PORT ?= 8000

.PHONY: run test lint format bench replica-drill check-browser clean-venv

$(PY):
	@bin/check-python "$(BOOT_PYTHON)"
	$(BOOT_PYTHON) -m venv $(VENV)

$(INSTALLED): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

run: $(INSTALLED)
	@$(WITH_DB) export DEBUG=true; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py load_demo && \
	$(PY) manage.py dev_admin --port $(PORT) && \
	echo "Serving the directory at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)" && \
	exec $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(INSTALLED) check-browser lint
	@$(WITH_DB) $(PY) -m pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(INSTALLED)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Installs Chromium for the browser tests when it is missing and this machine allows it.
check-browser:
	@bin/ensure-chromium

# Benchmark at directory scale (docs/performance.md). Uses its own database, never the app's.
bench: $(INSTALLED)
	@DATABASE_URL="$$($(PY) bin/database.py --bench)" || exit 1; export DATABASE_URL DEBUG=true; \
	$(PY) manage.py bench $(BENCH_ARGS)

# A primary, a streaming replica and two app servers on loopback, then removed (docs/scaling.md).
replica-drill: $(INSTALLED)
	$(PY) bin/replica-drill $(DRILL_ARGS)

clean-venv:
	rm -rf $(VENV)
