"""Walk every hop of one request over a snapshot.

A failed hop does not stop the walk: later hops are checked wherever their objects can be
found and marked "not checked (blocked by ...)" only where they cannot. Hops are reported in
the order the request travels, even though the controller must be known before the entry.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingressdoc.hops import (
    backend,
    cluster_dns,
    controller,
    endpoints,
    entry,
    netpol,
    pods,
    routing,
    service,
    tls,
)
from ingressdoc.hops.base import TraceContext, blocked, guarded, not_checked
from ingressdoc.hops.model import Hop, HopId, TraceResult
from ingressdoc.request import Request
from ingressdoc.snapshot import Snapshot
from ingressdoc.trace.routers import ROUTERS


def trace(
    snapshot: Snapshot,
    request: Request,
    ingress_class: str | None = None,
) -> TraceResult:
    """The object trace; live evidence is added to it afterwards (`probe.run.gather`)."""
    ctx = TraceContext(snapshot, request, ingress_class)
    ctl_hop, ctl = controller.check(ctx)
    entry_hop, addresses = entry.check(ctx, ctl)
    outcome = routing.route(ctx, ctl, ROUTERS)
    hops: list[Hop] = [entry_hop, ctl_hop, outcome.hop]
    tls_hop = guarded(HopId.TLS, tls.TITLE,
                      lambda: tls.check(ctx, ctl.routes_of("Ingress"), outcome))
    if tls_hop is not None:
        hops.append(tls_hop)

    def result(walked: Sequence[Hop]) -> TraceResult:
        return TraceResult(request, tuple(hops + list(walked)), snapshot.source, addresses,
                           outcome.backend, ctl)

    rest = ((HopId.SERVICE, service.TITLE), (HopId.ENDPOINTS, endpoints.TITLE),
            (HopId.PODS, pods.TITLE), (HopId.NETPOL, netpol.TITLE))
    if outcome.backend is None:
        by = "the resource backend" if outcome.resource_backend else "the rule hop"
        return result([blocked(h, t, by) for h, t in rest])
    svc_hop, svc = service.check(ctx, outcome.backend, outcome.route, outcome.backend_field)
    hops.append(svc_hop)
    alias = svc.alias if svc is not None else None
    if svc is not None and alias is not None:
        hops.append(guarded(HopId.CLUSTER_DNS, cluster_dns.TITLE,
                            lambda: cluster_dns.check(ctx, svc.service, alias)))
    dest = svc.destination if svc is not None else None
    if dest is None:
        return result(_not_followed(alias, rest[1:]))
    return result(backend.walk(ctx, dest, lambda selected: [guarded(
        HopId.NETPOL, netpol.TITLE, lambda: netpol.check(ctx, ctl, selected, dest.port))]))


def _not_followed(alias: cluster_dns.Alias | None, rest: Sequence[tuple[HopId, str]]) -> list[Hop]:
    """The hops after a Service the walk cannot go past: missing, or an ExternalName whose
    name leads out of the cluster (nothing there to check) or nowhere."""
    if alias is not None and alias.external:
        note = f"not checked: {alias.name} is outside the cluster"
        return [not_checked(h, t, note) for h, t in rest]
    by = "the Cluster DNS hop" if alias is not None else "the missing Service"
    return [blocked(h, t, by) for h, t in rest]

