# DuffBeer order pipeline. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Glue runtime (docs/glue_runtimes.md): 5.1 (Spark 3.5.6, Python 3.11) in .venv, the
# default; 6.0 (Spark 4.1.1, Python 3.13) in .venv-glue6.0. Every target takes GLUE_VERSION=.
GLUE_VERSION ?= 5.1
GLUE_PYTHON_5.1 := 3.11
GLUE_PYTHON_6.0 := 3.13
GLUE_PYTHON := $(GLUE_PYTHON_$(GLUE_VERSION))
ifeq ($(GLUE_PYTHON),)
$(error GLUE_VERSION=$(GLUE_VERSION) is not supported: use 5.1 (the default) or 6.0)
endif
VENV := $(if $(filter 5.1,$(GLUE_VERSION)),.venv,.venv-glue$(GLUE_VERSION))
CONSTRAINTS := constraints/glue$(GLUE_VERSION).txt
# python3.X on PATH, else pyenv's install of it (pyenv's shim fails unless that version is
# selected). PYTHON=/path/to/python3.X overrides.
PYTHON ?= $(shell for p in python$(GLUE_PYTHON) \
  $$(pyenv root 2>/dev/null)/versions/$(GLUE_PYTHON)*/bin/python$(GLUE_PYTHON); do \
  "$$p" -c '' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
INPUT ?= data/sample
OUTPUT ?= output

export PYSPARK_PYTHON := $(abspath $(PY))
export PYSPARK_DRIVER_PYTHON := $(abspath $(PY))
export SPARK_LOCAL_IP := 127.0.0.1

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}'

.PHONY: check-java
check-java: ## Fail clearly unless Java 17 is installed (Glue 5.1 and 6.0 both run on Java 17)
	@command -v java >/dev/null 2>&1 || { echo "error: java not found. Install Java 17 (e.g. apt-get install openjdk-17-jre-headless) and retry." >&2; exit 1; }
	@v=$$(java -version 2>&1 | awk -F'"' '/version/ {print $$2; exit}'); major=$${v%%.*}; \
	  if [ "$$major" = "1" ]; then major=$$(echo "$$v" | cut -d. -f2); fi; \
	  if [ -z "$$major" ] || [ "$$major" -lt 17 ]; then echo "error: Java $$v found, but Java 17 is required (AWS Glue $(GLUE_VERSION) runs Spark on Java 17)." >&2; exit 1; fi

.PHONY: check-python
check-python: ## Fail clearly unless the Python of GLUE_VERSION is found (3.11 for 5.1, 3.13 for 6.0)
	@p='$(PYTHON)'; v=$$("$${p:-python$(GLUE_PYTHON)}" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	  if [ "$$v" != "$(GLUE_PYTHON)" ]; then \
	    echo "error: Python $(GLUE_PYTHON) not found$${p:+ at $$p}$${v:+ (it is Python $$v)}; AWS Glue $(GLUE_VERSION) runs Python $(GLUE_PYTHON)." >&2; \
	    echo "  Install it (e.g. pyenv install $(GLUE_PYTHON), or your OS package python$(GLUE_PYTHON)-venv) and retry," >&2; \
	    echo "  or point at it: make setup GLUE_VERSION=$(GLUE_VERSION) PYTHON=/path/to/python$(GLUE_PYTHON)" >&2; exit 1; fi

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(MAKE) --no-print-directory check-python GLUE_VERSION=$(GLUE_VERSION) PYTHON='$(PYTHON)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e ".[dev]"
	@touch $@

.PHONY: setup
setup: check-java $(STAMP) ## Create .venv (GLUE_VERSION=6.0: .venv-glue6.0) and install the pinned dependencies

SPARK_SUBMIT = $(VENV)/bin/spark-submit --master 'local[2]' --conf spark.ui.enabled=false \
  --driver-java-options "-Dlog4j2.configurationFile=file:$(abspath conf/log4j2.properties)"

.PHONY: job
job: setup ## Run the Glue job under local spark-submit, Glue-style args: make job INPUT=data/sample OUTPUT=output ARGS="--run_id r1"
	$(SPARK_SUBMIT) glue_jobs/process_orders.py --input_path $(INPUT) --output_path $(OUTPUT) $(ARGS)

.PHONY: run
run: setup ## Run the Glue job locally on data/sample and print a summary (INPUT=, OUTPUT= to change)
	$(SPARK_SUBMIT) glue_jobs/process_orders.py --input_path $(INPUT) --output_path $(OUTPUT) > $(OUTPUT).log \
	  || { tail -n 5 $(OUTPUT).log; $(PY) scripts/run_summary.py --output $(OUTPUT); exit 1; }
	@echo "JSON log lines: $(OUTPUT).log"
	@$(PY) scripts/run_summary.py --output $(OUTPUT)

# The suite runs in TEST_WORKERS processes (pytest-xdist), each with its own SparkSession, and
# sends a test file to one process whole, so a file's module fixtures are built once; the
# parts of a sweep go separately and heavy tests first (tests/conftest.py).
TEST_WORKERS ?= 2

.PHONY: test
test: setup ## Run the test suite in TEST_WORKERS=2 processes (PYTEST_ARGS="-k rules" to pass pytest options)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# checkov (the CloudFormation scanner) pins boto3 and packaging versions the runtimes' venvs
# cannot take: it has a virtualenv of its own, on Python 3.11, pinned by constraints/checkov.txt.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
CHECKOV_PYTHON ?= $(shell for p in python3.11 $$(pyenv root 2>/dev/null)/versions/3.11*/bin/python3.11; do \
  "$$p" -c '' >/dev/null 2>&1 && { echo "$$p"; break; }; done)

$(CHECKOV_STAMP): constraints/checkov.txt
	@test -n '$(CHECKOV_PYTHON)' || { echo "error: Python 3.11 not found (checkov's virtualenv runs on it); CHECKOV_PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(CHECKOV_PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -c constraints/checkov.txt checkov
	@touch $@

.PHONY: lint
lint: setup $(CHECKOV_STAMP) ## ruff (lint + format check), mypy, and checkov on both CloudFormation templates
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation \
	  -f deploy/template.json -f deploy/bootstrap.json

.PHONY: fmt
fmt: setup ## Format and auto-fix with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: generate
generate: setup ## Make synthetic order files: make generate ROWS=200000 OUT=bench/data
	$(PY) -m synthetic.generate --rows $(or $(ROWS),10000) --out $(or $(OUT),bench/generated)

# bench: the data shapes (bench/shapes.py); ROWS= rows per shape (default 2000000), BIG_ROWS=
# rows of the wide shape's one big full load (default 20000000, 0 skips it), REPEATS= (default 3).
SHAPES ?= narrow clean wide year
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e ".[dev,bench]"
	@touch $@

HISTORY ?= 2000000 20000000

.PHONY: bench
bench: setup $(BENCH_STAMP) ## Job vs naive Spark vs DuckDB per shape (SHAPES="narrow clean wide year" ROWS=2000000 REPEATS=3) + a 20M wide full load (BIG_ROWS=0 skips) -> bench/results.md (GLUE_VERSION=6.0: results-glue6.0.md); incremental vs history size -> bench/history.md (HISTORY= skips); the commit on S3 under latency -> bench/commit-s3.md
	$(PY) -m bench.run --shapes $(SHAPES) $(if $(ROWS),--rows $(ROWS)) \
		$(if $(BIG_ROWS),--big-rows $(BIG_ROWS)) $(if $(REPEATS),--repeats $(REPEATS))
	$(if $(strip $(HISTORY)),$(PY) -m bench.history --histories $(HISTORY) $(if $(REPEATS),--repeats $(REPEATS)))
	$(PY) -m bench.commit_s3 $(if $(REPEATS),--repeats $(REPEATS))

MUTATE_STAMP := $(VENV)/.mutate-installed
# Every mutant of the pure-Python modules and a fixed 1-in-10 sample of the Spark ones (the
# mutants numbered ...0): sized for 45 minutes on 2 cores (docs/testing.md). `MUTANTS=` (empty)
# runs every mutant; MUTANTS='transforms.marts.*' the ones of one module.
MUTANTS ?= api.* lambdas.* contract.orders.* job.report.* contract.header.* \
  transforms.rules.*0 transforms.core.*0 transforms.marts.*0 transforms.rejected.*0

$(MUTATE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e ".[dev,mutate]"
	@touch $@

.PHONY: mutate
mutate: setup $(MUTATE_STAMP) ## Mutation testing (mutmut, [tool.mutmut]; under 45 min on 2 cores) -> build/mutation-results.txt
	rm -rf mutants
	time $(VENV)/bin/mutmut run --max-children $(or $(JOBS),2) $(foreach m,$(MUTANTS),'$(m)')
	$(VENV)/bin/mutmut export-cicd-stats
	mkdir -p build
	{ $(PY) -m scripts.mutation_summary; echo; cat mutants/mutmut-cicd-stats.json; echo; \
	  $(VENV)/bin/mutmut results --all true; } > build/mutation-results.txt
	@echo "Survivors and their reasons: docs/testing.md; every mutant: build/mutation-results.txt"

.PHONY: openapi
openapi: setup ## Write api/openapi.json from the app (commit it; the deploy imports it)
	$(PY) -m api.openapi

.PHONY: serve
serve: setup ## REST API + dashboard on 127.0.0.1:8000 over OUTPUT (runs the job first if empty); docs at /docs
	@test -d $(OUTPUT)/orders || $(MAKE) run
	DUFFBEER_API_BACKEND=local DUFFBEER_OUTPUT_PATH=$(OUTPUT) \
	  $(VENV)/bin/uvicorn api.app:app --host 127.0.0.1 --port $(or $(PORT),8000)

.PHONY: clean
clean: ## Remove local outputs (not .venv)
	rm -rf $(OUTPUT) spark-warehouse metastore_db derby.log .pytest_cache mutants

.PHONY: docs
docs: setup ## Regenerate the reason tables of docs/data_contract.md from contract/orders.py
	@$(PY) scripts/contract_tables.py

.PHONY: query
query: setup ## Run a named Athena query on the local output: make query Q=order_status_report ARGS="from=2026-11-01 to=2026-11-30" [FORMAT=csv|json]
	@$(PY) -m athena query $(Q) $(ARGS) --output $(OUTPUT) --format $(or $(FORMAT),table)

.PHONY: sql
sql: setup ## Athena SQL (DuckDB) over the local output: make sql Q="SELECT …" [FORMAT=csv|json] [DUCKDB=1: DuckDB SQL, unchecked]; no Q: a prompt
	@$(PY) -m athena sql --output $(OUTPUT) $(if $(DUCKDB),--duckdb) $(if $(Q),-c "$$Q" --format $(or $(FORMAT),table))

.PHONY: ddl
ddl: setup ## Regenerate athena/ddl.sql from transforms/tables.py (LOCATION=s3://… prints it rendered instead)
	@$(PY) -m athena.ddl $(if $(LOCATION),--location $(LOCATION),--write)

# --- AWS (docs/aws.md) ---------------------------------------------------------------
ENDPOINT_URL ?=
DEPLOY_ARGS ?=
MOTO_PORT ?= 5000
# Against a local endpoint (moto) boto3 gets dummy credentials; real AWS uses yours.
AWS_LOCAL_ENV = $(if $(ENDPOINT_URL),AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing)
DEPLOY = $(AWS_LOCAL_ENV) $(PY) scripts/deploy_job.py $(if $(ENDPOINT_URL),--endpoint-url $(ENDPOINT_URL))

.PHONY: moto
moto: setup ## Local AWS twin: moto server on 127.0.0.1:$(MOTO_PORT) for `make deploy ENDPOINT_URL=...`
	$(PY) scripts/local_moto.py --port $(MOTO_PORT)

.PHONY: deploy
deploy: setup ## Deploy the CloudFormation stack (deploy/config.toml; ENDPOINT_URL=http://127.0.0.1:5000 DEPLOY_ARGS=--dry-run)
	$(DEPLOY) $(DEPLOY_ARGS)

.PHONY: smoke
smoke: setup ## After a deploy (real AWS): upload the sample, wait for its run, call the three endpoints (SMOKE_ARGS="--timeout 3600")
	$(PY) scripts/smoke_test.py $(SMOKE_ARGS)

.PHONY: teardown
teardown: setup ## Delete the stack (FORCE=1 also empties non-empty data buckets)
	$(DEPLOY) --teardown $(if $(FORCE),--force) $(DEPLOY_ARGS)

.PHONY: template
template: setup ## Regenerate deploy/template.json + bootstrap.json (a test fails when stale)
	$(PY) -m deploy.template

.PHONY: status
status: setup ## Pending, running and failed uploads of the deployed stack (ENDPOINT_URL= for moto)
	@$(AWS_LOCAL_ENV) $(PY) scripts/pipeline_status.py $(if $(ENDPOINT_URL),--endpoint-url $(ENDPOINT_URL)) $(DEPLOY_ARGS)
