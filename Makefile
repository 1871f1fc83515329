# RiskStream: `make up` runs the service with a demo, `make test` passes the tests.
SHELL := /bin/bash
STACK := bash infra/stack/stack.sh
PY := .venv/bin/python
ENV := set -a && . .stack/env && set +a
# simulation runner processes `make up` starts; they share the simulations topic's partitions
RUNNERS ?= 1

.PHONY: up down test unit bench status lint example web

up:
	$(STACK) up
	RUNNERS=$(RUNNERS) $(STACK) app
	@$(ENV) && if [ ! -s .stack/demo-tenant.json ]; then \
		.venv/bin/riskstream tenant create "Demo Analytics" --plan pro > .stack/demo-tenant.json; fi
	@$(ENV) && KEY=$$($(PY) -c "import json;print(json.load(open('.stack/demo-tenant.json'))['api_key'])") && \
		.venv/bin/riskstream demo --api-key "$$KEY" --summary && \
		echo && echo "Workbench:  http://127.0.0.1:8000/" && \
		echo "API:        http://127.0.0.1:8000/docs" && \
		echo "API key:    $$KEY  (also in .stack/demo-tenant.json)" && \
		echo "Logs:       .stack/log/    Stop: make down"

down:
	$(STACK) stop

status:
	$(STACK) status
	@$(ENV) && .venv/bin/riskstream status

test:
	$(STACK) up
	$(ENV) && $(PY) -m pytest -q -p no:cacheprovider tests

unit:
	$(PY) -m pytest -q tests/unit

bench:
	$(STACK) up
	$(ENV) && $(PY) -m bench

lint:
	$(STACK) venv
	.venv/bin/ruff check app streams projections engines infra tests bench
	.venv/bin/mypy

example:
	$(PY) examples/build_example.py

web:  # the workbench page alone (npm ci + vite build into web/dist; make up does it too)
	$(STACK) web
