"""The cluster DNS's answer for the backend Service, asked on a live cluster.

The host lookup of every trace goes to a DNS server on loopback started here (answering the
scenario's host with the entry address), so no query for a test name reaches a public
resolver; ExternalName targets outside the cluster are used only on the built-in cluster,
whose CoreDNS forwards nothing and whose node has no route out.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cluster_harness import (
    HARNESS_INGRESS,
    Cluster,
    Scenario,
    TraceResult,
    http_ingress,
    http_service,
    netexec_deployment,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from dnsserver import Zone, dns_server, silent_server

from ingressdoc.probe import cluster_dns
from ingressdoc.request import parse_request
from ingressdoc.snapshot.live import LiveSource
from ingressdoc.trace.plan import reads_for

APP = netexec_deployment("web", replicas=2) + "---\n" + http_service("web") + """
---
apiVersion: v1
kind: Service
metadata: {name: web-headless}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: alias}
spec:
  type: ExternalName
  externalName: "web.{namespace}.svc.cluster.local"
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: dangling}
spec:
  type: ExternalName
  externalName: "gone.{namespace}.svc.cluster.local"
  ports: [{name: http, port: 80}]
"""
# Only where CoreDNS forwards nothing: elsewhere the controller or CoreDNS would ask an
# upstream resolver for the target.
OUTSIDE = """
apiVersion: v1
kind: Service
metadata: {name: outside}
spec:
  type: ExternalName
  externalName: api.payments.ingressdoc.test
  ports: [{name: http, port: 80}]
"""
BACKENDS = ("web", "web-headless", "alias", "dangling")


def ingress(scenario: Scenario, backend: str) -> str:
    return http_ingress(backend, scenario.host, backend, f"/{backend}")


@pytest.fixture
def shop(scenario: Scenario) -> Scenario:
    scenario.apply(APP.replace("{namespace}", scenario.namespace))
    scenario.apply("---".join(ingress(scenario, b) for b in BACKENDS))
    scenario.settle()
    return scenario


@pytest.fixture
def host_dns(shop: Scenario) -> Iterator[str]:
    """A loopback DNS server for the host lookup, answering the scenario's host with the
    built-in cluster's entry address: no test name reaches a real resolver."""
    with dns_server(Zone({shop.host: {"A": [HARNESS_INGRESS["address"]]}})) as port:
        yield f"127.0.0.1:{port}"


def kube_dns_ip(cluster: Cluster) -> str:
    return str(cluster.get_json("service", "kube-dns", "-n", "kube-system")["spec"]["clusterIP"])


def run(scenario: Scenario, backend: str, host_dns: str, *extra: str) -> TraceResult:
    result = scenario.cluster.trace(f"{scenario.host}/{backend}", "--dns-server", host_dns,
                                    "--timeout", "2", *extra)
    assert result.report is not None, result.describe()
    return result


def service_hop(result: TraceResult) -> dict[str, Any]:
    return next(h for h in result.hops() if h["hop"] == "service")


def name_evidence(result: TraceResult) -> dict[str, Any]:
    (found,) = [e for e in service_hop(result).get("evidence", []) if e["kind"] == "dns"]
    return found


def codes(result: TraceResult) -> set[str]:
    return {f["code"] for f in service_hop(result)["findings"]}


def test_answers_match_the_objects(shop: Scenario, host_dns: str) -> None:
    """ClusterIP, headless (the ready pod IPs) and an in-cluster alias, each as the objects
    say; --probe lets a port-forward stand in where the ClusterIP is not routable."""
    ns = shop.namespace
    pod_ips = sorted(p["status"]["podIP"] for p in shop.pods())
    for backend in ("web", "web-headless", "alias"):
        result = run(shop, backend, host_dns, "--probe")
        evidence = name_evidence(result)
        assert evidence["target"] == f"{backend}.{ns}.svc.cluster.local", result.describe()
        assert evidence["outcome"] == "ok", result.describe()
        assert ", as expected" in evidence["detail"], result.describe()
        assert not codes(result) & {"IDC713", "IDC725", "IDC404"}, result.describe()
    assert all(ip in name_evidence(run(shop, "web-headless", host_dns, "--probe"))["detail"]
               for ip in pod_ips)


def test_default_route_and_the_resolver_note(shop: Scenario, host_dns: str) -> None:
    """Without options the kube-dns ClusterIP is tried: the built-in cluster routes the
    service range to its node, elsewhere the hop says how to reach the cluster DNS."""
    result = run(shop, "web", host_dns)
    evidence = name_evidence(result)
    note = service_hop(result)["note"]
    assert "names under cluster.local (from ConfigMap kube-system/coredns)" in note
    caches = shop.cluster.get_json("daemonsets", "-n", "kube-system",
                                   "-l", "k8s-app in (node-local-dns,nodelocaldns)")["items"]
    if caches:  # the harness runs one unless NODELOCAL_DNS=0; pods opt in with dnsConfig
        assert "pods resolve through NodeLocal DNSCache" in note, note
        assert "otherwise through kube-dns" in note, note
    else:
        assert "(no NodeLocal DNSCache)" in note, note
    if shop.cluster.is_harness:
        assert evidence["outcome"] == "ok", result.describe()
        assert f"asked kube-dns ClusterIP {kube_dns_ip(shop.cluster)}" in evidence["detail"]
        assert evidence["replay"] == f"dig @{kube_dns_ip(shop.cluster)} web.{shop.namespace}" \
                                     ".svc.cluster.local"
    else:
        assert evidence["outcome"] == ("not checked: cluster DNS not reachable from here "
                                       "(give --cluster-dns or use --probe)"), result.describe()


def test_cluster_dns_option(shop: Scenario, host_dns: str) -> None:
    if not shop.cluster.is_harness:
        pytest.skip("the kube-dns ClusterIP is routable from the host on the built-in cluster only")
    ip = kube_dns_ip(shop.cluster)
    evidence = name_evidence(run(shop, "web", host_dns, "--cluster-dns", ip))
    assert evidence["outcome"] == "ok" and f"asked --cluster-dns {ip}" in evidence["detail"]
    with silent_server() as silent:
        result = run(shop, "web", host_dns, "--cluster-dns", f"127.0.0.1:{silent}")
    assert name_evidence(result)["outcome"] == ("not checked: cluster DNS not reachable from "
                                                "here (check --cluster-dns)"), result.describe()
    assert result.verdict in {"ok", "warn"}, result.describe()


def test_port_forward_to_coredns(shop: Scenario) -> None:
    """DNS over TCP through the API server's port-forward, as from a laptop."""
    cluster = shop.cluster
    source = LiveSource.connect(str(cluster.kubeconfig), cluster.context, 10.0)
    request = parse_request(f"{shop.host}/web")
    snap = source.read(lambda s: list(reads_for(s, request)))
    routes = cluster_dns.plan(snap, None, port_forward=True)
    forward = [r for r in routes.routes if r.via == "port-forward"]
    assert forward, routes
    seen = cluster_dns.lookup(f"web.{shop.namespace}.svc.cluster.local",
                              cluster_dns.Plan(tuple(forward), routes.control, routes.hint),
                              5.0, source.open_port)
    assert seen.answer is not None, seen
    web = cluster.get_json("service", "web", "-n", shop.namespace)
    assert seen.answer.addresses == (web["spec"]["clusterIP"],), seen
    assert seen.server == f"CoreDNS pod {forward[0].server} through a port-forward"


def test_an_alias_to_a_missing_service_does_not_resolve(shop: Scenario, host_dns: str) -> None:
    """CoreDNS answers its own zone: the object check and the live answer agree (IDC404)."""
    result = run(shop, "dangling", host_dns, "--probe")
    evidence = name_evidence(result)
    assert evidence["outcome"] in {"noanswer", "nxdomain"}, result.describe()
    assert "agrees with IDC404" in evidence["detail"], result.describe()
    assert [f["code"] for f in result.findings("IDC404")] == ["IDC404"], result.describe()


def test_an_external_target_that_does_not_resolve(shop: Scenario, host_dns: str) -> None:
    if not shop.cluster.is_harness:
        pytest.skip("CoreDNS would forward the target upstream: built-in cluster only")
    shop.apply(OUTSIDE)
    shop.apply(ingress(shop, "outside"))
    result = run(shop, "outside", host_dns)
    evidence = name_evidence(result)
    assert evidence["outcome"] == "noanswer", result.describe()
    # CoreDNS without a forward answers the CNAME alone, and SERVFAIL for its target
    assert evidence["detail"].startswith(
        "CNAME api.payments.ingressdoc.test -> no A/AAAA record (api.payments.ingressdoc.test: "
        "SERVFAIL): the target does not resolve"), result.describe()
    assert "agrees with IDC404" in evidence["detail"], result.describe()
