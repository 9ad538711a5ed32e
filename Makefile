# Two commands set everything up on a fresh machine with Python 3.11:
#   make run    create the virtualenv, install, migrate, seed the demo, start web + worker + beat
#   make test   the whole suite
# `make run` installs only what the product runs on (requirements/base.txt); `make test`, `make lint`
# and `make format` add the test and lint tools (requirements/dev.txt).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PORT ?= 8000
PYTEST_WORKERS ?= auto
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile

.PHONY: run test install install-dev migrate seed static lint format check bench lock upgrade-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(BIN)/.installed-base: requirements/base.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/base.txt
	touch $@

$(BIN)/.installed-dev: requirements/dev.txt requirements/base.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	touch $@ $(BIN)/.installed-base

install: $(BIN)/.installed-base

install-dev: $(BIN)/.installed-dev

migrate: install
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo

# With DEBUG off the web process serves static files through WhiteNoise, from STATIC_ROOT.
static: install
	$(MANAGE) collectstatic --noinput --verbosity 0

# Links in email, invites and the calendar feed point where this server runs; set SITE_URL to
# override (behind a proxy, say).
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: seed static
	@echo ""
	@echo "  Skillcoach is starting on http://127.0.0.1:$(PORT)/  (Ctrl-C stops web, worker and beat)"
	@echo "  DEBUG is off, as in production; DEBUG=1 make run turns it on"
	@echo "  Demo logins (password demo-pass-2026): ada (admin), maria and omar (managers),"
	@echo "  john, sheila, liam, priya, nina, tom, zoe (reps)"
	@echo ""
	@trap 'trap - INT TERM; kill 0' INT TERM; \
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=2 & \
	$(BIN)/celery -A config beat --loglevel=INFO & \
	$(MANAGE) runserver 127.0.0.1:$(PORT) --noreload & \
	wait

test: install-dev
	$(BIN)/pytest -n $(PYTEST_WORKERS) --create-db $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/djlint templates --lint

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: install
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_ENV=production SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-looking-value-for-checks \
	  ALLOWED_HOSTS=coaching.example.com DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	  REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(MANAGE) check --deploy --fail-level WARNING

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Recompile the pins after editing requirements/*.in, keeping every version that still fits.
lock: install-dev
	$(PIP_COMPILE) requirements/base.in -o requirements/base.txt
	$(PIP_COMPILE) requirements/dev.in -o requirements/dev.txt

# Every pin to its newest allowed version: one command, one reviewable diff of the two lock files.
upgrade-deps: install-dev
	$(PIP_COMPILE) --upgrade requirements/base.in -o requirements/base.txt
	$(PIP_COMPILE) --upgrade requirements/dev.in -o requirements/dev.txt
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
