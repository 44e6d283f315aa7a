# The two commands a new developer needs: `make run` and `make test`.
# Everything else here is a convenience on top of them.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements/dev.txt | cksum | cut -d' ' -f1)

.PHONY: test-deps install run test lint typecheck unit contracts token peek bench chaos clean compose-env

## The project with its dev and broker extras (make run and the tests start the
## embedded broker): exactly requirements/dev.txt, every file checked against
## its hash, then the project itself, editable, resolving nothing more (a
## dependency added to pyproject.toml needs `make lock`; a test says so).
$(STAMP): pyproject.toml requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## Regenerate the hashed lock files from pyproject.toml, for Python 3.11 on
## Linux x86_64 (CI and the image): requirements/dev.txt (the project with its
## dev and broker extras) first, then requirements/runtime.txt (what the image
## installs) inside it, so the image runs the versions the tests ran. Pins
## already locked are kept; `make lock LOCK_FLAGS=--upgrade` (or
## `--upgrade-package NAME`) moves them. tests/contract/test_build.py checks
## that the locks still match pyproject.toml and the installed packages.
LOCK_FLAGS ?=
LOCK = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 --custom-compile-command 'make lock' $(LOCK_FLAGS)
BUILD_REQUIRES = $(PY) -c "import tomllib; \
	print(*tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires'], sep='\n')"

.PHONY: lock
lock: install
	$(BUILD_REQUIRES) | $(LOCK) pyproject.toml - --extra dev --extra broker -o requirements/dev.txt
	$(BUILD_REQUIRES) | $(LOCK) pyproject.toml - -c requirements/dev.txt -o requirements/runtime.txt

## Pin deploy/Dockerfile's base image to the digest its tag names today (the
## multi-platform index; needs docker buildx and the registry).
BASE_TAG ?= python:3.11-slim
.PHONY: pin-base-image
pin-base-image:
	@digest=$$(docker buildx imagetools inspect $(BASE_TAG) --format '{{json .Manifest.Digest}}' | tr -d '"'); \
	case "$$digest" in sha256:*) ;; *) echo "no digest for $(BASE_TAG)" >&2; exit 1;; esac; \
	sed -i "s|^ARG PYTHON_IMAGE=.*|ARG PYTHON_IMAGE=$(BASE_TAG)@$$digest|" deploy/Dockerfile; \
	grep '^ARG PYTHON_IMAGE=' deploy/Dockerfile

## What only the tests need: Debian's promtool/prometheus and the AsyncAPI CLI.
test-deps: system-deps node-deps

## Debian tools the tests call, installed when missing: promtool and prometheus
## (package prometheus), amtool (package prometheus-alertmanager), kubectl for `kubectl kustomize` (package
## kubernetes-client), npm for node-deps, chromium for the annual report page's
## screenshot check (tests/integration/test_reporting_annual_page_in_chromium.py).
.PHONY: system-deps
system-deps:
	@missing=""; \
	command -v promtool >/dev/null 2>&1 || missing="$$missing prometheus"; \
	command -v amtool >/dev/null 2>&1 || missing="$$missing prometheus-alertmanager"; \
	command -v kubectl >/dev/null 2>&1 || missing="$$missing kubernetes-client"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing \
		|| { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; }; \
	fi

## Node tools the tests call (package.json, pinned by package-lock.json): the
## AsyncAPI CLI. 4.1.1 is its last release that runs on Debian 12's Node 20.
.PHONY: node-deps
node-deps: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

## Start the broker and all four services (stores under var/); Ctrl-C stops them.
run: install
	$(PY) -m services.runtime.ops.run

## Lint, type-check and run the whole suite (what CI runs).
test: install test-deps lint typecheck
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
	@$(PY) -m services.runtime.ops.token_cli --key $${SAMVERKAN_VAR_DIR:-var}/dev-signing-key.pem \
		--hsa-id $(HSA_ID) --org-id $(ORG_ID) --org-type $(ORG_TYPE) --role $(ROLE)

## The secrets docker-compose.yml requires, random, in .env (0600, git-ignored);
## never overwrites one. Add SAMVERKAN_TOKEN_ISSUER (production) or
## SAMVERKAN_ENVIRONMENT=development (a laptop) yourself.
compose-env:
	@test ! -e .env || { echo ".env exists; not overwritten" >&2; exit 1; }
	@umask 077 && $(PYTHON) -c 'import secrets; \
	print("\n".join(f"{name}={secrets.token_hex(n)}" for name, n in ( \
	("SAMVERKAN_MASTER_KEY", 32), ("SAMVERKAN_SUBJECT_KEY", 32), \
	("SAMVERKAN_AUDIT_CHAIN_KEY", 32), ("POSTGRES_PASSWORD", 16), \
	("GRAFANA_ADMIN_PASSWORD", 16))))' > .env
	@echo "wrote .env"

## Print a topic's messages as JSON lines: make peek TOPIC=samverkan.consent.events
TOPIC ?= samverkan.escalation.events
peek: install
	@$(PY) -m services.runtime.messaging.peek $(TOPIC)

## Figures for SQLite, PostgreSQL and PostgreSQL with consent and cases split into
## api, relay and consumer processes, side by side: PostgreSQL as for make test.
bench: install
	$(PY) -m bench --store all

## The long reliability campaign (#12): 10,000 commands under kills, broker and
## database restarts, a rebalance and poison; prints lost/doubled/out-of-order,
## dead letters and recovery seconds, exits 1 if any is wrong (about 10 min).
chaos: install
	$(PY) -m bench.chaos

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
