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


def warned(name: str, code: str = "IDC502") -> Hop:
    w = finding(code, ObjectRef("Service", "shop", "cart"), "1 of 2 endpoints not ready")
    return Hop(name, name, HopStatus.WARN, "warn", findings=(w,))


def failing(name: str, code: str, message: str = "m") -> Hop:
    f = finding(code, ObjectRef("Service", "shop", "cart"), message)
    return Hop(name, name, HopStatus.FAIL, "fail", findings=(f,))


def test_any_failing_status_is_a_divergence_and_never_hides_a_warning() -> None:
    out = attach(result(ok("entry"), warned("endpoints")), [seen("entry", 500)])
    assert [f.code for f in out.findings] == ["IDC720", "IDC502"]
    message = out.findings[0].message
    assert "HTTP 500" in message
    assert "every object check passed" not in message
    assert "no object check predicts a failure (warnings: IDC502)" in message


def test_the_applications_own_answer_is_not_the_routes_fault() -> None:
    out = attach(result(ok("entry"), ok("pods")), [seen("entry", 401), seen("pods", 401)])
    assert out.findings == ()
    assert out.hops[0].evidence[0].detail == "the backend's pods answer the same"
    out = attach(result(ok("entry"), ok("pods")), [seen("entry", 500), seen("pods", 500)])
    assert [f.code for f in out.findings] == ["IDC720"]
    assert "the application fails the request, not the route" in out.findings[0].message


def test_a_live_success_the_objects_say_cannot_happen_names_the_leniency() -> None:
    out = attach(result(ok("entry"), failing("endpoints", "IDC501", "0 of 1 endpoints ready")),
                 [seen("entry", 200)])
    assert [f.code for f in out.findings] == ["IDC781", "IDC501"]
    message = out.findings[0].message
    assert "although the objects predict a failure (IDC501: 0 of 1 endpoints ready)" in message
    assert "endpoints that are not ready" in message
    assert "another controller" in message


def test_a_probe_that_fails_by_construction_is_not_probed() -> None:
    skipped = HttpObservation("service", "services/shop/ext:80", None, None, "",
                              skipped="an ExternalName Service")
    out = attach(result(ok("entry"), ok("service")), [seen("entry", 200), skipped])
    assert out.findings == ()
    assert out.hops[1].evidence[0].outcome == "not probed (an ExternalName Service)"
    assert out.hops[1].evidence[0].replay is None


def test_a_policy_on_the_controllers_path_explains_only_the_entry() -> None:
    out = attach(result(ok("entry"), ok("pods"), failing("netpol", "IDC701")),
                 [seen("entry", 504), seen("pods", None)])
    assert out.hops[0].evidence[0].detail == "explained by IDC701"
    assert out.hops[1].evidence[0].detail == ""
    assert [f.code for f in out.findings] == ["IDC720", "IDC701"]


def _policy_protected_shop() -> tuple[TraceResult, object]:
    from ingressdoc.hops.model import BackendRef
    from ingressdoc.snapshot import Snapshot

    snap = Snapshot(live=True, meta={"server": "https://10.250.0.1:6443"})
    snap.add({"kind": "Namespace", "metadata": {"name": "shop"}})
    snap.add({"kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
              "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})
    snap.add({"kind": "Pod", "metadata": {"name": "web-0", "namespace": "shop",
                                          "labels": {"app": "web"}},
              "spec": {"containers": [{"name": "c"}]},
              "status": {"podIP": "10.244.0.9", "conditions": [
                  {"type": "Ready", "status": "True"}]}})
    snap.add({"kind": "NetworkPolicy", "metadata": {"name": "only-controller", "namespace": "shop"},
              "spec": {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {
                  "matchLabels": {"kubernetes.io/metadata.name": "traefik"}}}]}]}})
    pods = Hop("pods", "Pods", HopStatus.OK, "1 pod", objects=(ObjectRef("Pod", "shop", "web-0"),))
    res = TraceResult(REQ, (ok("service"), pods), "test", backend=BackendRef("shop", "web", 80))
    return res, snap


def test_pods_the_api_server_may_not_reach_are_asked_through_a_port_forward() -> None:
    import socket

    from ingressdoc.probe.run import backend_observations

    res, snap = _policy_protected_shop()
    asked: list[str] = []
    far_ends: list[socket.socket] = []

    def proxy_get(resource: str, ns: str, name: str, port: str,
                  path: str) -> tuple[int | None, str | None]:
        asked.append(resource)
        return 503, None

    def open_port(ns: str, pod: str, port: int) -> socket.socket:
        here, there = socket.socketpair()
        there.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        far_ends.append(there)
        return here

    seen = backend_observations(res, proxy_get, snap, open_port)  # type: ignore[arg-type]
    assert asked == []
    assert seen[0].skipped is not None
    assert "NetworkPolicy shop/only-controller admits no traffic from the API server " \
        "(10.250.0.1) to port 8080" in seen[0].skipped
    assert (seen[1].target, seen[1].status) == ("pods/shop/web-0:8080 (port-forward)", 200)
    assert seen[1].replay.startswith("kubectl port-forward -n shop pod/web-0 8080 & curl")
    out = attach(res, seen)
    assert out.findings == ()
    assert out.hops[0].evidence[0].outcome.startswith("not probed (NetworkPolicy")
    without = backend_observations(res, proxy_get, snap)  # type: ignore[arg-type]
    assert without[1].skipped == seen[0].skipped


def test_an_externalname_service_is_not_probed_through_the_proxy() -> None:
    from ingressdoc.hops.model import BackendRef
    from ingressdoc.probe.run import backend_observations
    from ingressdoc.snapshot import Snapshot

    snap = Snapshot(live=True)
    snap.add({"kind": "Service", "metadata": {"name": "ext", "namespace": "shop"},
              "spec": {"type": "ExternalName", "externalName": "web.other.svc.cluster.local",
                       "ports": [{"port": 80}]}})
    res = TraceResult(REQ, (ok("service"),), "test", backend=BackendRef("shop", "ext", 80))
    seen = backend_observations(res, lambda *a: (404, None), snap)
    assert [o.skipped for o in seen] == [
        "an ExternalName Service: the API server's proxy cannot follow its name"]


def test_a_success_another_backend_gave_is_not_called_leniency() -> None:
    out = attach(result(ok("entry"), failing("endpoints", "IDC501")), [seen("entry", 200)],
                 answered_elsewhere=True)
    assert [f.code for f in out.findings] == ["IDC501"]


def test_terminating_pods_only_the_controller_uses_explain_the_service_proxys_503() -> None:
    """The API server's Service proxy takes ready endpoints only; a controller that keeps
    sending requests to terminating pods that serve (IDC645) serves the entry meanwhile."""
    served = finding("IDC645", ObjectRef("Deployment", "shop", "cart"), "terminating, serving")
    pods = Hop("pods", "Pods", HopStatus.WARN, "1 pod", findings=(served,))
    out = attach(result(ok("entry"), ok("service"), pods),
                 [seen("entry", 200), seen("service", 503)])
    assert [f.code for f in out.findings] == ["IDC645"]
    assert out.hops[1].evidence[0].detail == "explained by IDC645"
