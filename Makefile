# TOH Recovery: `make run` and `make test` are all a newcomer needs (Python 3.12+ and make).
# `python3` resolves to 3.12 here through .python-version (pyenv); set PYTHON=... otherwise.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run demo migrate test lint typecheck format lock bench check-deploy messages

help:
	@echo "make run    - install, migrate, load the demo, start web + worker + beat"
	@echo "make test   - install and run the whole test suite"
	@echo "make lint   - ruff check, ruff format --check, import-linter layer contracts"
	@echo "make typecheck - mypy with django-stubs + DRF stubs over apps/ backend/ scripts/"
	@echo "make bench  - benchmarks against framework floors (needs PostgreSQL and Redis)"
	@echo "make messages - update locale/*/django.po from the code and compile the .mo (needs gettext)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "TOH Recovery needs Python 3.12+ (Django 6); found " + sys.version.split()[0] + ". Run make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements/constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25"
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	$(BIN)/python scripts/run.py

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^toh-recovery' | sort -f > requirements/constraints.txt.new
	@printf '# Exact versions of every package, direct and transitive. Every install uses this file:\n# pip install -c requirements/constraints.txt ".[dev]". Regenerate with `make lock`.\n' | cat - requirements/constraints.txt.new > requirements/constraints.txt
	@rm requirements/constraints.txt.new

# The catalogues of patient-facing text (docs/i18n.md): the .po and the compiled .mo are both
# committed, so running or deploying needs no gettext; changing a string needs this.
messages: install
	$(BIN)/python manage.py makemessages --all --ignore "tests/*" --ignore "scripts/*" --ignore "var/*" --ignore "test-artifacts/*" --add-location file --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore ".venv"

bench: install
	$(BIN)/python scripts/bench.py

check-deploy: install
	DJANGO_SETTINGS_MODULE=backend.settings.production DJANGO_SECRET_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))') DJANGO_ALLOWED_HOSTS=toh.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING
