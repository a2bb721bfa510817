"""The cluster itself: node, DNS, ingress entry point and network isolation.

These tests check the environment the scenario tests rely on, so that a broken cluster is
reported as such rather than as a wrong ingressdoc finding.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest
from cluster_harness import HARNESS_INGRESS, Cluster, Scenario

ECHO = """
apiVersion: v1
kind: Pod
metadata:
  name: probe
  labels: {app: probe}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: agnhost
      image: agnhost
      args: ["netexec", "--http-port=8080"]
      ports: [{name: http, containerPort: 8080}]
      readinessProbe:
        httpGet: {path: /healthz, port: http}
        periodSeconds: 1
"""


def test_nodes_ready(cluster: Cluster) -> None:
    nodes = cluster.get_json("nodes")["items"]
    assert nodes, "the cluster has no nodes"
    for node in nodes:
        ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}.get("Ready")
        assert ready == "True", f"node {node['metadata']['name']} is not Ready"


def test_cluster_dns_resolves_services(scenario: Scenario) -> None:
    """From a pod, a Service name resolves through cluster DNS and kube-proxy forwards it."""
    scenario.apply(ECHO)
    scenario.settle()
    for name in ("kubernetes.default:443", "kubernetes.default.svc.cluster.local:443"):
        proc = scenario.cluster.kubectl(
            "exec", "-n", scenario.namespace, "probe", "--",
            "/agnhost", "connect", name, "--timeout=5s",
            check=False,
        )  # fmt: skip
        assert proc.returncode == 0, f"{name}: {proc.stdout}{proc.stderr}"


def test_pod_cannot_reach_outside(scenario: Scenario) -> None:
    """No packet leaves the machine: an outside address is unreachable, at once."""
    if not scenario.cluster.is_harness:
        pytest.skip("isolation is a property of the built-in cluster only")
    scenario.apply(ECHO)
    scenario.settle()
    for target in ("192.0.2.1:80", "1.1.1.1:443"):
        start = time.monotonic()
        proc = scenario.cluster.kubectl(
            "exec", "-n", scenario.namespace, "probe", "--",
            "/agnhost", "connect", target, "--timeout=5s",
            check=False,
        )  # fmt: skip
        elapsed = time.monotonic() - start
        output = (proc.stdout + proc.stderr).lower()
        assert proc.returncode != 0, f"{target} answered from inside the cluster: {output}"
        assert "unreachable" in output, f"{target}: expected 'unreachable', got {output!r}"
        assert elapsed < 4, f"{target}: took {elapsed:.1f}s (a timeout, not a fast refusal)"


def _lb_address(cluster: Cluster) -> str:
    svc = cluster.get_json("service", "traefik-lb", "-n", "traefik")
    ingress = svc["status"].get("loadBalancer", {}).get("ingress") or []
    assert ingress, "MetalLB assigned no address to traefik/traefik-lb"
    return str(ingress[0]["ip"])


@pytest.mark.parametrize("entry", ["nodeport", "loadbalancer"])
def test_ingress_entry_point_answers(cluster: Cluster, entry: str) -> None:
    """host -> entry point -> Traefik: an unknown host gets Traefik's own 404."""
    if not cluster.is_harness:
        pytest.skip("the entry points are specific to the built-in cluster")
    if entry == "nodeport":
        url = f"http://{HARNESS_INGRESS['address']}:{HARNESS_INGRESS['http']}/"
    else:
        url = f"http://{_lb_address(cluster)}/"
    request = urllib.request.Request(url, headers={"Host": "nobody.ingressdoc.test"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=5)
    assert err.value.code == 404
