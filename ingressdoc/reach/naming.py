"""Name resolution as the client's resolver does it: search list, ndots, first answer wins.

The snapshot stands in for CoreDNS: a candidate answers when it is `<svc>.<ns>.svc.<domain>`
and that Service exists. When no candidate answers, the name usually still says which Service
was meant (a Service of that name in another namespace, or the right names under another
cluster domain); that Service is returned too, so the later hops are checked anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import missing_inputs, not_checked
from ingressdoc.hops.cluster_dns import ClusterDomain, cluster_shaped
from ingressdoc.hops.model import Hop, HopId, HopStatus, amend, status_from
from ingressdoc.hops.resolver import ClientResolver
from ingressdoc.k8s.dns_names import DEFAULT_NDOTS, expand_name, parse_service_name, search_list
from ingressdoc.k8s.objects import name, namespace, spec
from ingressdoc.k8s.ports import is_number
from ingressdoc.reach.parse import TargetSpec
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
TITLE = "Name resolution"


@dataclass(frozen=True)
class Resolution:
    hop: Hop
    service: Obj | None  # the Service the connection goes to, or was meant to
    external: bool = False  # the name leaves the cluster domain: upstream DNS answers it


def ndots_of(pod: Obj | None) -> int:
    """The pod's `dnsConfig` ndots option, which overrides kubelet's ndots:5."""
    for option in (spec(pod or {}).get("dnsConfig") or {}).get("options") or []:
        if option.get("name") == "ndots" and is_number(str(option.get("value", ""))):
            return int(option["value"])
    return DEFAULT_NDOTS


def resolve(snapshot: Snapshot, target: TargetSpec, client_ns: str | None,
            domain: ClusterDomain, ndots: int) -> Resolution:
    note, gaps = missing_inputs(snapshot, ("Service",))
    if note:
        return Resolution(not_checked(HopId.DNS, TITLE, note, gaps), None)
    if not target.by_dns:
        return _direct(snapshot, target, client_ns, domain)
    if client_ns is None:
        hop = not_checked(HopId.DNS, TITLE, "not checked: the client's namespace (its search "
                          "list) is unknown without its pods")
        return Resolution(hop, _meant_service(snapshot, target.name, domain.domain))
    candidates = expand_name(target.name, client_ns, domain.domain, ndots)
    how = (f"from {client_ns}: search {' '.join(search_list(client_ns, domain.domain))}, "
           f"ndots:{ndots}; cluster domain {domain.domain} ({domain.how})")
    for index, candidate in enumerate(candidates):
        svc = _service_named(snapshot, candidate, domain.domain)
        if svc is not None:
            summary = (f"{target.name} -> {candidate} (query {index + 1} of {len(candidates)}"
                       + (f", after {index} NXDOMAIN" if index else "") + ")")
            return Resolution(Hop(HopId.DNS, TITLE, HopStatus.OK, summary,
                                  objects=(ObjectRef.of(svc),), note=how), svc)
    return _unresolved(snapshot, target, client_ns, domain, candidates, how)


def with_resolver(resolution: Resolution, found: ClientResolver) -> Resolution:
    """The hop with the resolver the client's pods ask (NodeLocal DNSCache or not) in its
    note, and that resolver's findings: a name the objects resolve still fails when the
    cache the client asks cannot answer cluster names."""
    if found.note is None:
        return resolution
    hop = amend(resolution.hop, findings=found.findings)
    note = f"{hop.note}; {found.note}" if hop.note else found.note
    return replace(resolution, hop=replace(hop, note=note))


def _direct(snapshot: Snapshot, target: TargetSpec, client_ns: str | None,
            domain: ClusterDomain) -> Resolution:
    """TO named the Service: say which name the client has to write for it."""
    ns = str(target.namespace)
    svc = snapshot.get("Service", ns, target.name)
    if svc is None:
        return _not_found(snapshot, target.name, ns)
    short = target.name if client_ns == ns else f"{target.name}.{ns}"
    where = f"from {client_ns}" if client_ns else "from the client"
    summary = f"{where}, write {short} (or {target.name}.{ns}.svc.{domain.domain})"
    note = None if client_ns in (ns, None) else (
        f"the short name {target.name} resolves only inside namespace {ns}")
    return Resolution(Hop(HopId.DNS, TITLE, HopStatus.OK, summary, objects=(ObjectRef.of(svc),),
                          note=note), svc)


def _unresolved(snapshot: Snapshot, target: TargetSpec, client_ns: str,
                domain: ClusterDomain, candidates: list[str], how: str) -> Resolution:
    labels = target.name.removesuffix(".").split(".")
    tried = f"queried {', '.join(candidates)}: none is a Service"
    if len(labels) >= 4 and labels[2] == "svc" and ".".join(labels[3:]) != domain.domain:
        svc = snapshot.get("Service", labels[1], labels[0])
        f = finding(
            "IDC711", ObjectRef("Service", labels[1], labels[0]),
            f"{target.name} uses cluster domain {'.'.join(labels[3:])}; this cluster serves "
            f"{domain.domain} ({domain.how}); {tried}",
            hint=f"Write {labels[0]}.{labels[1]} or "
                 f"{labels[0]}.{labels[1]}.svc.{domain.domain}.")
        return _failed(f, f"{target.name}: NXDOMAIN, cluster domain is {domain.domain}", how, svc)
    if len(labels) == 1:
        elsewhere = sorted((s for s in snapshot.list("Service") if name(s) == labels[0]),
                           key=lambda s: str(namespace(s)))
        if elsewhere:
            where = ", ".join(str(namespace(s)) for s in elsewhere)
            f = finding(
                "IDC710", ObjectRef.of(elsewhere[0]),
                f"{target.name} from namespace {client_ns} is looked up as "
                f"{candidates[0]} first; Service {labels[0]} exists only in {where}; {tried} "
                "(NXDOMAIN)",
                hint=_qualified(labels[0], [str(namespace(s)) for s in elsewhere], domain))
            return _failed(f, f"{target.name}: NXDOMAIN from {client_ns}, the Service is in {where}",
                           how, elsewhere[0] if len(elsewhere) == 1 else None)
        return _not_found(snapshot, labels[0], client_ns, tried, how)
    if cluster_shaped(snapshot, labels, domain.domain):
        return _not_found(snapshot, labels[0], labels[1], tried, how)
    note = (f"{target.name} is outside the cluster domain {domain.domain}: the upstream "
            "resolvers answer it; not checked")
    return Resolution(Hop(HopId.DNS, TITLE, HopStatus.UNKNOWN, note, note=how), None, external=True)


def _qualified(service: str, namespaces: list[str], domain: ClusterDomain) -> str:
    """The names that reach the Service; with one in several namespaces the user picks."""
    if len(namespaces) == 1:
        return (f"Write {service}.{namespaces[0]} (or "
                f"{service}.{namespaces[0]}.svc.{domain.domain}).")
    return (f"Write the namespace of the Service you mean: "
            f"{' or '.join(f'{service}.{ns}' for ns in namespaces)}.")


def _not_found(snapshot: Snapshot, service: str, ns: str, detail: str | None = None,
               how: str | None = None) -> Resolution:
    elsewhere = sorted(str(namespace(s)) for s in snapshot.list("Service") if name(s) == service)
    also = f"; a Service {service} exists in {', '.join(elsewhere)}" if elsewhere else ""
    f = finding("IDC713", ObjectRef("Service", ns, service),
                f"no Service {service} in namespace {ns}"
                + (f" ({detail})" if detail else "") + also)
    return _failed(f, f"no Service {service} in namespace {ns}", how, None)


def _failed(f: Finding, summary: str, how: str | None, meant: Obj | None) -> Resolution:
    hop = Hop(HopId.DNS, TITLE, status_from((f,)), summary, findings=(f,),
              objects=(ObjectRef.of(meant),) if meant else (), note=how)
    return Resolution(hop, meant)


def _service_named(snapshot: Snapshot, candidate: str, domain: str) -> Obj | None:
    parsed = parse_service_name(candidate, domain)
    return None if parsed is None else snapshot.get("Service", parsed[1], parsed[0])


def _meant_service(snapshot: Snapshot, written: str, domain: str) -> Obj | None:
    """Without the client's namespace, only a name that carries its own namespace is clear."""
    labels = written.removesuffix(".").split(".")
    if len(labels) >= 2 and cluster_shaped(snapshot, labels, domain):
        return snapshot.get("Service", labels[1], labels[0])
    return None
