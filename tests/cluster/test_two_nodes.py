"""Where a pod runs: the cases that need two nodes (zones a and b on the built-in cluster).

externalTrafficPolicy Local, required anti-affinity, a zone-pinned local volume and
NetworkPolicy between pods on different nodes. Each case builds the situation from the nodes'
`topology.kubernetes.io/zone` labels, checks what the trace says, and confirms it with real
traffic or the scheduler's own verdict. On a cluster with fewer than two zones they skip.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from cluster_harness import (
    Cluster,
    Scenario,
    http_ingress,
    http_service,
    netexec_deployment,
    pause_deployment,
    rewrite_images,
    wait_until,
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


# Zone cases tolerate every taint, so that a cluster started with NODE_TAINTS_<I> runs them too.
TOLERATE_ALL = "      tolerations: [{operator: Exists}]\n"


def pinned(manifest: str, zone: str, tolerate: bool = True) -> str:
    """A Deployment manifest whose pods may run in ZONE only (and there on any node, tainted
    or not, unless `tolerate` is false)."""
    return manifest.replace("    spec:\n", f"    spec:\n      nodeSelector: {{{ZONE}: {zone}}}\n"
                            + (TOLERATE_ALL if tolerate else ""), 1)


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


ANTI_AFFINITY = netexec_deployment("spread", replicas=3, pod=TOLERATE_ALL + """\
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
        return list(wait_until(f"a pod Pending with '{text}'", check))
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

    running = wait_until("one ready replica per zone", ready)
    assert len(pending) == 1 and {p["spec"]["nodeName"] for p in running} == {
        n["metadata"]["name"] for n in zones.values()}, (pending, running)
    trace = scenario.cluster.trace(f"{scenario.host}/")
    assert trace.verdict not in (None, "ok"), trace.describe()
    pods_hop = hop(trace.report or {}, "pods")
    idc606 = [f for f in pods_hop["findings"] if f["code"] == "IDC606"]
    assert [f["object"]["name"] for f in idc606] == [
        pending[0]["metadata"]["name"]], trace.describe()
    assert "anti-affinity" in idc606[0]["message"], trace.describe()


def _local_volume(pv: str, namespace: str, zone: str) -> str:
    return f"""
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {pv}}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  claimRef: {{namespace: {namespace}, name: data}}
  local: {{path: /tmp}}
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions: [{{key: {ZONE}, operator: In, values: [{zone}]}}]
"""


CLAIM = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  volumeName: VOLUME
  resources: {requests: {storage: 1Gi}}
"""


def test_volume_pinned_to_another_zone_leaves_the_pod_pending(
        scenario: Scenario, zones: dict[str, Any]) -> None:
    """A local PV in zone a, a pod allowed only in zone b: Pending, and the trace names it."""
    zone_a, zone_b = sorted(zones)[:2]
    pv = f"{scenario.namespace}-data"
    scenario.apply_cluster_scoped(_local_volume(pv, scenario.namespace, zone_a))
    web = pinned(netexec_deployment("web"), zone_b).replace(
        "      containers:\n",
        "      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]\n"
        "      containers:\n", 1)
    scenario.apply(CLAIM.replace("VOLUME", pv) + "---\n" + web + "---\n" + http_service("web")
                   + "---\n" + http_ingress("web", scenario.host, "web"))
    # The scheduler's VolumeBinding filter: "node(s) didn't match PersistentVolume's node affinity".
    _pending_with(scenario, "PersistentVolume's node affinity")
    wait_until("the claim to bind", lambda: scenario.cluster.get_json(
        "pvc", "-n", scenario.namespace, "data").get("status", {}).get("phase") == "Bound", 60)
    trace = scenario.cluster.trace(f"{scenario.host}/")
    assert trace.verdict not in (None, "ok"), trace.describe()
    found = hop(trace.report or {}, "pods")["findings"]
    assert [(f["code"], f["object"]["kind"], f["object"]["name"]) for f in found] == [
        ("IDC636", "PersistentVolumeClaim", "data")], trace.describe()
    assert f"PersistentVolume {pv} is pinned" in found[0]["message"], trace.describe()


def _connect(cluster: Cluster, namespace: str, deployment: str, target: str) -> bool:
    proc = cluster.kubectl("exec", "-n", namespace, f"deployment/{deployment}", "--",
                           "/agnhost", "connect", target, "--timeout=3s", check=False, timeout=30)
    return proc.returncode == 0


ALLOW_CLIENT = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: CLIENT_NS}}
          podSelector: {matchLabels: {app: client}}
      ports: [{port: 8080}]
"""


