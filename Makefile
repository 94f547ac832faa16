# Quick start: `make serve` (preview the shipped handbook) and `make test` (run the test suite).
# Each creates .venv and installs the project into it on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build check test schemas bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

serve: $(BIN)/.installed  ## preview at http://127.0.0.1:8000, reloading on every YAML or template edit
	$(BIN)/mkdocs serve --dirty  # the plugin keeps dirty rebuilds exact; see README, "Preview"

build: $(BIN)/.installed  ## build the site into site/
	$(BIN)/mkdocs build --strict

check: $(BIN)/.installed  ## validate handbook/ and run the lints
	$(BIN)/handbook check

test: $(BIN)/.installed
	$(BIN)/python -m pytest

schemas: $(BIN)/.installed  ## regenerate schemas/ after changing generator/schema.py
	$(BIN)/handbook schema --out schemas

clean:
	rm -rf site test-output .pytest_cache
