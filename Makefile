# The two commands a newcomer needs: `make lab` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: `make lab` and friends need the runtime packages only; `make test` adds the test
# extra (pytest, nbval, hypothesis, ruff, Playwright, schemathesis) on top.
RUNTIME_STAMP := $(VENV)/.esbank-runtime
TEST_STAMP := $(VENV)/.esbank-test
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
# Extra options for `jupyter lab`, e.g. make lab LAB_ARGS="--no-browser --port=8899"
LAB_ARGS ?=
# JupyterLab refuses to run as root unless told to (containers, CI machines).
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

# `make present`: the presentation pages (notebooks/present/, one per topic) with Voilà.
# TOPIC=lag serves one page alone; NOTEBOOK=notebooks/03_replay_and_time_travel.ipynb a whole notebook.
TOPIC ?=
NOTEBOOK ?=
PORT ?= 8866
PAGES := notebooks/present
# A page's kernel stops when its tab closes. One whose page was fetched but never shown (or
# whose tab crashed) is shut down after PRESENT_IDLE_S idle seconds without a connection,
# checked every PRESENT_CULL_EVERY_S seconds: no kernel is left behind per page load.
PRESENT_IDLE_S ?= 60
PRESENT_CULL_EVERY_S ?= 10
# Closing a tab stops its kernel by a POST the page sends as it unloads, which Voilà refuses
# for want of an XSRF cookie that a page opened by its address never gets (voila-dashboards/
# voila#1458). The server listens on localhost and has no password; the check would guard
# only that POST (stop the kernel whose id it names), so it is off.
VOILA_KERNELS := --MappingKernelManager.cull_idle_timeout=$(PRESENT_IDLE_S) \
	--MappingKernelManager.cull_interval=$(PRESENT_CULL_EVERY_S) \
	--MappingKernelManager.cull_connected=False \
	--Voila.tornado_settings=disable_check_xsrf=True
# Extra options for `voila`, e.g. make present PRESENT_ARGS="--Voila.ip=0.0.0.0"
PRESENT_ARGS ?=

# `make serve`: the HTTP API on 127.0.0.1:$(API_PORT) over the DuckDB file $(API_DB)
API_PORT ?= 8000
API_DB ?= build/esbank.duckdb

.PHONY: lab present present-pages serve openapi test lint unit notebooks clean help

help:
	@echo "make lab        create .venv if needed and open JupyterLab at notebooks/00_start_here.ipynb"
	@echo "make present    the presentation pages (a page per topic, no code) with Voilà at http://localhost:8866 (TOPIC=lag for one page, PORT=...)"
	@echo "make serve      the HTTP API at http://127.0.0.1:8000 over build/esbank.duckdb, projector running (API_PORT=..., API_DB=...; Ctrl-C stops it)"
	@echo "make test       create .venv if needed, then ruff, unit tests and strict nbval on every notebook"
	@echo "make notebooks  re-execute every notebook and save its outputs (never hand-edit outputs), then write the pages and build notebooks/zh-TW/"
	@echo "make present-pages  write notebooks/present/ from the series (make notebooks does it too)"
	@echo "make openapi    write the API's OpenAPI document to esbank/api/openapi.json"

# The venv is (re)built when it is missing or pyproject.toml changed: first the runtime
# packages (all `make lab` needs), then, for `make test`, the test extra on top.
$(RUNTIME_STAMP): pyproject.toml binder/overrides.json
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "esbank needs Python 3.11 or newer; set PYTHON=python3.11 (or newer) and run make again")'
	@test -x $(BIN)/python || { echo "Creating the virtual environment $(VENV) ..."; $(PYTHON) -m venv $(VENV); }
	@echo "Installing esbank and its runtime packages (JupyterLab, Voilà, DuckDB, pandas, matplotlib, ...) into $(VENV)"
	@echo "(first time: about 600 MB, one to three minutes depending on the network; later only when pyproject.toml changes) ..."
	@start=$$(date +%s); \
	$(BIN)/python -m pip install --quiet --upgrade pip && \
	$(BIN)/python -m pip install --quiet -e . && \
	echo "Installed in $$(( $$(date +%s) - start )) s."
	@mkdir -p $(LAB_SETTINGS)
	@cp binder/overrides.json $(LAB_SETTINGS)/overrides.json
	@touch $@

$(TEST_STAMP): $(RUNTIME_STAMP)
	@echo "Installing the test tools (pytest, nbval, hypothesis, ruff, Playwright, schemathesis) into $(VENV) ..."
	@start=$$(date +%s); \
	$(BIN)/python -m pip install --quiet -e '.[test]' && \
	echo "Installed in $$(( $$(date +%s) - start )) s."
	@touch $@

lab: $(RUNTIME_STAMP)
	$(BIN)/jupyter lab $(LAB_ROOT) $(LAB_ARGS) notebooks/00_start_here.ipynb

# Voilà runs a page's cells on the server (kernel working directory: the page's folder) and
# shows their outputs and live widgets, not the code. Without TOPIC or NOTEBOOK it serves the
# folder of pages: http://localhost:$(PORT)/voila/render/00_index.ipynb lists them.
present: $(RUNTIME_STAMP)
	@target="$(NOTEBOOK)"; \
	if [ -z "$$target" ] && [ -n "$(TOPIC)" ]; then \
		target=$$($(BIN)/python tools/present_pages.py find "$(TOPIC)") || exit 2; fi; \
	if [ -z "$$target" ]; then target=$(PAGES); \
		echo "Presentation pages: http://localhost:$(PORT)/voila/render/00_index.ipynb (Ctrl-C stops)"; \
	else echo "Presenting $$target at http://localhost:$(PORT)/ (Ctrl-C stops)"; fi; \
	exec $(BIN)/voila --no-browser --port=$(PORT) $(VOILA_KERNELS) $(PRESENT_ARGS) "$$target"

# The presentation pages, made from the series (tools/present_pages.py lists their cells).
present-pages: $(RUNTIME_STAMP)
	$(BIN)/python tools/present_pages.py

# The API on the loopback interface only; the projector keeps the read models up to date.
serve: $(RUNTIME_STAMP)
	$(BIN)/python -m esbank.api.serve --db $(API_DB) --port $(API_PORT)

openapi: $(RUNTIME_STAMP)
	$(BIN)/python tools/write_openapi.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

unit: $(TEST_STAMP)
	$(BIN)/python -m pytest tests

test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg tests notebooks

notebooks: $(RUNTIME_STAMP)
	$(BIN)/python tools/run_notebooks.py
	$(BIN)/python tools/present_pages.py
	$(BIN)/python tools/build_zh_tw.py

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis
