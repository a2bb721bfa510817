"""Live answers are folded into a finished trace; divergence from the objects is a finding."""

from __future__ import annotations

from ingressdoc.checks.emit import finding
from ingressdoc.hops.evidence import HttpObservation, attach
from ingressdoc.hops.model import Hop, HopStatus, TraceResult
from ingressdoc.request import parse_request
from ingressdoc.snapshot import ObjectRef

REQ = parse_request("shop.example.com/cart")


def result(*hops: Hop) -> TraceResult:
    return TraceResult(REQ, hops, "test")


def ok(name: str) -> Hop:
    return Hop(name, name, HopStatus.OK, "ok")


def seen(hop: str, status: int | None, **kw: bool) -> HttpObservation:
    return HttpObservation(hop, f"{hop}-target", status, None if status else "refused",
                           f"curl {hop}", **kw)


def test_healthy_answers_are_evidence_only() -> None:
    out = attach(result(ok("entry"), ok("service")), [seen("entry", 200), seen("service", 200)])
    assert [h.status for h in out.hops] == [HopStatus.OK, HopStatus.OK]
    assert out.hops[0].evidence[0].outcome == "HTTP 200"
    assert out.hops[0].evidence[0].replay == "curl entry"
    assert out.findings == ()


def test_first_unexplained_divergence_is_named_once() -> None:
    out = attach(result(ok("entry"), ok("service")), [seen("entry", 503), seen("service", None)])
    assert [f.code for f in out.findings] == ["IDC720"]
    assert out.hops[0].status is HopStatus.WARN
    assert "entry-target answered HTTP 503" in out.findings[0].message


def test_an_object_finding_explains_the_answer() -> None:
    cause = finding("IDC501", ObjectRef("Service", "shop", "cart"), "0 of 2 endpoints ready")
    broken = Hop("endpoints", "EndpointSlices", HopStatus.FAIL, "none", findings=(cause,))
    dns = Hop("dns", "DNS", HopStatus.FAIL, "nx", findings=(
        finding("IDC101", ObjectRef("Host", None, REQ.host), "nxdomain"),))
    out = attach(result(dns, ok("entry"), broken), [seen("entry", 503)])
    assert [f.code for f in out.findings] == ["IDC101", "IDC501"]
    assert out.hops[1].evidence[0].detail == "explained by IDC501"


def test_fallback_certificate_is_an_error() -> None:
    out = attach(result(ok("entry")), [seen("entry", 200, fallback_certificate=True)])
    assert [f.code for f in out.findings] == ["IDC721"]
    assert out.hops[0].status is HopStatus.FAIL


def test_backend_probes_reach_the_service_and_each_pod_on_its_target_port() -> None:
    from ingressdoc.hops.model import BackendRef
    from ingressdoc.probe.run import backend_observations
    from ingressdoc.snapshot import Snapshot

    snap = Snapshot(live=True)
    snap.add({"kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
              "spec": {"selector": {"app": "web"},
                       "ports": [{"name": "http", "port": 80, "targetPort": "web"}]}})
    for i, port in enumerate((8080, 9090)):
        snap.add({"kind": "Pod", "metadata": {"name": f"web-{i}", "namespace": "shop"},
                  "spec": {"containers": [{"name": "c", "ports": [
                      {"name": "web", "containerPort": port}]}]}})
    pods = Hop("pods", "Pods", HopStatus.OK, "2 pods", objects=(
        ObjectRef("Pod", "shop", "web-0"), ObjectRef("Pod", "shop", "web-1")))
    res = TraceResult(REQ, (ok("service"), pods), "test",
                      backend=BackendRef("shop", "web", port_name="http"))
    asked: list[tuple[str, str, str, str, str]] = []

    def proxy_get(resource: str, ns: str, name: str, port: str,
                  path: str) -> tuple[int | None, str | None]:
        asked.append((resource, ns, name, port, path))
        return 200, None

    seen = backend_observations(res, proxy_get, snap)
    assert asked == [("services", "shop", "web", "http", "/cart"),
                     ("pods", "shop", "web-0", "8080", "/cart"),
                     ("pods", "shop", "web-1", "9090", "/cart")]
    assert [o.hop for o in seen] == ["service", "pods", "pods"]
    assert seen[1].replay == "kubectl get --raw '/api/v1/namespaces/shop/pods/web-0:8080/proxy/cart'"
