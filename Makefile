# Every target bootstraps .venv when it is missing: torch 2.13.0 (CPU build) first, then the project.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-slow test-all lint bench bench-all tui fuzz

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)  ## crawl the recorded real sources on a loopback replay server into data/demo/
	HF_HUB_OFFLINE=1 $(BIN)/tracker demo

# `make test`: every test but the slow end-to-end runs, on one worker per core (pytest-xdist);
# `make test-slow`: those (demos on both engines, the fault matrix, real-server crawls, the
# development-set figures); `make test-all`: both. CI (.ci/run) runs test then test-slow.
TEST_WORKERS ?= auto

test: $(STAMP)  ## the fast suite, offline (a few minutes on 2 cores)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -m "not slow and not live" -n $(TEST_WORKERS)

test-slow: $(STAMP)  ## the slow end-to-end tests (one worker: they start servers and whole pipelines)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -m "slow and not live"

test-all: test test-slow

lint: $(STAMP)
	$(BIN)/ruff check tracker spiders tests tui.py
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)  ## the speed figures as one table (prints, never fails on a number)
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/summary.py

bench-all: bench  ## also linking quality/throughput and SQLite vs PostgreSQL at 100k papers
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/linking.py
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/store.py

tui: $(STAMP)
	$(BIN)/tracker tui --database-url sqlite:///data/demo/tracker.db

fuzz: $(STAMP)  ## every parser and batch reader on damaged real input, 60 s each; prints tried/crashes
	HF_HUB_OFFLINE=1 $(BIN)/python scripts/fuzz.py --seconds $(or $(FUZZ_SECONDS),60)
