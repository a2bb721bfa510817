"""Gateway API semantics against vectors from the v1.4.0 godoc and conformance tests
(tests/unit/gateway_vectors.yaml names the source of each)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressdoc.k8s.gateway.decide import decide
from ingressdoc.k8s.gateway.filters import replace_prefix
from ingressdoc.k8s.gateway.hostnames import host_matches, intersects, narrowest
from ingressdoc.k8s.gateway.listeners import (
    attach,
    conflicted,
    listeners_of,
    parent_refs,
    reached_listeners,
)
from ingressdoc.k8s.gateway.matching import SPEC, GatewaySemantics, Message
from ingressdoc.k8s.profiles.traefik import TRAEFIK

# The implementation a routing vector is about: the spec's, or Traefik's departures.
GATEWAY_SEMANTICS: dict[str, GatewaySemantics] = {"spec": SPEC, "traefik": TRAEFIK.gateway}
VECTORS = yaml.safe_load((Path(__file__).parent / "gateway_vectors.yaml").read_text())


def _ids(key: str) -> list[str]:
    return [f"{key}-{i}" for i in range(len(VECTORS[key]))]


def gateway(listeners: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out = []
    for lst in listeners or [{"name": "http", "from": "All"}]:
        raw: dict[str, Any] = {"name": lst["name"], "port": lst.get("port", 80),
                               "protocol": lst.get("protocol", "HTTP")}
        if lst.get("hostname"):
            raw["hostname"] = lst["hostname"]
        if raw["protocol"] == "HTTPS":
            raw["tls"] = {"certificateRefs": [{"name": "cert"}]}
        allowed: dict[str, Any] = {"namespaces": {"from": lst.get("from", "All")}}
        if lst.get("selector"):
            allowed["namespaces"]["selector"] = lst["selector"]
        if lst.get("kinds"):
            allowed["kinds"] = [{"kind": k} for k in lst["kinds"]]
        raw["allowedRoutes"] = allowed
        out.append(raw)
    return {"kind": "Gateway", "metadata": {"name": "gw", "namespace": "default"},
            "spec": {"gatewayClassName": "gc", "listeners": out}}


def route(r: dict[str, Any]) -> dict[str, Any]:
    parent: dict[str, Any] = {"name": "gw", "namespace": "default", **r.get("parentRef", {})}
    if r.get("section"):
        parent["sectionName"] = r["section"]
    meta: dict[str, Any] = {"name": r.get("name", "route"), "namespace": r.get("namespace",
                                                                             "default")}
    if r.get("created"):
        meta["creationTimestamp"] = r["created"]
    rules = []
    for rule in r.get("rules") or []:
        out: dict[str, Any] = {"matches": rule["m"]}
        if rule.get("to"):
            out["backendRefs"] = [{"name": rule["to"], "port": 8080}]
        for key in ("backendRefs", "filters"):
            if rule.get(key):
                out[key] = rule[key]
        rules.append(out)
    body: dict[str, Any] = {"parentRefs": [parent], "rules": rules}
    if r.get("hostnames"):
        body["hostnames"] = r["hostnames"]
    return {"kind": "HTTPRoute", "metadata": meta, "spec": body}


@pytest.mark.parametrize("v", VECTORS["hostnames"], ids=_ids("hostnames"))
def test_hostname(v: dict[str, Any]) -> None:
    assert host_matches(v["pattern"], v["host"]) is v["match"], v["spec"]


@pytest.mark.parametrize("v", VECTORS["intersections"], ids=_ids("intersections"))
def test_intersection(v: dict[str, Any]) -> None:
    assert intersects(v["listener"], v["route"]) is v["intersects"], v["spec"]
    assert narrowest(v["listener"], v["route"]) == v.get("narrowest"), v["spec"]


@pytest.mark.parametrize("v", VECTORS["listeners"], ids=_ids("listeners"))
def test_listener_selection(v: dict[str, Any]) -> None:
    listeners = listeners_of(gateway(v["listeners"]))
    for case in v["cases"]:
        reached = reached_listeners(listeners, case["host"], [case.get("port", 80)],
                                    case.get("scheme", "http"))
        got = reached[0].name if reached else None
        assert got == case["expect"], f"{v['spec']}: {case}"


@pytest.mark.parametrize("v", VECTORS["conflicts"], ids=_ids("conflicts"))
def test_conflicts(v: dict[str, Any]) -> None:
    assert conflicted(listeners_of(gateway(v["listeners"]))) == v["expect"], v["spec"]


@pytest.mark.parametrize("v", VECTORS["attach"], ids=_ids("attach"))
def test_attach(v: dict[str, Any]) -> None:
    rt = route(v["route"])
    att = attach(rt, parent_refs(rt)[0], gateway(v["listeners"]), v.get("namespaces"))
    assert att.reason == v["expect"], f"{v['spec']}: {att.message}"
    if "on" in v:
        assert [lst.name for lst in att.listeners] == v["on"], v["spec"]


@pytest.mark.parametrize("v", VECTORS["routing"], ids=_ids("routing"))
def test_routing(v: dict[str, Any]) -> None:
    gw = gateway(v.get("listeners"))
    routes = [route(r) for r in v["routes"]]
    grants = [{"kind": "ReferenceGrant",
               "metadata": {"name": f"g{i}", "namespace": g["namespace"]},
               "spec": {"from": g["from"], "to": g["to"]}}
              for i, g in enumerate(v.get("grants") or [])]
    for req in v["requests"]:
        msg = Message(req.get("host", "example.com"), req.get("path", "/"),
                      req.get("method", "GET"), req.get("headers", {}), req.get("query", {}))
        d = decide(gw, routes, msg, "http", [req.get("port", 80)], grants=grants,
                   semantics=GATEWAY_SEMANTICS[v.get("profile", "spec")])
        where = f"{v['spec']}: {req}"
        if "shares" in req:
            assert {b.name: b.share for b in d.backends} == req["shares"], where
            continue
        if isinstance(req["expect"], int):
            assert d.status == req["expect"], where
        else:
            assert d.status is None, f"{where}: got {d.status}"
            chosen = [b.name for b in d.backends if b.share > 0]
            assert chosen == [req["expect"]], where
        if "location" in req:
            assert d.effect is not None and d.effect.redirect is not None, where
            assert d.effect.redirect.location == req["location"], where
        if "upstream" in req:
            assert d.effect is not None and d.effect.path == req["upstream"], where
        if "upstream_host" in req:
            assert d.effect is not None and d.effect.host == req["upstream_host"], where
        if "problems" in req:
            assert [b.problem for b in d.backends] == req["problems"], where


@pytest.mark.parametrize("v", VECTORS["replace_prefix"], ids=_ids("replace_prefix"))
def test_replace_prefix(v: list[str]) -> None:
    path, prefix, replacement, want = v
    assert replace_prefix(path, prefix, replacement) == want
