# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
APP_PY := .venv/bin/python
RASA := .venv-rasa/bin/rasa
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-actions test-sqlite test-postgres faults setup lock model migrate demo validate lint clean \
	eval-conversation bench bench-slot-choice bench-conversations bench-reminders bench-console bench-figures

run: setup model migrate demo node_modules/.installed
	@echo "Simulator: http://127.0.0.1:8001/simulateur   API docs: http://127.0.0.1:8000/docs"
	.venv/bin/honcho start -f Procfile

test: setup model validate lint test-actions test-sqlite test-postgres

# The custom actions alone, in the Rasa environment, against a fake of our internal API
# (tests/actions/pytest.ini keeps tests/conftest.py, the app's database, out of this run).
test-actions: .venv-rasa/.installed
	.venv-rasa/bin/python -m pytest -q tests/actions

test-sqlite: node_modules/.installed /usr/bin/chromium
	scripts/ensure-services.sh
	$(APP_PY) -m pytest -q

test-postgres: node_modules/.installed /usr/bin/chromium
	scripts/ensure-services.sh
	SPIE_TEST_DATABASE_URL=$(PG_TEST_URL) $(APP_PY) -m pytest -q

# The fault-injection suite alone, with its figures (it also runs inside both test runs).
faults: setup model node_modules/.installed
	$(APP_PY) -m pytest -q -s tests/faults
	scripts/ensure-services.sh
	SPIE_TEST_DATABASE_URL=$(PG_TEST_URL) $(APP_PY) -m pytest -q -s tests/faults

setup: .venv/.installed .venv-rasa/.installed

.venv/.installed: pyproject.toml requirements.lock
	test -x $(APP_PY) || python3 -m venv .venv
	$(APP_PY) -m pip install -q --require-hashes -r requirements.lock
	$(APP_PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

.venv-rasa/.installed: requirements-rasa.lock
	test -x .venv-rasa/bin/python || "$$(scripts/find-python310.sh)" -m venv .venv-rasa
	.venv-rasa/bin/python -m pip install -q --require-hashes -r requirements-rasa.lock
	touch $@

# Re-resolve both lock files (hashes for every file). Keeps the current pins unless
# asked: `make lock UPGRADE=1` takes the newest versions the inputs allow.
UV_LOCK := UV_PYTHON_DOWNLOADS=never .venv/bin/uv pip compile --quiet --generate-hashes \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock: .venv/.installed
	$(UV_LOCK) pyproject.toml --extra dev --universal --python-version 3.11 -o requirements.lock
	$(UV_LOCK) requirements-rasa.in --python-version 3.10 --python-platform x86_64-unknown-linux-gnu \
		-o requirements-rasa.lock

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
	.venv/bin/ruff check api bot actions rasa_channels tests benchmarks scripts eval
	.venv/bin/lint-imports --no-cache
	.venv/bin/mypy api bot
	.venv/bin/mypy --python-executable .venv-rasa/bin/python --python-version 3.10 actions rasa_channels tests/actions

# The held-out conversation set (issue 12) through the real processes: per-class accuracy and
# a confusion table (docs/evaluation.md). EVAL_ARGS="--db postgresql" or "--limit 40".
eval-conversation: setup model node_modules/.installed
	$(APP_PY) eval/run_conversation.py $(EVAL_ARGS)

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
