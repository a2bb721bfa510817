"""Gateway API on the built-in cluster: Traefik's Gateway provider (GatewayClass `traefik`,
listeners on its entryPoint port 8000) with the v1.4.0 standard CRDs that `make cluster-up`
installs. The computed answer is checked against the status Traefik writes and against the
backend that really answers (agnhost netexec's /hostname names the pod)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from cluster_harness import (
    HARNESS_INGRESS,
    Cluster,
    Scenario,
    http_service,
    netexec_deployment,
)

GATEWAY = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: traefik
  listeners:
    - name: web
      port: 8000
      protocol: HTTP
      hostname: "{host}"
      allowedRoutes:
        namespaces: {{from: {allowed}}}
"""

ROUTE = """
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: {name}
spec:
  parentRefs:
    - {{name: gw, namespace: {gateway_ns}}}
  hostnames: ["{host}"]
  rules:
    - matches: [{{path: {{type: PathPrefix, value: "{path}"}}}}]
      backendRefs: [{{name: {backend}, namespace: {backend_ns}, port: 80}}]
"""


@pytest.fixture
def gateway_api(cluster: Cluster) -> Cluster:
    found = cluster.kubectl("get", "crd", "httproutes.gateway.networking.k8s.io", check=False)
    if found.returncode != 0 or not cluster.is_harness:
        pytest.skip("the built-in cluster with the Gateway API CRDs is needed")
    return cluster


def _route(s: Scenario, name: str, path: str = "/", backend: str = "web",
           backend_ns: str | None = None, namespace: str | None = None) -> None:
    text = ROUTE.format(name=name, gateway_ns=s.namespace, host=s.host, path=path,
                        backend=backend, backend_ns=backend_ns or namespace or s.namespace)
    if namespace is None:
        s.apply(text)
    else:
        s.cluster.kubectl("apply", "-n", namespace, "-f", "-", input=text)


def _parent_condition(s: Scenario, name: str, namespace: str, ctype: str,
                      timeout: float = 60) -> dict[str, Any]:
    """The route's condition for our Gateway, once Traefik has written it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        route = s.cluster.get_json("httproute", name, "-n", namespace)
        for parent in route.get("status", {}).get("parents", []):
            for cond in parent.get("conditions", []):
                if cond.get("type") == ctype:
                    return dict(cond)
        time.sleep(0.5)
    raise TimeoutError(f"HTTPRoute {namespace}/{name} got no {ctype} condition")


def _answer(host: str, path: str, timeout: float = 60) -> tuple[int, str]:
    """Status and body of the entry point's answer, once it is not 404 (no route yet)."""
    url = f"http://{HARNESS_INGRESS['address']}:{HARNESS_INGRESS['http']}{path}"
    deadline, last = time.monotonic() + timeout, (0, "")
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers={"Host": host}),
                                        timeout=3) as response:
                return int(response.status), response.read().decode()
        except urllib.error.HTTPError as err:
            last = (err.code, "")
            if err.code != 404:
                return last
        except OSError:
            last = (0, "")
        time.sleep(0.5)
    return last


def _app(name: str) -> str:
    """The netexec backend `name` and its Service."""
    return netexec_deployment(name) + "---\n" + http_service(name)


def _codes(report: dict[str, Any]) -> set[str]:
    return {f["code"] for h in report["hops"] for f in h["findings"]}


def _hop(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(h for h in report["hops"] if h["hop"] == name)


def test_healthy_route_is_ok_with_probes_and_precedence_picks_the_answering_backend(
        gateway_api: Cluster, scenario: Scenario) -> None:
    scenario.apply(_app("web"))
    scenario.apply(_app("api"))
    scenario.apply(GATEWAY.format(host=scenario.host, allowed="Same"))
    _route(scenario, "web")
    _route(scenario, "api", path="/hostname", backend="api")
    scenario.settle()
    assert _parent_condition(scenario, "api", scenario.namespace, "Accepted")["status"] == "True"
    status, body = _answer(scenario.host, "/hostname")
    assert status == 200 and body.startswith("api-"), body
    result = gateway_api.trace(f"{scenario.host}/hostname", "--probe", "--no-dns")
    report = result.report
    assert report is not None, result.stderr
    assert report["verdict"] == "ok", result.stdout
    assert "HTTPRoute" in _hop(report, "route")["summary"] and "api" in _hop(
        report, "route")["summary"]
    assert _hop(report, "backends")["summary"].startswith(f"Service {scenario.namespace}/api")
    assert _hop(report, "gateway")["status"] == "ok"


def test_route_the_listener_does_not_admit_matches_its_status(
        gateway_api: Cluster, scenario: Scenario) -> None:
    other = scenario.other_namespace()
    scenario.apply(GATEWAY.format(host=scenario.host, allowed="Same"))
    gateway_api.kubectl("apply", "-n", other, "-f", "-", input=_app("web").replace(
        "image: agnhost", f"image: {gateway_api.image}\n          imagePullPolicy: Never"))
    _route(scenario, "web", namespace=other)
    cond = _parent_condition(scenario, "web", other, "Accepted")
    assert (cond["status"], cond["reason"]) == ("False", "NotAllowedByListeners")
    result = gateway_api.trace(f"{scenario.host}/", "--no-dns")
    report = result.report
    assert report is not None, result.stderr
    codes = _codes(report)
    assert "IDC810" in codes and "IDC813" not in codes, result.stdout
    assert "NotAllowedByListeners" in result.stdout


def test_cross_namespace_backend_needs_a_reference_grant(
        gateway_api: Cluster, scenario: Scenario) -> None:
    other = scenario.other_namespace()
    gateway_api.kubectl("apply", "-n", other, "-f", "-", input=_app("web").replace(
        "image: agnhost", f"image: {gateway_api.image}\n          imagePullPolicy: Never"))
    scenario.apply(GATEWAY.format(host=scenario.host, allowed="Same"))
    _route(scenario, "web", backend_ns=other)
    cond = _parent_condition(scenario, "web", scenario.namespace, "ResolvedRefs")
    assert (cond["status"], cond["reason"]) == ("False", "RefNotPermitted")
    assert _answer(scenario.host, "/")[0] == 500
    result = gateway_api.trace(f"{scenario.host}/", "--no-dns")
    assert result.report is not None and "IDC820" in _codes(result.report), result.stdout
    grant = f"""
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {{name: from-routes}}
spec:
  from: [{{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: {scenario.namespace}}}]
  to: [{{group: "", kind: Service}}]
"""
    gateway_api.kubectl("apply", "-n", other, "-f", "-", input=grant)
    deadline = time.monotonic() + 60
    while _answer(scenario.host, "/")[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _answer(scenario.host, "/")[0] == 200
    result = gateway_api.trace(f"{scenario.host}/", "--no-dns")
    assert result.report is not None and "IDC820" not in _codes(result.report), result.stdout
