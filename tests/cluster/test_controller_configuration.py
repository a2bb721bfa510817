"""The controller's own configuration, predicted from its objects and confirmed live.

The built-in cluster's Traefik (v3.6.24, cluster/addons/traefik.yaml) runs the Ingress and
ingress-nginx providers without the CRD provider. Scenarios that need another configuration
start a private Traefik in the scenario's namespace, answering only to the legacy class
annotation of its own class name, so the shared Traefik never serves those Ingresses. The
backend is agnhost netexec: `/hostname` answers with the pod's name, any unknown path with
"NOW: <time>", so the body shows which backend answered and which path it received.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from cluster_harness import (
    HARNESS_INGRESS,
    Scenario,
    TraceResult,
    http_service,
    netexec_deployment,
)

TRAEFIK_IMAGE = "localhost/ingressdoc/traefik:ci"
MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares"
# The kinds Traefik v3.6's CRD provider watches (pkg/provider/kubernetes/crd/client.go);
# every one must be served or the provider never syncs. Schemas are left open.
CRD_KINDS = ("IngressRoute", "IngressRouteTCP", "IngressRouteUDP", "Middleware",
             "MiddlewareTCP", "ServersTransport", "ServersTransportTCP", "TLSOption",
             "TLSStore", "TraefikService")


@pytest.fixture(autouse=True)
def _harness_only(scenario: Scenario) -> None:
    if not scenario.cluster.is_harness:
        pytest.skip("these scenarios run against the built-in cluster's Traefik")


def get(host: str, path: str, port: int = HARNESS_INGRESS["http"]) -> tuple[int, str]:
    url = f"http://{HARNESS_INGRESS['address']}:{port}{path}"
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status), response.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


def wait_for(host: str, path: str, want: int, port: int = HARNESS_INGRESS["http"],
             timeout: float = 60) -> tuple[int, str]:
    """Until the controller answers `want` (its configuration reloads asynchronously)."""
    deadline = time.monotonic() + timeout
    answer = (0, "")
    while time.monotonic() < deadline:
        try:
            answer = get(host, path, port)
        except OSError as exc:
            answer = (0, str(exc))
        if answer[0] == want:
            return answer
        time.sleep(0.5)
    return answer


def ingress(name: str, host: str, backend: str, path: str = "/", cls: str | None = None,
            annotations: dict[str, str] | None = None) -> str:
    meta: dict[str, object] = {"name": name, "annotations": annotations or {}}
    spec: dict[str, object] = {"rules": [{"host": host, "http": {"paths": [{
        "path": path, "pathType": "Prefix",
        "backend": {"service": {"name": backend, "port": {"name": "http"}}}}]}}]}
    if cls:
        spec["ingressClassName"] = cls
    return yaml.safe_dump({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                           "metadata": meta, "spec": spec})


def backends(scenario: Scenario, *names: str) -> None:
    scenario.apply("---".join(netexec_deployment(n) + "---" + http_service(n) for n in names))


def trace(scenario: Scenario, target: str, *extra: str) -> TraceResult:
    result = scenario.cluster.trace(target, *extra)
    assert result.report is not None, result.describe()
    return result


def hop(result: TraceResult, name: str) -> dict[str, Any]:
    return next(h for h in result.hops() if h["hop"] == name)


def objects_of(result: TraceResult, code: str) -> list[str]:
    return [f"{f['object']['kind']} {f['object']['namespace']}/{f['object']['name']}"
            for f in result.findings(code)]


# ---------------------------------------------------------------- the shared Traefik


def test_unresolved_middleware_drops_the_route(scenario: Scenario) -> None:
    """A Middleware of a provider Traefik does not run: the router is dropped, the wildcard
    route answers; ingressdoc predicts the same route and the probe agrees."""
    host = f"app.{scenario.host}"
    backends(scenario, "web", "fallback")
    scenario.apply(ingress("web", host, "web", cls="traefik", annotations={
        MIDDLEWARES: f"{scenario.namespace}-strip@kubernetescrd"}))
    scenario.apply(ingress("fallback", f"*.{scenario.host}", "fallback", cls="traefik"))
    scenario.settle()
    status, body = wait_for(host, "/hostname", 200)
    assert status == 200 and body.startswith("fallback-"), (status, body)

    result = trace(scenario, f"{host}/hostname", "--probe")
    assert objects_of(result, "IDC297") == [f"Ingress {scenario.namespace}/web"], (
        result.describe())
    assert "kubernetescrd provider is not enabled" in result.findings("IDC297")[0]["message"]
    assert f"{scenario.namespace}/fallback" in str(hop(result, "rule")["summary"])
    assert "IDC720" not in result.codes(), result.describe()


def test_annotation_the_nginx_provider_ignores(scenario: Scenario) -> None:
    """rewrite-target on class nginx: Traefik v3.6's ingress-nginx provider ignores it, so
    /app reaches netexec unchanged (its catch-all "NOW:" answer, not /hostname's)."""
    backends(scenario, "web")
    scenario.apply(ingress("web", scenario.host, "web", path="/app", cls="nginx", annotations={
        "nginx.ingress.kubernetes.io/rewrite-target": "/hostname"}))
    scenario.settle()
    status, body = wait_for(scenario.host, "/app", 200)
    assert status == 200 and body.startswith("NOW:"), (status, body)

    result = trace(scenario, f"{scenario.host}/app")
    assert objects_of(result, "IDC296") == [f"Ingress {scenario.namespace}/web"], (
        result.describe())
    assert "rewrite-target" in result.findings("IDC296")[0]["message"]
    assert not result.findings("IDC392"), result.describe()  # the path reaches it unchanged


# ---------------------------------------------------------------- a private Traefik


@pytest.fixture
def traefik_crds(scenario: Scenario) -> Iterator[None]:
    """Traefik's CRDs, created for the test when the cluster lacks them (and then removed)."""
    missing = [k for k in CRD_KINDS if scenario.cluster.kubectl(
        "get", "crd", f"{k.lower()}s.traefik.io", check=False).returncode != 0]
    docs = [{
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{k.lower()}s.traefik.io"},
        "spec": {"group": "traefik.io", "scope": "Namespaced",
                 "names": {"kind": k, "plural": f"{k.lower()}s", "singular": k.lower(),
                           "listKind": f"{k}List"},
                 "versions": [{"name": "v1alpha1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {
                                   "type": "object",
                                   "x-kubernetes-preserve-unknown-fields": True}}}]}}
        for k in missing]
    if docs:
        scenario.apply_cluster_scoped(yaml.safe_dump_all(docs))
        for doc in docs:
            scenario.cluster.kubectl("wait", "--for=condition=Established", "--timeout=30s",
                                     f"crd/{doc['metadata']['name']}")
    yield


