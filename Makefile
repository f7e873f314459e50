# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench setup demo messages clean

$(STAMP): pyproject.toml
	bash scripts/ensure-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

run: setup
	HOST=$(HOST) PORT=$(PORT) bash scripts/run-embedded.sh

test: $(STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m benchmarks $(BENCH_ARGS)

messages: $(STAMP)
	$(PY) manage.py makemessages -l en --no-obsolete --no-location --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'docs/*' --ignore 'benchmarks/*'
	$(PY) manage.py compilemessages -l en

clean:
	rm -rf var
