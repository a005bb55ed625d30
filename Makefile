# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
APP_PY := .venv/bin/python
RASA := .venv-rasa/bin/rasa
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres setup model migrate demo validate lint clean \
	bench bench-slot-choice bench-conversations bench-reminders bench-console bench-figures

run: setup model migrate demo node_modules/.installed
	@echo "Simulator: http://127.0.0.1:8001/simulateur   API docs: http://127.0.0.1:8000/docs"
	.venv/bin/honcho start -f Procfile

test: setup model validate lint test-sqlite test-postgres

test-sqlite: node_modules/.installed /usr/bin/chromium
	$(APP_PY) -m pytest -q

test-postgres: node_modules/.installed /usr/bin/chromium
	scripts/ensure-services.sh
	SPIE_TEST_DATABASE_URL=$(PG_TEST_URL) $(APP_PY) -m pytest -q

setup: .venv/.installed .venv-rasa/.installed

.venv/.installed: pyproject.toml
	test -x $(APP_PY) || python3 -m venv .venv
	$(APP_PY) -m pip install -q --upgrade pip==24.0
	$(APP_PY) -m pip install -q -e '.[dev]'
	touch $@

.venv-rasa/.installed: requirements-rasa.txt
	test -x .venv-rasa/bin/python || "$$(scripts/find-python310.sh)" -m venv .venv-rasa
	.venv-rasa/bin/python -m pip install -q --upgrade pip==24.0
	.venv-rasa/bin/python -m pip install -q -r requirements-rasa.txt
	touch $@

# Debian's chromium for the console's browser tests (Playwright drives it; no browser download).
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

model: setup
	scripts/train-model.sh

validate: setup
	$(RASA) data validate --domain domain.yml --data data --fail-on-warnings --quiet

migrate: setup
	.venv/bin/alembic upgrade head

demo: migrate
	$(APP_PY) -m api.demo

lint: setup
	.venv/bin/ruff check api bot rasa_channels tests benchmarks

# Speed and memory, measured on the running system (never in tests). Each prints its figures.
bench: bench-slot-choice bench-conversations bench-reminders bench-console bench-figures

bench-slot-choice: setup
	$(APP_PY) benchmarks/bench_slot_choice.py

bench-conversations: setup model
	scripts/ensure-services.sh
	$(APP_PY) benchmarks/bench_conversations.py --db sqlite
	$(APP_PY) benchmarks/bench_conversations.py --db postgresql

bench-reminders: setup
	scripts/ensure-services.sh
	$(APP_PY) benchmarks/bench_reminders.py

bench-console: setup
	scripts/ensure-services.sh
	$(APP_PY) benchmarks/bench_console_list.py

bench-figures: setup
	scripts/ensure-services.sh
	$(APP_PY) benchmarks/bench_figures.py --db sqlite
	$(APP_PY) benchmarks/bench_figures.py --db postgresql

clean:
	rm -rf .venv .venv-rasa node_modules models var
