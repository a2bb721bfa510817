"""Walk every hop of one request over a snapshot.

A failed hop does not stop the walk: later hops are checked wherever their objects can be
found and marked "not checked (blocked by ...)" only where they cannot. Hops are reported in
the order the request travels, even though the controller must be known before the entry.
When another route answers than the one written for the request (or none does), that route
is walked too, so one run shows what fails after the first cause is fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ingressdoc.findings import Severity
from ingressdoc.hops import (
    backend,
    backend_protocol,
    cluster_dns,
    controller,
    controller_resolver,
    endpoints,
    entry,
    netpol,
    pods,
    request_effects,
    routing,
    service,
    tls,
)
from ingressdoc.hops.base import TraceContext, blocked, guarded, not_checked
from ingressdoc.hops.model import AfterFix, ControllerFacts, Hop, HopId, TraceResult, amend
from ingressdoc.hops.routing import RouteOutcome
from ingressdoc.request import Request
from ingressdoc.snapshot import ObjectRef, Snapshot
from ingressdoc.trace import config_outcome
from ingressdoc.trace.outcome import answering, decide, proxy_name
from ingressdoc.trace.redirects import ssl_redirect
from ingressdoc.trace.routers import ROUTERS


def trace(
    snapshot: Snapshot,
    request: Request,
    ingress_class: str | None = None,
    prefer: tuple[str, ...] = (),
) -> TraceResult:
    """The object trace; live evidence is added to it afterwards (`probe.run.gather`).
    `prefer`: route kinds to trace when routes of several kinds serve the request."""
    ctx = TraceContext(snapshot, request, ingress_class, prefer)
    ctl_hop, ctl = controller.check(ctx)
    routed = routing.route(ctx, ctl, ROUTERS)
    if routed.controller is not None:  # a Gateway's implementation serves the route
        ctl = routed.controller
    entry_hop, addresses = entry.check(ctx, ctl)
    addresses = (*routed.entry, *addresses)
    rule_hop = amend(routed.hop, findings=request_effects.check(ctx, ctl, routed))
    hops: list[Hop] = [entry_hop, *(routed.lead or (ctl_hop,)), rule_hop, *routed.follow]
    # A Gateway's listener holds its own TLS: the Gateway hop checks its certificateRefs.
    tls_hop = None if routed.controller is not None else guarded(
        HopId.TLS, tls.TITLE, lambda: tls.check(ctx, ctl, routed, redirected=bool(ssl_redirect(
            answering(ctl), routed.route_object, request.host, request.scheme,
            ctl.applied.config))))
    if tls_hop is not None:
        hops.append(tls_hop)
    hops += _backend_hops(ctx, ctl, routed)
    walked = TraceResult(request, tuple(hops), snapshot.source, addresses, routed.backend, ctl,
                         after_fix=_after_fix(ctx, ctl, routed))
    located = _with_origins(walked, snapshot)
    decided = decide(located.hops, routed, request, ctl)
    proxy = proxy_name(answering(ctl, located.hops), ctl.controller)
    return replace(located, outcome=config_outcome.amend(decided, located.hops, proxy))


def _with_origins(result: TraceResult, snapshot: Snapshot) -> TraceResult:
    """Findings on objects from files point at their file and line (a derived pod's point at
    its workload's)."""
    if snapshot.live:
        return result

    def located(hops: Sequence[Hop]) -> tuple[Hop, ...]:
        out = []
        for hop in hops:
            found = tuple(f if f.origin else replace(f, origin=_origin(snapshot, f.object))
                          for f in hop.findings)
            out.append(replace(hop, findings=found) if found != hop.findings else hop)
        return tuple(out)

    fix = result.after_fix
    return replace(result, hops=located(result.hops),
                   after_fix=replace(fix, hops=located(fix.hops)) if fix else None)


def _origin(snapshot: Snapshot, ref: ObjectRef) -> str | None:
    origin = snapshot.origin(ref)
    return str(origin) if origin is not None and origin.line is not None else None


def _after_fix(ctx: TraceContext, ctl: ControllerFacts, routed: RouteOutcome) -> AfterFix | None:
    """The nearest miss walked through the backend hops, when the rule hop names one."""
    nearest = routed.nearest
    if nearest is None or nearest.backend is None:
        return None
    cause = next((f for f in routed.hop.findings if f.severity is not Severity.INFO), None)
    return AfterFix(f"{cause.code} {cause.name}" if cause else routed.hop.summary,
                    nearest.label or str(nearest.route), tuple(_backend_hops(ctx, ctl, nearest)))


def _backend_hops(ctx: TraceContext, ctl: ControllerFacts, routed: RouteOutcome) -> list[Hop]:
    """Service (and how the controller talks to it), cluster DNS, endpoints, pods, policy."""
    rest = ((HopId.SERVICE, service.TITLE), (HopId.ENDPOINTS, endpoints.TITLE),
            (HopId.PODS, pods.TITLE), (HopId.NETPOL, netpol.TITLE))
    if routed.backend is None:
        by = "the resource backend" if routed.resource_backend else (
            f"the {(routed.follow or (routed.hop,))[-1].hop} hop")
        return [blocked(h, t, by) for h, t in rest]
    svc_hop, svc = service.check(ctx, routed.backend, routed.route, routed.backend_field)
    if svc is not None:
        svc_hop = amend(svc_hop, findings=backend_protocol.check(
            ctl.profile, ctl.controller, routed.route_object, svc.service, svc.port,
            ctx.snapshot.selected_pods(svc.service)))
    hops: list[Hop] = [svc_hop]
    alias = svc.alias if svc is not None else None
    if svc is not None and alias is not None:
        dns_hop = guarded(HopId.CLUSTER_DNS, cluster_dns.TITLE,
                          lambda: cluster_dns.check(ctx, svc.service, alias))
        hops.append(amend(dns_hop, findings=controller_resolver.check(
            ctx.snapshot, ctl.pods, alias.name, alias.service is not None)))
    dest = svc.destination if svc is not None else None
    if dest is None:
        return hops + _not_followed(alias, rest[1:])
    return hops + backend.walk(ctx, dest, lambda selected: [guarded(
        HopId.NETPOL, netpol.TITLE, lambda: netpol.check(ctx, ctl, selected, dest.port))],
        ctl.admission)


def _not_followed(alias: cluster_dns.Alias | None, rest: Sequence[tuple[HopId, str]]) -> list[Hop]:
    """The hops after a Service the walk cannot go past: missing, or an ExternalName whose
    name leads out of the cluster (nothing there to check) or nowhere."""
    if alias is not None and alias.external:
        note = f"not checked: {alias.name} is outside the cluster"
        return [not_checked(h, t, note) for h, t in rest]
    by = "the Cluster DNS hop" if alias is not None else "the missing Service"
    return [blocked(h, t, by) for h, t in rest]
