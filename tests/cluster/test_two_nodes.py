"""Where a pod runs: the cases that need two nodes (zones a and b on the built-in cluster).

externalTrafficPolicy Local and required anti-affinity. Each case builds the situation from the nodes'
`topology.kubernetes.io/zone` labels, checks what the trace says, and confirms it with real
traffic or the scheduler's own verdict. On a cluster with fewer than two zones they skip.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cluster_harness import (
    Cluster,
    Scenario,
    http_ingress,
    http_service,
    netexec_deployment,
)

ZONE = "topology.kubernetes.io/zone"
TRAEFIK_NS = "traefik"
TRAEFIK_SELECTOR = {"app.kubernetes.io/name": "traefik"}


@pytest.fixture
def zones(cluster: Cluster) -> dict[str, dict[str, Any]]:
    """zone -> its (first) node, for clusters with at least two zones."""
    found: dict[str, dict[str, Any]] = {}
    for node in cluster.get_json("nodes")["items"]:
        zone = node["metadata"].get("labels", {}).get(ZONE)
        if zone and zone not in found:
            found[zone] = node
    if len(found) < 2:
        pytest.skip(f"needs nodes in two zones ({ZONE}); this cluster has {sorted(found)}")
    return found


def node_ip(node: dict[str, Any]) -> str:
    return str(next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"))


def wait_for(what: str, check: Callable[[], Any], timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1)
    raise TimeoutError(f"timed out waiting for {what}")


def hop(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(h for h in report["hops"] if h["hop"] == name)


def _http_status(address: str, port: int, host: str) -> int | str:
    request = urllib.request.Request(f"http://{address}:{port}/", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code
    except OSError as err:
        return type(err).__name__


def test_nodes_in_zones_with_own_pod_ranges(cluster: Cluster,
                                            zones: dict[str, dict[str, Any]]) -> None:
    nodes = cluster.get_json("nodes")["items"]
    cidrs = [n["spec"].get("podCIDR") for n in nodes]
    assert all(cidrs) and len(set(cidrs)) == len(nodes), cidrs
    assert len({node_ip(n) for n in nodes}) == len(nodes)


@pytest.fixture
def etp_local_service(cluster: Cluster, scenario: Scenario) -> Iterator[dict[str, Any]]:
    """A NodePort Service with externalTrafficPolicy Local in front of the Traefik pods,
    beside the cluster's own (it lives in Traefik's namespace, where the entry hop looks)."""
    name = f"etp-{scenario.namespace[-6:]}"
    svc = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": name, "namespace": TRAEFIK_NS},
           "spec": {"type": "NodePort", "externalTrafficPolicy": "Local",
                    "selector": TRAEFIK_SELECTOR,
                    "ports": [{"name": "web", "port": 80, "targetPort": "web"}]}}
    cluster.kubectl("apply", "-f", "-", input=json.dumps(svc))
    try:
        yield cluster.get_json("service", "-n", TRAEFIK_NS, name)
    finally:
        cluster.kubectl("delete", "service", "-n", TRAEFIK_NS, name, "--ignore-not-found",
                        check=False)


def test_etp_local_split_predicted_and_probed(scenario: Scenario, zones: dict[str, Any],
                                             etp_local_service: dict[str, Any]) -> None:
    """The entry hop names the nodes without a ready controller pod (IDC112); a request to
    the Local NodePort fails on exactly those and is answered on the others."""
    scenario.apply(netexec_deployment("web") + "---\n" + http_service("web") + "---\n"
                   + http_ingress("web", scenario.host, "web"))
    scenario.settle(ingress_status=True)
    assert scenario.wait_routed(scenario.host) == 200
    trace = scenario.cluster.trace(f"{scenario.host}/")
    entry = hop(trace.report or {}, "entry")
    idc112 = [f for f in entry["findings"] if f["code"] == "IDC112"
              and f["object"]["name"] == etp_local_service["metadata"]["name"]]
    assert len(idc112) == 1, trace.describe()
    node_port = etp_local_service["spec"]["ports"][0]["nodePort"]
    answered: set[str] = set()
    failed: set[str] = set()
    for node in scenario.cluster.get_json("nodes")["items"]:
        status = _http_status(node_ip(node), node_port, scenario.host)
        (answered if status == 200 else failed).add(node["metadata"]["name"])
    assert answered and failed, (answered, failed)
    # "... N of M nodes run no ready controller pod (node, node)"
    predicted = set(idc112[0]["message"].rsplit("(", 1)[1].rstrip(")").split(", "))
    assert predicted == failed, (idc112[0]["message"], answered, failed)


ANTI_AFFINITY = netexec_deployment("spread", replicas=3, pod="""\
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: spread}}
              topologyKey: topology.kubernetes.io/zone
""")


def _pending_with(scenario: Scenario, text: str) -> list[dict[str, Any]]:
    def check() -> list[dict[str, Any]]:
        found = []
        for pod in scenario.pods():
            for cond in pod.get("status", {}).get("conditions", []):
                if (cond["type"], cond["status"]) == ("PodScheduled", "False") and \
                        text in cond.get("message", ""):
                    found.append(pod)
        return found
    try:
        return list(wait_for(f"a pod Pending with '{text}'", check))
    except TimeoutError as err:
        states = [(p["metadata"]["name"], p.get("status", {}).get("conditions"))
                  for p in scenario.pods()]
        raise TimeoutError(f"{err}: {states}") from None


def test_required_anti_affinity_leaves_a_replica_pending(scenario: Scenario,
                                                         zones: dict[str, Any]) -> None:
    """One pod per zone: the third replica cannot be placed and the trace says so."""
    scenario.apply(ANTI_AFFINITY + "---\n" + http_service("spread") + "---\n"
                   + http_ingress("spread", scenario.host, "spread"))
    pending = _pending_with(scenario, "anti-affinity")
    def ready() -> list[dict[str, Any]]:
        found = [p for p in scenario.pods() if any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in p.get("status", {}).get("conditions", []))]
        return found if len(found) == len(zones) else []

    running = wait_for("one ready replica per zone", ready)
    assert len(pending) == 1 and {p["spec"]["nodeName"] for p in running} == {
        n["metadata"]["name"] for n in zones.values()}, (pending, running)
    trace = scenario.cluster.trace(f"{scenario.host}/")
    assert trace.verdict not in (None, "ok"), trace.describe()
    pods_hop = hop(trace.report or {}, "pods")
    idc606 = [f for f in pods_hop["findings"] if f["code"] == "IDC606"]
    assert [f["object"]["name"] for f in idc606] == [
        pending[0]["metadata"]["name"]], trace.describe()
    assert "anti-affinity" in idc606[0]["message"], trace.describe()
