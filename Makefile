# Paso a Paso: `make run` (the demo on http://127.0.0.1:8000) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install messages prepare lint format ci clean bench lock system

$(VENV)/.installed: requirements-dev.lock
	@if [ -z "$(PYTHON)" ]; then echo "Falta Python 3.11: instale con  sudo apt-get install python3.11 python3.11-venv"; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || \
		{ echo "Se necesita Python 3.11 (encontrado: $$($(PYTHON) --version)). Instale python3.11 y python3.11-venv."; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || \
		{ echo "Falta el módulo venv de Python: instale con  sudo apt-get install python3.11-venv"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-dev.lock
	@$(PY) -m pip check || { echo "El lock está incompleto o es incoherente (arriba el paquete): corra  make lock"; exit 1; }
	@touch $@

install: $(VENV)/.installed

# Rewrites both locks from pyproject.toml, keeping today's pins (UPGRADE=1 takes the newest allowed).
LOCK_VENV := .venv-lock
LOCK_FLAGS := --generate-hashes --no-strip-extras --universal --python-version 3.11 --quiet \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
$(LOCK_VENV)/.installed: requirements-lock-tool.lock
	@test -x $(LOCK_VENV)/bin/python || $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements-lock-tool.lock
	@touch $@

lock: $(LOCK_VENV)/.installed
	$(LOCK_VENV)/bin/uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.lock
	$(LOCK_VENV)/bin/uv pip compile pyproject.toml --group dev $(LOCK_FLAGS) -o requirements-dev.lock

messages: install
	@$(MANAGE) compile_catalogue -v0 >/dev/null

prepare: messages
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) collectstatic --noinput -v0

run: prepare
	$(MANAGE) seed_demo
	@echo
	@echo "Paso a Paso en http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/, API: /api/v1/docs, salud: /healthz)"
	@echo "Ingrese con una de las cuentas de demostración de arriba. Ctrl+C detiene el sitio, el worker y beat."
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A config worker -Q short,media -c 2 --loglevel=WARNING --without-mingle --without-gossip & \
	$(VENV)/bin/celery -A config beat --loglevel=WARNING & \
	$(MANAGE) runserver $(HOST):$(PORT) --noreload

# What the suite runs besides Python: Debian's Chromium (browser tests), ffmpeg/ffprobe and the XMLTV DTD checker.
system:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v ffprobe >/dev/null || missing="$$missing ffmpeg"; \
	command -v tv_validate_file >/dev/null || missing="$$missing xmltv-util"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Instalando paquetes de Debian para las pruebas:$$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "Faltan paquetes de Debian para las pruebas: sudo apt-get install$$missing"; exit 1; fi; \
	fi

test: system messages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(MANAGE) makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: prepare
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf var .pytest_cache .ruff_cache $(LOCK_VENV)
