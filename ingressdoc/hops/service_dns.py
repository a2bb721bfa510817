"""The backend Service's in-cluster name: does the cluster DNS answer what the objects say?

CoreDNS answers `<svc>.<ns>.svc.<domain>` with the ClusterIPs; for a headless Service with
the addresses of its ready endpoints; for an ExternalName with a CNAME to spec.externalName,
then the target's addresses if it can resolve them. A prober asks (ingressdoc.probe.
cluster_dns); this module only compares and attaches the result to the Service hop, so the
object checks never depend on it. An answer the objects already explain (IDC404 from the
Corefile) is recorded as agreeing, not raised twice.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import missing_inputs
from ingressdoc.hops.cluster_dns import (
    cluster_domain,
    dns_service,
    is_external_name,
    resolve_alias,
)
from ingressdoc.hops.dns import HostAnswer
from ingressdoc.hops.model import Evidence, Hop, HopId, TraceResult, amend
from ingressdoc.k8s import node_local_dns
from ingressdoc.k8s.dns_names import service_fqdn
from ingressdoc.k8s.endpoints import endpoint_states
from ingressdoc.k8s.objects import labels, namespace, spec
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
_FAILED = {"nxdomain": "NXDOMAIN", "noanswer": "no A/AAAA record", "servfail": "SERVFAIL"}


@dataclass(frozen=True)
class Expected:
    """What the objects say the cluster DNS answers for the backend Service's name."""

    service: ObjectRef
    name: str
    addresses: frozenset[str] | None  # None: the snapshot cannot tell
    what: str  # whose addresses these are: "the ClusterIP"
    cname: str | None = None  # ExternalName: spec.externalName

    @property
    def values(self) -> str:
        """`the ClusterIP: 10.96.0.20`, for saying what was expected instead."""
        return f"{self.what}: {listed(self.addresses or ()) or 'none'}"


@dataclass(frozen=True)
class ClusterDnsObservation:
    """What a prober got from the cluster DNS for the expected name (`answer` None: not asked,
    see `unchecked`). `target` is the end of a CNAME chain without addresses, asked alone."""

    server: str | None
    replay: str | None
    answer: HostAnswer | None
    target: HostAnswer | None = None
    unchecked: str = ""
    attempts: tuple[str, ...] = ()  # routes tried before, and why they were not used


def normalize(addresses: Iterable[str]) -> frozenset[str]:
    """IPv6 has many spellings; compare addresses, not strings."""
    out = set()
    for a in addresses:
        try:
            out.add(str(ipaddress.ip_address(a)))
        except ValueError:
            out.add(a.lower())
    return frozenset(out)


def listed(addresses: Iterable[str]) -> str:
    """Addresses in a stable order (IPv4 first, then numerically), as DNS order varies."""
    def key(a: str) -> tuple[int, int, str]:
        try:
            ip = ipaddress.ip_address(a)
        except ValueError:
            return (9, 0, a)
        return (ip.version, int(ip), a)
    return ", ".join(sorted(addresses, key=key))


def cluster_ips(svc: Obj) -> tuple[str, ...]:
    """The Service's ClusterIPs; none for a headless Service or one not yet allocated."""
    s = spec(svc)
    ips = [str(ip) for ip in s.get("clusterIPs") or [s.get("clusterIP")] if ip]
    return tuple(ip for ip in ips if ip != "None")


def expected(snapshot: Snapshot, result: TraceResult) -> Expected | None:
    """None when the trace has no backend Service in the snapshot to ask about."""
    backend = result.backend
    if backend is None:
        return None
    svc = snapshot.get("Service", backend.namespace, backend.service)
    if svc is None:
        return None
    domain = cluster_domain(snapshot)
    fqdn = service_fqdn(backend.service, backend.namespace, domain.domain)
    if not is_external_name(svc):
        addresses, what = _addresses(snapshot, svc)
        return Expected(ObjectRef.of(svc), fqdn, addresses, what)
    cname = str(spec(svc).get("externalName") or "").lower().rstrip(".")
    alias = resolve_alias(snapshot, svc, domain)
    if alias.service is None:
        return Expected(ObjectRef.of(svc), fqdn, None, f"the addresses of {cname}", cname)
    addresses, what = _addresses(snapshot, alias.service)
    aliased = ObjectRef.of(alias.service)
    return Expected(ObjectRef.of(svc), fqdn, addresses,
                    f"{what} of Service {aliased.namespace}/{aliased.name}", cname)


