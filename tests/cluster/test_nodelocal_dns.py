"""NodeLocal DNSCache on a live cluster: which resolver a client really asks, and a cache
whose Corefile drops the cluster domain, found from the objects and confirmed by a lookup.

The built-in cluster runs the cache on every node at 169.254.20.10 (cluster/up.sh,
NODELOCAL_DNS=1); the kubelets keep clusterDNS at kube-dns, so only pods whose dnsConfig names
the cache use it, and a test may break the cache's Corefile without touching anyone else. With
NODELOCAL_DNS=kubelet every pod asks the cache; the tests hold there too (the ClusterFirst
client then fails with the cache). Clusters without a `k8s-app=node-local-dns` DaemonSet skip
these tests.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from cluster_harness import (
    Cluster,
    Scenario,
    http_service,
    netexec_deployment,
    pause_deployment,
    rewrite_images,
)

CACHE_NS, CACHE = "kube-system", "node-local-dns"
ZONE = "topology.kubernetes.io/zone"


@pytest.fixture
def cache(cluster: Cluster) -> dict[str, Any]:
    """The cache's DaemonSet and its address (the first `bind` of its Corefile)."""
    found = cluster.kubectl("get", "daemonset", "-n", CACHE_NS, CACHE, "-o", "json", check=False)
    if found.returncode != 0:
        pytest.skip("no NodeLocal DNSCache DaemonSet kube-system/node-local-dns")
    corefile = cluster.get_json("configmap", "-n", CACHE_NS, CACHE)["data"]["Corefile"]
    address = next(line.split()[1] for line in corefile.splitlines()
                   if line.strip().startswith("bind "))
    return {"daemonset": json.loads(found.stdout), "address": address, "corefile": corefile}


def cached_client(name: str, namespace: str, address: str, zone: str | None) -> dict[str, Any]:
    """A client whose only nameserver is the cache (as the kubelet writes it when its
    clusterDNS is the cache), optionally pinned to a zone."""
    doc: dict[str, Any] = yaml.safe_load(pause_deployment(name))
    pod = doc["spec"]["template"]["spec"]
    pod["dnsPolicy"] = "None"
    pod["dnsConfig"] = {"nameservers": [address],
                        "searches": [f"{namespace}.svc.cluster.local", "svc.cluster.local",
                                     "cluster.local"],
                        "options": [{"name": "ndots", "value": "5"}]}
    if zone:  # on any node of the zone, tainted (NODE_TAINTS_<I>) or not
        pod["nodeSelector"] = {ZONE: zone}
        pod["tolerations"] = [{"operator": "Exists"}]
    return doc


def _apply_clients(scenario: Scenario, docs: list[dict[str, Any]]) -> None:
    rewrite_images(docs, scenario.cluster.image)
    scenario.cluster.kubectl("apply", "-n", scenario.namespace, "-f", "-",
                             input=yaml.safe_dump_all(docs))
    for doc in docs:
        scenario.cluster.kubectl("rollout", "status", f"deployment/{doc['metadata']['name']}",
                                 "-n", scenario.namespace, "--timeout=120s", timeout=150)


def _connect(scenario: Scenario, client: str, target: str) -> subprocess.CompletedProcess[str]:
    return scenario.cluster.kubectl("exec", "-n", scenario.namespace, f"deployment/{client}",
                                    "--", "/agnhost", "connect", target, "--timeout=3s",
                                    check=False, timeout=30)


def _dns_hop(doc: dict[str, Any]) -> dict[str, Any]:
    return next(h for h in doc["hops"] if h["hop"] == "dns")


def _zones(cluster: Cluster) -> list[str | None]:
    zones = sorted({n["metadata"].get("labels", {}).get(ZONE, "")
                    for n in cluster.get_json("nodes")["items"]} - {""})
    return list(zones) or [None]


