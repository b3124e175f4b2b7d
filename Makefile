# Two commands: `make run` (set up and serve) and `make test` (set up and run the whole suite).
# Also: `make serve-prod` (gunicorn as in production, docs/DEPLOY.md) and `make bench` (docs/PERFORMANCE.md).
# `make loadtest` (Locust, 50 users for 60 s against gunicorn on a fresh PostgreSQL database, then a consistency
# check; docs/bench/loadtest.json) and `make faults` (docs/FAULTS.md) are not part of `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run serve-prod test bench bench-serve loadtest faults mutation setup system-deps browser-deps lint test-sqlite test-postgres

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

# gunicorn with gunicorn.conf.py (workers from WEB_CONCURRENCY, access log on stdout). Without PORTAL_ENV
# this is DevelopmentConfig on the SQLite default, for a local try; production sets PORTAL_ENV=production,
# SECRET_KEY, TOTP_ENCRYPTION_KEY, DATABASE_URL, PUBLIC_BASE_URL (see docs/DEPLOY.md). Demo data is never loaded
# in production.
serve-prod: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: setup browser-deps lint test-sqlite test-postgres

lint:
	$(BIN)/ruff check .

bench: setup
	$(BIN)/pytest -m bench -s -q
	$(MAKE) --no-print-directory bench-serve

# Pages through gunicorn on a 50,000-household city: SQLite, then PostgreSQL when BENCH_DATABASE_URL is set.
bench-serve: setup
	env -u BENCH_DATABASE_URL $(BIN)/python scripts/bench_pages.py
	@if [ -n "$$BENCH_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$BENCH_DATABASE_URL"; $(BIN)/python scripts/bench_pages.py; \
	else echo "BENCH_DATABASE_URL is not set: PostgreSQL page benchmark skipped."; fi

# Locust lives in its own venv (requirements-load.txt), never in the app's.
LOAD_VENV := .venv-load
$(LOAD_VENV)/.installed: requirements-load.txt
	test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/pip install --disable-pip-version-check -q -r requirements-load.txt
	touch $@

# LOADTEST_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/loadtest) is dropped and re-created.
loadtest: setup $(LOAD_VENV)/.installed
	$(BIN)/python scripts/loadtest/run.py

faults: setup $(LOAD_VENV)/.installed
	$(BIN)/python scripts/loadtest/faults.py

# Mutation testing with mutmut (setup.cfg [mutmut]) over portal/domain, portal/access.py and the review, apply and
# imports services, in its own venv (requirements-mutation.txt). Not part of `make test`; docs/TESTING.md has the
# scores. MUTANTS narrows a run (make mutation MUTANTS='portal.domain.*'); results are kept in mutants/ and a
# second run only checks what changed. MUTATION_CHILDREN processes (the machine has 2 cores).
MUTATION_VENV := .venv-mutation
MUTATION_CHILDREN ?= 2
MUTANTS ?=
$(MUTATION_VENV)/.installed: requirements-mutation.txt requirements.txt
	test -x $(MUTATION_VENV)/bin/python || $(PYTHON) -m venv $(MUTATION_VENV)
	$(MUTATION_VENV)/bin/pip install --disable-pip-version-check -q -r requirements-mutation.txt
	touch $@

mutation: $(MUTATION_VENV)/.installed
	$(MUTATION_VENV)/bin/mutmut run --max-children $(MUTATION_CHILDREN) $(if $(MUTANTS),'$(MUTANTS)')
	$(MUTATION_VENV)/bin/python scripts/mutation_score.py

# The suite runs on TEST_WORKERS processes (pytest-xdist), one test module per worker at a time: a module's
# fixtures (a live server, a shared read-only database) stay in one process. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

test-sqlite:
	env -u TEST_DATABASE_URL $(PYTEST)

test-postgres:
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$TEST_DATABASE_URL"; $(PYTEST); \
	else echo "TEST_DATABASE_URL is not set: PostgreSQL run skipped."; fi
