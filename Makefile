# WeatherFlick Batch. `make run` and `make test` set everything up from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCAL_HOME := $(CURDIR)/.dagster_home

.PHONY: install run checks dev test bench db-upgrade snapshot env-example settings-docs warehouse-columns clean help

help:
	@echo "make run    - set up and materialize the whole graph once on embedded defaults"
	@echo "make checks - every asset check against the warehouse as it stands; exit 1 on a failed ERROR check"
	@echo "make dev    - the Dagster UI on http://127.0.0.1:3000 (embedded local instance)"
	@echo "make test   - set up, start PostgreSQL/Redis if needed, run the whole suite"
	@echo "make bench  - run every benchmark and print one table"
	@echo "make db-upgrade - upgrade the warehouse schema (WEATHER_FLICK_WAREHOUSE_URL)"
	@echo "make instance-migrate - create/upgrade the Dagster instance schema in DAGSTER_HOME, before any Dagster process"
	@echo "make worker - a dagster-celery worker on the instance in DAGSTER_HOME (docs/topology.md)"
	@echo "make env-example, make settings-docs - regenerate .env.example and docs/settings.md from the settings"
	@echo "make warehouse-columns - regenerate warehouse/columns.py (the UI's column schemas) from the warehouse tables"

$(STAMP): setup.py pyproject.toml constraints.txt
	@echo "==> creating the virtual environment in $(VENV)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "==> installing Dagster and the platform's pinned dependencies (constraints.txt): about 2-3 minutes the first time"
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
	@echo "==> installed: $$($(PY) -m pip list --disable-pip-version-check 2>/dev/null | tail -n +3 | wc -l) packages"
	touch $(STAMP)

install: $(STAMP)

$(LOCAL_HOME)/dagster.yaml: deploy/local/dagster.yaml
	mkdir -p $(LOCAL_HOME)
	cp $< $@

run: install $(LOCAL_HOME)/dagster.yaml
	@echo "==> warehouse schema (SQLite in $(LOCAL_HOME) unless WEATHER_FLICK_WAREHOUSE_URL says otherwise)"
	DAGSTER_HOME=$(LOCAL_HOME) $(BIN)/weather-flick-batch db upgrade
	@echo "==> the whole pipeline on the offline sample sources (about a minute; one line per run)"
	DAGSTER_HOME=$(LOCAL_HOME) $(BIN)/weather-flick-batch run

# After make run (or on any warehouse: WEATHER_FLICK_WAREHOUSE_URL): the publication checks on the
# published rows, the standalone checks and the health probes; non-zero on a failed ERROR check.
checks: install $(LOCAL_HOME)/dagster.yaml
	DAGSTER_HOME=$(LOCAL_HOME) $(BIN)/weather-flick-batch checks

dev: install $(LOCAL_HOME)/dagster.yaml
	DAGSTER_HOME=$(LOCAL_HOME) $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

db-upgrade: install $(LOCAL_HOME)/dagster.yaml
	DAGSTER_HOME=$(LOCAL_HOME) $(BIN)/weather-flick-batch db upgrade

test: install
	bash scripts/ensure_services.sh
	$(PY) -m pytest

bench: install
	bash scripts/ensure_services.sh
	$(PY) benchmarks/run.py

# Create or upgrade the schema of the production instance (DAGSTER_HOME's dagster.yaml, DAGSTER_PG_*)
# once per release, before starting any Dagster process: processes that meet an empty instance
# database each create the schema themselves, and two doing it at once collide
# ("type run_tags already exists"), which kills one of them.
.PHONY: instance-migrate
instance-migrate: install
	@test -n "$$DAGSTER_HOME" || { echo "error: set DAGSTER_HOME to the production instance directory (its dagster.yaml)" >&2; exit 1; }
	$(BIN)/dagster instance migrate

# A Celery worker for WEATHER_FLICK_EXECUTOR=celery (docs/topology.md). It must share the runs'
# instance (DAGSTER_HOME with the production dagster.yaml and DAGSTER_PG_*) and the code location's
# settings (warehouse, sources). Broker/backend default to the settings' defaults. Optional:
# WORKER_NAME=worker1 (unique per host), WORKER_CONCURRENCY=N (processes; default: CPU count).
.PHONY: worker
worker: install
	@test -n "$$DAGSTER_HOME" || { echo "error: set DAGSTER_HOME to the production instance directory (its dagster.yaml)" >&2; exit 1; }
	WEATHER_FLICK_CELERY_BROKER=$${WEATHER_FLICK_CELERY_BROKER:-redis://127.0.0.1:6379/1} \
	WEATHER_FLICK_CELERY_BACKEND=$${WEATHER_FLICK_CELERY_BACKEND:-redis://127.0.0.1:6379/2} \
	PATH=$(CURDIR)/$(BIN):$$PATH \
	$(BIN)/dagster-celery worker start -A dagster_celery.app -y deploy/celery.yaml \
	  $(if $(WORKER_NAME),-n $(WORKER_NAME)) $(if $(WORKER_CONCURRENCY),-- -c $(WORKER_CONCURRENCY))

snapshot: install
	UPDATE_SNAPSHOTS=1 $(PY) -m pytest weather_flick_batch_tests/test_definitions.py -q

env-example: install
	$(BIN)/weather-flick-batch settings --env-example > .env.example

settings-docs: install
	$(BIN)/weather-flick-batch settings --doc > docs/settings.md

# The columns the UI shows, as plain data the code location loads without SQLAlchemy (warehouse/metadata.py).
warehouse-columns: install
	$(PY) -m weather_flick_batch.warehouse.metadata > weather_flick_batch/warehouse/columns.py

clean:
	rm -rf $(VENV) $(LOCAL_HOME) .pytest_cache
