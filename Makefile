# `make run` and `make test` set everything up on a fresh machine: they create .venv when it
# is missing and install the project into it.

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The Twilio Voice SDK the agent console loads, at the version package-lock.json pins;
# copied into the package at install time, so nothing is fetched from a CDN at run time.
VOICE_SDK := hotline/static/vendor/twilio.min.js
# axe-core, at the version package-lock.json pins, which the browser tests inject into each
# page to check it for accessibility; no page of the product loads it.
AXE := hotline/static/vendor/axe.min.js
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint bench screenshots clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing the hotline and its dependencies into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

$(VOICE_SDK): package.json package-lock.json
	@echo "installing the browser packages (npm ci) ..."
	@npm ci --no-audit --no-fund --silent
	@mkdir -p $(dir $@)
	@cp node_modules/@twilio/voice-sdk/dist/twilio.min.js $@

# npm ci (in the rule above) installs it too.
$(AXE): $(VOICE_SDK)
	@mkdir -p $(dir $@)
	@cp node_modules/axe-core/axe.min.js $@

install: $(STAMP) $(VOICE_SDK) $(AXE)

run: install
	@$(BIN)/hotline db upgrade
	@$(BIN)/hotline seed --demo
	@$(BIN)/hotline serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Two processes, each taking whole modules (their servers and browsers are started once).
TEST_WORKERS ?= 2

test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# Every benchmark, one after the other, each printing its table (bench/README.md).
bench: install
	$(BIN)/python -m bench.run_all

# The README's screens, from the demo product (needs chromium and a Chinese font).
screenshots: install
	$(BIN)/python -m tests.browser.screenshots

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache *.egg-info node_modules $(VOICE_SDK) $(AXE)
