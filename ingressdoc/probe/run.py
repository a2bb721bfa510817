"""Gather live evidence for a trace: the host's DNS answer, the cluster DNS's answer for the
backend Service, and bounded HTTP requests.

Only addresses taken from the cluster's own objects (entry addresses, kube-dns, the Service
and its pods through the API server's proxy) or given by the user are contacted: a few
requests with short timeouts, no redirects followed, no bodies. Each is listed with a
command to replay it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ingressdoc.hops import dns, service_dns
from ingressdoc.hops.evidence import HttpObservation, attach
from ingressdoc.hops.model import HopId, TraceResult
from ingressdoc.k8s.ports import find_service_port, protocol_of, resolve_target_port, target_port_of
from ingressdoc.probe import cluster_dns
from ingressdoc.probe.dns import DnsAnswer, parse_server, resolve
from ingressdoc.probe.http import HttpProbe, probe
from ingressdoc.snapshot import Snapshot

MAX_ENTRY_PROBES = 2
MAX_POD_PROBES = 3
ProxyGet = Callable[[str, str, str, str, str], tuple[int | None, str | None]]


@dataclass(frozen=True)
class Wanted:
    """The live evidence a trace asks for: `dns` resolves the host (with `dns_server`) and
    asks the cluster DNS about the backend (`cluster_dns`); `probe` sends HTTP requests and
    may port-forward to CoreDNS."""

    dns: bool
    probe: bool
    timeout: float
    dns_server: str | None = None
    cluster_dns: str | None = None


def gather(result: TraceResult, snap: Snapshot, wanted: Wanted, proxy_get: ProxyGet,
           open_port: cluster_dns.OpenPort) -> TraceResult:
    """Every piece of live evidence for a trace, added to the object trace in one place, in
    the order the request meets it: the host's DNS answer (a hop of its own), HTTP answers of
    the entry, the Service and its pods, then the cluster DNS's answer for the backend."""
    timeout = wanted.timeout
    if wanted.dns:
        result = dns.attach(result, host_answer(result.request.host, wanted.dns_server, timeout))
    if wanted.probe:
        result = attach(result, entry_observations(result, timeout)
                        + backend_observations(result, proxy_get, snap))
    if wanted.dns:
        result = backend_name_evidence(result, snap, wanted.cluster_dns,
                                       open_port if wanted.probe else None, timeout)
    return result


def host_answer(host: str, server: str | None, timeout: float) -> DnsAnswer:
    address, port = parse_server(server) if server else (None, 53)
    return resolve(host, server=address, port=port, timeout=timeout)


def backend_name_evidence(result: TraceResult, snap: Snapshot, server: str | None,
                          open_port: cluster_dns.OpenPort | None,
                          timeout: float) -> TraceResult:
    """The cluster DNS's answer for the backend Service's name, on the Service hop; a
    port-forward is tried only when `open_port` is given (`--probe`)."""
    exp = service_dns.expected(snap, result)
    if exp is None:
        return result
    routes = cluster_dns.plan(snap, server, port_forward=open_port is not None)
    seen = cluster_dns.lookup(exp.name, routes, timeout, open_port)
    return service_dns.attach(result, exp, seen, service_dns.resolvers_note(snap))


def entry_observations(result: TraceResult, timeout: float) -> list[HttpObservation]:
    req = result.request
    wanted = [a for a in result.entry_addresses if a.scheme == req.scheme] or list(
        result.entry_addresses)
    out = []
    for addr in wanted[:MAX_ENTRY_PROBES]:
        scheme: Literal["http", "https"] = "https" if addr.scheme == "https" else "http"
        p = HttpProbe(scheme, addr.address, addr.port, req.host, req.path)
        ev = probe(p, timeout=timeout)
        cert = ev.certificate
        out.append(HttpObservation(
            HopId.ENTRY, f"{addr.address}:{addr.port} ({addr.via})", ev.status, ev.error,
            p.curl(),
            fallback_certificate=bool(cert and cert.is_fallback),
            certificate_covers_host=cert.covers(req.host) if cert else None,
        ))
    return out


def backend_observations(result: TraceResult, proxy_get: ProxyGet,
                         snapshot: Snapshot) -> list[HttpObservation]:
    """The same path sent to the backend Service and to a few of its pods on their target
    port, through the API server's proxy: "pods answer 200, the entry 404" says the rule is
    the problem, "the entry 503 and no pod answers" says the pods are."""
    backend = result.backend
    if backend is None:
        return []
    out = [_via_proxy(HopId.SERVICE, "services", backend.namespace, backend.service,
                      backend.port_label, result.request.path, proxy_get)]
    svc = snapshot.get("Service", backend.namespace, backend.service)
    port = find_service_port(svc, {"number": backend.port_number, "name": backend.port_name}
                             ) if svc is not None else None
    pods_hop = next((h for h in result.hops if h.hop == HopId.PODS), None)
    if port is None or pods_hop is None:
        return out
    for ref in [r for r in pods_hop.objects if r.kind == "Pod"][:MAX_POD_PROBES]:
        pod = snapshot.get("Pod", ref.namespace, ref.name)
        target = resolve_target_port(pod, target_port_of(port), protocol_of(port)) if pod else None
        if target is not None:
            out.append(_via_proxy(HopId.PODS, "pods", str(ref.namespace), ref.name, str(target),
                                  result.request.path, proxy_get))
    return out


def _via_proxy(hop: HopId, resource: str, ns: str, name: str, port: str, path: str,
               proxy_get: ProxyGet) -> HttpObservation:
    status, error = proxy_get(resource, ns, name, port, path)
    target = f"{resource}/{ns}/{name}:{port}"
    replay = f"kubectl get --raw '/api/v1/namespaces/{ns}/{resource}/{name}:{port}/proxy{path}'"
    return HttpObservation(hop, target, status, error, replay)
