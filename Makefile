# Two commands do all the set-up on a fresh machine:
#   make run   install into .venv, prepare the SQLite database, start http://127.0.0.1:5000
#   make test  install the test extra, run the whole suite on SQLite, then on PostgreSQL

VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
PG_TEST_URL := $(or $(TRACKER_TEST_DATABASE_URL),postgresql+psycopg://postgres@127.0.0.1:5432/test)
PYTEST_ARGS ?=

.PHONY: run test install install-test browser translations lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-app: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-app
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: $(VENV)/.installed-app
	@$(BIN)/pybabel compile --statistics -d tracker/translations 2>&1 | tail -n 1

install: $(VENV)/.installed-app translations

install-test: $(VENV)/.installed-test translations

# Browser tests drive Debian's chromium; install it where we can (root with apt-get).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "chromium is not installed: browser tests will be skipped (apt-get install chromium)"; \
		fi; \
	fi

run: install
	$(BIN)/tracker init-db
	$(BIN)/tracker seed
	$(BIN)/tracker demo --if-empty
	TRACKER_SCHEDULER=on $(BIN)/flask --app tracker run --host 127.0.0.1 --port 5000

test: install-test browser
	@echo "=== Test suite on SQLite ==="
	TRACKER_TEST_DATABASE_URL= $(BIN)/pytest $(PYTEST_ARGS)
	@echo "=== Test suite on PostgreSQL ==="
	@if $(BIN)/python tests/check_postgres.py "$(PG_TEST_URL)"; then \
		TRACKER_TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "FAILED: PostgreSQL is unreachable and CI=true requires the PostgreSQL run."; exit 1; \
	else \
		echo "SKIPPED: the PostgreSQL run (no server answered; set TRACKER_TEST_DATABASE_URL)."; \
	fi

lint: install-test
	$(BIN)/ruff check tracker tests scripts bench
	$(BIN)/ruff format --check tracker tests scripts bench

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
