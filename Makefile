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
# The Nu HTML Checker that tests/test_html_valid.py runs (npm package vnu-jar, pinned in
# package-lock.json); it runs on the machine's Java.
VNU := node_modules/vnu-jar/build/dist/vnu.jar
# Tests run in parallel, one database per worker; tests marked with one xdist_group share a worker.
PYTEST := $(PY) -m pytest -n auto --dist loadgroup

.PHONY: run test test-fast lint format bench replica-drill check-browser check-java clean-venv \
	fault-drill soak backup restore

$(PY):
	@bin/check-python "$(BOOT_PYTHON)"
	$(BOOT_PYTHON) -m venv $(VENV)

$(INSTALLED): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# The task worker (imports confirmed in the admin, mail, the schedule of alerts) runs beside the server,
# its output in the same terminal; Ctrl-C stops both (the worker finishes its current task).
run: $(INSTALLED)
	@$(WITH_DB) export DEBUG=true; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py load_demo && \
	$(PY) manage.py start_schedule && \
	$(PY) manage.py dev_admin --port $(PORT) || exit 1; \
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	echo "Serving the directory at http://127.0.0.1:$(PORT)/ with the task worker beside it (Ctrl-C stops both)"; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(INSTALLED) $(VNU) check-browser lint
	@$(WITH_DB) $(PYTEST) $(PYTEST_ARGS)

# Everything but the browser tests: the quick loop while working.
test-fast: $(INSTALLED) $(VNU) lint
	@$(WITH_DB) $(PYTEST) -m "not browser" $(PYTEST_ARGS)

# --ignore-scripts: the package's own install step would fetch a Java runtime; the system's is used.
$(VNU): package.json package-lock.json | check-java
	@command -v npm >/dev/null || { echo "The HTML check needs npm: install it (for example 'apt-get install -y npm') and run make again." >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

lint: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(INSTALLED)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

check-java:
	@command -v java >/dev/null || { echo "The HTML check needs Java: install it (for example 'apt-get install -y default-jre-headless') and run make again." >&2; exit 1; }

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

# Operations (docs/operations.md). The drill and the soak start their own PostgreSQL cluster
# and gunicorn, and remove both when they end.
fault-drill: $(INSTALLED)
	$(PY) bin/fault-drill $(DRILL_ARGS)

SOAK_SECONDS ?= 600
soak: $(INSTALLED)
	$(PY) bin/fault-drill --soak $(SOAK_SECONDS) $(DRILL_ARGS)

# Backup of the app's database to var/backups/ (or FILE=...), and its restore
# (docs/operations.md). A restore refuses a database that holds data unless REPLACE=1.
backup: $(INSTALLED)
	@$(WITH_DB) export DEBUG="$${DEBUG:-true}"; mkdir -p var/backups; \
	$(PY) manage.py backup_directory "$(or $(FILE),var/backups/directory-$$(date -u +%Y%m%dT%H%M%SZ).dump)"

restore: $(INSTALLED)
	@test -n "$(FILE)" || { echo "Say which backup to restore: make restore FILE=var/backups/<name>.dump [INTO=postgresql://...] [REPLACE=1]" >&2; exit 1; }
	@$(WITH_DB) export DEBUG="$${DEBUG:-true}"; \
	$(PY) manage.py restore_directory "$(FILE)" $(if $(INTO),--database-url "$(INTO)") $(if $(REPLACE),--replace)

clean-venv:
	rm -rf $(VENV)
