# The two commands: `make demo` runs the product, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PYTEST_WORKERS ?= 2

.PHONY: demo test lint venv chaos

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

venv: $(BIN)/activate

## Set up and run the whole product on SQLite with in-process tasks.
demo: venv
	./scripts/demo.sh

## Run the test suite (SQLite by default; DATABASE_URL=mysql://… for MariaDB).
test: venv
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
