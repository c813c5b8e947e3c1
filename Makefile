# Everyday commands. Everything runs from the virtualenv in .venv, made by `make venv` from pyproject.toml.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: venv run test bench worker lint vendor

venv: $(VENV)/.installed

# The stamp is older than pyproject.toml when the dependencies changed: then (and only then) pip runs again.
# The project's own code runs from the checkout, so only its dependencies are installed, read from
# pyproject.toml (the runtime ones and the `dev` extra); nothing is built in the source tree.
$(VENV)/.installed: pyproject.toml
	@if ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then \
		python=""; \
		for candidate in python3.11 python3; do \
			if command -v $$candidate >/dev/null && \
				$$candidate -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then \
				python=$$candidate; break; \
			fi; \
		done; \
		if [ -z "$$python" ]; then \
			echo "make venv: Python 3.11 is needed; neither python3.11 nor python3 is Python 3.11." >&2; \
			exit 1; \
		fi; \
		echo "Creating $(VENV) with $$($$python --version)"; \
		rm -rf $(VENV) && $$python -m venv $(VENV); \
	fi
	$(PY) -c 'import tomllib; project = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
		print(*project["dependencies"], *project["optional-dependencies"]["dev"], sep="\n")' \
		> $(VENV)/requirements.txt
	$(PY) -m pip install --disable-pip-version-check --quiet -r $(VENV)/requirements.txt
	touch $@

# The web server and, beside it, a Celery worker with beat, on a broker kept in files under var/celery/ (or on
# CELERY_BROKER_URL when it is set): checking an upload, making previews and sending mail happen off the request,
# as in production. Work a stopped worker left is queued again at start (manage.py resume_work). Ctrl-C stops both.
# The links in the mails it writes lead to the address it serves (SITE_URL).
run: venv
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	@export EMBEDDED_WORKER=1 SITE_URL=http://127.0.0.1:$(PORT); \
	$(PY) manage.py resume_work && \
	{ $(PY) -m celery -A contest_portal worker --beat --queues=celery,media --concurrency=2 --loglevel=INFO \
		--without-gossip --without-mingle & } && \
	trap 'kill -TERM $$! 2>/dev/null; wait $$!' EXIT && \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Runs the whole suite (PYTEST_ARGS narrows it, e.g. PYTEST_ARGS='-m "not integration"'). pytest's own exit
# code is make's: "no tests ran" (5) is a failure too.
test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

# Each script in tests/benchmarks/ prints its own measurements.
bench: venv
	@scripts=$$(find tests/benchmarks -maxdepth 1 -name '*.py' ! -name '_*' ! -name 'conftest.py' | sort); \
	if [ -z "$$scripts" ]; then echo "No benchmark scripts in tests/benchmarks/."; exit 0; fi; \
	for script in $$scripts; do \
		echo "== $$script"; \
		PYTHONPATH=$(CURDIR) DJANGO_SETTINGS_MODULE=contest_portal.settings $(PY) $$script || exit 1; \
	done

# A worker for the tasks queued by `make run` when CELERY_BROKER_URL is set (in the environment or .env).
worker: venv
	@DJANGO_SETTINGS_MODULE=contest_portal.settings $(PY) -c 'import django; django.setup(); from django.conf import settings; \
		settings.CELERY_TASK_ALWAYS_EAGER and exit("make worker: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) first; without it tasks run in-process and need no worker.")' \
		</dev/null
	$(PY) -m celery -A contest_portal worker -Q celery,media --loglevel=INFO

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Refreshes the vendored browser build of tus-js-client from the npm registry (needs npm).
TUS_JS_CLIENT_VERSION ?= 4.3.1
vendor:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent tus-js-client@$(TUS_JS_CLIENT_VERSION) && \
		tar xzf tus-js-client-*.tgz && \
		cp package/dist/tus.min.js package/dist/tus.min.js.map package/LICENSE $(CURDIR)/static/vendor/tus-js-client/ && \
		rm -rf $$tmp
