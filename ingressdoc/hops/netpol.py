"""NetworkPolicy: is traffic from the controller pods admitted to the backend pods' port?

Policies see the pod (target) port after DNAT, not the Service port, and a hostNetwork
controller's traffic comes from node IPs; both are modelled by the one policy engine that
`reach` uses too.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import TraceContext, missing_inputs, not_checked
from ingressdoc.hops.model import ControllerFacts, Hop, HopId, HopStatus, status_from
from ingressdoc.hops.workloads import template_subject
from ingressdoc.k8s.endpoints import pod_ready
from ingressdoc.k8s.netpol import Decision, Endpoint, Miss, evaluate, undecided
from ingressdoc.k8s.objects import labels, name, namespace, spec, status
from ingressdoc.k8s.ports import resolve_target_port, target_port_of
from ingressdoc.snapshot import KindStatus, ObjectRef, Snapshot

Obj = Mapping[str, Any]
INPUTS = ("NetworkPolicy",)
TITLE = "NetworkPolicy"
MISS_CODES = {
    "namespace-label": "IDC702",
    "peer-and-or": "IDC703",
    "service-port": "IDC704",
    "named-port": "IDC770",
    "host-network": "IDC705",
}


def endpoint_of(pod: Obj) -> Endpoint:
    host_net = bool(spec(pod).get("hostNetwork"))
    return Endpoint(
        namespace=None if host_net else namespace(pod),
        labels=labels(pod),
        ip=status(pod).get("hostIP" if host_net else "podIP"),
        pod=pod,
        host_network=host_net,
        node=spec(pod).get("nodeName"),
    )


def _endpoint(snap: Snapshot, pod: Obj) -> Endpoint:
    """A pod from a workload template (manifests) is named by its workload, as the findings
    about it are."""
    ep = endpoint_of(pod)
    if not snap.is_derived(pod):
        return ep
    return replace(ep, shown=f"a pod of {template_subject(snap, pod)[0]}")


def namespace_labels(snapshot: Snapshot) -> Mapping[str, Mapping[str, str]]:
    """Labels per namespace; the engine adds kubernetes.io/metadata.name itself."""
    return snapshot.memo("namespace-labels", lambda: {
        name(n): labels(n) for n in snapshot.list("Namespace")}, ("Namespace",))


def miss_findings(decision: Decision, policies_ns: str) -> list[Finding]:
    """Info findings for the near misses that explain a denial, one per (code, reason)."""
    out: list[Finding] = []
    misses: list[Miss] = [*decision.egress.misses, *decision.ingress.misses]
    seen: set[str] = set()
    for miss in misses:
        code = MISS_CODES.get(miss.key)
        if code and miss.reason not in seen:
            seen.add(miss.reason)
            ref = ObjectRef("NetworkPolicy", miss.rule.policy_namespace or policies_ns,
                            miss.rule.policy_name)
            out.append(finding(code, ref, miss.reason, field=f"spec.{miss.rule.direction}"))
    return out


def _per_node(pods: Sequence[Obj]) -> list[Obj]:
    """One pod per node: policies treat traffic from a pod's own node specially (hostNetwork
    controllers), so the verdict may differ by node but not between pods of one node."""
    ready = [p for p in pods if pod_ready(p) is not False] or list(pods)
    return list({spec(p).get("nodeName"): p for p in reversed(ready)}.values())[::-1]


def check(
    ctx: TraceContext, controller: ControllerFacts, pods: Sequence[Obj],
    port: Mapping[str, Any] | None,
) -> Hop:
    if not pods or port is None:
        return Hop(HopId.NETPOL, TITLE, HopStatus.SKIPPED, "no backend pods to check",
                   note="not checked (no backend pods)")
    scopes = {namespace(p) for p in (*pods, *controller.pods)}
    notes, gaps = zip(*(missing_inputs(ctx.snapshot, INPUTS, ns) for ns in sorted(
        str(n) for n in scopes)), strict=True)
    if any(notes):
        unique = {(f.code, f.object): f for g in gaps for f in g}
        return not_checked(HopId.NETPOL, TITLE, "; ".join(dict.fromkeys(n for n in notes if n)),
                           tuple(unique.values()))
    # A policy only selects pods of its own namespace: those of the two ends are all that
    # can decide.
    policies = [p for ns in sorted(str(n) for n in scopes)
                for p in ctx.snapshot.list("NetworkPolicy", ns)]
    ns_labels = namespace_labels(ctx.snapshot)
    if not controller.pods:
        return _without_sources(policies, pods)
    target = target_port_of(port)
    protocol = str(port.get("protocol") or "TCP")
    found: list[Finding] = []
    denied = unknown = checked = 0
    sources = _per_node(controller.pods)
    for dst in [p for p in pods if pod_ready(p) is not False] or list(pods):
        pod_port = resolve_target_port(dst, target, protocol)
        if pod_port is None:
            continue
        for src in sources:
            src_ep, dst_ep = _endpoint(ctx.snapshot, src), _endpoint(ctx.snapshot, dst)
            decision = evaluate(policies, ns_labels, src_ep, dst_ep, pod_port,
                                protocol, service_port=int(port.get("port", 0)) or None)
            checked += 1
            if decision.allowed:
                continue
            if undecided(decision, src_ep, dst_ep):
                unknown += 1
                continue
            denied += 1
            found.extend(_denial(ctx.snapshot, decision, src, dst))
    found = list({(f.code, f.message): f for f in found}.values())
    summary = (f"{checked - denied - unknown}/{checked} controller-to-backend pod pairs admitted"
               + (f", {unknown} unknown (IP not known)" if unknown else ""))
    return Hop(HopId.NETPOL, TITLE, status_from(tuple(found), unknown=bool(unknown)), summary,
               findings=tuple(found),
               objects=tuple(ObjectRef.of(p) for p in _in_namespaces(policies, scopes)),
               note="ipBlock rules need the pod or node IPs, which manifests do not carry"
               if unknown else None)


def _denial(snap: Snapshot, decision: Decision, src: Obj, dst: Obj) -> list[Finding]:
    out: list[Finding] = []
    if not decision.egress.allowed:
        out.append(finding("IDC706", template_subject(snap, src)[0], decision.egress.reason))
    if not decision.ingress.allowed:
        out.append(finding("IDC701", template_subject(snap, dst)[0], decision.ingress.reason))
    return out + miss_findings(decision, str(namespace(dst)))


def _in_namespaces(policies: Sequence[Obj], namespaces: set[str | None]) -> list[Obj]:
    return [p for p in policies if namespace(p) in namespaces]


def _without_sources(policies: Sequence[Obj], pods: Sequence[Obj]) -> Hop:
    isolating = _in_namespaces(policies, {namespace(p) for p in pods})
    if not isolating:
        return Hop(HopId.NETPOL, TITLE, HopStatus.OK, "no NetworkPolicy in the backend namespace")
    note = "not checked: controller pods unknown, cannot judge the policies"
    return Hop(HopId.NETPOL, TITLE, HopStatus.UNKNOWN, note, note=note,
               objects=tuple(ObjectRef.of(p) for p in isolating))


def proxy_blocked(snapshot: Snapshot, pod: Obj, pod_port: int) -> str | None:
    """Why the API server's proxy cannot reach `pod_port` of `pod`, or None.

    The proxy connects from the API server, not from the controller: a policy that rightly
    admits only the controller blocks it, and its failure says nothing about the request."""
    if snapshot.status("NetworkPolicy", namespace(pod)) is not KindStatus.LOADED:
        return None
    host = urlsplit(str(snapshot.meta.get("server") or "")).hostname
    try:
        address = str(ipaddress.ip_address(host)) if host else None
    except ValueError:
        address = None
    src = Endpoint(namespace=None, ip=address)
    policies = snapshot.list("NetworkPolicy", namespace(pod))
    decision = evaluate(policies, namespace_labels(snapshot), src, endpoint_of(pod), pod_port)
    if decision.ingress.allowed:
        return None
    return (f"NetworkPolicy {', '.join(decision.ingress.selecting)} admits no traffic from the "
            f"API server{f' ({address})' if address else ''} to port {pod_port}, and the "
            "API server's proxy connects from there")
