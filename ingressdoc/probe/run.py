"""Gather live evidence for a trace: the host's DNS answer, the cluster DNS's answer for the
backend Service, and bounded HTTP requests.

Only addresses taken from the cluster's own objects (entry addresses, kube-dns, the Service
and its pods through the API server's proxy) or given by the user are contacted: a few
requests with short timeouts, no redirects followed, no bodies. Each is listed with a
command to replay it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from ingressdoc.hops import attribution, service_dns
from ingressdoc.hops.candidates import candidates, pod_targets
from ingressdoc.hops.evidence import HttpObservation
from ingressdoc.hops.fingerprint import fingerprint
from ingressdoc.hops.model import TraceResult
from ingressdoc.probe import cluster_dns
from ingressdoc.probe.attribution import OpenPort, samples
from ingressdoc.probe.dns import DnsAnswer, parse_server, resolve
from ingressdoc.probe.http import HttpProbe, probe
from ingressdoc.snapshot import Snapshot

MAX_ENTRY_PROBES = 2
MAX_POD_PROBES = 3
ProxyGet = Callable[[str, str, str, str, str], tuple[int | None, str | None]]


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
        cert, got = ev.certificate, ev.response
        out.append(HttpObservation(
            "entry", f"{addr.address}:{addr.port} ({addr.via})", ev.status, ev.error, p.curl(),
            fallback_certificate=bool(cert and cert.is_fallback),
            certificate_covers_host=cert.covers(req.host) if cert else None,
            fingerprint=fingerprint(got.status, got.headers, got.body, got.truncated)
            if got is not None else None,
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
    out = [_via_proxy("service", "services", backend.namespace, backend.service,
                      backend.port_label, result.request.path, proxy_get)]
    svc = snapshot.get("Service", backend.namespace, backend.service)
    pods_hop = next((h for h in result.hops if h.hop == "pods"), None)
    if svc is None or pods_hop is None:
        return out
    pods = [p for r in pods_hop.objects if r.kind == "Pod"
            for p in [snapshot.get("Pod", r.namespace, r.name)] if p is not None]
    for t in pod_targets(snapshot, svc, backend, pods[:MAX_POD_PROBES]):
        out.append(_via_proxy("pods", "pods", t.namespace, t.pod, str(t.port),
                              result.request.path, proxy_get))
    return out


def _via_proxy(hop: str, resource: str, ns: str, name: str, port: str, path: str,
               proxy_get: ProxyGet) -> HttpObservation:
    status, error = proxy_get(resource, ns, name, port, path)
    target = f"{resource}/{ns}/{name}:{port}"
    replay = f"kubectl get --raw '/api/v1/namespaces/{ns}/{resource}/{name}:{port}/proxy{path}'"
    return HttpObservation(hop, target, status, error, replay)


def attribution_evidence(result: TraceResult, snapshot: Snapshot, observations: Sequence[
        HttpObservation], open_port: OpenPort, timeout: float) -> TraceResult:
    """Which backend gave the entry's answer: the same request sent to each candidate
    backend's pods through a port-forward, matched with the entry's fingerprint."""
    if not any(o.hop == "entry" and o.fingerprint is not None for o in observations):
        return result
    cands = candidates(snapshot, result)
    req = result.request
    host = req.host if req.port is None else f"{req.host}:{req.port}"
    seen = samples(cands, host, req.path, open_port, timeout)
    return attribution.attach(result, observations, cands, seen)
