# Every target bootstraps .venv when it is missing: torch 2.13.0 (CPU build) first, then the project.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench tui fuzz

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)  ## crawl the recorded real sources on a loopback replay server into data/demo/
	HF_HUB_OFFLINE=1 $(BIN)/tracker demo

test: $(STAMP)  ## the whole test suite, offline
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check tracker spiders tests tui.py
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)  ## speed and memory figures (prints, never fails on a number)
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/linking.py
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/store.py

tui: $(STAMP)
	$(BIN)/tracker tui --database-url sqlite:///data/demo/tracker.db

fuzz: $(STAMP)  ## every parser and batch reader on damaged real input, 60 s each; prints tried/crashes
	HF_HUB_OFFLINE=1 $(BIN)/python scripts/fuzz.py --seconds $(or $(FUZZ_SECONDS),60)