@pytest.mark.parametrize("server_zone", [0, 1], ids=["server-in-a", "server-in-b"])
def test_cross_node_reach_with_policy_enforced(scenario: Scenario, zones: dict[str, Any],
                                               server_zone: int) -> None:
    """Server in one zone, clients in the other: the policy's allowed client connects, the
    other is dropped by the server's node, and `reach` says the same for both."""
    server_z, client_z = sorted(zones)[server_zone], sorted(zones)[1 - server_zone]
    client_ns = scenario.other_namespace()
    scenario.apply(pinned(netexec_deployment("api"), server_z) + "---\n" + http_service("api")
                   + "---\n" + ALLOW_CLIENT.replace("CLIENT_NS", client_ns))
    clients = rewrite_images([yaml.safe_load(pinned(pause_deployment(n), client_z))
                              for n in ("client", "other")], scenario.cluster.image)
    scenario.cluster.kubectl("apply", "-n", client_ns, "-f", "-",
                             input=yaml.safe_dump_all(clients))
    scenario.settle()
    for name in ("client", "other"):
        scenario.cluster.kubectl("rollout", "status", f"deployment/{name}", "-n", client_ns,
                                 "--timeout=120s", timeout=150)
    server_node = scenario.pods()[0]["spec"]["nodeName"]
    client_nodes = {p["spec"]["nodeName"] for p in scenario.cluster.get_json(
        "pods", "-n", client_ns)["items"]}
    assert server_node not in client_nodes
    target = f"api.{scenario.namespace}:80"
    assert wait_until("the allowed client to connect",
                    lambda: _connect(scenario.cluster, client_ns, "client", target), 30)
    assert not _connect(scenario.cluster, client_ns, "other", target)
    allowed = scenario.cluster.reach(f"{client_ns}/deployment/client",
                     f"api.{scenario.namespace}", probe=True)
    denied = scenario.cluster.reach(f"{client_ns}/deployment/other",
                    f"api.{scenario.namespace}", probe=True)
    assert (allowed["verdict"], allowed["live"]) == ("reachable", "reachable"), (
        json.dumps(allowed, indent=1))
    assert (denied["verdict"], denied["live"]) == ("blocked", "blocked"), (
        json.dumps(denied, indent=1))
    assert "IDC724" in {f["code"] for h in denied["hops"] for f in h["findings"]}


def _tainted_zone(cluster: Cluster) -> tuple[str, list[str]] | None:
    """A zone all of whose nodes carry a NoSchedule/NoExecute taint, and those taints."""
    by_zone: dict[str, list[list[str]]] = {}
    for node in cluster.get_json("nodes")["items"]:
        zone = node["metadata"].get("labels", {}).get(ZONE)
        if zone:
            by_zone.setdefault(zone, []).append(
                [f"{t['key']}{'=' + t['value'] if t.get('value') else ''}:{t['effect']}"
                 for t in node["spec"].get("taints") or []
                 if t["effect"] in ("NoSchedule", "NoExecute")])
    return next(((z, sorted({t for n in nodes for t in n})) for z, nodes in sorted(by_zone.items())
                 if all(nodes)), None)


def test_untolerated_taint_leaves_the_pod_pending(scenario: Scenario,
                                                  zones: dict[str, Any]) -> None:
    """Pods allowed only in a zone whose nodes are tainted (the built-in cluster with
    NODE_TAINTS_<I>) stay Pending, and the trace names the taint (IDC633)."""
    tainted = _tainted_zone(scenario.cluster)
    if tainted is None:
        pytest.skip("no zone whose nodes all carry a NoSchedule/NoExecute taint "
                    "(start the built-in cluster with e.g. NODE_TAINTS_2=dedicated=b:NoSchedule)")
    zone, taints = tainted
    scenario.apply(pinned(netexec_deployment("web"), zone, tolerate=False) + "---\n"
                   + http_service("web") + "---\n" + http_ingress("web", scenario.host, "web"))
    _pending_with(scenario, "untolerated taint")
    trace = scenario.cluster.trace(f"{scenario.host}/")
    assert trace.verdict not in (None, "ok"), trace.describe()
    found = hop(trace.report or {}, "pods")["findings"]
    assert [f["code"] for f in found] == ["IDC633"], trace.describe()
    assert all(t in found[0]["message"] for t in taints), (taints, trace.describe())
