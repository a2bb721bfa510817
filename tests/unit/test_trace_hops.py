"""Hop details the scenario format cannot express: route rows, field paths, messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from certgen import make_cert

from ingressdoc.hops.model import Hop, TraceResult
from ingressdoc.request import parse_request
from ingressdoc.snapshot.manifests import load
from ingressdoc.trace.engine import trace

CLASS = {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
         "metadata": {"name": "nginx", "annotations": {
             "ingressclass.kubernetes.io/is-default-class": "true"}},
         "spec": {"controller": "k8s.io/ingress-nginx"}}


def backend(service: str, port: int | str = 80) -> dict[str, Any]:
    key = "number" if isinstance(port, int) else "name"
    return {"service": {"name": service, "port": {key: port}}}


def ingress(name: str, rules: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"ingressClassName": "nginx", "rules": rules, **extra}}


def rule(host: str | None, *paths: tuple[str, str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"http": {"paths": [
        {"path": p, "pathType": t, "backend": backend(s)} for p, t, s in paths]}}
    if host:
        out["host"] = host
    return out


def service(name: str, *ports: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"selector": {"app": name},
                     "ports": list(ports) or [{"name": "http", "port": 80}], **extra}}


def run(tmp_path: Path, request: str, *objects: dict[str, Any]) -> TraceResult:
    path = tmp_path / "manifests.yaml"
    path.write_text(yaml.safe_dump_all([CLASS, *objects]), encoding="utf-8")
    return trace(load([str(path)]), parse_request(request))


def hop(result: TraceResult, name: str) -> Hop:
    return next(h for h in result.hops if h.hop == name)


# ---------------------------------------------------------------- rule hop


def test_hostless_winner_still_lists_the_near_misses(tmp_path: Path) -> None:
    result = run(tmp_path, "eu.shop.example.com/cart",
                 ingress("shop", [rule("*.example.com", ("/cart", "Prefix", "cart")),
                                  rule(None, ("/", "Prefix", "web"))]),
                 service("cart"), service("web"))
    rule_hop = hop(result, "rule")
    assert [(r["host"], r["match"]) for r in rule_hop.rows] == [
        ("<any host>", "serves"), ("*.example.com", "wildcard-depth")]
    assert rule_hop.summary.startswith("Ingress shop/shop: host <any host> path /")
    depth = next(f for f in rule_hop.findings if f.code == "IDC330")
    assert depth.severity.value == "warning"
    assert depth.field == "spec.rules[0].host"
    assert "eu.shop.example.com has 2 (eu.shop)" in depth.message
    assert result.outcome is not None and result.outcome.meant == (
        "Ingress shop/shop spec.rules[0].http.paths[0] (*.example.com Prefix /cart)")


def test_default_backend_winner_lists_path_near_misses(tmp_path: Path) -> None:
    result = run(tmp_path, "shop.example.com/apis",
                 ingress("shop", [rule("shop.example.com", ("/api", "Prefix", "cart"))],
                         defaultBackend=backend("web")),
                 service("cart"), service("web"))
    rule_hop = hop(result, "rule")
    assert [r["match"] for r in rule_hop.rows] == ["serves", "prefix-not-string-prefix"]
    assert rule_hop.rows[0]["path"] == "(default backend)"
    assert {f.code for f in rule_hop.findings} == {"IDC310", "IDC304"}


def test_an_exact_host_winner_shows_only_itself(tmp_path: Path) -> None:
    result = run(tmp_path, "shop.example.com/cart",
                 ingress("shop", [rule("shop.example.com", ("/cart", "Prefix", "cart"),
                                       ("/", "Prefix", "web"))]),
                 service("cart"), service("web"))
    assert [r["match"] for r in hop(result, "rule").rows] == ["serves"]


def test_no_match_rows_are_the_near_misses(tmp_path: Path) -> None:
    result = run(tmp_path, "shop.example.com/cart",
                 ingress("shop", [rule("*.example.org", ("/", "Prefix", "web"))]),
                 ingress("other", [rule("api.example.com", ("/", "Prefix", "web"))]),
                 service("web"))
    rule_hop = hop(result, "rule")
    assert {r["match"] for r in rule_hop.rows} == {"host-no-match"}
    assert "(rule hosts: *.example.org, api.example.com)" in rule_hop.findings[0].message


# ---------------------------------------------------------------- service hop field paths


def test_service_findings_carry_the_full_backend_path(tmp_path: Path) -> None:
    result = run(tmp_path, "shop.example.com/cart",
                 ingress("shop", [rule("shop.example.com", ("/", "Prefix", "web"),
                                       ("/cart", "Prefix", "cart"))]),
                 service("cart", {"name": "http", "port": 8080}))
    (f,) = hop(result, "service").findings
    assert (f.code, f.field) == ("IDC402", "spec.rules[0].http.paths[1].backend.service.port")


def test_default_backend_service_path(tmp_path: Path) -> None:
    result = run(tmp_path, "shop.example.com/",
                 ingress("shop", [], defaultBackend=backend("missing")))
    (f,) = hop(result, "service").findings
    assert (f.code, f.field) == ("IDC401", "spec.defaultBackend.service.name")


def test_udp_only_port_is_not_a_backend_port(tmp_path: Path) -> None:
    result = run(tmp_path, "shop.example.com/",
                 ingress("shop", [rule("shop.example.com", ("/", "Prefix", "dns"))]),
                 service("dns", {"name": "dns", "port": 80, "protocol": "UDP"}))
    (f,) = hop(result, "service").findings
    assert f.code == "IDC402"
    assert "port 80 is UDP, and Ingress traffic is TCP" in f.message


def test_tcp_port_next_to_a_udp_port_of_the_same_number(tmp_path: Path) -> None:
    result = run(tmp_path, "shop.example.com/",
                 ingress("shop", [rule("shop.example.com", ("/", "Prefix", "dns"))]),
                 service("dns", {"name": "dns", "port": 80, "protocol": "UDP"},
                         {"name": "dns-tcp", "port": 80, "protocol": "TCP"}))
    assert hop(result, "service").findings == ()


# ---------------------------------------------------------------- pods and TLS


def test_init_container_image_pull_is_reported_as_such(tmp_path: Path) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
           "spec": {"initContainers": [{"name": "fetch", "image": "ghcr.io/x/fetch:nope"}],
                    "containers": [{"name": "web", "image": "ghcr.io/x/web:1",
                                    "ports": [{"containerPort": 80}]}]},
           "status": {"phase": "Pending",
                      "conditions": [{"type": "PodScheduled", "status": "True"}],
                      "initContainerStatuses": [{"name": "fetch", "image": "ghcr.io/x/fetch:nope",
                                                 "state": {"waiting": {
                                                     "reason": "ImagePullBackOff"}}}],
                      "containerStatuses": [{"name": "web", "state": {"waiting": {
                          "reason": "PodInitializing"}}}]}}
    result = run(tmp_path, "shop.example.com/",
                 ingress("shop", [rule("shop.example.com", ("/", "Prefix", "web"))]),
                 service("web"), pod)
    (f,) = hop(result, "pods").findings
    assert (f.code, f.message) == (
        "IDC605", "init container fetch: ImagePullBackOff for image ghcr.io/x/fetch:nope")


def test_a_cn_without_sans_does_not_cover_the_host(tmp_path: Path) -> None:
    pem = make_cert("shop.example.com", None).cert_pem
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
              "metadata": {"name": "shop-tls", "namespace": "shop"},
              "stringData": {"tls.crt": pem.decode(), "tls.key": "k"}}
    result = run(tmp_path, "https://shop.example.com/",
                 ingress("shop", [rule("shop.example.com", ("/", "Prefix", "web"))],
                         tls=[{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]),
                 service("web"), secret)
    (f,) = hop(result, "tls").findings
    assert f.code == "IDC324"
    assert "no DNS SANs" in f.message and "CN shop.example.com is ignored" in f.message


# ---------------------------------------------------------------- ExternalName chains


WEB = {"apiVersion": "apps/v1", "kind": "Deployment",
       "metadata": {"name": "web", "namespace": "shop"},
       "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
           "metadata": {"labels": {"app": "web"}},
           "spec": {"containers": [{"name": "web", "image": "web:1",
                                    "ports": [{"containerPort": 80}]}]}}}}


def alias(name: str, target: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"type": "ExternalName", "externalName": target}}


def test_an_alias_chain_is_followed_to_the_real_service(tmp_path: Path) -> None:
    result = run(tmp_path, "shop.example.com/",
                 ingress("shop", [rule("shop.example.com", ("/", "Prefix", "a"))]),
                 alias("a", "b.shop.svc.cluster.local"), alias("b", "web.shop.svc.cluster.local"),
                 service("web"), WEB)
    assert hop(result, "cluster-dns").summary.startswith(
        "web.shop.svc.cluster.local -> Service shop/web")
    assert hop(result, "pods").summary == "1 pods selected by app=web"


def test_an_alias_loop_does_not_resolve(tmp_path: Path) -> None:
    result = run(tmp_path, "shop.example.com/",
                 ingress("shop", [rule("shop.example.com", ("/", "Prefix", "a"))]),
                 alias("a", "b.shop.svc.cluster.local"), alias("b", "a.shop.svc.cluster.local"))
    (f,) = hop(result, "cluster-dns").findings
    assert (f.code, f.message) == ("IDC404", "Service shop/a aliases a CNAME loop through "
                                             "Service shop/a")
    assert hop(result, "endpoints").note == "not checked (blocked by the Cluster DNS hop)"


def test_pending_pod_quotes_the_newest_scheduler_event() -> None:
    from test_scenarios import SCENARIOS, run_scenario

    result = run_scenario(SCENARIOS / "pods-pending-scheduler-event")
    pending = next(f for f in result.findings if f.code == "IDC606")
    assert "untolerated taint" in pending.message and "2025-03-04T09:58:02Z" in pending.message
