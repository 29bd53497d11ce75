# Every target sets up what it needs: .venv is created or refreshed from pyproject.toml + constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_TOOLS := tests/node
NODE_STAMP := $(NODE_TOOLS)/node_modules/.installed
BUF := $(NODE_TOOLS)/node_modules/.bin/buf
KUBERNETES_VERSION := 1.32.0

.PHONY: run test lint sandbox generate bench soak clean lock graphiql-assets test-browser test-deploy

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# buf and the grpc-js client test's packages, pinned by tests/node/package-lock.json
$(NODE_STAMP): $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	cd $(NODE_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

## run: the gateway over the embedded sandbox with demo data
run: $(STAMP)
	$(BIN)/umanize-gateway serve

## sandbox: the embedded REST upstream alone, with demo data
sandbox: $(STAMP)
	$(BIN)/umanize-gateway sandbox --seed

## test: the whole test suite (unit + end-to-end over loopback, the Node gRPC client included)
test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest

## test-browser: GraphiQL in headless Chromium (Debian's chromium, installed when missing) under Playwright
test-browser: $(STAMP)
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
		(echo "test-browser needs Chromium (Debian package chromium)"; exit 1)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,browser]'
	$(BIN)/python -m pytest tests/browser

## test-deploy: the Dockerfile's steps replayed in a fresh virtualenv (install, HEALTHCHECK, ENTRYPOINT, SIGTERM)
test-deploy: $(STAMP)
	$(BIN)/python -m pytest tests/deploy

## generate: regenerate the committed contracts (graphql/schema.graphql, graphql/persisted-documents.json, gateway/grpc_api/generated)
generate: $(STAMP)
	$(BIN)/umanize-gateway export-schema --output graphql/schema.graphql
	$(BIN)/umanize-gateway export-persisted-documents --output graphql/persisted-documents.json
	$(BIN)/python -m gateway.grpc_api.codegen

## lint: ruff, mypy --strict, the import-linter contracts (pyproject.toml), hadolint, the rendered Kubernetes
## manifests validated against the API's schemas, buf lint, and buf breaking against main
lint: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo --no-cache
	cd proto && ../$(BUF) lint
	$(BIN)/hadolint Dockerfile
	@command -v kubectl >/dev/null || (apt-get update -qq && apt-get install -y -qq kubectl >/dev/null) || \
		(echo "lint needs kubectl (its built-in kustomize renders deploy/kubernetes)"; exit 1)
	@mkdir -p build && for kustomization in deploy/kubernetes/base deploy/kubernetes/overlays/sandbox; do \
		kubectl kustomize $$kustomization > build/rendered.yaml && \
		$(BIN)/kubernetes-validate --strict --quiet -k $(KUBERNETES_VERSION) build/rendered.yaml || exit 1; \
		echo "$$kustomization: valid for Kubernetes $(KUBERNETES_VERSION)"; done
	@if git cat-file -e main:proto/buf.yaml 2>/dev/null; then \
		cd proto && ../$(BUF) breaking --against '../.git#branch=main,subdir=proto'; \
	else echo "buf breaking: main has no proto yet"; fi

## graphiql-assets: refresh the GraphiQL page's committed browser builds from the npm registry (pinned by
## gateway/graphql_api/graphiql/package-lock.json), with their licences
GRAPHIQL := gateway/graphql_api/graphiql
graphiql-assets:
	cd $(GRAPHIQL) && npm ci --no-audit --no-fund --loglevel=error
	cp $(GRAPHIQL)/node_modules/react/umd/react.production.min.js $(GRAPHIQL)/static/
	cp $(GRAPHIQL)/node_modules/react-dom/umd/react-dom.production.min.js $(GRAPHIQL)/static/
	cp $(GRAPHIQL)/node_modules/graphiql/graphiql.min.js $(GRAPHIQL)/node_modules/graphiql/graphiql.min.css $(GRAPHIQL)/static/
	cp $(GRAPHIQL)/node_modules/@graphiql/plugin-explorer/dist/index.umd.js $(GRAPHIQL)/static/plugin-explorer.umd.js
	cp $(GRAPHIQL)/node_modules/@graphiql/plugin-explorer/dist/style.css $(GRAPHIQL)/static/plugin-explorer.css
	cp $(GRAPHIQL)/node_modules/react/LICENSE $(GRAPHIQL)/static/LICENSE.react.txt
	cp $(GRAPHIQL)/node_modules/react-dom/LICENSE $(GRAPHIQL)/static/LICENSE.react-dom.txt
	cp $(GRAPHIQL)/node_modules/graphiql/LICENSE $(GRAPHIQL)/static/LICENSE.graphiql.txt
	cd $(GRAPHIQL) && node -p '"@graphiql/plugin-explorer " + require("./node_modules/@graphiql/plugin-explorer/package.json").version + ": " + require("./node_modules/@graphiql/plugin-explorer/package.json").license + " licence (declared in its package.json; the package ships no licence file), copyright GraphQL Contributors"' > static/LICENSE.plugin-explorer.txt

## bench: every contender side by side (not part of test); writes docs/benchmarks.md and .json
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || \
		(echo "bench needs wrk (Debian package wrk)"; exit 1)
	$(BIN)/python -m tests.bench.run

## soak: mixed traffic under rotating upstream faults with a ledger of writes (SOAK_SECONDS, default 120); writes docs/reliability.md
soak: $(STAMP)
	$(BIN)/python -m tests.soak.run

## lock: re-resolve constraints.txt from pyproject.toml (then review the diff)
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^umanize-gateway' > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .sandbox .pytest_cache .mypy_cache .ruff_cache
