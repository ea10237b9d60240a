# The two commands a newcomer needs: `make lab` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.esbank-installed
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
# Extra options for `jupyter lab`, e.g. make lab LAB_ARGS="--no-browser --port=8899"
LAB_ARGS ?=
# JupyterLab refuses to run as root unless told to (containers, CI machines).
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

# `make present`: one notebook as an app (Voilà), e.g. make present NOTEBOOK=notebooks/03_replay_and_time_travel.ipynb
NOTEBOOK ?= notebooks/01_commands_and_events.ipynb
PORT ?= 8866
# Extra options for `voila`, e.g. make present PRESENT_ARGS="--Voila.ip=0.0.0.0"
PRESENT_ARGS ?=

# `make serve`: the HTTP API on 127.0.0.1:$(API_PORT) over the DuckDB file $(API_DB)
API_PORT ?= 8000
API_DB ?= build/esbank.duckdb

.PHONY: lab present serve openapi test lint unit notebooks clean help

help:
	@echo "make lab        create .venv if needed and open JupyterLab at notebooks/00_start_here.ipynb"
	@echo "make present    serve one notebook as an app with Voilà at http://localhost:8866 (NOTEBOOK=..., PORT=...)"
	@echo "make serve      the HTTP API at http://127.0.0.1:8000 over build/esbank.duckdb, projector running (API_PORT=..., API_DB=...; Ctrl-C stops it)"
	@echo "make test       create .venv if needed, then ruff, unit tests and strict nbval on every notebook"
	@echo "make notebooks  re-execute every notebook and save its outputs, then build and run notebooks/zh-TW/"
	@echo "make openapi    write the API's OpenAPI document to esbank/api/openapi.json"

# The venv is (re)built when it is missing or pyproject.toml changed.
$(STAMP): pyproject.toml binder/overrides.json
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "esbank needs Python 3.11 or newer; set PYTHON=python3.11 (or newer) and run make again")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	mkdir -p $(LAB_SETTINGS)
	cp binder/overrides.json $(LAB_SETTINGS)/overrides.json
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_ROOT) $(LAB_ARGS) notebooks/00_start_here.ipynb

# Voilà runs every cell server-side (kernel working directory: the notebook's folder, so
# `%run solutions/...` works) and shows outputs and live widgets, not the code.
present: $(STAMP)
	$(BIN)/voila --no-browser --port=$(PORT) $(PRESENT_ARGS) $(NOTEBOOK)

# The API on the loopback interface only; the projector keeps the read models up to date.
serve: $(STAMP)
	$(BIN)/python -m esbank.api.serve --db $(API_DB) --port $(API_PORT)

openapi: $(STAMP)
	$(BIN)/python tools/write_openapi.py

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest tests

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg tests notebooks

notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py
	$(BIN)/python tools/build_zh_tw.py

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis
