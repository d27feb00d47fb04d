# romlab: two commands do everything on a machine with Python 3.11, pip and make:
#   make report   set up, generate the default synthetic data, run the report for PERIOD
#   make test     set up and run the whole suite (pytest and nbval on the notebooks)
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PERIOD ?= 2023-10
SCALE  ?= 1.0
SEED   ?=
DATA   ?= data/synthetic
MAPPING ?=
OUT    ?= runs
SAMPLE := data/sample

## help: list the targets (the default goal)
help:
	@awk '/^## /{sub(/^## /,""); i=index($$0,": "); printf "  make %-11s %s\n", substr($$0,1,i-1), substr($$0,i+2)}' $(MAKEFILE_LIST)

# pip's own output is long; the install shows one line that counts the packages as pip
# finds them (pip's errors still reach the console: they go to standard error)
PIP_PROGRESS := awk '/^Collecting/ {n++; printf "\r  %d packages found", n; fflush()} \
	/^Installing collected/ {printf "\n  installing them...\n"; fflush()} /^Successfully installed/ {print "  installed"}'

# pip's own warnings (the machine's pip configuration, setuptools' notes on editable
# installs) go to $(VENV)/pip.log, which is shown when the install fails
PIP_LOG = $(VENV)/pip.log

$(VENV)/.installed: pyproject.toml constraints.txt
	@echo "Installing romlab and its dependencies into $(VENV) (1-2 minutes the first time)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip 2>$(PIP_LOG) || (cat $(PIP_LOG) >&2; exit 1)
	@set -o pipefail; $(PY) -m pip install --progress-bar off -c constraints.txt -e ".[test]" 2>>$(PIP_LOG) \
		| $(PIP_PROGRESS) || (cat $(PIP_LOG) >&2; exit 1)
	@touch $@

## install: create .venv if missing and install romlab with its dependencies
install: $(VENV)/.installed

SYNTH  := data/synthetic

# regenerated when missing, older than the generator, or made with another SCALE or SEED
# (the stamp beside the data names them; never for DATA=a real extract)
SYNTH_STAMP := $(SYNTH)/.made-scale-$(SCALE)-seed-$(or $(SEED),default)
$(SYNTH_STAMP): $(wildcard romlab/dataset/synth/*.py) romlab/dataset/synth_params.py | $(VENV)/.installed
	@rm -f $(SYNTH)/.made-scale-*
	@echo "Generating the synthetic data (scale $(SCALE)) into $(SYNTH)"
	@$(PY) -m romlab synth --scale $(SCALE) --out $(SYNTH) $(if $(SEED),--seed $(SEED))
	touch $@

## data: generate the synthetic data (SCALE=1.0, SEED=the default) into data/synthetic if missing, stale or made with other settings
data: $(SYNTH_STAMP)

# rapport.pdf is printed where Chromium is installed (romlab.run.report_pdf)
CHROMIUM := $(shell command -v chromium || command -v chromium-browser)

## report: run the report's notebooks for PERIOD (default 2023-10) into runs/PERIOD (DATA=…, MAPPING=file.yml); rapport.pdf where Chromium is installed
report: $(if $(filter $(SYNTH),$(DATA)),data,install)
	$(PY) -m romlab run --period $(PERIOD) --data '$(DATA)' --out $(OUT) $(if $(MAPPING),--mapping '$(MAPPING)') $(if $(CHROMIUM),--pdf)

NBVAL := --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg
# numpy's other sort dispatch (no AVX-512): visible orders must not depend on it (issue 12)
OTHER_DISPATCH := NPY_DISABLE_CPU_FEATURES="AVX512_ICL X86_V4"

## test: run the whole suite (pytest and nbval on the stored notebooks), then the ordering tests and nbval again under numpy's other sort dispatch
test: install
	$(PY) -m pytest $(NBVAL) tests notebooks
	$(OTHER_DISPATCH) $(PY) -m pytest -q $(NBVAL) tests/test_ordering.py notebooks

LAB_ARGS ?=
## lab: open JupyterLab with romlab importable (LAB_ARGS="--port 8890 --no-browser" passes options; --allow-root as root)
lab: install
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

## notebooks: re-execute the stored notebooks in place on data/sample (after an intended change)
notebooks: install
	$(PY) -m romlab notebooks

## sample: regenerate the committed synthetic sample in data/sample
sample: install
	$(PY) -m romlab synth --scale 0.02 --out $(SAMPLE)

## bench: run the benchmark scripts at scale 1.0 (figures to stdout; a few minutes)
bench: $(if $(filter $(SYNTH),$(DATA)),data,install)
	$(PY) benchmarks/bench_foundation.py
	$(PY) benchmarks/bench_support.py --data $(DATA)
	$(PY) benchmarks/bench_regression.py --data $(DATA)
	$(PY) benchmarks/bench_review.py --data $(DATA)
	$(PY) benchmarks/bench_report.py --data $(DATA)

## clean: remove the virtualenv, generated data and runs (keeps data/sample)
clean:
	rm -rf $(VENV) data/synthetic $(OUT) .pytest_cache

.PHONY: help install data report test lab notebooks sample bench clean
