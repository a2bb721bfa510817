"""Gather live evidence for a trace: the host's DNS answer, the cluster DNS's answer for the
backend Service, and bounded HTTP requests.

Only addresses taken from the cluster's own objects (entry addresses, kube-dns, the Service
and its pods through the API server's proxy) or given by the user are contacted: a few
requests with short timeouts, no redirects followed, no bodies. Each is listed with a
command to replay it. Loopback and link-local entry addresses are withheld unless allowed
(see `scope`), and the entry probes share one deadline, however many there are.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from ingressdoc.hops import (
    attribution,
    dns,
    entry_clients,
    evidence,
    ingress_status,
    served_cert,
    service_dns,
)
from ingressdoc.hops.candidates import PodTarget, backend_targets, candidates
from ingressdoc.hops.cluster_dns import is_external_name
from ingressdoc.hops.evidence import HttpObservation
from ingressdoc.hops.fingerprint import fingerprint
from ingressdoc.hops.ingress_status import status_addresses
from ingressdoc.hops.model import EntryAddress, HopId, TraceResult
from ingressdoc.hops.netpol import proxy_blocked
from ingressdoc.probe import cluster_dns
from ingressdoc.probe.attribution import OpenPort, ask, samples
from ingressdoc.probe.dns import DnsAnswer, parse_server, resolve
from ingressdoc.probe.http import HttpProbe, probe
from ingressdoc.probe.scope import Deadline, addresses_of, refusal
from ingressdoc.snapshot import Snapshot

MAX_ENTRY_PROBES = 2
MAX_POD_PROBES = 3
ProxyGet = Callable[[str, str, str, str, str], tuple[int | None, str | None]]


@dataclass(frozen=True)
class Wanted:
    """The live evidence a trace asks for: `dns` resolves the host (with `dns_server`) and
    asks the cluster DNS about the backend (`cluster_dns`); `probe` sends HTTP requests and
    may port-forward (to CoreDNS, and to candidate backends' pods); it dials the loopback or
    link-local entry addresses `allowed` names, and no others."""

    dns: bool
    probe: bool
    timeout: float
    dns_server: str | None = None
    cluster_dns: str | None = None
    allowed: tuple[str, ...] = ()


def gather(result: TraceResult, snap: Snapshot, wanted: Wanted, proxy_get: ProxyGet,
           open_port: cluster_dns.OpenPort) -> TraceResult:
    """Every piece of live evidence for a trace, added to the object trace in one place, in
    the order the request meets it: the host's DNS answer (a hop of its own, and what it
    says of the entry's clients and nodes), HTTP answers of
    the entry, the Service and its pods, then the cluster DNS's answer for the backend, and
    the Ingress's published status."""
    timeout = wanted.timeout
    if wanted.dns:
        answer = host_answer(result.request.host, wanted.dns_server, timeout)
        result = entry_clients.attach(dns.attach(result, answer), snap, answer)
    if wanted.probe:
        result = http_evidence(result, snap, proxy_get, open_port, timeout, wanted.allowed)
    if wanted.dns:
        result = backend_name_evidence(result, snap, wanted.cluster_dns,
                                       open_port if wanted.probe else None, timeout)
    return ingress_status.attach(snap, result)


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


def http_evidence(result: TraceResult, snapshot: Snapshot, proxy_get: ProxyGet,
                  open_port: OpenPort, timeout: float,
                  allowed: Collection[str] = ()) -> TraceResult:
    """`--probe`: the request at the entry (or the Ingress's status address), the same path
    at the backend Service and its pods, which backend answered (the same request to each
    candidate backend's pods through a port-forward), and the served certificate, each
    folded into the trace."""
    observations = (entry_observations(result, timeout, status_addresses(snapshot, result),
                                       allowed)
                    + backend_observations(result, proxy_get, snapshot, open_port, timeout))
    answered = any(o.hop == HopId.ENTRY and o.fingerprint is not None for o in observations)
    cands = candidates(snapshot, result) if answered else []
    req = result.request
    seen = samples(cands, req.host_header, req.target, open_port, timeout)
    elsewhere = attribution.answered_elsewhere(result, observations, seen)
    result = entry_clients.attach_probes(result, snapshot, observations)
    result = evidence.attach(result, observations, answered_elsewhere=elsewhere)
    result = attribution.attach(result, observations, cands, seen)
    return served_cert.attach(result, snapshot, observations)


def entry_observations(result: TraceResult, timeout: float,
                       published: Sequence[EntryAddress] = (),
                       allowed: Collection[str] = ()) -> list[HttpObservation]:
    """The request sent to the entry addresses the objects give, or else to the addresses
    the Ingress's status publishes (any controller, also one not recognised): `timeout` for
    each, and all of them within MAX_ENTRY_PROBES times `timeout`; `allowed` names loopback
    or link-local addresses the user lets them dial."""
    req = result.request
    addresses = list(result.entry_addresses) or list(published)
    wanted = [a for a in addresses if a.scheme == req.scheme] or addresses
    run = Deadline(timeout * MAX_ENTRY_PROBES)
    out = []
    for addr in wanted[:MAX_ENTRY_PROBES]:
        scheme: Literal["http", "https"] = "https" if addr.scheme == "https" else "http"
        target = f"{addr.address}:{addr.port} ({addr.via})"
        p = HttpProbe(scheme, addr.address, addr.port, req.host, req.target)
        try:
            resolved = addresses_of(addr.address, addr.port, min(timeout, run.left()))
        except OSError as exc:
            out.append(HttpObservation(HopId.ENTRY, target, None, _unresolved(exc, timeout),
                                       p.curl()))
            continue
        withheld = refusal(addr.address, resolved, allowed) or (
            None if run.left() > 0 else f"the probes' {run.seconds:g}s are used up")
        if withheld or not resolved:
            out.append(HttpObservation(HopId.ENTRY, target, None, None, p.curl(),
                                       skipped=withheld or "no address"))
            continue
        p = HttpProbe(scheme, resolved[0], addr.port, req.host, req.target)
        ev = probe(p, timeout=min(timeout, run.left()))
        cert, got = ev.certificate, ev.response
        out.append(HttpObservation(
            HopId.ENTRY, target, ev.status, ev.error, p.curl(),
            fallback_certificate=bool(cert and cert.is_fallback),
            certificate_covers_host=cert.covers(req.host) if cert else None,
            certificate=cert,
            fingerprint=fingerprint(got.status, got.headers, got.body, got.truncated)
            if got is not None else None,
        ))
    return out


def _unresolved(exc: OSError, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"resolving the address timed out after {timeout:g}s"
    return f"cannot resolve the address: {exc.strerror or exc}"


def backend_observations(result: TraceResult, proxy_get: ProxyGet, snapshot: Snapshot,
                         open_port: OpenPort | None = None,
                         timeout: float = 3.0) -> list[HttpObservation]:
    """The same path sent to the backend Service and to a few of its pods on their target
    port, through the API server's proxy: "pods answer 200, the entry 404" says the rule is
    the problem, "the entry 503 and no pod answers" says the pods are.

    Where the proxy fails by construction, the pod is asked through a port-forward instead
    (a NetworkPolicy that admits only the controller), or the probe is marked not probed
    (an ExternalName Service, which the proxy cannot follow)."""
    backend = result.backend
    if backend is None:
        return []
    svc = snapshot.get("Service", backend.namespace, backend.service)
    req = result.request
    targets = backend_targets(snapshot, result, ready_only=False, limit=MAX_POD_PROBES)
    blocked = {t: why for t in targets
               for pod in [snapshot.get("Pod", t.namespace, t.pod)] if pod is not None
               for why in [proxy_blocked(snapshot, pod, t.port)] if why is not None}
    service = f"services/{backend.namespace}/{backend.service}:{backend.port_label}"
    if svc is not None and is_external_name(svc):
        first = HttpObservation(HopId.SERVICE, service, None, None, "", skipped=(
            "an ExternalName Service: the API server's proxy cannot follow its name"
            + ("; its destination's pods are asked below" if targets else "")))
    elif targets and len(blocked) == len(targets):
        first = HttpObservation(HopId.SERVICE, service, None, None, "",
                                skipped=next(iter(blocked.values())))
    else:
        first = _via_proxy(HopId.SERVICE, "services", backend.namespace, backend.service,
                           backend.port_label, req.path, proxy_get)
    return [first, *(
        _via_forward(t, req.host_header, req.target, open_port, timeout, blocked[t])
        if t in blocked else
        _via_proxy(HopId.PODS, "pods", t.namespace, t.pod, str(t.port), req.path, proxy_get)
        for t in targets)]


def _via_forward(t: PodTarget, host: str, path: str, open_port: OpenPort | None,
                 timeout: float, why: str) -> HttpObservation:
    target = f"pods/{t.namespace}/{t.pod}:{t.port} (port-forward)"
    if open_port is None:
        return HttpObservation(HopId.PODS, target, None, None, "", skipped=why)
    got = ask(open_port, t, host, path, timeout)
    replay = (f"kubectl port-forward -n {t.namespace} pod/{t.pod} {t.port} & "
              f"curl -s -o /dev/null -w '%{{http_code}}' -H 'Host: {host}' "
              f"http://127.0.0.1:{t.port}{path}")
    if isinstance(got, str):
        return HttpObservation(HopId.PODS, target, None, got, replay)
    return HttpObservation(HopId.PODS, target, got.status, None, replay)


def _via_proxy(hop: HopId, resource: str, ns: str, name: str, port: str, path: str,
               proxy_get: ProxyGet) -> HttpObservation:
    status, error = proxy_get(resource, ns, name, port, path)
    target = f"{resource}/{ns}/{name}:{port}"
    replay = f"kubectl get --raw '/api/v1/namespaces/{ns}/{resource}/{name}:{port}/proxy{path}'"
    return HttpObservation(hop, target, status, error, replay)
