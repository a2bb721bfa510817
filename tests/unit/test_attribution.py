"""Which backend answered, judged on a trace: the candidates the snapshot offers, and the
evidence and findings the match gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingressdoc.hops.attribution import attach
from ingressdoc.hops.candidates import backend_targets, candidates
from ingressdoc.hops.evidence import HttpObservation
from ingressdoc.hops.fingerprint import Sample, fingerprint
from ingressdoc.hops.model import HopStatus, TraceResult
from ingressdoc.request import parse_request
from ingressdoc.snapshot import Snapshot
from ingressdoc.snapshot.manifests import load
from ingressdoc.trace.engine import trace

SCENARIOS = Path(__file__).parents[1] / "scenarios"
READY = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}


def _ingress(name: str, spec: dict[str, Any], created: str) -> dict[str, Any]:
    return {"kind": "Ingress", "apiVersion": "networking.k8s.io/v1",
            "metadata": {"name": name, "namespace": "shop", "creationTimestamp": created},
            "spec": {"ingressClassName": "nginx", **spec}}


def _path(service: str, path: str = "/") -> dict[str, Any]:
    return {"path": path, "pathType": "Prefix",
            "backend": {"service": {"name": service, "port": {"name": "http"}}}}


def _app(snap: Snapshot, name: str, ready: bool = True) -> None:
    snap.add({"kind": "Service", "metadata": {"name": name, "namespace": "shop"},
              "spec": {"selector": {"app": name},
                       "ports": [{"name": "http", "port": 80, "targetPort": "web"}]}})
    snap.add({"kind": "Pod", "metadata": {"name": f"{name}-0", "namespace": "shop",
                                          "labels": {"app": name}},
              "spec": {"containers": [{"name": "c", "ports": [
                  {"name": "web", "containerPort": 8080}]}]},
              "status": READY if ready else {"phase": "Pending"}})


def shop() -> Snapshot:
    snap = Snapshot(live=True)
    snap.add({"kind": "IngressClass", "apiVersion": "networking.k8s.io/v1",
              "metadata": {"name": "nginx"}, "spec": {"controller": "k8s.io/ingress-nginx"}})
    for name in ("cart", "home", "wild", "other"):
        _app(snap, name)
    _app(snap, "cold", ready=False)
    snap.add({"kind": "Service", "metadata": {"name": "ext", "namespace": "shop"},
              "spec": {"type": "ExternalName", "externalName": "example.org",
                       "ports": [{"name": "http", "port": 80}]}})
    snap.add(_ingress("shop", {"rules": [
        {"host": "shop.example.com", "http": {"paths": [_path("cart", "/cart")]}},
        {"host": "elsewhere.example.org", "http": {"paths": [_path("other")]}}]},
        "2026-01-01T00:00:00Z"))
    snap.add(_ingress("catch-all", {"defaultBackend": {
        "service": {"name": "home", "port": {"name": "http"}}},
        "rules": [{"http": {"paths": [_path("ext", "/ext")]}}]}, "2026-01-02T00:00:00Z"))
    snap.add(_ingress("wild", {"rules": [
        {"host": "*.example.com", "http": {"paths": [_path("wild"), _path("cold", "/c")]}}]},
        "2026-01-03T00:00:00Z"))
    return snap


def traced(snap: Snapshot, target: str = "shop.example.com/cart") -> TraceResult:
    return trace(snap, parse_request(target))


def test_the_predicted_backend_comes_first_then_every_competitor_for_the_host() -> None:
    snap = shop()
    found = candidates(snap, traced(snap))
    assert [(c.key, c.role) for c in found] == [
        ("shop/cart", "predicted"),
        ("shop/wild", "Ingress shop/wild spec.rules[0].http.paths[0] *.example.com/"),
        ("shop/cold", "Ingress shop/wild spec.rules[0].http.paths[1] *.example.com/c"),
        ("shop/ext", "Ingress shop/catch-all spec.rules[0].http.paths[0] <any host>/ext"),
        ("shop/home", "Ingress shop/catch-all spec.defaultBackend"),
    ]
    assert [(t.pod, t.port) for t in found[0].targets] == [("cart-0", 8080)]
    assert found[2].skipped == "no ready pod with a resolvable port"
    assert found[3].skipped == "ExternalName outside the cluster"
    assert "shop/other" not in [c.key for c in found]  # another host: it cannot answer


ENTRY = "10.0.0.1:80 (LoadBalancer)"


def observe(body: bytes, status: int = 200) -> HttpObservation:
    return HttpObservation("entry", ENTRY, status, None, "curl",
                           fingerprint=fingerprint(status, [("Content-Type", "text/plain")], body))


def sample(backend: str, body: bytes, role: str = "candidate") -> Sample:
    return Sample(backend, role, f"pod {backend}-0:8080",
                  fingerprint(200, [("Content-Type", "text/plain")], body))


def entry_hop(result: TraceResult) -> Any:
    return next(h for h in result.hops if h.hop == "entry")


def test_an_answer_from_the_predicted_backend_is_evidence_only() -> None:
    snap = shop()
    res = traced(snap)
    out = attach(res, [observe(b"cart-0")], candidates(snap, res),
                 [sample("shop/cart", b"cart-0", "predicted"), sample("shop/home", b"home-0")])
    ev = entry_hop(out).evidence[-1]
    assert ev.kind == "attribution"
    assert ev.outcome.startswith("answered by Service shop/cart: matched on same status")
    assert ev.outcome.endswith("as predicted")
    assert "not asked: shop/ext (ExternalName outside the cluster)" in ev.detail
    assert out.findings == res.findings


def test_an_answer_from_a_competitor_is_an_error_with_both_fingerprints() -> None:
    snap = shop()
    res = traced(snap)
    out = attach(res, [observe(b"home-0")], candidates(snap, res),
                 [sample("shop/cart", b"cart-0", "predicted"),
                  sample("shop/home", b"home-0", "Ingress shop/catch-all spec.defaultBackend")])
    new = [f for f in out.findings if f not in res.findings]
    assert [f.code for f in new] == ["IDC780"]
    assert str(new[0].object) == "Service shop/home"
    assert "as Service shop/home (Ingress shop/catch-all spec.defaultBackend" in new[0].message
    assert "the objects predict Service shop/cart, and shop/cart (pod shop/cart-0:8080) " \
        "answers HTTP 200" in new[0].message
    assert entry_hop(out).status is HopStatus.FAIL
    assert out.verdict == "fail"


def test_answers_that_cannot_be_told_apart_are_not_a_contradiction() -> None:
    snap = shop()
    res = traced(snap)
    out = attach(res, [observe(b"same")], candidates(snap, res),
                 [sample("shop/cart", b"same", "predicted"), sample("shop/home", b"same")])
    assert out.findings == res.findings
    assert entry_hop(out).evidence[-1].outcome == (
        "could not attribute (shop/cart and shop/home answer identically)")


def test_no_entry_answer_means_no_attribution() -> None:
    snap = shop()
    res = traced(snap)
    refused = HttpObservation("entry", ENTRY, None, "connection refused", "curl")
    assert attach(res, [refused], candidates(snap, res), []) == res


def test_answered_elsewhere_needs_an_identical_match_with_another_backend() -> None:
    from ingressdoc.hops.attribution import answered_elsewhere

    snap = shop()
    res = traced(snap)
    cart, home = sample("shop/cart", b"cart-0", "predicted"), sample("shop/home", b"home-0")
    assert answered_elsewhere(res, [observe(b"home-0")], [cart, home])
    assert not answered_elsewhere(res, [observe(b"cart-0")], [cart, home])
    assert not answered_elsewhere(res, [observe(b"nobody")], [cart, home])


def test_an_externalname_backend_is_asked_on_its_destinations_pods() -> None:
    snap = shop()
    snap.add({"kind": "Service", "metadata": {"name": "bridge", "namespace": "shop"},
              "spec": {"type": "ExternalName", "externalName": "cart.shop.svc.cluster.local",
                       "ports": [{"name": "http", "port": 80}]}})
    snap.add(_ingress("bridge", {"rules": [{"host": "bridge.example.com", "http": {
        "paths": [_path("bridge")]}}]}, "2026-01-04T00:00:00Z"))
    found = candidates(snap, traced(snap, "bridge.example.com/"))
    assert found[0].key == "shop/bridge"
    assert [(t.pod, t.port) for t in found[0].targets] == [("cart-0", 8080)]


@pytest.mark.parametrize(("scenario", "pods"), [
    ("rollout-recreate-terminating-live", 0),
    ("rollout-recreate-traefik-nginx-provider-fenced", 0),
    ("rollout-recreate-traefik-nginx-provider-unfenced", 2),
])
def test_predicted_pods_are_those_the_controller_sends_requests_to(scenario: str,
                                                                   pods: int) -> None:
    """Terminating pods that still serve are candidates only where the controller keeps
    sending them requests (Traefik's ingress-nginx provider before 3.7.5)."""
    snap = load([str(SCENARIOS / scenario / "manifests.yaml")])
    result = trace(snap, parse_request("shop.example.com/cart/items"))
    assert len(backend_targets(snap, result)) == pods
