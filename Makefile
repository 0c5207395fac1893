# Help On Demand — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test check lint typecheck messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { $(PYTHON) -m pip install --user --quiet virtualenv && $(PYTHON) -m virtualenv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.base: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev: requirements/base.txt requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@ $(VENV)/.base

## Install, migrate, load demo data when empty, serve pages + API + dispatcher on :$(PORT).
run: $(VENV)/.base
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py seed_demo --if-empty --agents 2000 --seed 1
	PORT=$(PORT) $(BIN)/python manage.py serve

## Install and run the whole test suite (DATABASE_URL selects SQLite or PostgreSQL).
test: $(VENV)/.dev
	$(BIN)/pytest -q

lint: $(VENV)/.dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy .

check: lint typecheck test

## Rebuild the Spanish catalogue from the code and compile it (needs GNU gettext).
messages: $(VENV)/.dev
	$(BIN)/python manage.py makemessages -l es --no-location --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

## Benchmarks against PostgreSQL (see bench/README.md).
bench: $(VENV)/.dev
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var
