# infra-notes — `make help` lists the targets. `make serve` and `make test` work on a fresh clone:
# they create .venv from the pinned requirements themselves.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export NO_MKDOCS_2_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
# notebooks run on the kernel of this venv, even if a user-level "python3" kernelspec exists
export JUPYTER_PREFER_ENV_PATH := 1
export JUPYTER_PLATFORM_DIRS := 1
PORT ?= 8000
NB ?=
# Extra pytest options for every target that runs pytest: make test PYTEST_ARGS="-k dns -x --durations=10"
PYTEST_ARGS ?=

.PHONY: help serve build test lighthouse perf test-unit test-notebooks test-site test-browser notebooks soak fuzz diagrams notebook-new lint lab translations translations-synced lock clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@# snippets/ importable from the venv (notebook kernels, tests) without packaging the project
	$(PY) -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "infra-notes.pth").write_text("$(CURDIR)\n")'
	touch $@

# A venv copied from another checkout, or a checkout moved, keeps an infra-notes.pth naming the old directory:
# notebooks would silently import that checkout's snippets/. Checked on every make run, and pointed here.
# (pytest refuses to run with a wrong one too: tools/pytest_guards.py.)
PTH := $(firstword $(wildcard $(VENV)/lib/python3*/site-packages/infra-notes.pth))
ifneq ($(PTH),)
ifneq ($(shell cat $(PTH)),$(CURDIR))
$(info $(PTH) named $(shell cat $(PTH)), not this checkout $(CURDIR): notebooks would import snippets/ from there; pointed it here)
$(shell echo '$(CURDIR)' > $(PTH))
endif
endif

# Zensical, Material's successor, in its own environment: tests/site/test_zensical.py builds both languages
# with it and compares every page with the MkDocs build (tools/zensical_check.py). Never the published site.
ZENSICAL_VENV := .venv-zensical
$(ZENSICAL_VENV)/.installed: requirements-zensical.txt
	$(PYTHON) -m venv $(ZENSICAL_VENV)
	$(ZENSICAL_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-zensical.txt
	touch $@

# axe-core and the Nu HTML Checker, pinned in package-lock.json. Without npm the tests that need them
# skip on a contributor's machine and fail in CI (CI=true).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: accessibility and HTML-validity checks will be skipped (apt-get install npm)"; fi

build: $(VENV)/.installed ## Build both languages into site/ (ko at /, en at /en/); notebooks are not executed
	$(PY) tools/build.py site

serve: build ## Build, then serve the site on http://127.0.0.1:8000 (PORT=8001 for another port)
	$(PY) tools/serve.py site $(PORT)

# Tests run through tools/hermetic.py: as root (CI) in a new network namespace with only loopback.
HERMETIC := $(PY) tools/hermetic.py

test: $(VENV)/.installed node_modules/.installed $(ZENSICAL_VENV)/.installed ## Every check: unit, notebooks (nbval), strict build, site, browser, Lighthouse a11y/SEO
	$(HERMETIC) $(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder -p no:cacheprovider \
	  --nbval --nbval-cell-timeout=120 --nbval-kernel-name=python3 $(PYTEST_ARGS) tests notebooks

lighthouse: $(VENV)/.installed node_modules/.installed ## Lighthouse of every page and a default Material page into benchmarks/results/lighthouse.md
	$(HERMETIC) $(PY) tools/perf.py lighthouse

# Time and Lighthouse figures depend on how busy the machine is: measured here, each next to a baseline, never asserted.
perf: $(VENV)/.installed node_modules/.installed ## Build, nbval and Lighthouse figures vs a default-Material baseline into benchmarks/results/perf.md (PARTS="build nbval lighthouse suite")
	$(HERMETIC) $(PY) tools/perf.py $(PARTS)

test-unit: $(VENV)/.installed ## Only the unit tests of snippets/ and of the tools
	$(PY) -m pytest -n 2 --dist loadfile -p no:cacheprovider $(PYTEST_ARGS) tests --ignore=tests/site --ignore=tests/browser

test-notebooks: $(VENV)/.installed ## Only nbval over notebooks/ (NB=notebooks/x.ipynb for one)
	$(HERMETIC) $(PY) -m pytest -p no:cacheprovider --nbval --nbval-cell-timeout=120 --nbval-kernel-name=python3 $(PYTEST_ARGS) $(or $(NB),notebooks)

test-site: $(VENV)/.installed node_modules/.installed $(ZENSICAL_VENV)/.installed ## Only the site checks (builds the site into a temp dir)
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS) tests/site

test-browser: $(VENV)/.installed node_modules/.installed ## Only the browser tests (Chromium: search, switch, axe)
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS) tests/browser

