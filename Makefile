# Two commands do all set-up on a fresh machine with Python 3.11+ and Node.js (npm):
#   make run   - virtual environment, packages, migrations, demo company, server on :8000
#   make test  - virtual environment, packages, ruff, djLint, migrations check, the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install browser run test lint format worker messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST)

# The browser tests drive Debian's Chromium, with a CJK font for the Chinese pages.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wqy\|noto.*cjk"; then \
	  echo "Installing Debian's Chromium and a CJK font for the browser tests"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; } || \
	  { echo "The browser tests need Chromium: apt-get install chromium fonts-wqy-zenhei (as root)" >&2; exit 1; }; \
	fi

test: install browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint
	DJANGO_SETTINGS_MODULE=appraisal.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Translations: the compiled .mo files are committed, so running the app needs no gettext.
messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

worker: install
	$(VENV)/bin/celery -A appraisal worker -B --loglevel=info

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
