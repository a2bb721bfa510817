"""Cluster DNS: an ExternalName backend is a name the controller resolves through kube-dns.

So the name must resolve there: kube-dns has ready endpoints, and CoreDNS either answers it
(an in-cluster Service, whose endpoints the later hops then check) or sends it somewhere
(`forward`, a stub zone). The Corefile and the alias rules live here because `reach`
resolves names the same way; both read them from this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import TraceContext, missing_inputs
from ingressdoc.hops.model import Hop, HopId, status_from
from ingressdoc.k8s.corefile import DEFAULT_DOMAIN, Corefile, parse_corefile
from ingressdoc.k8s.dns_names import parse_service_name
from ingressdoc.k8s.endpoints import endpoint_states
from ingressdoc.k8s.objects import name, spec
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
TITLE = "Cluster DNS"
DNS_NAMESPACE = "kube-system"
DNS_SERVICE = "kube-dns"
DNS_LABELS: Mapping[str, str] = {"k8s-app": "kube-dns"}  # kube-dns and CoreDNS alike
COREDNS_CONFIGMAP = "coredns"


@dataclass(frozen=True)
class ClusterDomain:
    domain: str
    how: str


@dataclass(frozen=True)
class ClusterCorefile:
    corefile: Corefile
    configmap: str  # namespace/name, for the reader


def corefile_of(snapshot: Snapshot) -> ClusterCorefile | None:
    """The Corefile of kube-system/coredns, else of any kube-system ConfigMap that holds one
    (distributions rename it)."""
    maps = sorted(snapshot.list("ConfigMap", DNS_NAMESPACE),
                  key=lambda cm: name(cm) != COREDNS_CONFIGMAP)
    for cm in maps:
        text = (cm.get("data") or {}).get("Corefile")
        if text:
            return ClusterCorefile(parse_corefile(str(text)), f"{DNS_NAMESPACE}/{name(cm)}")
    return None


def cluster_domain(snapshot: Snapshot) -> ClusterDomain:
    """The zone of the Corefile's `kubernetes` plugin, else the kubeadm default."""
    found = corefile_of(snapshot)
    if found is not None and found.corefile.cluster_domain:
        return ClusterDomain(found.corefile.cluster_domain, f"from ConfigMap {found.configmap}")
    return ClusterDomain(DEFAULT_DOMAIN, "assumed: no CoreDNS Corefile in the snapshot")


def dns_service(snapshot: Snapshot) -> Obj | None:
    svc = snapshot.get("Service", DNS_NAMESPACE, DNS_SERVICE)
    if svc is not None:
        return svc
    labelled = snapshot.list("Service", DNS_NAMESPACE, DNS_LABELS)
    return labelled[0] if labelled else None


@dataclass(frozen=True)
class Readiness:
    """kube-dns endpoint readiness; `known` is False when the snapshot cannot tell."""

    summary: str
    findings: tuple[Finding, ...] = ()
    known: bool = True


def dns_readiness(snapshot: Snapshot) -> Readiness:
    """IDC712 when the kube-dns Service is known and none of its endpoints is ready."""
    svc = dns_service(snapshot)
    if svc is None:
        return Readiness("kube-dns Service not in the snapshot", known=False)
    ref = ObjectRef.of(svc)
    slices = snapshot.service_slices(svc)
    if not slices or any(snapshot.is_derived(s) for s in slices):
        return Readiness(f"{ref.namespace}/{ref.name} endpoints unknown", known=False)
    states = [e for s in slices for e in endpoint_states(s)]
    ready = sum(1 for e in states if e.ready)
    summary = f"{ref.namespace}/{ref.name} {ready}/{len(states)} endpoints ready"
    if ready:
        return Readiness(summary)
    return Readiness(summary, (finding(
        "IDC712", ref, f"0 of {len(states)} endpoints of {ref.namespace}/{ref.name} are ready: "
        "no in-cluster name resolves"),))


def cluster_shaped(snapshot: Snapshot, labels: Sequence[str], domain: str) -> bool:
    """`svc.ns.svc[.<domain>]`, and `svc.ns` unless it reads as a public name like
    `example.com` (neither a namespace nor a Service of the snapshot is named in it)."""
    if len(labels) == 2:
        return (snapshot.get("Namespace", None, labels[1]) is not None
                or any(name(s) == labels[0] for s in snapshot.list("Service")))
    return len(labels) >= 3 and labels[2] == "svc" and ".".join(labels[3:]) in ("", domain)


def is_external_name(svc: Obj) -> bool:
    return spec(svc).get("type") == "ExternalName"


@dataclass(frozen=True)
class Alias:
    """Where an ExternalName Service's CNAME leads: an in-cluster Service, outside, or nowhere.

    `name` is the last name of the chain, the one upstream DNS must answer when it leads out.
    """

    name: str
    service: Obj | None
    problem: Finding | None = None

    @property
    def external(self) -> bool:
        return self.service is None and self.problem is None


