"""Cluster tier: tests against a live Kubernetes cluster.

The cluster is found through ``INGRESSDOC_TEST_KUBECONFIG`` or the kubeconfig that
``make cluster-up`` writes (``~/.cache/ingressdoc/cluster/kubeconfig``); ``kind`` clusters
work too (``make kind-up`` prints the variable to set). When no cluster answers, the tier
is skipped with a one-line reason -- except under ``CI=true``, where it fails: CI must never
pass by silently skipping it.

Optional settings: ``INGRESSDOC_TEST_CONTEXT`` (kubeconfig context) and
``INGRESSDOC_TEST_IMAGE`` (the image every scenario container runs; default: the cluster's
local agnhost image; on kind use e.g. ``registry.k8s.io/e2e-test-images/agnhost:2.53``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cluster_harness import (
    HARNESS_KUBECONFIG,
    Cluster,
    Scenario,
    find_kubeconfig,
    find_kubectl,
    new_namespace_name,
)

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.cluster)


def _unavailable(reason: str) -> None:
    message = f"cluster tier: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: a missing cluster is a failure)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    """The live cluster; skips (or fails under CI=true) when none is reachable."""
    kubeconfig = find_kubeconfig()
    if kubeconfig is None:
        _unavailable(
            f"no cluster: set INGRESSDOC_TEST_KUBECONFIG or run `make cluster-up` "
            f"(writes {HARNESS_KUBECONFIG})"
        )
    assert kubeconfig is not None
    if not kubeconfig.is_file():
        _unavailable(f"kubeconfig {kubeconfig} does not exist")
    kubectl = find_kubectl()
    if kubectl is None:
        _unavailable("kubectl not found (run `make cluster-build` or install kubectl)")
    assert kubectl is not None
    found = Cluster(
        kubeconfig=kubeconfig,
        kubectl_bin=kubectl,
        context=os.environ.get("INGRESSDOC_TEST_CONTEXT") or None,
        image=os.environ.get("INGRESSDOC_TEST_IMAGE", Cluster.image),
        is_harness=kubeconfig.resolve() == HARNESS_KUBECONFIG.resolve(),
    )
    problem = found.reachable()
    if problem is not None:
        _unavailable(f"cluster at {kubeconfig} is not reachable: {problem.splitlines()[0]}")
    return found


@pytest.fixture
def scenario(cluster: Cluster, request: pytest.FixtureRequest) -> Iterator[Scenario]:
    """A fresh namespace for one test; deleted afterwards (kept with INGRESSDOC_KEEP_NS=1)."""
    name = new_namespace_name(request.node.name)
    cluster.kubectl("create", "namespace", name)
    cluster.kubectl("label", "namespace", name, "ingressdoc.test/scenario=true")
    created = Scenario(cluster=cluster, namespace=name)
    try:
        yield created
    finally:
        if os.environ.get("INGRESSDOC_KEEP_NS") != "1":
            created.delete()