def test_clients_on_every_node_resolve_through_their_cache(scenario: Scenario,
                                                           cache: dict[str, Any]) -> None:
    zones = _zones(scenario.cluster)
    clients = [cached_client(f"client-{z or 'any'}", scenario.namespace, cache["address"], z)
               for z in zones]
    scenario.apply(netexec_deployment("api") + "---\n" + http_service("api"))
    _apply_clients(scenario, clients)
    scenario.settle()
    for client in clients:
        name = client["metadata"]["name"]
        proc = _connect(scenario, name, "api:80")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        doc = scenario.cluster.reach(f"{scenario.namespace}/deployment/{name}", "api",
                     probe=True)
        assert (doc["verdict"], doc["live"]) == ("reachable", "reachable"), json.dumps(doc, indent=1)
        assert (f"resolver: NodeLocal DNSCache (DaemonSet {CACHE_NS}/{CACHE}, "
                in _dns_hop(doc)["note"]), json.dumps(doc, indent=1)
        assert f"at {cache['address']} on the client's node" in _dns_hop(doc)["note"]


def _restart_cache(cluster: Cluster) -> None:
    cluster.kubectl("delete", "pods", "-n", CACHE_NS, "-l", f"k8s-app={CACHE}", "--wait=true",
                    timeout=90)
    cluster.kubectl("rollout", "status", "daemonset", "-n", CACHE_NS, CACHE, "--timeout=90s",
                    timeout=120)


@pytest.fixture
def broken_cache(cluster: Cluster, cache: dict[str, Any]) -> Iterator[str]:
    """The cache with a Corefile whose cluster.local block forwards nowhere; restored after."""
    lines = cache["corefile"].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("cluster.local:53"))
    fwd = next(i for i in range(start, len(lines)) if lines[i].strip().startswith("forward "))
    end = fwd + 1
    if lines[fwd].rstrip().endswith("{"):
        end = next(i for i in range(fwd, len(lines)) if lines[i].strip() == "}") + 1
    broken = "\n".join(lines[:fwd] + lines[end:]) + "\n"

    def put(corefile: str) -> None:
        patch = json.dumps({"data": {"Corefile": corefile}})
        cluster.kubectl("patch", "configmap", "-n", CACHE_NS, CACHE, "--type=merge", "-p", patch)
        _restart_cache(cluster)

    put(broken)
    try:
        yield broken
    finally:
        put(cache["corefile"])


def test_a_cache_that_drops_the_cluster_domain_is_found_and_confirmed(
        scenario: Scenario, cache: dict[str, Any], broken_cache: str) -> None:
    scenario.apply(netexec_deployment("api") + "---\n" + http_service("api"))
    cached = cached_client("cached", scenario.namespace, cache["address"], None)
    plain: dict[str, Any] = yaml.safe_load(pause_deployment("plain"))
    _apply_clients(scenario, [cached, plain])
    scenario.settle()
    doc = scenario.cluster.reach(f"{scenario.namespace}/deployment/cached", "api", probe=True)
    described = json.dumps(doc, indent=1)
    assert (doc["verdict"], doc["live"]) == ("blocked", "blocked"), described
    assert doc["rootCause"]["hop"] == "dns", described
    (found,) = _dns_hop(doc)["findings"]
    assert (found["code"], found["object"]["name"]) == ("IDC760", CACHE), described
    # Confirmed live: the client that asks the cache cannot resolve the name at all...
    proc = _connect(scenario, "cached", "api:80")
    assert proc.returncode != 0 and "lookup" in (proc.stdout + proc.stderr), (
        proc.stdout + proc.stderr)
    # ...while a ClusterFirst client fails only where the kubelet's clusterDNS is the cache;
    # its reach warns either way, since the API does not show the kubelet's clusterDNS.
    servers = scenario.cluster.kubectl("exec", "-n", scenario.namespace, "deployment/plain",
                                       "--", "/agnhost", "dns-server-list").stdout
    via_cache = cache["address"] in servers
    assert (_connect(scenario, "plain", "api:80").returncode != 0) is via_cache, servers
    other = scenario.cluster.reach(f"{scenario.namespace}/deployment/plain", "api")
    assert other["verdict"] == "reachable", json.dumps(other, indent=1)
    assert {f["code"] for f in _dns_hop(other)["findings"]} == {"IDC761"}
