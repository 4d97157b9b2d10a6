# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3.12
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
export PYENV_VERSION ?= 3.12

.PHONY: venv demo test serve schema messages lint clean

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
	$(PY) -m pytest $(PYTEST_ARGS)

schema: venv
	PCGD_TESTING=1 $(PY) manage.py spectacular --file docs/api/openapi.yaml --validate --fail-on-warn

lint: venv
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 media/ staticfiles/
