# The two commands a new machine needs: `make test` and `make run`.
# Each sets up what it uses (virtual environments, Debian tools) first.

PY311 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3.11) $(shell command -v python3.11))
PY313 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13))
VENV := .venv
VENV313 := .venv313
PYTEST_ARGS ?=

.PHONY: test test311 test313 lint tools run bench clean

test: lint test311 test313

$(VENV)/.installed: pyproject.toml
	$(PY311) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test,bench]'
	touch $@

$(VENV313)/.installed: pyproject.toml
	$(PY313) -m venv $(VENV313)
	$(VENV313)/bin/pip install -q -e '.[test]'
	touch $@

tools:
	@sh scripts/install-tools.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench examples

test311: $(VENV)/.installed tools
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

test313: $(VENV313)/.installed tools
	$(VENV313)/bin/python -m pytest $(PYTEST_ARGS)

run: $(VENV)/.installed
	$(VENV)/bin/webstd serve 8888 --bind 127.0.0.1 --directory examples/site

bench: $(VENV)/.installed tools
	$(VENV)/bin/python bench/run.py

clean:
	rm -rf $(VENV) $(VENV313) .pytest_cache .ruff_cache
