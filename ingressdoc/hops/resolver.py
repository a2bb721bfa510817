"""Which resolver the client's pods ask, and whether NodeLocal DNSCache there answers
cluster names.

A pod asks the nameservers of its resolv.conf: with dnsPolicy None those of its dnsConfig,
with the ClusterFirst policies the kubelet's clusterDNS (which the API does not show), with
Default the node's. NodeLocal DNSCache stands in between when it answers the first of those
on the pod's node: always where it answers the kube-dns ClusterIP (iptables setups), where
the pod's dnsConfig names its address, and otherwise only if the kubelet's clusterDNS points
at it. On a cache miss the cache asks whoever its Corefile names for the cluster domain; when
that is not the cluster DNS, cluster names fail on every node the cache runs on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.cluster_dns import DNS_LABELS, DNS_NAMESPACE, dns_service
from ingressdoc.hops.service_dns import cluster_ips
from ingressdoc.k8s import node_local_dns
from ingressdoc.k8s.objects import labels, spec
from ingressdoc.k8s.selectors import selector_matches
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
PLACEHOLDER = "__PILLAR__"  # upstream's node-cache fills these in at start (-upstreamsvc)


@dataclass(frozen=True)
class ClientResolver:
    note: str | None
    findings: tuple[Finding, ...] = ()
    cache_ip: str | None = None  # the client's pods send their lookups to the cache there


def client_resolver(snapshot: Snapshot, client_pods: Sequence[Obj], domain: str) -> ClientResolver:
    """The resolver note for the client's name resolution hop, with IDC760 (the client uses a
    cache that cannot answer cluster names) or IDC761 (it may, through the kubelet)."""
    agent = node_local_dns.find(
        [p for p in snapshot.list("Pod", DNS_NAMESPACE)
         if labels(p).get(node_local_dns.LABEL_KEY) in node_local_dns.LABEL_VALUES],
        snapshot.list("ConfigMap", DNS_NAMESPACE))
    if agent is None:
        return ClientResolver(None)
    svc = dns_service(snapshot)
    dns_ips = cluster_ips(svc) if svc is not None else ()
    uses, how, asked = _uses(agent, client_pods, dns_ips)
    at = ", ".join(agent.local_ips) or "an address its pods and Corefile do not state"
    cache = f"NodeLocal DNSCache ({agent.owner}, {agent.ready}/{agent.pods} pods ready) at {at}"
    kube_dns = " ".join(("kube-dns", *dns_ips))
    if uses is True:
        note = f"resolver: {cache} on the client's node ({how})"
    elif uses is False:
        note = f"resolver: {how}"
    else:
        note = f"resolver: {kube_dns}, or {cache} if the kubelet's clusterDNS points at it"
    problem = _cluster_names_problem(agent, snapshot, domain)
    if problem is None or uses is False or agent.configmap is None:
        return ClientResolver(note, cache_ip=asked)
    ns, cm = agent.configmap.split("/", 1)
    code = "IDC760" if uses else "IDC761"
    return ClientResolver(note, (finding(
        code, ObjectRef("ConfigMap", ns, cm),
        f"NodeLocal DNSCache's Corefile ({agent.configmap}), names under {domain}: {problem}",
        field="data.Corefile"),), asked)


def _uses(agent: node_local_dns.NodeLocalDns, pods: Sequence[Obj],
          dns_ips: Sequence[str]) -> tuple[bool | None, str, str | None]:
    """True / False / None (the kubelet decides), why, and the cache address the pods send
    their lookups to when their dnsConfig names it."""
    if set(dns_ips) & set(agent.local_ips):
        return True, f"it answers the kube-dns ClusterIP {' '.join(dns_ips)} on every node", None
    for pod in pods:
        policy = spec(pod).get("dnsPolicy") or "ClusterFirst"
        servers = [str(s) for s in (spec(pod).get("dnsConfig") or {}).get("nameservers") or []]
        if policy == "None":
            if servers and servers[0] in agent.local_ips:
                return True, f"the pod's dnsConfig names {servers[0]}", servers[0]
            return False, f"the pod's dnsConfig nameservers {' '.join(servers) or '(none)'}", None
        if policy == "Default":
            return False, "the node's resolv.conf (dnsPolicy Default)", None
    return None, "", None


def _cluster_names_problem(agent: node_local_dns.NodeLocalDns, snapshot: Snapshot,
                           domain: str) -> str | None:
    """What the cache does with the cluster domain when that is not asking the cluster DNS;
    None when it does, or when the snapshot cannot tell."""
    if agent.corefile is None:
        return None
    lookup = agent.corefile.lookup(f"kubernetes.default.svc.{domain}")
    if lookup.outcome in ("cluster", "other"):
        return None
    if lookup.outcome != "forward":
        return lookup.describe()
    upstream = _cluster_dns_ips(snapshot)
    targets = [_address(t) for t in lookup.targets]
    if not upstream or any(PLACEHOLDER in t or t in upstream for t in targets):
        return None
    return f"{lookup.describe()}, not to the cluster DNS ({', '.join(sorted(upstream))})"


def _cluster_dns_ips(snapshot: Snapshot) -> set[str]:
    """ClusterIPs of the kube-system Services in front of CoreDNS (kube-dns, and upstream's
    kube-dns-upstream that the cache forwards to)."""
    return {ip for s in snapshot.list("Service", DNS_NAMESPACE)
            if (selector := spec(s).get("selector")) and selector_matches(selector, DNS_LABELS)
            for ip in cluster_ips(s)}


def _address(target: str) -> str:
    """`dns://10.96.0.11:53` -> `10.96.0.11`; a file (/etc/resolv.conf) stays as it is."""
    rest = target.split("://", 1)[-1]
    if rest.startswith("["):
        return rest[1:].split("]", 1)[0]
    return rest.rsplit(":", 1)[0] if rest.count(":") == 1 else rest
