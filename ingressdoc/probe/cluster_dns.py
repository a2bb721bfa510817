"""Ask the cluster's DNS about an in-cluster name, the way that works from where the user is.

In order: the server given with `--cluster-dns` (only it); else the kube-dns ClusterIP,
with a short timeout since the service range is often not routable from outside the
cluster; else, with `--probe` only, DNS over TCP through a port-forward to a ready CoreDNS
pod (it needs create on pods/portforward, more than reading). A route is used only once it
answers kube-dns's own name with kube-dns's ClusterIP: that proves the server is this
cluster's DNS and the cluster domain is right, so a stray server at the same address on
another network, or an assumed domain, never turns into a finding.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ingressdoc.hops.cluster_dns import DNS_NAMESPACE, cluster_domain, dns_service
from ingressdoc.hops.service_dns import (
    ClusterDnsObservation,
    cluster_ips,
    listed,
    normalize,
)
from ingressdoc.k8s.dns_names import service_fqdn
from ingressdoc.k8s.endpoints import endpoint_states
from ingressdoc.k8s.objects import name, namespace
from ingressdoc.probe.dns import DnsAnswer, parse_server, resolve, resolve_over
from ingressdoc.snapshot import Snapshot

QUICK = 1.0  # seconds for the ClusterIP's first answer before falling back
FORWARD_LOCAL_PORT = 10053  # in the replay line only
Obj = Mapping[str, Any]
OpenPort = Callable[[str, str, int], socket.socket]  # namespace, pod, port -> a TCP stream
Via = Literal["given", "cluster-ip", "port-forward"]


@dataclass(frozen=True)
class Route:
    via: Via
    server: str  # an address, or namespace/pod for a port-forward
    port: int = 53

    @property
    def label(self) -> str:
        where = f"[{self.server}]" if ":" in self.server else self.server
        where += f":{self.port}" if self.port != 53 else ""
        return {"given": f"--cluster-dns {where}", "cluster-ip": f"kube-dns ClusterIP {where}",
                "port-forward": f"CoreDNS pod {self.server} through a port-forward"}[self.via]

    def replay(self, qname: str) -> str:
        if self.via == "port-forward":
            ns, pod = self.server.split("/", 1)
            return (f"kubectl -n {ns} port-forward pod/{pod} {FORWARD_LOCAL_PORT}:53 & "
                    f"dig +tcp @127.0.0.1 -p {FORWARD_LOCAL_PORT} {qname}")
        port = f" -p {self.port}" if self.port != 53 else ""
        return f"dig @{self.server}{port} {qname}"


@dataclass(frozen=True)
class Control:
    """A name whose answer the objects fix: kube-dns's own, answered with its ClusterIPs."""

    name: str
    addresses: frozenset[str]


@dataclass(frozen=True)
class Plan:
    routes: tuple[Route, ...]
    control: Control | None
    hint: str  # what the user can do when no route answers
    gaps: tuple[str, ...] = ()  # routes that could not even be planned, and why


def plan(snapshot: Snapshot, given: str | None, port_forward: bool) -> Plan:
    """The routes to try, in order (pure: the snapshot and the options decide)."""
    svc = dns_service(snapshot)
    ips = cluster_ips(svc) if svc is not None else ()
    control = None
    if svc is not None and ips:
        fqdn = service_fqdn(name(svc), str(namespace(svc)), cluster_domain(snapshot).domain)
        control = Control(fqdn, frozenset(ips))
    if given is not None:
        address, port = parse_server(given)
        return Plan((Route("given", address, port),), control, "check --cluster-dns")
    routes = [Route("cluster-ip", ips[0])] if ips else []
    gaps = [] if ips else [f"no kube-dns Service with a ClusterIP in {DNS_NAMESPACE}"]
    if port_forward:
        pod = _ready_pod(snapshot, svc)
        if pod is not None:
            routes.append(Route("port-forward", pod))
        else:
            gaps.append("no ready CoreDNS pod to port-forward to")
    hint = "give --cluster-dns" if port_forward else "give --cluster-dns or use --probe"
    return Plan(tuple(routes), control, hint, tuple(gaps))


def lookup(qname: str, route_plan: Plan, timeout: float,
           open_port: OpenPort | None = None) -> ClusterDnsObservation:
    """Ask the first route that proves to reach the cluster's DNS. A CNAME chain that ends
    without an address is followed by asking its last name on its own, for its status."""
    failures: list[str] = []
    for route in route_plan.routes:
        ask = _asker(route, open_port)
        if route_plan.control is not None:
            quick = min(timeout, QUICK) if route.via == "cluster-ip" else timeout
            problem = _unproven(ask(route_plan.control.name, quick), route_plan.control)
            if problem is not None:
                failures.append(f"{route.label}: {problem}")
                continue
        answer = ask(qname, timeout)
        target = None
        if answer.cnames and not answer.addresses and answer.status not in ("timeout", "error"):
            target = ask(answer.cnames[-1], timeout)
        return ClusterDnsObservation(route.label, route.replay(qname), answer, target,
                                     attempts=tuple(failures))
    return ClusterDnsObservation(
        None, None, None, unchecked=f"cluster DNS not reachable from here ({route_plan.hint})",
        attempts=(*route_plan.gaps, *failures))


def _asker(route: Route, open_port: OpenPort | None) -> Callable[[str, float], DnsAnswer]:
    if route.via != "port-forward":
        return lambda n, t: resolve(n, server=route.server, port=route.port, timeout=t,
                                    hosts_file=None)
    if open_port is None:
        raise ValueError("a port-forward route needs open_port")
    ns, pod = route.server.split("/", 1)
    return lambda n, t: resolve_over(n, lambda: open_port(ns, pod, 53), route.label, t)


def _unproven(answer: DnsAnswer, control: Control) -> str | None:
    """Why this answer does not prove the server is the cluster's DNS (None: it does)."""
    if answer.status in ("timeout", "error"):
        return answer.detail
    if normalize(answer.addresses) == control.addresses:
        return None
    got = listed(answer.addresses) or answer.status
    return (f"answers {control.name} with {got}, not {listed(control.addresses)}: "
            "not this cluster's DNS, or another cluster domain")


def _ready_pod(snapshot: Snapshot, svc: Obj | None) -> str | None:
    """A ready kube-dns endpoint's pod, as namespace/name (the first by name, for stable output)."""
    if svc is None:
        return None
    pods = sorted(e.pod for s in snapshot.service_slices(svc)
                  if not snapshot.is_derived(s) for e in endpoint_states(s) if e.ready and e.pod)
    return f"{namespace(svc)}/{pods[0]}" if pods else None
