# kequn: two commands on a fresh machine.
#   make report   build the rendered report (reports/index.html)
#   make test     run the test suite
# Both create .venv on first use and reuse it afterwards.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check

# Report parameters (optional): make report DATA=uci-bank-marketing N_CUSTOMERS=20000 SEED=1
# Rebuild one chapter and keep the others: make report ONLY=02
# Notebooks executed side by side (default: one per core, at most 4): make report JOBS=1
# One language only (the other is kept): make report LANG=en   (default: English and Chinese)
#   LANG counts only when given on the command line: the environment's LANG is the locale.
REPORT_LANG := $(if $(filter command line,$(origin LANG)),$(LANG))
DATA        ?=
N_CUSTOMERS ?=
SEED        ?=
ONLY        ?=
JOBS        ?=
PYTEST_ARGS ?=

.PHONY: help report test lint bench bench-ltm clean

help:
	@echo "make report   execute the notebooks and build the book in English and Chinese (reports/index.html)"
	@echo "make test     run the test suite (pytest)"
	@echo "make lint     ruff check"
	@echo "make bench    run the benchmarks (bench/RESULTS.md)"
	@echo "make bench-ltm  rfm over a Parquet log larger than half the memory"
	@echo "make clean    remove reports and caches (keeps .venv)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "kequn needs Python 3.11 or newer: run e.g. make PYTHON=python3.11 $(MAKECMDGOALS)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	@touch $@ $(VENV)/.installed

report: $(VENV)/.installed
	$(if $(REPORT_LANG),LC_ALL=C.UTF-8 LANG=C.UTF-8) $(BIN)/python -m kequn_lib.report \
	  $(if $(DATA),--data $(DATA)) \
	  $(if $(N_CUSTOMERS),--n-customers $(N_CUSTOMERS)) \
	  $(if $(SEED),--seed $(SEED)) \
	  $(foreach o,$(ONLY),--only $(o)) \
	  $(if $(JOBS),--jobs $(JOBS)) \
	  $(foreach l,$(REPORT_LANG),--lang $(l))

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

# Peers (lifetimes, DuckDB, polars) live in their own environment: kequn never depends on them.
PEERS := bench/.venv-peers
$(PEERS)/.installed: bench/requirements-peers.txt
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip --disable-pip-version-check install -r bench/requirements-peers.txt
	@touch $@

bench: $(VENV)/.installed-dev $(PEERS)/.installed
	$(BIN)/python bench/run.py

# rfm over a generated Parquet log larger than half the memory (about 13 GiB on disk plus as much
# again in temporary files; tens of minutes)
bench-ltm: $(VENV)/.installed-dev
	$(BIN)/python bench/bench_larger_than_memory.py --gib 13

clean:
	rm -rf reports .reports-builds .pytest_cache .ruff_cache .hypothesis
