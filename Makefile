# ingressdoc: developer entry points. `make test` is the test command CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install test unit lint docs demo bench clean

$(BIN)/ingressdoc: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/ingressdoc

# Unit tier and cluster tier. The cluster tier finds its cluster through
# INGRESSDOC_TEST_KUBECONFIG or the harness's kubeconfig (make cluster-up);
# under CI=true a missing cluster fails the run, elsewhere it is skipped.
test: install lint
	$(BIN)/pytest -q

unit: install
	$(BIN)/pytest -q -m 'not cluster'

lint: install
	$(BIN)/ruff check ingressdoc tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m ingressdoc.render.catalog --check docs/findings.md

docs: install
	$(BIN)/python -m ingressdoc.render.catalog docs/findings.md

# A diagnosis on a bundled example, no cluster needed.
demo: install
	-$(BIN)/ingressdoc trace shop.example.com/cart/items --manifests examples/shop

bench: install
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info

include cluster/cluster.mk
