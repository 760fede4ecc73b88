# usage-warehouse: `make demo` builds the warehouse on demo data, `make test` runs every test.
# Both set up the Python environment from requirements.txt first; nothing else is needed.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: setup system-deps demo test lint sql-lint conventions pytest docs build bench clean help

help:
	@echo "make demo   - generate demo data, build the DuckDB warehouse, write the docs site"
	@echo "make test   - lint (ruff, mypy, sqlfluff) and every test (pytest: dbt builds, unit tests, fixtures)"
	@echo "make conventions - check the project's conventions on dbt's manifest (dbt-bouncer)"
	@echo "make build  - dbt build on the current warehouse file"
	@echo "make docs   - docs site (target/static_index.html) and Great Expectations data docs (target/expectations_docs/)"
	@echo "make bench  - benchmark the build at 1M and 10M events (BENCH_ARGS=\"--sizes 100k\"; docs/benchmarks.md)"
	@echo "make clean  - remove the environment, the warehouse file and dbt's target/"

$(BIN)/.installed: requirements.txt pyproject.toml
	@echo "==> Creating the Python environment in $(VENV) from requirements.txt"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

setup: $(BIN)/.installed

# Debian packages the tests use, installed only when missing: PostgreSQL (a throwaway server
# on loopback), Chromium (the docs site and the usage report checked headless) and a Java
# runtime (Spark). `make demo` needs none of them.
system-deps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
		echo "==> Installing Debian packages:$$missing"; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
		$$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends $$missing \
			|| { echo "Could not install$$missing with apt-get: install them, then rerun make test." >&2; exit 1; }; \
	fi

demo: setup
	$(BIN)/python -m usage_warehouse demo

build: setup
	$(BIN)/dbt build

# The docs site links to the Great Expectations data docs next to it (target/expectations_docs/),
# which the checkpoint on the same warehouse writes (it exits non-zero on a failed expectation,
# after writing them).
docs: setup
	$(BIN)/dbt docs generate --static
	$(BIN)/python -m usage_warehouse expectations

# Full, incremental and no-new-data builds at each size, dbt vs the same SQL run directly:
# target/bench/results.json and the results section of docs/benchmarks.md.
BENCH_ARGS ?=
bench: setup
	$(BIN)/python -m usage_warehouse bench $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check src pytests
	$(BIN)/ruff format --check src pytests
	$(BIN)/mypy

sql-lint: setup
	mkdir -p target
	# An empty raw landing schema: base models check their raw table's columns when compiled.
	$(BIN)/python -c "import duckdb; from usage_warehouse.raw_schema import create_raw_tables; create_raw_tables(duckdb.connect('target/sqlfluff.duckdb'))"
	USAGE_WAREHOUSE_DUCKDB_PATH=target/sqlfluff.duckdb $(BIN)/sqlfluff lint models tests analyses --processes 2

# Project conventions (dbt-bouncer.yml) checked on the manifest: names per layer, docs,
# tests, contracts, lineage. Parsing needs no warehouse.
conventions: setup
	USAGE_WAREHOUSE_DUCKDB_PATH=target/conventions.duckdb $(BIN)/dbt parse --quiet --target-path target/conventions
	$(BIN)/dbt-bouncer run --config-file dbt-bouncer.yml

# Two workers (one per core): most of a test's time is dbt's single-threaded Python, so two
# files at once use both cores. A file runs whole on one worker (its module fixtures are built once).
PYTEST_ARGS ?= -n 2 --dist loadfile --durations=25
pytest: setup system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint sql-lint conventions pytest

clean:
	rm -rf $(VENV) target logs warehouse/*.duckdb warehouse/*.duckdb.wal