def _addresses(snapshot: Snapshot, svc: Obj) -> tuple[frozenset[str] | None, str]:
    if spec(svc).get("clusterIP") != "None":
        ips = cluster_ips(svc)
        return (normalize(ips) if ips else None), "the ClusterIP"
    gap, _ = missing_inputs(snapshot, ("EndpointSlice",), namespace(svc))
    slices = snapshot.service_slices(svc)
    what = "the ready endpoints of the headless Service"
    if gap or any(snapshot.is_derived(s) for s in slices):
        return None, what
    return normalize(e.address for s in slices if s.get("addressType") in ("IPv4", "IPv6")
                     for e in endpoint_states(s) if e.ready), what


def said(answer: HostAnswer) -> str:
    """An answer in words: `CNAME a.example -> 192.0.2.1`, `NXDOMAIN`."""
    chain = "".join(f"CNAME {c} -> " for c in answer.cnames)
    return chain + (listed(answer.addresses) or _FAILED.get(answer.status, answer.status))


def compare(exp: Expected, answer: HostAnswer,
            target: HostAnswer | None = None) -> tuple[str, tuple[Finding, ...]]:
    """The comparison in words, and the findings where the answer contradicts the objects.
    A timeout or a transport error says nothing about the name: no finding."""
    if answer.status in ("timeout", "error"):
        return answer.detail, ()
    if exp.cname is not None and (answer.cnames or answer.status != "nxdomain"):
        return _alias(exp, answer, target)
    got = normalize(answer.addresses)
    if exp.addresses is not None and got == exp.addresses and (
            got or answer.status in ("nxdomain", "noanswer")):
        return _as_expected(exp, answer), ()
    if answer.status == "nxdomain" and (exp.addresses or exp.cname is not None):
        # A warning: controllers reach backends through endpoints, not the Service name;
        # in-cluster clients of the Service are the ones this breaks.
        return f"NXDOMAIN; expected {exp.values}", (finding(
            "IDC725", exp.service,
            f"the cluster DNS answers NXDOMAIN for {exp.name}, although {exp.service} exists",
            hint="CoreDNS does not know the Service: check its logs, its RBAC (list/watch "
                 "Services and EndpointSlices) and the zone of its kubernetes plugin."),)
    if exp.addresses is None:
        return f"{said(answer)}; not compared: {exp.what} unknown here", ()
    return f"{said(answer)}; expected {exp.values}", (_wrong(exp, answer, exp.values),)


def _as_expected(exp: Expected, answer: HostAnswer) -> str:
    if exp.addresses:
        return f"{said(answer)}: {exp.what}, as expected"
    return f"{said(answer)}, as expected: no {exp.what.removeprefix('the ')}"


def _alias(exp: Expected, answer: HostAnswer,
           target: HostAnswer | None) -> tuple[str, tuple[Finding, ...]]:
    """An ExternalName: the CNAME must name spec.externalName, and the target resolve."""
    if answer.cnames and answer.cnames[0].lower().rstrip(".") != exp.cname:
        return f"{said(answer)}; expected CNAME {exp.cname}", (
            _wrong(exp, answer, f"CNAME {exp.cname}"),)
    if answer.addresses and exp.addresses is not None:
        if normalize(answer.addresses) == exp.addresses:
            return _as_expected(exp, answer), ()
        return f"{said(answer)}; expected {exp.values}", (_wrong(exp, answer, exp.values),)
    if answer.addresses:
        return f"{said(answer)}: the target resolves", ()
    if exp.addresses == frozenset():
        return _as_expected(exp, answer), ()
    alone = (f" ({answer.cnames[-1]}: {said(target)})"
             if target and answer.cnames and target.status != answer.status else "")
    return f"{said(answer)}{alone}: the target does not resolve", (finding(
        "IDC404", exp.service, f"{exp.service} aliases {exp.cname}, which the cluster DNS "
        f"does not resolve: {target.detail if target is not None else said(answer)}",
        field="spec.externalName"),)


