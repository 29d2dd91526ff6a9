# The two commands: `make run` (demo: SQLite, no servers) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint format bench messages clean fuzz load

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

setup: $(STAMP)
	@mkdir -p var
	@# The compiled catalogs are committed; recompile when gettext is there to pick up edits.
	@if command -v msgfmt >/dev/null 2>&1 && [ -d locale ]; then \
		DJANGO_SETTINGS_MODULE=crm.settings.local $(BIN)/python manage.py compilemessages -v0 --ignore=.venv; fi

run: setup
	@bin/run

test: setup
	@bin/test $(ARGS)

# The long API fuzz: every app's schemathesis run, as every role, with FUZZ_EXAMPLES
# generated requests per operation and role (default 200; `make test` runs a few).
fuzz: setup
	@FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} bin/test -p no:randomly $(wildcard tests/*/test_api_fuzz*.py) $(ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	@bin/bench $(ARGS)

# The production stack under Locust (PostgreSQL and Redis on this machine; see bin/load).
load: setup
	@$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/python -m pip install -q -e '.[load]'
	@bin/load

messages: setup
	DJANGO_SETTINGS_MODULE=crm.settings.local $(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var --no-obsolete
	DJANGO_SETTINGS_MODULE=crm.settings.local $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var .venv
