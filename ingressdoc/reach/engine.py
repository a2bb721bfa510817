"""Walk one client-to-Service connection over a snapshot, in the order it happens.

Client pods, their resolver, DNS egress, ExternalName aliases, the Service and port, its
EndpointSlices and pods, then NetworkPolicy both ways. As in the trace, a failed hop does
not stop the walk where the next objects are still known (a short name that misses still
names the Service meant), so one run shows every reason the connection would fail. A
host/path TO goes through the ingress controller instead (`ingressdoc.reach.ingress`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.hops import backend, cluster_dns, endpoints, pods, resolver, service
from ingressdoc.hops.base import TraceContext, blocked, not_checked
from ingressdoc.hops.model import BackendRef, Hop, HopId, TraceResult, amend
from ingressdoc.hops.service import ServiceFacts
from ingressdoc.k8s.objects import name, namespace, spec
from ingressdoc.reach import client as clients
from ingressdoc.reach import naming, policy
from ingressdoc.reach.ingress import reach_via_ingress
from ingressdoc.reach.model import ReachResult, assumed_for, dial, dialled
from ingressdoc.reach.parse import ClientSpec, TargetSpec, describe_client
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
_REST = ((HopId.SERVICE, service.TITLE), (HopId.ENDPOINTS, endpoints.TITLE),
         (HopId.PODS, pods.TITLE), (HopId.EGRESS, policy.EGRESS_TITLE),
         (HopId.INGRESS, policy.INGRESS_TITLE))


def reach(snapshot: Snapshot, source: ClientSpec, target: TargetSpec) -> ReachResult:
    if target.via_ingress:
        return reach_via_ingress(snapshot, source, target)
    domain = cluster_dns.cluster_domain(snapshot)
    client_hop, client = clients.resolve(snapshot, source)
    reps = client.representatives()
    resolution = naming.resolve(snapshot, target, client.namespace, domain,
                                naming.ndots_of(reps[0] if reps else None))
    asks = resolver.client_resolver(snapshot, reps, domain.domain)
    if target.by_dns:
        resolution = naming.with_resolver(resolution, asks)
    written = target.name if target.by_dns else f"{target.name}.{target.namespace}"
    ctx = TraceContext(snapshot, dialled(written, target.port))
    hops = [client_hop, resolution.hop, policy.lookups(snapshot, client, asks.cache_ip)]
    svc = resolution.service
    outside = resolution.external
    aliased = svc is not None and cluster_dns.is_external_name(svc)
    if svc is not None and aliased:
        alias_hop, alias = _alias(ctx, svc, target, domain)
        hops.append(alias_hop)
        svc, outside = alias.service, alias.external
    rest = _REST[1:] if aliased else _REST
    assumed: tuple[HopId, ...] = ()
    dialling = None
    if svc is None:
        hops.extend(_unchecked(hops[-1] if aliased else resolution.hop, rest, outside))
    else:
        found, conn = _destination(ctx, client, svc, target)
        hops.extend(found)
        assumed = assumed_for(snapshot, svc)
        dialling = dial(reps, written, conn or _closed(svc, target.port))
    result = TraceResult(ctx.request, tuple(hops), snapshot.source)
    return ReachResult(describe_client(source), target.text, result, assumed, dialling)


def _alias(ctx: TraceContext, svc: Obj, target: TargetSpec,
           domain: cluster_dns.ClusterDomain) -> tuple[Hop, cluster_dns.Alias]:
    """The ExternalName's own Service hop (IDC403/IDC405), plus where its CNAMEs lead."""
    hop, _ = service.check(ctx, _backend(svc, target.port), None, protocol=None)
    alias = cluster_dns.resolve_alias(ctx.snapshot, svc, domain)
    if alias.problem is not None:
        hop = amend(hop, findings=[alias.problem])
    elif alias.external:
        hop = replace(hop, note=f"{alias.name} is outside the cluster")
    return hop, alias


def _destination(ctx: TraceContext, client: clients.ClientFacts, svc: Obj,
                 target: TargetSpec) -> tuple[list[Hop], policy.Connection | None]:
    ports = spec(svc).get("ports") or []
    svc_hop, facts = service.check(ctx, _backend(svc, target.port), None, protocol=None)
    if target.port is None and len(ports) > 1:
        svc_hop = replace(svc_hop, note=f"{len(ports)} ports; checked the first "
                          "(name one in TO or with --port)")
    if spec(svc).get("internalTrafficPolicy") == "Local":
        svc_hop = amend(svc_hop, findings=[finding(
            "IDC412", ObjectRef.of(svc), f"{ObjectRef.of(svc)} has internalTrafficPolicy: Local: "
            "a client reaches only endpoints on its own node, and none from other nodes",
            field="spec.internalTrafficPolicy")])
    port = facts.port if facts is not None else None
    conn: policy.Connection | None = None

    def judge(selected: Sequence[Obj]) -> Sequence[Hop]:
        nonlocal conn
        if port is None:
            return [blocked(h, t, "the Service hop") for h, t in _REST[3:]]
        conn = policy.Connection(svc, port, tuple(selected))
        return policy.policy_hops(ctx.snapshot, client, conn)

    walked = backend.walk(ctx, ServiceFacts(svc, port), judge)
    return [svc_hop, *walked], conn


def _closed(svc: Obj, port: int | str | None) -> policy.Connection | None:
    """A port number the Service does not serve is still dialled by name with `--probe`:
    a refusal or a timeout is the live proof of the predicted failure."""
    if not isinstance(port, int):
        return None
    return policy.Connection(svc, {"port": port, "protocol": "TCP"}, ())


def _backend(svc: Obj, port: int | str | None) -> BackendRef:
    """The dialled port as a trace backend; no port means the Service's first port."""
    if port is None:
        port = next((p.get("port") for p in spec(svc).get("ports") or []), None)
    ns, svc_name = str(namespace(svc)), name(svc)
    if isinstance(port, str):
        return BackendRef(ns, svc_name, port_name=port)
    return BackendRef(ns, svc_name, port_number=port)


def _unchecked(last: Hop, rest: Sequence[tuple[HopId, str]], outside: bool) -> list[Hop]:
    if outside:
        return [not_checked(h, t, "not checked: the destination is outside the cluster")
                for h, t in rest]
    return [blocked(h, t, f"the {last.title} hop") for h, t in rest]
