"""NetworkPolicy engine: the truth table in netpol_cases.yaml, then the prose of key misses."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressdoc.k8s.netpol import (
    Decision,
    DirectionDecision,
    Endpoint,
    Miss,
    RuleRef,
    describe_endpoint,
    evaluate,
    namespace_labels_of,
    policy_types,
)

CASES = yaml.safe_load((Path(__file__).with_name("netpol_cases.yaml")).read_text())
NAMESPACE_INDEX = {"x": 1, "y": 2, "z": 3}
POD_INDEX = {"a": 1, "b": 2, "c": 3}
E2E_PORTS = [
    {"name": f"serve-{port}-{proto.lower()}", "containerPort": port, "protocol": proto}
    for port in (80, 81)
    for proto in ("TCP", "UDP", "SCTP")
]


def _pod(name: str, namespace: str, labels: Mapping[str, str], spec: Mapping[str, Any]) -> Any:
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "hostNetwork": bool(spec.get("host_network")),
            "nodeName": spec.get("node"),
            "containers": [{"name": "main", "ports": list(spec.get("ports") or [])}],
        },
    }


def _universe_endpoint(ref: str) -> Endpoint:
    """x/a etc.: the upstream e2e topology described at the top of the YAML."""
    namespace, name = ref.split("/")
    ip = f"10.0.{NAMESPACE_INDEX[namespace]}.{POD_INDEX[name]}"
    labels = {"pod": name}
    return Endpoint(namespace, labels, ip, _pod(name, namespace, labels, {"ports": E2E_PORTS}))


def _endpoint(ref: str, group: Mapping[str, Any]) -> Endpoint:
    spec = (group.get("endpoints") or {}).get(ref)
    if spec is None:
        return _universe_endpoint(ref)
    namespace = spec.get("namespace")
    labels = spec.get("labels") or {}
    pod = None if namespace is None else _pod(ref, namespace, labels, spec)
    return Endpoint(
        namespace, labels, spec.get("ip"), pod, bool(spec.get("host_network")), spec.get("node")
    )


def _rows() -> list[Any]:
    return [
        pytest.param(group, row, id=f"{group['name']}-{i}:{row['from']}->{row['to']}:{row['port']}")
        for group in CASES["groups"]
        for i, row in enumerate(group["rows"])
    ]


def _direction(decision: Decision, name: str) -> DirectionDecision:
    return decision.ingress if name == "ingress" else decision.egress


@pytest.mark.parametrize(("group", "row"), _rows())
def test_truth_table(group: Mapping[str, Any], row: Mapping[str, Any]) -> None:
    decision = evaluate(
        group["policies"],
        group.get("namespace_labels") or {},
        _endpoint(row["from"], group),
        _endpoint(row["to"], group),
        row["port"],
        row.get("protocol", "TCP"),
        row.get("service_port"),
    )
    explain = f"egress: {decision.egress.reason}\ningress: {decision.ingress.reason}"
    assert decision.allowed is row["allowed"], explain
    for name in ("egress", "ingress"):
        if name in row:
            assert _direction(decision, name).allowed is (row[name] == "allow"), explain
    if "by" in row:
        admitted = [str(d.admitted_by) for d in (decision.egress, decision.ingress)]
        assert row["by"] in admitted, explain
    if "miss" in row:
        name, key = row["miss"].split()
        side = _direction(decision, name)
        assert not side.allowed, explain
        assert key in {m.key for m in side.misses}, [m.reason for m in side.misses]


def test_truth_table_size() -> None:
    assert len(_rows()) >= 60


# Prose of the key misses and decisions.

HTTP_8080 = {"ports": [{"name": "http", "containerPort": 8080}]}
WEB_POD = _pod("web-1", "shop", {"app": "web"}, HTTP_8080)
WEB = Endpoint("shop", {"app": "web"}, "10.244.5.1", WEB_POD, node="n2")
CTRL = Endpoint(
    "ingress-nginx",
    {"app.kubernetes.io/name": "ingress-nginx"},
    "10.244.9.1",
    _pod("ctrl-1", "ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}, {}),
)


def _policy(name: str, spec: Mapping[str, Any], namespace: str = "shop") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace}, "spec": dict(spec)}


def _ingress_from(*peers: Mapping[str, Any], **rule: Any) -> dict[str, Any]:
    return {"podSelector": {}, "ingress": [{"from": list(peers), **rule}]}


def _only_miss(decision: DirectionDecision) -> Miss:
    assert len(decision.misses) == 1, [m.reason for m in decision.misses]
    return decision.misses[0]


def test_namespace_label_prose_names_field_values_and_the_name_label() -> None:
    policy = _policy(
        "allow-from-ingress",
        _ingress_from({"namespaceSelector": {"matchLabels": {"name": "ingress-nginx"}}}),
    )
    miss = _only_miss(evaluate([policy], {}, CTRL, WEB, 8080).ingress)
    assert miss.key == "namespace-label"
    assert miss.rule == RuleRef("shop", "allow-from-ingress", "ingress", 0)
    assert miss.peer_index == 0
    assert miss.reason == (
        "`allow-from-ingress` ingress[0].from[0] selects namespaces with name=ingress-nginx; "
        "namespace ingress-nginx has no label name; "
        "it has kubernetes.io/metadata.name=ingress-nginx; "
        "select it by name with kubernetes.io/metadata.name=ingress-nginx"
    )


def test_namespace_label_prose_for_a_wrong_value_lists_the_namespace_labels() -> None:
    policy = _policy(
        "allow-prod", _ingress_from({"namespaceSelector": {"matchLabels": {"env": "prod"}}})
    )
    miss = _only_miss(evaluate([policy], {"ingress-nginx": {"env": "dev"}}, CTRL, WEB, 80).ingress)
    assert "namespace ingress-nginx has env=dev (want prod)" in miss.reason
    assert "it has env=dev,kubernetes.io/metadata.name=ingress-nginx" in miss.reason
    assert "select it by name" not in miss.reason


def test_match_expression_mismatch_is_quoted() -> None:
    selector = {"matchExpressions": [{"key": "team", "operator": "In", "values": ["a", "b"]}]}
    policy = _policy("allow-teams", _ingress_from({"namespaceSelector": selector}))
    miss = _only_miss(evaluate([policy], {}, CTRL, WEB, 80).ingress)
    assert "namespaces with team in (a,b)" in miss.reason
    assert "namespace ingress-nginx team In [a,b] fails (<absent>)" in miss.reason


def test_lone_pod_selector_for_another_namespace_is_peer_and_or() -> None:
    policy = _policy(
        "allow-ingress-nginx",
        _ingress_from({"podSelector": {"matchLabels": CTRL.labels}}),
    )
    miss = _only_miss(evaluate([policy], {}, CTRL, WEB, 8080).ingress)
    assert miss.key == "peer-and-or"
    assert "has only a podSelector" in miss.reason
    assert "in the policy's own namespace shop" in miss.reason
    assert "pod ingress-nginx/ctrl-1 matches the labels but runs in namespace ingress-nginx" in (
        miss.reason
    )
    assert "put a namespaceSelector in the same entry" in miss.reason


def test_combined_peer_with_wrong_pod_labels_is_peer_and_or() -> None:
    peer = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
        "podSelector": {"matchLabels": {"app": "nginx"}},
    }
    miss = _only_miss(evaluate([_policy("p", _ingress_from(peer))], {}, CTRL, WEB, 80).ingress)
    assert miss.key == "peer-and-or"
    assert (
        "admits only pods with app=nginx in namespaces with "
        "kubernetes.io/metadata.name=ingress-nginx (AND)" in miss.reason
    )
    assert "namespace ingress-nginx matches, but pod ingress-nginx/ctrl-1 has no label app" in (
        miss.reason
    )
    assert "the namespaceSelector alone would admit it" in miss.reason


def test_combined_peer_failing_both_is_a_namespace_label_miss() -> None:
    peer = {
        "namespaceSelector": {"matchLabels": {"name": "ingress-nginx"}},
        "podSelector": {"matchLabels": {"app": "nginx"}},
    }
    miss = _only_miss(evaluate([_policy("p", _ingress_from(peer))], {}, CTRL, WEB, 80).ingress)
    assert miss.key == "namespace-label"
    assert "pod ingress-nginx/ctrl-1 has no label app; namespace ingress-nginx has no label" in (
        miss.reason
    )


def test_service_port_prose() -> None:
    policy = _policy("allow-80", {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]})
    decision = evaluate([policy], {}, CTRL, WEB, 8080, service_port=80)
    miss = _only_miss(decision.ingress)
    assert miss.key == "service-port"
    assert miss.peer_index is None
    assert miss.reason == (
        "`allow-80` ingress[0].ports allows TCP 80: 80 is the Service port, but NetworkPolicy "
        "sees the connection after the Service's DNAT, on pod port 8080; allow TCP 8080 or "
        "the container port's name"
    )


def test_port_prose_shows_named_port_resolution_and_ranges() -> None:
    ports = [{"port": "http"}, {"port": "metrics"}, {"port": 9000, "endPort": 9100}]
    policy = _policy("ports", {"podSelector": {}, "ingress": [{"ports": ports}]})
    miss = _only_miss(evaluate([policy], {}, CTRL, WEB, 7000).ingress)
    assert miss.key == "port"
    assert (
        "allows TCP http (= 8080 on this pod), TCP metrics (no such port on this pod), "
        "TCP 9000-9100; the connection goes to TCP 7000" in miss.reason
    )


def test_protocol_prose() -> None:
    udp_53 = {"ports": [{"port": 53, "protocol": "UDP"}]}
    policy = _policy("dns", {"podSelector": {}, "ingress": [udp_53]})
    miss = _only_miss(evaluate([policy], {}, CTRL, WEB, 53).ingress)
    assert miss.key == "protocol"
    assert miss.reason.endswith("allows UDP 53; the connection is TCP 53")


def test_no_rules_prose_and_ref() -> None:
    policy = _policy("deny-all", {"podSelector": {}, "policyTypes": ["Ingress"]})
    decision = evaluate([policy], {}, CTRL, WEB, 80).ingress
    miss = _only_miss(decision)
    assert miss.key == "no-rules"
    assert miss.rule.rule_index is None
    assert str(miss.rule) == "shop/deny-all ingress"
    assert "has no ingress rules, so it only isolates the pod (default deny)" in miss.reason
    assert decision.reason == (
        "pod shop/web-1 is selected for ingress by shop/deny-all, and no ingress rule admits "
        "TCP 80 from pod ingress-nginx/ctrl-1"
    )


HOST_CTRL = Endpoint(
    "ingress-nginx",
    {"app.kubernetes.io/name": "ingress-nginx"},
    "192.168.1.10",
    _pod("ctrl-1", "ingress-nginx", {}, {"host_network": True}),
    host_network=True,
    node="n1",
)
FROM_CONTROLLER_NS = _policy(
    "allow-from-ingress",
    _ingress_from(
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    ),
)


def test_host_network_source_prose() -> None:
    decision = evaluate([FROM_CONTROLLER_NS], {}, HOST_CTRL, WEB, 8080).ingress
    miss = _only_miss(decision)
    assert miss.key == "host-network"
    assert "pod ingress-nginx/ctrl-1 (hostNetwork, node IP 192.168.1.10) uses hostNetwork" in (
        miss.reason
    )
    assert "admit the node addresses with an ipBlock" in miss.reason
    assert not decision.allowed


def test_host_network_source_on_the_destination_node_is_allowed_and_explained() -> None:
    web_on_n1 = Endpoint("shop", {"app": "web"}, "10.244.1.7", WEB_POD, node="n1")
    decision = evaluate([FROM_CONTROLLER_NS], {}, HOST_CTRL, web_on_n1, 8080).ingress
    assert decision.allowed and decision.isolated and decision.admitted_by is None
    assert "comes from the pod's own node n1" in decision.reason
    assert "so it fails from other nodes" in decision.reason
    assert [m.key for m in decision.misses] == ["host-network"]


def test_host_network_destination_is_not_isolated() -> None:
    spec = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    deny = _policy("deny", spec, "ingress-nginx")
    decision = evaluate([deny], {}, WEB, HOST_CTRL, 80)
    assert decision.allowed
    assert not decision.ingress.isolated and decision.ingress.selecting == ()
    assert "shares its node's network" in decision.ingress.reason
    assert "(policies matching its labels: ingress-nginx/deny)" in decision.ingress.reason
    assert not decision.egress.isolated


def test_ipblock_admitting_a_pod_carries_the_caveat() -> None:
    policy = _policy("by-ip", _ingress_from({"ipBlock": {"cidr": "10.244.9.0/24"}}))
    decision = evaluate([policy], {}, CTRL, WEB, 80).ingress
    assert decision.allowed
    assert decision.admitted_by == RuleRef("shop", "by-ip", "ingress", 0)
    assert "ipBlock is meant for cluster-external addresses" in decision.reason
    outside = Endpoint(None, ip="10.244.9.7")
    assert "meant for" not in evaluate([policy], {}, outside, WEB, 80).ingress.reason


def test_ipblock_except_prose() -> None:
    block = {"cidr": "172.17.0.0/16", "except": ["172.17.1.0/24"]}
    policy = _policy("ext", _ingress_from({"ipBlock": block}))
    miss = _only_miss(evaluate([policy], {}, Endpoint(None, ip="172.17.1.5"), WEB, 80).ingress)
    assert miss.key == "ipblock"
    assert miss.reason == (
        "`ext` ingress[0].from[0] allows ipBlock 172.17.0.0/16, but address 172.17.1.5 has IP "
        "172.17.1.5, which its except 172.17.1.0/24 removes"
    )


def test_ipblock_miss_for_a_pod_suggests_selectors() -> None:
    policy = _policy("ext", _ingress_from({"ipBlock": {"cidr": "203.0.113.0/24"}}))
    miss = _only_miss(evaluate([policy], {}, CTRL, WEB, 80).ingress)
    assert "pod ingress-nginx/ctrl-1 has IP 10.244.9.1" in miss.reason
    assert "select pods with podSelector/namespaceSelector" in miss.reason


def test_ipblock_with_unknown_ip_and_invalid_cidr() -> None:
    unknown = Endpoint("ingress-nginx", {"a": "b"})
    policy = _policy("ext", _ingress_from({"ipBlock": {"cidr": "203.0.113.0/24"}}))
    assert "is unknown" in _only_miss(evaluate([policy], {}, unknown, WEB, 80).ingress).reason
    broken = _policy("broken", _ingress_from({"ipBlock": {"cidr": "not-a-cidr"}}))
    miss = _only_miss(evaluate([broken], {}, CTRL, WEB, 80).ingress)
    assert "cannot be matched" in miss.reason


def test_selector_peers_never_match_addresses_outside_the_cluster() -> None:
    policy = _policy("pods", _ingress_from({"podSelector": {}}))
    miss = _only_miss(evaluate([policy], {}, Endpoint(None, ip="198.51.100.1"), WEB, 80).ingress)
    assert miss.key == "ipblock"
    assert "address 198.51.100.1 is not a pod: only an ipBlock can admit it" in miss.reason


def test_unselected_pods_are_open_and_say_so() -> None:
    decision = evaluate([], {}, CTRL, WEB, 80)
    assert decision.allowed
    assert decision.ingress == DirectionDecision(
        "ingress",
        False,
        True,
        (),
        None,
        (),
        "no NetworkPolicy selects pod shop/web-1 for ingress, so all ingress traffic is allowed",
    )


def test_decision_lists_selecting_policies_and_keeps_misses_of_other_rules() -> None:
    deny = _policy("deny", {"podSelector": {}, "policyTypes": ["Ingress"]})
    allow = _policy("allow", _ingress_from({"podSelector": {}}, {"namespaceSelector": {}}))
    decision = evaluate([deny, allow], {}, CTRL, WEB, 80).ingress
    assert decision.selecting == ("shop/allow", "shop/deny")
    assert decision.admitted_by == RuleRef("shop", "allow", "ingress", 0)
    assert [m.key for m in decision.misses] == ["no-rules"]
    assert decision.reason.endswith(
        "shop/allow ingress[0] admits TCP 80 from pod ingress-nginx/ctrl-1"
    )


def test_protocol_is_case_insensitive() -> None:
    policy = _policy("udp", {"podSelector": {}, "ingress": [{"ports": [{"protocol": "UDP"}]}]})
    assert evaluate([policy], {}, CTRL, WEB, 53, protocol="udp").allowed


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, {"Ingress"}),
        ({"ingress": [{}]}, {"Ingress"}),
        ({"egress": [{}]}, {"Ingress", "Egress"}),
        ({"egress": []}, {"Ingress"}),
        ({"policyTypes": ["Egress"], "ingress": [{}]}, {"Egress"}),
        ({"policyTypes": ["Ingress", "Egress"]}, {"Ingress", "Egress"}),
    ],
)
def test_policy_types_defaulting(spec: Mapping[str, Any], expected: set[str]) -> None:
    assert policy_types({"spec": spec}) == expected


def test_namespace_name_label_is_always_present_and_authoritative() -> None:
    assert namespace_labels_of({}, "shop") == {"kubernetes.io/metadata.name": "shop"}
    given = {"shop": {"team": "a", "kubernetes.io/metadata.name": "stale"}}
    assert namespace_labels_of(given, "shop") == {
        "team": "a",
        "kubernetes.io/metadata.name": "shop",
    }


def test_describe_endpoint_variants() -> None:
    assert describe_endpoint(Endpoint(None, ip="1.2.3.4")) == "address 1.2.3.4"
    assert describe_endpoint(Endpoint(None, ip="192.168.1.11", node="n2")) == "node n2 192.168.1.11"
    assert describe_endpoint(Endpoint("shop", {"app": "web"})) == "a pod in shop (app=web)"
    host_pod = {"metadata": {"name": "ctl-x", "namespace": "ingress"}}
    assert describe_endpoint(Endpoint(None, ip="10.0.0.11", pod=host_pod, host_network=True)) == (
        "pod ingress/ctl-x (hostNetwork, node IP 10.0.0.11)")


def test_empty_pod_selector_beside_a_namespace_selector_reads_as_namespace_only() -> None:
    peer = {"namespaceSelector": {"matchLabels": {"team": "edge"}}, "podSelector": {}}
    miss = _only_miss(evaluate([_policy("p", _ingress_from(peer))], {}, CTRL, WEB, 80).ingress)
    assert miss.key == "namespace-label"
    assert "`p` ingress[0].from[0] selects namespaces with team=edge;" in miss.reason
