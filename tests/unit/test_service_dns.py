"""The cluster DNS's answer for the backend Service, compared with its objects, and how the
cluster DNS is reached. Answers come from a DNS server on loopback started by the tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from dnsserver import Zone, dns_server, silent_server

from ingressdoc.checks.emit import finding
from ingressdoc.hops.model import BackendRef, Hop, HopStatus, TraceResult
from ingressdoc.hops.resolver import client_resolver
from ingressdoc.hops.service_dns import attach, compare, expected, resolvers_note
from ingressdoc.k8s import node_local_dns
from ingressdoc.probe import cluster_dns
from ingressdoc.probe.cluster_dns import Plan, Route
from ingressdoc.probe.dns import DnsAnswer, Status
from ingressdoc.probe.run import Wanted, backend_name_evidence, gather
from ingressdoc.request import parse_request
from ingressdoc.snapshot import KindStatus, ObjectRef, Snapshot
from ingressdoc.snapshot.kinds import Read
from ingressdoc.snapshot.live import LiveSource
from ingressdoc.trace.plan import reads_for

FAST = 0.3
REQ = parse_request("shop.example.com/")
ZONE = Zone(records={
    "kube-dns.kube-system.svc.cluster.local": {"A": ["10.96.0.10"]},
    "web.shop.svc.cluster.local": {"A": ["10.96.0.20"]},
    "moved.shop.svc.cluster.local": {"A": ["10.96.0.99"]},
    "dual.shop.svc.cluster.local": {"A": ["10.96.0.22"], "AAAA": ["fd00:0:0:0:0:0:0:22"]},
    "db.shop.svc.cluster.local": {"A": ["10.244.0.5", "10.244.0.6"]},
    "cache.shop.svc.cluster.local": {"A": ["10.244.0.5", "10.244.0.7"]},
    "legacy.shop.svc.cluster.local": {"CNAME": ["gone.example.org"]},
    "nofwd.shop.svc.cluster.local": {"CNAME": ["api.internal.example"]},
    "api.internal.example": {"TXT": ['"no address"']},
    "pay.shop.svc.cluster.local": {"CNAME": ["web.shop.svc.cluster.local"]},
    "api.shop.svc.cluster.local": {"CNAME": ["api.example.net"]},
    "api.example.net": {"A": ["203.0.113.9"]},
    "stray.shop.svc.cluster.local": {"CNAME": ["elsewhere.example.net"]},
    "elsewhere.example.net": {"A": ["203.0.113.10"]},
}, servfail=frozenset({"broken.shop.svc.cluster.local", "api.internal.example"}))


def svc(name: str, ns: str = "shop", **spec: Any) -> dict[str, Any]:
    return {"kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": {"ports": [{"port": 80}], **spec}}


def endpoints(service: str, ns: str, *eps: tuple[str, bool, str | None]) -> dict[str, Any]:
    return {"kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": {"name": f"{service}-x", "namespace": ns,
                         "labels": {"kubernetes.io/service-name": service}},
            "endpoints": [{"addresses": [ip], "conditions": {"ready": ready},
                           **({"targetRef": {"kind": "Pod", "name": pod}} if pod else {})}
                          for ip, ready, pod in eps]}


def corefile(zone: str = "cluster.local") -> dict[str, Any]:
    return {"kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": "kube-system"},
            "data": {"Corefile": f".:53 {{\n  kubernetes {zone} in-addr.arpa\n"
                                 "  forward . /etc/resolv.conf\n}\n"}}


def snapshot(*extra: dict[str, Any], domain: str = "cluster.local") -> Snapshot:
    snap = Snapshot(live=True)
    for obj in (
        corefile(domain),
        svc("kube-dns", "kube-system", clusterIP="10.96.0.10", selector={"k8s-app": "kube-dns"}),
        endpoints("kube-dns", "kube-system", ("10.244.0.2", False, "coredns-a"),
                  ("10.244.0.3", True, "coredns-b")),
        svc("web", clusterIP="10.96.0.20", clusterIPs=["10.96.0.20"]),
        svc("moved", clusterIP="10.96.0.21"),
        svc("ghost", clusterIP="10.96.0.30"),
        svc("dual", clusterIP="10.96.0.22", clusterIPs=["10.96.0.22", "fd00::22"]),
        svc("broken", clusterIP="10.96.0.40"),
        svc("db", clusterIP="None", selector={"app": "db"}),
        endpoints("db", "shop", ("10.244.0.5", True, "db-0"), ("10.244.0.6", True, "db-1"),
                  ("10.244.0.7", False, "db-2")),
        svc("cache", clusterIP="None", selector={"app": "cache"}),
        endpoints("cache", "shop", ("10.244.0.5", True, "cache-0")),
        svc("idle", clusterIP="None", selector={"app": "idle"}),
        endpoints("idle", "shop"),
        svc("legacy", type="ExternalName", externalName="gone.example.org"),
        svc("nofwd", type="ExternalName", externalName="api.internal.example"),
        svc("pay", type="ExternalName", externalName="web.shop.svc.cluster.local"),
        svc("api", type="ExternalName", externalName="api.example.net."),
        svc("stray", type="ExternalName", externalName="api.example.net"),
        *extra,
    ):
        snap.add(obj)
    snap.mark("Pod", KindStatus.LOADED)
    return snap


def traced(service: str, *findings: Any) -> TraceResult:
    hop = Hop("service", "Service", HopStatus.OK, service, findings=tuple(findings))
    return TraceResult(REQ, (hop,), "test", backend=BackendRef("shop", service, 80))


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with dns_server(ZONE) as bound:
        yield bound


def service_hop(service: str, port: int, *findings: Any, snap: Snapshot | None = None) -> Hop:
    result = backend_name_evidence(traced(service, *findings), snap or snapshot(),
                                   f"127.0.0.1:{port}", None, FAST)
    return result.hops[0]


# ------------------------------------------------------------------ the comparison


@pytest.mark.parametrize(("service", "outcome", "codes", "detail"), [
    ("web", "ok", [], "10.96.0.20: the ClusterIP, as expected"),
    ("dual", "ok", [], "10.96.0.22, fd00::22: the ClusterIP, as expected"),
    ("moved", "ok", ["IDC725"], "10.96.0.99; expected the ClusterIP: 10.96.0.21"),
    ("ghost", "nxdomain", ["IDC725"], "NXDOMAIN; expected the ClusterIP: 10.96.0.30"),
    ("broken", "servfail", ["IDC725"], "SERVFAIL; expected the ClusterIP: 10.96.0.40"),
    ("db", "ok", [], "10.244.0.5, 10.244.0.6: the ready endpoints of the headless Service, "
                     "as expected"),
    ("cache", "ok", ["IDC725"], "10.244.0.5, 10.244.0.7; expected the ready endpoints of the "
                               "headless Service: 10.244.0.5"),
    ("idle", "nxdomain", [], "NXDOMAIN, as expected: no ready endpoints of the headless "
                             "Service"),
    ("pay", "ok", [], "CNAME web.shop.svc.cluster.local -> 10.96.0.20: the ClusterIP of "
                      "Service shop/web, as expected"),
    ("api", "ok", [], "CNAME api.example.net -> 203.0.113.9: the target resolves"),
    ("stray", "ok", ["IDC725"], "CNAME elsewhere.example.net -> 203.0.113.10; expected CNAME "
                                "api.example.net"),
    ("legacy", "nxdomain", ["IDC404"], "CNAME gone.example.org -> NXDOMAIN: the target does "
                                       "not resolve"),
    # CoreDNS without a forward: the CNAME alone, and SERVFAIL for the target asked alone
    ("nofwd", "noanswer", ["IDC404"], "CNAME api.internal.example -> no A/AAAA record "
                                      "(api.internal.example: SERVFAIL): the target does not "
                                      "resolve"),
])
def test_answer_against_objects(port: int, service: str, outcome: str, codes: list[str],
                                detail: str) -> None:
    hop = service_hop(service, port)
    (evidence,) = hop.evidence
    assert (evidence.kind, evidence.target) == ("dns", f"{service}.shop.svc.cluster.local")
    assert evidence.outcome == outcome
    assert detail in evidence.detail
    assert evidence.detail.endswith(f"asked --cluster-dns 127.0.0.1:{port}")
    assert evidence.replay == f"dig @127.0.0.1 -p {port} {service}.shop.svc.cluster.local"
    assert [f.code for f in hop.findings] == codes
    assert all(f.object == ObjectRef("Service", "shop", service) for f in hop.findings)
    assert hop.status is (HopStatus.FAIL if set(codes) & {"IDC404"} else
                          HopStatus.WARN if codes else HopStatus.OK)


def test_an_unresolvable_target_names_the_targets_own_answer(port: int) -> None:
    (f,) = service_hop("legacy", port).findings
    assert f.message == ("Service shop/legacy aliases gone.example.org, which the cluster DNS "
                         f"does not resolve: gone.example.org does not exist (NXDOMAIN from "
                         f"127.0.0.1:{port})")
    assert f.field == "spec.externalName"


def test_an_object_finding_is_not_raised_twice(port: int) -> None:
    known = finding("IDC404", ObjectRef("Service", "shop", "legacy"), "from the Corefile")
    hop = service_hop("legacy", port, known)
    assert hop.findings == (known,)
    assert "; agrees with IDC404; asked" in hop.evidence[0].detail


def test_a_given_server_that_does_not_answer_leaves_the_name_unchecked() -> None:
    with silent_server() as silent:
        hop = service_hop("ghost", silent)
    assert hop.findings == ()
    assert hop.evidence[0].outcome == ("not checked: cluster DNS not reachable from here "
                                       "(check --cluster-dns)")
    assert hop.evidence[0].detail == (f"--cluster-dns 127.0.0.1:{silent}: no answer from "
                                      f"127.0.0.1:{silent} within {FAST}s")


@pytest.mark.parametrize("status", ["timeout", "error"])
def test_a_failed_query_says_nothing_about_the_name(status: Status) -> None:
    exp = expected(snapshot(), traced("ghost"))
    assert exp is not None
    answer = DnsAnswer(exp.name, status, detail="cannot ask 10.96.0.10: connection refused")
    assert compare(exp, answer) == ("cannot ask 10.96.0.10: connection refused", ())


def test_the_cluster_domain_comes_from_the_corefile(port: int) -> None:
    snap = snapshot(domain="k8s.example")
    exp = expected(snap, traced("web"))
    assert exp is not None and exp.name == "web.shop.svc.k8s.example"
    hop = service_hop("web", port, snap=snap)
    # kube-dns.kube-system.svc.k8s.example is unknown to the server: it is not trusted
    assert hop.findings == ()
    assert hop.evidence[0].outcome.startswith("not checked")
    assert "answers kube-dns.kube-system.svc.k8s.example with nxdomain, not 10.96.0.10" in \
        hop.evidence[0].detail
    assert "names under k8s.example (from ConfigMap kube-system/coredns)" in str(hop.note)


def test_no_backend_service_no_question(port: int) -> None:
    result = traced("missing")
    assert backend_name_evidence(result, snapshot(), f"127.0.0.1:{port}", None, FAST) is result


# ------------------------------------------------------------------ which server


def test_plan_without_options_is_the_cluster_ip_only() -> None:
    routes = cluster_dns.plan(snapshot(), None, port_forward=False)
    assert routes.routes == (Route("cluster-ip", "10.96.0.10"),)
    assert routes.control == cluster_dns.Control("kube-dns.kube-system.svc.cluster.local",
                                                 frozenset({"10.96.0.10"}))
    assert routes.hint == "give --cluster-dns or use --probe"


def test_plan_with_probe_adds_a_port_forward_to_a_ready_coredns_pod() -> None:
    routes = cluster_dns.plan(snapshot(), None, port_forward=True)
    assert routes.routes == (Route("cluster-ip", "10.96.0.10"),
                             Route("port-forward", "kube-system/coredns-b"))
    assert routes.routes[1].label == "CoreDNS pod kube-system/coredns-b through a port-forward"
    assert routes.routes[1].replay("web.shop.svc.cluster.local") == (
        "kubectl -n kube-system port-forward pod/coredns-b 10053:53 & "
        "dig +tcp @127.0.0.1 -p 10053 web.shop.svc.cluster.local")


def test_plan_with_a_given_server_uses_only_it() -> None:
    routes = cluster_dns.plan(snapshot(), "[fd00::53]:5353", port_forward=True)
    assert routes.routes == (Route("given", "fd00::53", 5353),)
    assert routes.routes[0].label == "--cluster-dns [fd00::53]:5353"


def test_plan_says_what_is_missing() -> None:
    snap = Snapshot(live=True)
    snap.add(endpoints("kube-dns", "kube-system", ("10.244.0.2", False, "coredns-a")))
    routes = cluster_dns.plan(snap, None, port_forward=True)
    assert routes.routes == () and routes.control is None
    assert routes.gaps == ("no kube-dns Service with a ClusterIP in kube-system",
                           "no ready CoreDNS pod to port-forward to")


def _plan(*routes: Route) -> Plan:
    control = cluster_dns.Control("kube-dns.kube-system.svc.cluster.local",
                                  frozenset({"10.96.0.10"}))
    return Plan(routes, control, "give --cluster-dns")


def test_an_unreachable_cluster_ip_falls_back_to_the_port_forward(
        port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster_dns, "QUICK", FAST)
    opened: list[tuple[str, str, int]] = []

    def open_port(ns: str, pod: str, remote: int) -> socket.socket:
        opened.append((ns, pod, remote))
        return socket.create_connection(("127.0.0.1", port))

    with silent_server() as silent:
        seen = cluster_dns.lookup(
            "web.shop.svc.cluster.local",
            _plan(Route("cluster-ip", "127.0.0.1", silent),
                  Route("port-forward", "kube-system/coredns-b")), 5.0, open_port)
    assert seen.answer is not None and seen.answer.addresses == ("10.96.0.20",)
    assert seen.server == "CoreDNS pod kube-system/coredns-b through a port-forward"
    assert seen.attempts == (f"kube-dns ClusterIP 127.0.0.1:{silent}: no answer from "
                             f"127.0.0.1:{silent} within {FAST}s",)
    assert set(opened) == {("kube-system", "coredns-b", 53)}
    assert len(opened) == 4  # one stream per query: kube-dns's name, the Service's (A, AAAA)


def test_a_server_that_is_not_the_cluster_dns_is_not_used(port: int) -> None:
    with dns_server(Zone({"web.shop.svc.cluster.local": {"A": ["192.0.2.1"]}})) as stray:
        seen = cluster_dns.lookup("web.shop.svc.cluster.local",
                                  _plan(Route("cluster-ip", "127.0.0.1", stray),
                                        Route("given", "127.0.0.1", port)), FAST)
    assert seen.answer is not None and seen.answer.addresses == ("10.96.0.20",)
    assert seen.attempts == (
        f"kube-dns ClusterIP 127.0.0.1:{stray}: answers kube-dns.kube-system.svc.cluster.local "
        "with nxdomain, not 10.96.0.10: not this cluster's DNS, or another cluster domain",)


def test_a_refused_port_forward_leaves_the_name_unchecked() -> None:
    def forbidden(ns: str, pod: str, remote: int) -> socket.socket:
        raise ConnectionError("port-forward forbidden: grant create on pods/portforward")

    seen = cluster_dns.lookup("web.shop.svc.cluster.local",
                              _plan(Route("port-forward", "kube-system/coredns-b")), FAST,
                              forbidden)
    assert seen.answer is None
    assert seen.unchecked == "cluster DNS not reachable from here (give --cluster-dns)"
    (attempt,) = seen.attempts
    assert attempt.endswith("port-forward forbidden: grant create on pods/portforward")


def test_no_route_is_evidence_that_says_why() -> None:
    snap = snapshot()
    exp = expected(snap, traced("web"))
    assert exp is not None
    seen = cluster_dns.lookup(exp.name, Plan((), None, "give --cluster-dns or use --probe",
                                             ("no ready CoreDNS pod to port-forward to",)), FAST)
    hop = attach(traced("web"), exp, seen, "note").hops[0]
    (evidence,) = hop.evidence
    assert evidence.outcome == ("not checked: cluster DNS not reachable from here "
                                "(give --cluster-dns or use --probe)")
    assert evidence.detail == "no ready CoreDNS pod to port-forward to"
    assert hop.status is HopStatus.OK and hop.note == "note"


@pytest.mark.parametrize(("reason", "message"), [
    ("Handshake status 403 Forbidden -+-+- {}", "port-forward forbidden: grant create on "
                                                "pods/portforward (see deploy/rbac.yaml)"),
    ("Handshake status 404 Not Found -+-+- {}", "pod kube-system/coredns-b not found"),
    ("[Errno 111] Connection refused", "port-forward to kube-system/coredns-b failed: "
                                       "connection refused"),
])
def test_a_refused_port_forward_is_a_connection_error(monkeypatch: pytest.MonkeyPatch,
                                                      reason: str, message: str) -> None:
    import kubernetes.stream
    from kubernetes.client import ApiClient, Configuration
    from kubernetes.client.exceptions import ApiException

    def refuse(*args: object, **kwargs: object) -> None:
        raise ApiException(status=0, reason=reason)

    monkeypatch.setattr(kubernetes.stream, "portforward", refuse)
    source = LiveSource(ApiClient(Configuration()), "test", "https://127.0.0.1:6443", 1.0)
    with pytest.raises(ConnectionError) as refused:
        source.open_port("kube-system", "coredns-b", 53)
    assert str(refused.value) == message


# ------------------------------------------------------------------ which resolver pods use


def agent(name: str, args: list[str], ready: bool = True,
          label: str = "node-local-dns") -> dict[str, Any]:
    return {"kind": "Pod", "metadata": {
                "name": name, "namespace": "kube-system", "labels": {"k8s-app": label},
                "ownerReferences": [{"kind": "DaemonSet", "name": label}]},
            "spec": {"containers": [{"name": "node-cache", "args": args}]},
            "status": {"conditions": [{"type": "Ready", "status": str(ready)}]}}


def test_without_nodelocal_pods_ask_kube_dns() -> None:
    assert resolvers_note(snapshot()) == (
        "names under cluster.local (from ConfigMap kube-system/coredns); pods resolve through "
        "kube-dns 10.96.0.10 (no NodeLocal DNSCache)")


def test_nodelocal_on_the_cluster_ip_answers_every_pod() -> None:
    args = ["-localip", "169.254.20.10,10.96.0.10", "-conf", "/etc/Corefile"]
    note = resolvers_note(snapshot(agent("nld-1", args), agent("nld-2", args, ready=False)))
    assert note.endswith(
        "pods resolve through NodeLocal DNSCache (DaemonSet kube-system/node-local-dns, 1/2 "
        "pods ready): on every node it answers 169.254.20.10, 10.96.0.10, the kube-dns "
        "ClusterIP included, from its cache, and asks CoreDNS on a miss")


def test_nodelocal_on_the_link_local_address_needs_the_kubelet() -> None:
    note = resolvers_note(snapshot(agent("nld", ["-localip=169.254.25.10"], label="nodelocaldns")))
    assert note.endswith(
        "pods resolve through NodeLocal DNSCache (DaemonSet kube-system/nodelocaldns, 1/1 pods "
        "ready) at 169.254.25.10 if the kubelet's clusterDNS is 169.254.25.10, otherwise "
        "through kube-dns 10.96.0.10")


def test_nodelocal_unknown_when_its_pods_cannot_be_listed() -> None:
    snap = snapshot()
    snap.mark_scope("Pod", "kube-system", KindStatus.FORBIDDEN)
    assert resolvers_note(snap).endswith(
        "(NodeLocal DNSCache not checked: cannot list Pod in kube-system (forbidden))")


def test_the_note_lands_on_the_service_hop(port: int) -> None:
    args = ["-localip", "169.254.20.10"]
    hop = service_hop("web", port, snap=snapshot(agent("nld", args)))
    assert "NodeLocal DNSCache (DaemonSet kube-system/node-local-dns" in str(hop.note)


@pytest.mark.parametrize(("args", "ips"), [
    (["-localip", "169.254.20.10,10.96.0.10", "-conf", "x"], ("169.254.20.10", "10.96.0.10")),
    (["--localip=169.254.20.10"], ("169.254.20.10",)),
    (["-conf", "/etc/Corefile"], ()),
])
def test_localip_argument(args: list[str], ips: tuple[str, ...]) -> None:
    assert node_local_dns.local_ips(agent("nld", args)) == ips


def cache_corefile(cluster_block: str, name: str = "node-local-dns") -> dict[str, Any]:
    return {"kind": "ConfigMap", "metadata": {"name": name, "namespace": "kube-system"},
            "data": {"Corefile": f"{cluster_block}\n.:53 {{\n  bind 169.254.20.10\n"
                                 "  forward . /etc/resolv.conf\n}\n"}}


def cache_client(*nameservers: str) -> dict[str, Any]:
    return {"kind": "Pod", "metadata": {"name": "client", "namespace": "shop"},
            "spec": {"dnsPolicy": "None", "dnsConfig": {"nameservers": list(nameservers)},
                     "containers": [{"name": "c"}]}}


def test_a_plain_coredns_cache_states_its_addresses_in_bind() -> None:
    snap = snapshot(agent("nld", ["-conf", "/etc/coredns/Corefile"]), cache_corefile(
        "cluster.local:53 {\n  bind 169.254.20.10 10.96.0.10\n  forward . 10.96.0.10\n}"))
    assert "on every node it answers 169.254.20.10, 10.96.0.10, the kube-dns ClusterIP" in (
        resolvers_note(snap))


UPSTREAM = svc("kube-dns-upstream", "kube-system", clusterIP="10.96.0.11",
               selector={"k8s-app": "kube-dns"})


@pytest.mark.parametrize(("block", "client", "code", "why"), [
    ("cluster.local:53 {\n  forward . 10.96.0.11 {\n    force_tcp\n  }\n}", "169.254.20.10",
     None, None),
    ("cluster.local:53 {\n  forward . __PILLAR__CLUSTER__DNS__\n}", "169.254.20.10", None,
     None),
    ("cluster.local:53 {\n  bind 169.254.20.10\n  cache 30\n}", "169.254.20.10", "IDC760",
     "names under cluster.local: server block cluster.local:53 has no forward"),
    ("", "169.254.20.10", "IDC760", "names under cluster.local: forwarded to /etc/resolv.conf "
     "by server block .:53, not to the cluster DNS (10.96.0.10, 10.96.0.11)"),
    ("", "10.96.0.10", None, None),
], ids=["forwards-to-upstream", "node-cache-placeholder", "no-forward", "to-the-node-resolver",
        "client-asks-kube-dns"])
def test_a_cache_that_drops_cluster_names(block: str, client: str, code: str | None,
                                          why: str | None) -> None:
    snap = snapshot(agent("nld", []), cache_corefile(block), UPSTREAM)
    found = client_resolver(snap, [cache_client(client)], "cluster.local")
    assert [f.code for f in found.findings] == ([code] if code else [])
    if why:
        assert why in found.findings[0].message
    uses = client == "169.254.20.10"
    assert ("on the client's node (the pod's dnsConfig names 169.254.20.10)" in str(
        found.note)) is uses


# ------------------------------------------------------------------ what a live trace reads


def test_reads_for_the_cluster_dns_stay_in_kube_system() -> None:
    snap = snapshot(agent("nld", []))
    with_dns = set(reads_for(snap, REQ))
    without = set(reads_for(snap, REQ, cluster_dns=False))
    assert with_dns - without == {
        Read("ConfigMap", "kube-system", name="coredns"),
        Read("ConfigMap", "kube-system", name="node-local-dns"),
        Read("ConfigMap", "kube-system", name="nodelocaldns"),
        Read("Service", "kube-system"),
        Read("EndpointSlice", "kube-system", label_selector="kubernetes.io/service-name=kube-dns"),
        Read("Pod", "kube-system", label_selector="k8s-app in (node-local-dns,nodelocaldns)"),
        Read("ConfigMap", "kube-system", name="node-local-dns"),
        Read("ConfigMap", "kube-system", name="nodelocaldns"),
    }
    # NodeLocal DNSCache's pods are no controller: kube-system is not read as its namespace
    assert Read("NetworkPolicy", "kube-system") not in with_dns


def test_gather_puts_each_piece_of_evidence_where_the_request_meets_it(port: int) -> None:
    def no_proxy(*_: str) -> tuple[int | None, str | None]:
        raise AssertionError("no HTTP probe without --probe")

    def no_forward(*_: object) -> socket.socket:
        raise AssertionError("no port-forward without --probe")

    server = f"127.0.0.1:{port}"
    wanted = Wanted(dns=True, probe=False, timeout=FAST, dns_server=server, cluster_dns=server)
    result = gather(traced("web"), snapshot(), wanted, no_proxy, no_forward)
    assert [h.hop for h in result.hops] == ["dns", "service"]
    assert result.hops[0].status is HopStatus.FAIL  # shop.example.com is not in the zone
    assert [e.outcome for e in result.hops[1].evidence] == ["ok"]
