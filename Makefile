# Help On Demand — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test chromium check lint typecheck messages bench clean

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

## Debian's Chromium for the browser tests: installed when missing and we are root;
## otherwise those tests are skipped with the reason (and fail under CI=true).
chromium:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1 || \
	  { echo "Installing Debian's chromium for the browser tests"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## Install and run the whole test suite (DATABASE_URL selects SQLite or PostgreSQL).
test: $(VENV)/.dev chromium
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
