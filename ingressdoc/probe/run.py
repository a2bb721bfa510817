"""Gather live evidence for a trace: the host's DNS answer, the cluster DNS's answer for the
backend Service, and bounded HTTP requests.

Only addresses taken from the cluster's own objects (entry addresses, kube-dns, the Service
and its pods through the API server's proxy) or given by the user are contacted: a few
requests with short timeouts, no redirects followed, no bodies. Each is listed with a
command to replay it. Loopback and link-local entry addresses are withheld unless allowed
(see `scope`), and the entry probes share one deadline, however many there are.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Literal

from ingressdoc.hops import service_dns
from ingressdoc.hops.evidence import HttpObservation
from ingressdoc.hops.model import TraceResult
from ingressdoc.k8s.ports import find_service_port, protocol_of, resolve_target_port, target_port_of
from ingressdoc.probe import cluster_dns
from ingressdoc.probe.dns import DnsAnswer, parse_server, resolve
from ingressdoc.probe.http import HttpProbe, probe
from ingressdoc.probe.scope import Deadline, addresses_of, refusal
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


def entry_observations(result: TraceResult, timeout: float,
                       allowed: Collection[str] = ()) -> list[HttpObservation]:
    """The request sent to the entry addresses: `timeout` for each, and all of them within
    MAX_ENTRY_PROBES times `timeout`; `allowed` names loopback or link-local addresses the
    user lets them dial."""
    req = result.request
    wanted = [a for a in result.entry_addresses if a.scheme == req.scheme] or list(
        result.entry_addresses)
    run = Deadline(timeout * MAX_ENTRY_PROBES)
    out = []
    for addr in wanted[:MAX_ENTRY_PROBES]:
        scheme: Literal["http", "https"] = "https" if addr.scheme == "https" else "http"
        target = f"{addr.address}:{addr.port} ({addr.via})"
        p = HttpProbe(scheme, addr.address, addr.port, req.host, req.path)
        try:
            resolved = addresses_of(addr.address, addr.port, min(timeout, run.left()))
        except OSError as exc:
            out.append(HttpObservation("entry", target, None, _unresolved(exc, timeout),
                                       p.curl()))
            continue
        withheld = refusal(addr.address, resolved, allowed) or (
            None if run.left() > 0 else f"the probes' {run.seconds:g}s are used up")
        if withheld or not resolved:
            out.append(HttpObservation("entry", target, None, withheld or "no address",
                                       p.curl(), sent=False))
            continue
        p = HttpProbe(scheme, resolved[0], addr.port, req.host, req.path)
        ev = probe(p, timeout=min(timeout, run.left()))
        cert = ev.certificate
        out.append(HttpObservation(
            "entry", target, ev.status, ev.error, p.curl(),
            fallback_certificate=bool(cert and cert.is_fallback),
            certificate_covers_host=cert.covers(req.host) if cert else None,
        ))
    return out


def _unresolved(exc: OSError, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"resolving the address timed out after {timeout:g}s"
    return f"cannot resolve the address: {exc.strerror or exc}"


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
    port = find_service_port(svc, {"number": backend.port_number, "name": backend.port_name}
                             ) if svc is not None else None
    pods_hop = next((h for h in result.hops if h.hop == "pods"), None)
    if port is None or pods_hop is None:
        return out
    for ref in [r for r in pods_hop.objects if r.kind == "Pod"][:MAX_POD_PROBES]:
        pod = snapshot.get("Pod", ref.namespace, ref.name)
        target = resolve_target_port(pod, target_port_of(port), protocol_of(port)) if pod else None
        if target is not None:
            out.append(_via_proxy("pods", "pods", str(ref.namespace), ref.name, str(target),
                                  result.request.path, proxy_get))
    return out


def _via_proxy(hop: str, resource: str, ns: str, name: str, port: str, path: str,
               proxy_get: ProxyGet) -> HttpObservation:
    status, error = proxy_get(resource, ns, name, port, path)
    target = f"{resource}/{ns}/{name}:{port}"
    replay = f"kubectl get --raw '/api/v1/namespaces/{ns}/{resource}/{name}:{port}/proxy{path}'"
    return HttpObservation(hop, target, status, error, replay)