lint: $(VENV)/.installed ## Fix what ruff can (lint and format: snippets, notebooks, extensions, hooks, tools, tests); make test checks the same
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

notebooks: $(VENV)/.installed ## Re-execute notebooks and store clean outputs (NB=notebooks/x.ipynb for one)
	$(PY) tools/notebooks.py run $(NB)

soak: $(VENV)/.installed ## Run the whole nbval suite N times (N=20; NB= for one notebook) and report failures per notebook and cell
	$(HERMETIC) $(PY) tools/soak.py $(or $(N),20) $(PYTEST_ARGS) $(or $(NB),notebooks)

fuzz: $(VENV)/.installed ## Every parser fuzz test with EXAMPLES cases each (default 100000), with the counts run
	FUZZ_EXAMPLES=$(or $(EXAMPLES),100000) $(PY) -m pytest -p no:cacheprovider -n 2 --dist loadfile -m fuzz $(PYTEST_ARGS) \
	  --hypothesis-show-statistics tests

diagrams: $(VENV)/.installed node_modules/.installed ## Redraw diagrams/*.svg that no longer match their notebook output (ALL=1: every one)
	$(PY) tools/diagrams.py $(if $(ALL),--all)

notebook-new: $(VENV)/.installed ## New notebook from a script with `# %% tag` cells: SCRIPT=scratch/tcp_ip_echo.py (FORCE=1 replaces it)
	@test -n "$(SCRIPT)" || { echo "usage: make notebook-new SCRIPT=scratch/name.py [FORCE=1: replace notebooks/name.ipynb]"; exit 2; }
	$(PY) tools/notebooks.py new $(SCRIPT) $(if $(FORCE),--force)

# JupyterLab lives in its own environment: in the test environment it would slow every Python start.
LAB := .venv-lab
$(LAB)/.installed: requirements-lab.txt
	$(PYTHON) -m venv $(LAB)
	$(LAB)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-lab.txt
	touch $@

# The notebooks' kernel ("python3", as they record) is .venv's Python, the one nbval runs: it has what the
# demos import (dnslib, moto, ansible, ...) and snippets/. Installed on every start, so an older .venv-lab
# gets it too.
lab: $(LAB)/.installed $(VENV)/.installed ## Open the notebooks in JupyterLab on 127.0.0.1 (kernel: .venv's Python)
	$(PY) -m ipykernel install --prefix $(LAB) --name python3 --display-name "Python 3 (infra-notes .venv)" >/dev/null
	$(LAB)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate $(if $(filter 0,$(shell id -u)),--allow-root)

translations: $(VENV)/.installed ## List pages whose translation is behind, with the change to carry over
	$(PY) tools/translations.py

translations-synced: $(VENV)/.installed ## Record a page pair as in sync as it is now (no translation needed): PAGE=tcp-ip/index.md
	@test -n "$(PAGE)" || { echo "usage: make translations-synced PAGE=tcp-ip/index.md"; exit 2; }
	$(PY) tools/translations.py synced $(PAGE)

lock: ## Re-pin requirements.txt from requirements.in (in a throwaway venv)
	rm -rf /tmp/infra-notes-lock && $(PYTHON) -m venv /tmp/infra-notes-lock
	/tmp/infra-notes-lock/bin/pip install --quiet --disable-pip-version-check -r requirements.in
	{ echo "# Generated by \`make lock\` from requirements.in with Python 3.11 — do not edit by hand."; \
	  /tmp/infra-notes-lock/bin/pip freeze --exclude-editable; } > requirements.txt

clean: ## Remove site/, the virtual environments and node_modules/
	rm -rf site $(VENV) $(LAB) $(ZENSICAL_VENV) node_modules