def private_traefik(scenario: Scenario, *args: str) -> int:
    """A Traefik answering to class name <namespace> only; returns its NodePort."""
    ns = scenario.namespace
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": ns},
        "rules": [
            {"apiGroups": [""], "resources": ["services", "secrets", "nodes", "namespaces",
                                              "configmaps"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"],
             "verbs": ["list", "watch"]},
            {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses", "ingressclasses"],
             "verbs": ["get", "list", "watch"]},
            {"apiGroups": ["traefik.io"], "resources": ["*"], "verbs": ["get", "list", "watch"]},
        ]}
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": ns},
        "subjects": [{"kind": "ServiceAccount", "name": "traefik", "namespace": ns}]}
    scenario.apply_cluster_scoped(yaml.safe_dump_all([role, binding]))
    label = {"app.kubernetes.io/name": "traefik", "ingressdoc.test/traefik": ns}
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "traefik", "namespace": ns, "labels": label},
        "spec": {"replicas": 1, "selector": {"matchLabels": label}, "template": {
            "metadata": {"labels": label},
            "spec": {"serviceAccountName": "traefik", "containers": [{
                "name": "traefik", "image": TRAEFIK_IMAGE, "imagePullPolicy": "Never",
                "args": ["--entrypoints.web.address=:8000", "--entrypoints.traefik.address=:9000",
                         "--ping=true", "--ping.entrypoint=traefik",
                         "--providers.kubernetesingress=true",
                         f"--providers.kubernetesingress.ingressclass={ns}", *args],
                "ports": [{"name": "web", "containerPort": 8000}],
                "readinessProbe": {"httpGet": {"path": "/ping", "port": 9000},
                                   "periodSeconds": 1}}]}}}}
    service = {"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "traefik", "namespace": ns},
               "spec": {"type": "NodePort", "selector": label,
                        "ports": [{"name": "web", "port": 80, "targetPort": "web"}]}}
    account = {"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": {"name": "traefik", "namespace": ns}}
    # Applied directly: the harness would point the container at agnhost.
    scenario.cluster.kubectl("apply", "-f", "-",
                             input=yaml.safe_dump_all([account, deployment, service]))
    scenario.docs.append(deployment)
    scenario.cluster.kubectl("rollout", "status", "-n", ns, "deployment/traefik",
                             "--timeout=90s")
    svc = scenario.cluster.get_json("service", "traefik", "-n", ns)
    return int(svc["spec"]["ports"][0]["nodePort"])


