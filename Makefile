# ingressdoc: developer entry points. `make test` is the test command CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install test unit lint docs demo bench dist krew mermaid-parser clean

$(BIN)/ingressdoc: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/ingressdoc

# Unit tier and cluster tier. The cluster tier finds its cluster through
# INGRESSDOC_TEST_KUBECONFIG or the harness's kubeconfig (make cluster-up);
# under CI=true a missing cluster fails the run, elsewhere it is skipped.
test: install lint mermaid-parser dist
	$(BIN)/pytest -q

unit: install mermaid-parser
	$(BIN)/pytest -q -m 'not cluster'

lint: install
	$(BIN)/ruff check ingressdoc tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m ingressdoc.render.catalog --check docs/findings.md

docs: install
	$(BIN)/python -m ingressdoc.render.catalog docs/findings.md

# A diagnosis on a bundled example, no cluster needed. The example is broken on purpose, so
# the trace exits 1 ("a hop is broken"); any other status fails the target.
demo: install
	@$(BIN)/ingressdoc trace shop.example.com/cart/items --manifests examples/shop; \
	status=$$?; [ $$status -eq 1 ] && echo "(exit status 1: the demo finds the broken hop, as intended)" \
	|| { echo "demo: unexpected exit status $$status" >&2; exit 1; }

# The sdist and wheel a release publishes, checked as PyPI would check them. The version
# comes from the git tag (setuptools-scm).
dist: install
	rm -rf dist build
	$(BIN)/python -m build --sdist --wheel --outdir dist .
	$(BIN)/twine check --strict dist/*

# The krew plugin: the launcher archive and its manifest, for the release of the current tag.
REPOSITORY ?= https://github.com/ingressdoc/ingressdoc
krew: install
	@mkdir -p dist/krew
	$(eval VERSION := $(shell $(BIN)/python -m setuptools_scm))
	sed -e 's|@REPOSITORY@|$(REPOSITORY)|g' -e 's|@VERSION@|$(VERSION)|g' \
	  deploy/krew/kubectl-ingressdoc > dist/krew/kubectl-ingressdoc
	chmod +x dist/krew/kubectl-ingressdoc
	cp LICENSE dist/krew/
	tar -C dist/krew -czf dist/kubectl-ingressdoc-v$(VERSION).tar.gz kubectl-ingressdoc LICENSE
	sed -e 's|@REPOSITORY@|$(REPOSITORY)|g' -e 's|@VERSION@|$(VERSION)|g' \
	  -e "s|@SHA256@|$$(sha256sum dist/kubectl-ingressdoc-v$(VERSION).tar.gz | cut -d' ' -f1)|" \
	  deploy/krew/ingressdoc.yaml > dist/ingressdoc.yaml

# Mermaid's own parser (Node.js), for the test of `-o mermaid`.
mermaid-parser: tests/mermaid/node_modules/.installed

tests/mermaid/node_modules/.installed: tests/mermaid/package.json
	@command -v npm >/dev/null || { echo "npm not found: the Mermaid parser test will skip (CI fails it)"; exit 0; }; \
	npm install --prefix tests/mermaid --no-package-lock --no-audit --no-fund --silent && touch $@

bench: install
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info dist tests/mermaid/node_modules

include cluster/cluster.mk
