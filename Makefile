# Two commands do all the set-up on a fresh machine with only python3:
#   make run    install from the lock file, generate demo data if needed, run the pipeline
#   make test   install (with dev tools) from the lock file and run the test suite
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
# pytest-xdist workers of make test (tests/plugins/xdist_groups.py keeps shared fixtures
# together). 0 = one process: two workers on 2 cores took as long (30 min, the pipeline
# runs dominate) and starved the browser and Dagster-service tests of time
TEST_WORKERS ?= 0
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_NO_PROGRESS := 1
export UV_PROJECT_ENVIRONMENT := $(VENV)
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

.PHONY: run run-spark check-raw test chromium dev clean install install-dev lint codegen bench sql rollback versions help manifest

help:
	@echo "make run       - install, generate demo data if the raw folder is empty, run the pipeline"
	@echo "make test      - install dev tools and run the whole test suite"
	@echo "make run-spark - make run with dbt on a local Apache Spark session (docs/scaling.md)"
	@echo "make check-raw - check the drop folder (MHP_RAW_DIR) against the raw contract, loading nothing"
	@echo "make dev       - Dagster UI on http://127.0.0.1:3000 from workspace.yaml"
	@echo "make manifest  - prepare the dbt manifest the Dagster definitions read (deployments)"
	@echo "make lint      - ruff"
	@echo "make codegen   - regenerate dbt sources/staging from the raw contract"
	@echo "make bench     - benchmark every stage (SIZES=demo,large_trust,ten_trusts)"
	@echo "make versions  - list published versions"
	@echo "make rollback  - restore the previous published version (TO=<version id> for another)"
	@echo "make clean     - remove generated data, warehouse files and dbt artefacts"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --no-dev
	@touch $@
	@rm -f $(VENV)/.installed-dev

$(VENV)/.installed-dev: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --extra spark
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# the dbt manifest the Dagster definitions read (dbt parse, skipped when nothing changed),
# the way dagster-dbt intends: `make run` and the backfill prepare it themselves
# (pipelines.run), `make dev` through DbtProject.prepare_if_dev(); a deployment runs this
manifest: install
	$(VENV)/bin/dagster-dbt project prepare-and-package --file pipelines/dbt_project.py

run: install
	$(PY) -m pipelines.run

# what the drop folder would give (load, quarantine, refuse, ignore) without running the
# pipeline or opening the warehouse; exit 1 when a file would be refused (docs/your-data.md)
check-raw: install
	$(PY) -m pipelines.ingest.check

# the same pipeline with dbt on a local Apache Spark session (docs/scaling.md)
run-spark: | $(UV)
	$(UV) sync --frozen --no-dev --extra spark
	@touch $(VENV)/.installed; rm -f $(VENV)/.installed-dev
	MHP_DBT_TARGET=spark $(PY) -m pipelines.run

# the dashboard tests render pages in Debian's headless Chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed: dashboard browser tests will be skipped"; fi; }

test: install-dev chromium manifest
	$(PY) -m pipelines.contract.codegen --check
	$(PY) -m pipelines.national.codegen --check
	$(PY) -m pipelines.metrics.codegen --check
	$(PY) -m pipelines.docs --check
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

lint: install-dev
	$(VENV)/bin/ruff check pipelines tests bench

codegen: install
	$(PY) -m pipelines.contract.codegen

dev: install
	$(PY) -c "from pipelines.config import load_settings; from pipelines.dagster_home import ensure_dagster_home; ensure_dagster_home(load_settings())"
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p $${DAGSTER_PORT:-3000}

bench: install-dev
	$(PY) -m bench.run --sizes $(or $(SIZES),demo,large_trust) --incremental

rollback: install
	$(PY) -m pipelines.publish rollback $(if $(TO),--to $(TO))

versions: install
	$(PY) -m pipelines.publish list

clean:
	rm -rf data dbt_project/target dbt_project/logs dbt_project/.user.yml .dagster_home \
	       test-artifacts .pytest_cache

# make backfill FROM=2024-01 TO=2024-03 [PROVIDER=RXA]: reload those months, re-run the
# pipeline (docs/operations.md). DRY_RUN=1 only lists the files; NO_RUN=1 only marks them.
.PHONY: backfill
backfill: install
	@if [ -z "$(FROM)" ] || [ -z "$(TO)" ]; then \
	  echo "usage: make backfill FROM=YYYY-MM TO=YYYY-MM [PROVIDER=<OrgIDProv>] [DRY_RUN=1] [NO_RUN=1]"; exit 2; fi
	$(PY) -m pipelines.operations.backfill --from $(FROM) --to $(TO) $(if $(PROVIDER),--provider $(PROVIDER)) $(if $(DRY_RUN),--dry-run) $(if $(NO_RUN),--no-run)

# Interactive SQL on the live published file, read-only (DuckDB CLI 1.5.x from the
# duckdb-cli package; SQLSHELL_ARGS=--python for a small Python REPL). docs/sql-guide.md
sql: install
	$(PY) -m pipelines.sqlshell $(SQLSHELL_ARGS)