def test_namespace_the_controller_does_not_watch(scenario: Scenario) -> None:
    """The private Traefik watches another namespace only: it answers 404, and ingressdoc
    names the namespace setting."""
    other = scenario.other_namespace()
    port = private_traefik(scenario, f"--providers.kubernetesingress.namespaces={other}")
    backends(scenario, "web")
    scenario.apply(ingress("web", scenario.host, "web", annotations={
        "kubernetes.io/ingress.class": scenario.namespace}))
    scenario.settle()
    status, _ = wait_for(scenario.host, "/hostname", 404, port=port)
    assert status == 404

    result = trace(scenario, f"{scenario.host}/hostname")
    assert objects_of(result, "IDC290") == [f"Ingress {scenario.namespace}/web"], (
        result.describe())
    assert other in result.findings("IDC290")[0]["message"]
    settings = hop(result, "controller").get("settings") or []
    assert {"setting": "providers.kubernetesingress.namespaces", "value": other,
            "from": f"args of Pod {settings[0]['from'].split(' Pod ')[1]}"} in settings, settings


def test_strip_prefix_reaches_the_backend_as_predicted(
        scenario: Scenario, traefik_crds: None) -> None:
    """StripPrefix /app through a CRD Middleware: ingressdoc predicts /app/hostname reaches
    the backend as /hostname, and netexec's /hostname answer confirms it."""
    ns = scenario.namespace
    port = private_traefik(scenario, "--providers.kubernetescrd=true",
                           f"--providers.kubernetescrd.namespaces={ns}",
                           f"--providers.kubernetesingress.namespaces={ns}")
    backends(scenario, "web")
    scenario.cluster.kubectl("apply", "-n", ns, "-f", "-", input=yaml.safe_dump({
        "apiVersion": "traefik.io/v1alpha1", "kind": "Middleware",
        "metadata": {"name": "strip"}, "spec": {"stripPrefix": {"prefixes": ["/app"]}}}))
    scenario.apply(ingress("web", scenario.host, "web", path="/app", annotations={
        "kubernetes.io/ingress.class": ns, MIDDLEWARES: f"{ns}-strip@kubernetescrd"}))
    scenario.settle()
    status, body = wait_for(scenario.host, "/app/hostname", 200, port=port)
    assert status == 200 and body.startswith("web-"), (status, body)

    result = trace(scenario, f"{scenario.host}/app/hostname")
    assert not result.findings("IDC297"), result.describe()
    rewritten = result.findings("IDC392")
    assert rewritten and "path /hostname" in rewritten[0]["message"], result.describe()
