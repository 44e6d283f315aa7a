# The two commands a new developer needs: `make run` and `make test`.
# Everything else here is a convenience on top of them.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test lint typecheck unit contracts token peek bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## Start the broker and all four services (stores under var/); Ctrl-C stops them.
run: install
	$(PY) -m services.runtime.run

## Lint, type-check and run the whole suite (what CI runs).
test: install lint typecheck
	$(PY) -m pytest -n auto --dist loadgroup -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

unit: install
	$(PY) -m pytest -q tests/unit tests/contract

## Regenerate the JSON Schemas and the AsyncAPI document from contracts/.
contracts: install
	$(PY) -m contracts.generate

## A development token: make token ORG_TYPE=police ROLE=first_responder
ORG_TYPE ?= police
ROLE     ?= first_responder
HSA_ID   ?= SE2321000016-P001
ORG_ID   ?= SE2321000016-POL1
token: install
	@$(PY) -m services.runtime.token_cli --key $${SAMVERKAN_VAR_DIR:-var}/dev-signing-key.pem \
		--hsa-id $(HSA_ID) --org-id $(ORG_ID) --org-type $(ORG_TYPE) --role $(ROLE)

## Print a topic's messages as JSON lines: make peek TOPIC=samverkan.consent.events
TOPIC ?= samverkan.escalation.events
peek: install
	@$(PY) -m services.runtime.peek $(TOPIC)

bench: install
	$(PY) -m bench

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
