# The two commands: `make demo` runs the product, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PYTEST_WORKERS ?= 2

.PHONY: demo test lint venv chaos system-packages lock

## The system packages the venv's build and the browser tests need: installed
## with apt-get when missing (root or sudo), else the exact command to run.
system-packages:
	./scripts/system_packages.sh install

## The venv, from the hashed lock file (every package and its hash pinned).
$(BIN)/activate: requirements-dev.lock
	./scripts/system_packages.sh install
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $(BIN)/activate

venv: $(BIN)/activate

## Regenerate the lock files after changing requirements*.txt (pip-tools).
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-header \
	--no-emit-index-url --no-emit-find-links
lock:
	$(BIN)/pip-compile $(LOCK_FLAGS) --output-file requirements.lock requirements.txt
	$(BIN)/pip-compile $(LOCK_FLAGS) --output-file requirements-dev.lock requirements-dev.txt

## Set up and run the whole product on SQLite with in-process tasks.
demo: venv
	./scripts/demo.sh

## Run the test suite (SQLite by default; DATABASE_URL=mysql://… for MariaDB).
test: venv system-packages
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --every-test-runs -rs $(PYTEST_ARGS)

## The fault suite, full length (a few minutes per scenario): its own MariaDB,
## Redis, gunicorn and Celery workers under var/chaos/, never the shared ones.
## A JSON line per scenario; CHAOS_SECONDS / CHAOS_BANK_SECONDS shorten it.
chaos: venv
	$(BIN)/python -m chaos --profile full --json var/chaos/results.json

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
