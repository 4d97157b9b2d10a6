# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3.12
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
export PYENV_VERSION ?= 3.12

.PHONY: venv demo test test-browser test-faults serve schema messages lint clean

PO := $(wildcard */locale/*/LC_MESSAGES/*.po)
MO := $(PO:.po=.mo)

venv: $(VENV)/.installed $(MO)

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Python >= 3.12 is required (pyenv: .python-version)"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

%.mo: %.po $(VENV)/.installed
	$(PY) scripts/compile_messages.py

messages: $(VENV)/.installed
	$(PY) scripts/compile_messages.py

# Migrate a SQLite database, load the demo city and accounts, serve over ASGI.
demo: venv
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py demo
	@echo "Serving http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	DEBUG=1 $(VENV)/bin/daphne -b 127.0.0.1 -p $(PORT) server.asgi:application

test: venv
	PCGD_TESTING=1 $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest --ignore=tests/browser --ignore=tests/faults $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-faults
	$(MAKE) --no-print-directory test-browser

# Servers killed and restarted under a syncing client, Redis down, backup and restore, a short
# load run (docs/reliability.md), in a pytest run of their own. They need PostgreSQL (DATABASE_URL)
# and redis-server: without them they are skipped with the reason, unless PCGD_FAULTS=required
# (CI). A PYTEST_ARGS filter that matches no fault test is not a failure.
test-faults: venv
	@rc=0; $(PY) -m pytest tests/faults $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc = 5 ] && [ -n "$(PYTEST_ARGS)" ]; then echo "no fault test matches PYTEST_ARGS"; rc=0; fi; exit $$rc

# The field app in real Chromium (Debian's package; CI installs it, see .ci/run), in a
# pytest run of its own. A PYTEST_ARGS filter that matches no browser test is not a failure.
CHROMIUM ?= $(or $(PCGD_CHROMIUM),$(shell command -v chromium 2>/dev/null),/usr/bin/chromium)
test-browser: venv
	@test -x "$(CHROMIUM)" || { echo "Chromium not found ($(CHROMIUM)): the browser tests need it. Install Debian's package (apt-get install chromium) or set PCGD_CHROMIUM." >&2; exit 1; }
	@rc=0; PCGD_CHROMIUM="$(CHROMIUM)" $(PY) -m pytest tests/browser $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc = 5 ] && [ -n "$(PYTEST_ARGS)" ]; then echo "no browser test matches PYTEST_ARGS"; rc=0; fi; exit $$rc

schema: venv
	PCGD_TESTING=1 $(PY) manage.py spectacular --file docs/api/openapi.yaml --validate --fail-on-warn

# ruff (lint and format); CI runs it before the tests.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 media/ staticfiles/