def follow_alias(snapshot: Snapshot, svc: Obj, domain: ClusterDomain) -> Alias:
    """The Service an ExternalName names. Its CNAME target is absolute: no search list applies,
    so only the full `<svc>.<ns>.svc.<domain>` form lands in the cluster."""
    target = str(spec(svc).get("externalName") or "").lower()
    ref = ObjectRef.of(svc)
    parsed = parse_service_name(target, domain.domain)
    if parsed is not None:
        aliased = snapshot.get("Service", parsed[1], parsed[0])
        if aliased is not None:
            return Alias(target, aliased)
        return Alias(target, None, finding(
            "IDC404", ref, f"{ref} aliases {target}, and no Service {parsed[0]} exists in "
            f"namespace {parsed[1]}", field="spec.externalName"))
    labels = target.removesuffix(".").split(".")
    meant = snapshot.get("Service", labels[1], labels[0]) if len(labels) >= 2 else None
    foreign = _foreign_domain(snapshot, labels, domain) if meant is not None else None
    if foreign is not None:
        fqdn = f"{labels[0]}.{labels[1]}.svc.{domain.domain}"
        return Alias(target, None, finding(
            "IDC404", ref, f"{ref} aliases {target}, a Service name under cluster domain "
            f"{foreign}, but this cluster serves {domain.domain} ({domain.how}): CoreDNS "
            "sends the name out of the cluster, where it is NXDOMAIN", field="spec.externalName",
            hint=f"Set spec.externalName to {fqdn}."))
    if meant is None or not cluster_shaped(snapshot, labels, domain.domain):
        return Alias(target, None)
    fqdn = f"{labels[0]}.{labels[1]}.svc.{domain.domain}"
    return Alias(target, None, finding(
        "IDC404", ref, f"{ref} aliases {target}, a CNAME target the resolver takes as absolute "
        "(no search list), so it is NXDOMAIN", field="spec.externalName",
        hint=f"Set spec.externalName to {fqdn}."))


def _foreign_domain(snapshot: Snapshot, labels: Sequence[str], domain: ClusterDomain
                    ) -> str | None:
    """The other cluster domain of a `<svc>.<ns>.svc.<domain>` name, when the Corefile is
    known and no server block of its own serves that domain (only the root block's
    forward, or nothing, would): such a name meant a Service here."""
    suffix = ".".join(labels[3:])
    found = corefile_of(snapshot)
    if len(labels) < 4 or labels[2] != "svc" or suffix == domain.domain or found is None:
        return None
    lookup = found.corefile.lookup(".".join(labels))
    if lookup.outcome == "cluster" or (lookup.block is not None and "." not in lookup.block.zones):
        return None
    return suffix


def resolve_alias(snapshot: Snapshot, svc: Obj, domain: ClusterDomain) -> Alias:
    """Follow the CNAMEs through ExternalName Services to the Service that has endpoints;
    a loop is a resolution failure (SERVFAIL), not a hang."""
    seen = {ObjectRef.of(svc)}
    alias = follow_alias(snapshot, svc, domain)
    while alias.service is not None and is_external_name(alias.service):
        ref = ObjectRef.of(alias.service)
        if ref in seen:
            return Alias(alias.name, None, finding(
                "IDC404", ObjectRef.of(svc), f"{ObjectRef.of(svc)} aliases a CNAME loop "
                f"through {ref}", field="spec.externalName"))
        seen.add(ref)
        alias = follow_alias(snapshot, alias.service, domain)
    return alias


def check(ctx: TraceContext, svc: Obj, alias: Alias) -> Hop:
    """kube-dns readiness plus where the alias's name resolves; unknown where the snapshot
    lacks kube-dns or the Corefile, never a guess."""
    readiness = dns_readiness(ctx.snapshot)
    found: list[Finding] = list(readiness.findings)
    unknown = not readiness.known
    note: str | None = None
    if alias.problem is not None:
        found.append(alias.problem)
        where = "does not resolve"
    elif alias.service is not None:
        where = f"-> Service {ObjectRef.of(alias.service).namespace}/{name(alias.service)}"
        note = f"cluster domain {cluster_domain(ctx.snapshot).how}"
    else:
        where, lookup_note, problem = _upstream(ctx, svc, alias)
        found.extend(problem)
        unknown = unknown or lookup_note is not None
        note = lookup_note
    summary = f"{alias.name} {where}; {readiness.summary}"
    objects = tuple(ObjectRef.of(o) for o in (svc, alias.service) if o is not None)
    return Hop(HopId.CLUSTER_DNS, TITLE, status_from(tuple(found), unknown=unknown), summary,
               objects=objects, findings=tuple(found), note=note)


def _upstream(ctx: TraceContext, svc: Obj,
              alias: Alias) -> tuple[str, str | None, tuple[Finding, ...]]:
    """A name outside the cluster: which server block of the Corefile answers it, if any.
    Returns the summary part, a "not checked" note when unknown, and IDC404 when nothing can."""
    gap, gaps = missing_inputs(ctx.snapshot, ("ConfigMap",), DNS_NAMESPACE)
    found = corefile_of(ctx.snapshot)
    if gap or found is None:
        why = gap or f"not checked: ConfigMap {DNS_NAMESPACE}/{COREDNS_CONFIGMAP} (the "\
            "Corefile) is not in the snapshot"
        return "(resolution not checked)", why, gaps
    lookup = found.corefile.lookup(alias.name)
    if lookup.outcome in ("cluster", "forward"):
        return lookup.describe(), None, ()
    if lookup.outcome == "other":
        return "(resolution not checked)", f"not checked: {lookup.describe()}", ()
    ref = ObjectRef.of(svc)
    zone = alias.name.partition(".")[2] or alias.name
    return "does not resolve", None, (finding(
        "IDC404", ref, f"{ref} aliases {alias.name}: {lookup.describe()} (Corefile of "
        f"ConfigMap {found.configmap})", field="spec.externalName",
        hint=f"Add `forward . /etc/resolv.conf` (or a server block for {zone} with a forward) "
             "to the Corefile, or point spec.externalName at a name the cluster DNS resolves."),)