def _wrong(exp: Expected, answer: HostAnswer, instead: str) -> Finding:
    return finding("IDC725", exp.service, f"the cluster DNS answers {exp.name} with "
                   f"{said(answer)}; the objects say {instead}")


def resolvers_note(snapshot: Snapshot) -> str:
    """The cluster domain and which resolver pods really ask: kube-dns, or NodeLocal
    DNSCache on their node (which answers from its cache and asks CoreDNS on a miss)."""
    domain = cluster_domain(snapshot)
    svc = dns_service(snapshot)
    dns_ips = cluster_ips(svc) if svc is not None else ()
    kube_dns = " ".join(("kube-dns", *dns_ips))
    head = f"names under {domain.domain} ({domain.how}); "
    gap, _ = missing_inputs(snapshot, ("Pod",), node_local_dns.NAMESPACE)
    agent = node_local_dns.find([p for p in snapshot.list("Pod", node_local_dns.NAMESPACE)
                                 if labels(p).get(node_local_dns.LABEL_KEY)
                                 in node_local_dns.LABEL_VALUES],
                                snapshot.list("ConfigMap", node_local_dns.NAMESPACE))
    if agent is None:
        unknown = f" (NodeLocal DNSCache {gap})" if gap else " (no NodeLocal DNSCache)"
        return f"{head}pods resolve through {kube_dns}{unknown}"
    runs = f"NodeLocal DNSCache ({agent.owner}, {agent.ready}/{agent.pods} pods ready)"
    ips = ", ".join(agent.local_ips)
    if set(dns_ips) & set(agent.local_ips):
        return (f"{head}pods resolve through {runs}: on every node it answers {ips}, the "
                f"kube-dns ClusterIP included, from its cache, and asks CoreDNS on a miss")
    if agent.local_ips:
        return (f"{head}pods resolve through {runs} at {ips} if the kubelet's clusterDNS is "
                f"{agent.local_ips[0]}, otherwise through {kube_dns}")
    return (f"{head}{runs} runs on an address its pods do not state: pods use it if the "
            f"kubelet's clusterDNS points at it, otherwise {kube_dns}")


def attach(result: TraceResult, exp: Expected, seen: ClusterDnsObservation,
           note: str) -> TraceResult:
    """The answer as evidence on the Service hop, with a finding where it contradicts the
    objects (unless an object hop raised that code already) and `note` on resolvers."""
    found: tuple[Finding, ...] = ()
    tried = "; ".join(f"not used: {a}" for a in seen.attempts)
    if seen.answer is None:
        evidence = Evidence("dns", exp.name, f"not checked: {seen.unchecked}",
                            detail="; ".join(seen.attempts))
    else:
        detail, found = compare(exp, seen.answer, seen.target)
        raised = {f.code for f in result.findings}
        agreed = sorted({f.code for f in found if f.code in raised})
        found = tuple(f for f in found if f.code not in raised)
        detail += "".join(f"; agrees with {code}" for code in agreed)
        detail += f"; asked {seen.server}" + (f"; {tried}" if tried else "")
        evidence = Evidence("dns", exp.name, seen.answer.status, detail=detail,
                            replay=seen.replay, data={"server": seen.server})
    return dataclasses.replace(result, hops=tuple(
        _with(h, evidence, found, note) if h.hop == HopId.SERVICE else h for h in result.hops))


def _with(hop: Hop, evidence: Evidence, found: tuple[Finding, ...], note: str) -> Hop:
    return dataclasses.replace(amend(hop, (evidence,), found),
                               note=f"{hop.note}; {note}" if hop.note else note)
