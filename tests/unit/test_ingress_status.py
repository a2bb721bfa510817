"""The Ingress's status as live evidence: an entry address for any controller, and an empty
one as a sign that no controller admitted the Ingress."""

from __future__ import annotations

from typing import Any

from ingressdoc.hops.ingress_status import attach, status_addresses
from ingressdoc.hops.model import Hop, HopStatus, TraceResult
from ingressdoc.request import parse_request
from ingressdoc.snapshot import ObjectRef, Snapshot


def ingress(name: str, *addresses: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "Ingress", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"ingressClassName": "other"},
            "status": {"loadBalancer": {"ingress": list(addresses)}}}


def traced(snap: Snapshot, target: str = "https://shop.example.com/") -> TraceResult:
    rule = Hop("rule", "Ingress rule", HopStatus.OK, "ok",
               objects=(ObjectRef("Ingress", "shop", "web"),))
    controller = Hop("controller", "IngressClass and controller", HopStatus.UNKNOWN, "?")
    return TraceResult(parse_request(target), (controller, rule), "test")


def snap_with(*objs: dict[str, Any]) -> Snapshot:
    snap = Snapshot(live=True)
    snap.add({"kind": "IngressClass", "metadata": {"name": "other"},
              "spec": {"controller": "example.com/unknown"}})
    for o in objs:
        snap.add(o)
    return snap


def test_status_addresses_are_entry_addresses_for_any_controller() -> None:
    snap = snap_with(ingress("web", {"ip": "192.0.2.7"}, {"hostname": "lb.example.net",
                                                          "ports": [{"port": 8443}]}))
    found = status_addresses(snap, traced(snap))
    assert [(a.address, a.port, a.scheme, a.via) for a in found] == [
        ("192.0.2.7", 443, "https", "Ingress status"),
        ("lb.example.net", 8443, "https", "Ingress status")]
    out = attach(snap, traced(snap))
    assert out.hops[0].evidence[0].outcome == "published at 192.0.2.7, lb.example.net"
    assert out.findings == ()


def test_an_empty_status_among_published_peers_is_a_warning() -> None:
    snap = snap_with(ingress("web"), ingress("peer", {"ip": "192.0.2.7"}))
    out = attach(snap, traced(snap))
    assert [f.code for f in out.findings] == ["IDC280"]
    assert "Ingress shop/peer" in out.findings[0].message
    assert out.hops[0].evidence[0].outcome == "empty: no controller has admitted it"


def test_a_new_ingress_is_given_time_to_be_published() -> None:
    from datetime import datetime, timezone

    fresh = ingress("web")
    fresh["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z"
    snap = snap_with(fresh, ingress("peer", {"ip": "192.0.2.7"}))
    out = attach(snap, traced(snap), now=datetime(2026, 1, 1, 0, 0, 20, tzinfo=timezone.utc))
    assert out.findings == ()
    assert out.hops[0].evidence[0].outcome.startswith("empty (created 20s ago")


def test_an_empty_status_where_no_ingress_has_one_is_only_evidence() -> None:
    snap = snap_with(ingress("web"), ingress("peer"))
    out = attach(snap, traced(snap))
    assert out.findings == ()
    assert out.hops[0].evidence[0].outcome.startswith("empty (no Ingress of its class")


def test_manifests_have_no_status_to_judge() -> None:
    snap = Snapshot(live=False)
    snap.add(ingress("web"))
    assert attach(snap, traced(snap)) == traced(snap)
    assert status_addresses(snap, traced(snap)) == ()
