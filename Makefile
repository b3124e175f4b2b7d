# Two commands: `make run` (set up and serve) and `make test` (set up and run the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test bench setup system-deps browser-deps lint test-sqlite test-postgres

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

setup: $(VENV)/.installed system-deps

system-deps:
	@scripts/system-deps.sh runtime

browser-deps:
	@scripts/system-deps.sh browser

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup browser-deps lint test-sqlite test-postgres

lint:
	$(BIN)/ruff check .

bench: setup
	$(BIN)/pytest -m bench -s -q

test-sqlite:
	env -u TEST_DATABASE_URL $(BIN)/pytest

test-postgres:
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$TEST_DATABASE_URL"; $(BIN)/pytest; \
	else echo "TEST_DATABASE_URL is not set: PostgreSQL run skipped."; fi
