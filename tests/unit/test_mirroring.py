"""EndpointSlice mirroring of hand-written Endpoints, as the control plane does it."""

from __future__ import annotations

from typing import Any

import pytest

from ingressdoc.k8s.mirroring import (
    LEADER_ANNOTATION,
    MANAGED_BY,
    MAX_ADDRESSES,
    SKIP_MIRROR,
    mirrored_slices,
    mirrors,
)

SERVICE: dict[str, Any] = {"kind": "Service", "metadata": {"name": "db", "namespace": "shop"},
                           "spec": {"ports": [{"port": 5432}]}}


def endpoints(subsets: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {"kind": "Endpoints", "metadata": {"name": "db", "namespace": "shop", **meta},
            "subsets": subsets}


@pytest.mark.parametrize(("service", "meta", "expected"), [
    (SERVICE, {}, True),
    (None, {}, False),  # no Service of that name
    ({**SERVICE, "spec": {"selector": {"app": "db"}}}, {}, False),  # the selector's slices win
    (SERVICE, {"labels": {SKIP_MIRROR: "true"}}, False),
    (SERVICE, {"labels": {SKIP_MIRROR: "false"}}, True),
    (SERVICE, {"annotations": {LEADER_ANNOTATION: "{}"}}, False),
], ids=["selectorless", "no-service", "selector", "skip-mirror", "skip-mirror-false", "leader"])
def test_which_endpoints_are_mirrored(service: dict[str, Any] | None, meta: dict[str, Any],
                                      expected: bool) -> None:
    assert mirrors(endpoints([], **meta), service) is expected


def test_one_slice_per_subset_and_family_with_readiness() -> None:
    ports = [{"name": "pg", "port": 5432, "protocol": "TCP"}]
    slices = mirrored_slices(endpoints([
        {"addresses": [{"ip": "10.0.0.1", "nodeName": "n1"}, {"ip": "fd00::1"}],
         "notReadyAddresses": [{"ip": "10.0.0.2"}], "ports": ports},
        {"addresses": [{"ip": "10.0.1.1"}], "ports": [{"port": 6432}]},
    ]))
    assert [(s["metadata"]["name"], s["addressType"]) for s in slices] == [
        ("db-mirror-0-ipv4", "IPv4"), ("db-mirror-0-ipv6", "IPv6"), ("db-mirror-1-ipv4", "IPv4")]
    first = slices[0]
    assert first["metadata"]["labels"] == {
        "kubernetes.io/service-name": "db", MANAGED_BY: "endpointslicemirroring-controller.k8s.io"}
    assert first["endpoints"] == [
        {"addresses": ["10.0.0.1"], "conditions": {"ready": True}, "nodeName": "n1"},
        {"addresses": ["10.0.0.2"], "conditions": {"ready": False}}]
    assert first["ports"] == ports and slices[2]["ports"] == [{"port": 6432}]


def test_at_most_a_thousand_addresses_per_subset() -> None:
    many = [{"ip": f"10.0.{i // 250}.{i % 250 + 1}"} for i in range(MAX_ADDRESSES + 5)]
    (only,) = mirrored_slices(endpoints([{"addresses": many, "ports": [{"port": 1}]}]))
    assert len(only["endpoints"]) == MAX_ADDRESSES
