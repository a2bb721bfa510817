"""NetworkPolicy: is traffic from the controller pods admitted to the backend pods' port?

Policies see the pod (target) port after DNAT, not the Service port, and a hostNetwork
controller's traffic comes from node IPs; both are modelled by the one policy engine that
`reach` uses too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.k8s.endpoints import pod_ready
from ingressdoc.k8s.netpol import Decision, Endpoint, Miss, evaluate
from ingressdoc.k8s.objects import labels, name, namespace, spec, status
from ingressdoc.k8s.ports import resolve_target_port, target_port_of
from ingressdoc.snapshot import ObjectRef, Snapshot
from ingressdoc.trace.hops.base import TraceContext, missing_inputs, not_checked
from ingressdoc.trace.hops.controller import ControllerFacts
from ingressdoc.trace.model import Hop, HopStatus, status_from

Obj = Mapping[str, Any]
INPUTS = ("NetworkPolicy",)
TITLE = "NetworkPolicy"
MISS_CODES = {
    "namespace-label": "IDC702",
    "peer-and-or": "IDC703",
    "service-port": "IDC704",
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


def namespace_labels(snapshot: Snapshot) -> Mapping[str, Mapping[str, str]]:
    """Labels per namespace; the engine adds kubernetes.io/metadata.name itself."""
    return {name(n): labels(n) for n in snapshot.list("Namespace")}


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


def check(
    ctx: TraceContext, controller: ControllerFacts, pods: Sequence[Obj],
    port: Mapping[str, Any] | None,
) -> Hop:
    note, gaps = missing_inputs(ctx.snapshot, INPUTS)
    if note:
        return not_checked("netpol", TITLE, note, gaps)
    if not pods or port is None:
        return Hop("netpol", TITLE, HopStatus.SKIPPED, "no backend pods to check",
                   note="not checked (no backend pods)")
    policies = ctx.snapshot.list("NetworkPolicy")
    ns_labels = namespace_labels(ctx.snapshot)
    if not controller.pods:
        return _without_sources(policies, pods)
    target = target_port_of(port)
    protocol = str(port.get("protocol") or "TCP")
    found: list[Finding] = []
    denied: list[str] = []
    checked = 0
    sources = [p for p in controller.pods if pod_ready(p) is not False] or list(controller.pods)
    dests = [p for p in pods if pod_ready(p) is not False] or list(pods)
    for dst in dests:
        pod_port = resolve_target_port(dst, target, protocol)
        if pod_port is None:
            continue
        decision = evaluate(policies, ns_labels, endpoint_of(sources[0]), endpoint_of(dst),
                            pod_port, protocol, service_port=int(port.get("port", 0)) or None)
        checked += 1
        if not decision.allowed:
            denied.append(name(dst))
            found.extend(_denial(decision, sources[0], dst))
    found = list({(f.code, f.message): f for f in found}.values())
    summary = (f"{checked - len(denied)}/{checked} backend pods admit the controller "
               f"({namespace(sources[0])}/{name(sources[0])})")
    return Hop("netpol", TITLE, status_from(tuple(found)), summary, findings=tuple(found),
               objects=tuple(ObjectRef("NetworkPolicy", p, n) for p, n in _selecting(
                   policies, dests)))


def _denial(decision: Decision, src: Obj, dst: Obj) -> list[Finding]:
    out: list[Finding] = []
    if not decision.egress.allowed:
        out.append(finding("IDC706", ObjectRef.of(src), decision.egress.reason))
    if not decision.ingress.allowed:
        out.append(finding("IDC701", ObjectRef.of(dst), decision.ingress.reason))
    return out + miss_findings(decision, str(namespace(dst)))


def _selecting(policies: Sequence[Obj], pods: Sequence[Obj]) -> list[tuple[str | None, str]]:
    dest_ns = {namespace(p) for p in pods}
    return [(namespace(p), name(p)) for p in policies if namespace(p) in dest_ns]


def _without_sources(policies: Sequence[Obj], pods: Sequence[Obj]) -> Hop:
    isolating = _selecting(policies, pods)
    if not isolating:
        return Hop("netpol", TITLE, HopStatus.OK, "no NetworkPolicy in the backend namespace")
    note = "not checked: controller pods unknown, cannot judge the policies"
    return Hop("netpol", TITLE, HopStatus.UNKNOWN, note, note=note,
               objects=tuple(ObjectRef("NetworkPolicy", n, p) for n, p in isolating))
