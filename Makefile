# The two set-up commands the README promises: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PYTEST_ARGS ?= -n 2
export FLASK_APP := wsgi:app

.PHONY: run test lint install install-dev scheduler clean translations

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The web server and, beside it, the one scheduler process (jobs never run in web workers).
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo-data --if-empty
	$(BIN)/flask scheduler run & SCHED=$$!; trap "kill $$SCHED 2>/dev/null" EXIT INT TERM; $(BIN)/flask serve --port $(PORT)

scheduler: install
	$(BIN)/flask scheduler run

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (lint and format) over the whole tree; mypy over the service.
lint: install-dev
	$(BIN)/ruff check service tests benchmarks migrations config.py wsgi.py
	$(BIN)/ruff format --check service tests benchmarks migrations config.py wsgi.py
	$(BIN)/mypy service

clean:
	rm -rf $(VENV) instance/*.db

# Re-extract the interface strings (Chinese is the source language) and rebuild the English catalogue.
translations: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext --no-location --sort-output -o service/translations/messages.pot .
	$(BIN)/pybabel update -i service/translations/messages.pot -d service/translations -l en --no-fuzzy-matching
	$(BIN)/pybabel compile -d service/translations
