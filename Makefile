# The two commands the README names: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi:app

.PHONY: run test setup vendor db demo code lint format system-deps clean bench

run: setup db demo
	@echo "Serving the portal on http://127.0.0.1:5000 (Ctrl+C to stop)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# The suite runs on every core (pytest-xdist), each worker on its own database (tests/harness.py).
# One process, e.g. to use --pdb: make test PYTEST_WORKERS=0
PYTEST_WORKERS ?= auto
test: setup system-deps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal

setup: $(VENV)/.installed static/vendor/.built

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

# No install scripts: none of our packages needs one, and vnu-jar's would download a Java runtime.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

# Front-end files come from npm and are copied, never committed (static/vendor is git-ignored).
# GOV.UK Frontend's fonts only: its images (the crown, the Royal Arms, its icons) are not this service's.
static/vendor/.built: node_modules/.installed
	rm -rf static/vendor
	mkdir -p static/vendor/govuk-frontend/assets static/vendor/htmx static/vendor/axe-core
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/vendor/govuk-frontend/
	cp -r node_modules/govuk-frontend/dist/govuk/assets/fonts static/vendor/govuk-frontend/assets/fonts
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp node_modules/axe-core/axe.min.js static/vendor/axe-core/
	@touch $@

vendor: static/vendor/.built

db: setup
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask demo load --if-empty

# Print the current security code of a demo account: make code EMAIL=admin@example.org
code: setup
	@$(BIN)/flask demo totp $(EMAIL)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# What the test suite needs from the system: Chromium (browser tests), clamd (virus scanning),
# redis-server (tests/health stops and starts its own),
# Pango (PDF rendering), Java (the Nu HTML checker, vnu.jar from npm). On a Debian machine as root
# they are installed; elsewhere we say what is missing.
SYSTEM_PACKAGES := chromium clamav-daemon redis-server libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation default-jre-headless
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	{ command -v clamd >/dev/null 2>&1 || test -x /usr/sbin/clamd; } || missing="$$missing clamav-daemon"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing fonts-liberation >/dev/null; \
	  else \
	    echo "The tests need these system packages:$$missing"; \
	    echo "On Debian or Ubuntu: sudo apt-get install$$missing"; \
	    exit 1; \
	  fi; \
	fi

# The load benchmark (bench/load.py; about 45 minutes): writes its table into docs/PERFORMANCE.md.
# BENCH_ARGS=--quick for a two-minute check. Needs wrk (Debian package), installed here when root.
bench: setup
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then apt-get install -y -qq wrk >/dev/null; \
	  else echo "The benchmark needs wrk: sudo apt-get install wrk"; exit 1; fi; }
	$(BIN)/python bench/load.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor
