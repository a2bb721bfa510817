"""The DNS hop turns a resolver's answer into findings against the entry addresses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ingressdoc.hops.dns import check
from ingressdoc.hops.model import EntryAddress, HopStatus
from ingressdoc.probe.dns import DnsAnswer, Status
from ingressdoc.request import parse_request

REQ = parse_request("shop.example.com/cart")
LB_IP = EntryAddress("203.0.113.10", 80, "http", "LoadBalancer")
ELB = EntryAddress("a1b2-123.eu-west-1.elb.amazonaws.com", 80, "http", "LoadBalancer")


def answer(status: Status = "ok", addresses: tuple[str, ...] = (),
           cnames: tuple[str, ...] = ()) -> DnsAnswer:
    return DnsAnswer(name=REQ.host, status=status, addresses=addresses, cnames=cnames,
                     server=None, detail=f"{status} detail", source="dns")


@pytest.mark.parametrize(("ans", "entries", "codes"), [
    (answer(addresses=("203.0.113.10",)), [LB_IP], []),
    (answer("nxdomain"), [LB_IP], ["IDC101"]),
    (answer("timeout"), [LB_IP], ["IDC101"]),
    (answer(addresses=("198.51.100.7",)), [LB_IP], ["IDC102"]),
    (answer(addresses=("2001:db8::1",)), [], ["IDC103"]),
    (answer(addresses=("198.51.100.7",), cnames=(ELB.address + ".",)), [ELB], []),
    (answer(addresses=("198.51.100.7",)), [], []),
])
def test_dns_findings(ans: DnsAnswer, entries: list[EntryAddress], codes: list[str]) -> None:
    hop = check(REQ, ans, entries)
    assert [f.code for f in hop.findings] == codes
    assert hop.status is (HopStatus.FAIL if codes and codes != ["IDC103"] else
                          HopStatus.WARN if codes else HopStatus.OK)
    assert hop.evidence[0].replay and REQ.host in hop.evidence[0].replay


def test_the_dns_answer_decides_between_an_ingress_and_a_gateway_route(tmp_path: Path) -> None:
    """ingress-nginx (10.0.0.60) and a Traefik Gateway (10.0.0.50) both serve the host: the
    trace follows the Ingress until the host's answer points at the Gateway."""
    from ingressdoc.commands.trace import _dns_points_elsewhere
    from ingressdoc.hops.dns import attach
    from ingressdoc.request import parse_request
    from ingressdoc.snapshot.manifests import load
    from ingressdoc.trace.engine import trace

    scenario = (Path(__file__).resolve().parents[1] / "scenarios"
                / "gateway-ingress-and-route-claim-host" / "manifests.yaml")
    labels = {"app.kubernetes.io/name": "ingress-nginx"}
    container = {"name": "c", "image": "ingress-nginx/controller",
                 "ports": [{"name": "http", "containerPort": 80}]}
    nginx = [
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "ingress-nginx", "namespace": "ingress-nginx"},
         "spec": {"selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels},
                               "spec": {"containers": [container]}}}},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "ingress-nginx", "namespace": "ingress-nginx"},
         "spec": {"type": "LoadBalancer", "selector": labels,
                  "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
         "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.60"}]}}},
    ]
    extra = tmp_path / "nginx.yaml"
    extra.write_text(yaml.safe_dump_all(nginx), encoding="utf-8")
    snap = load([str(scenario), str(extra)])
    req = parse_request("shop.example.com/cart")
    to_gateway = answer(addresses=("10.0.0.50",))
    ingress = attach(trace(snap, req), to_gateway)
    assert _dns_points_elsewhere(ingress)
    routed = attach(trace(snap, req, None, ("HTTPRoute", "GRPCRoute")), to_gateway)
    assert not _dns_points_elsewhere(routed, served_twice=False)
    assert [h.hop for h in routed.hops][:3] == ["dns", "entry", "gateway"]
    assert not _dns_points_elsewhere(attach(trace(snap, req), answer(addresses=("10.0.0.60",))))
