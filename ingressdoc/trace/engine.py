"""Walk every hop of one request over a snapshot.

A failed hop does not stop the walk: later hops are checked wherever their objects can be
found and marked "not checked (blocked by ...)" only where they cannot. Hops are reported in
the order the request travels, even though the controller must be known before the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Optional, TypeVar

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Severity
from ingressdoc.hops import (
    backend_protocol,
    cluster_dns,
    controller,
    controller_resolver,
    dns,
    endpoints,
    entry,
    netpol,
    pods,
    service,
    tls,
)
from ingressdoc.hops.base import TraceContext, blocked, not_checked
from ingressdoc.hops.controller import ControllerFacts
from ingressdoc.hops.ingress_rule import IngressRouter
from ingressdoc.hops.model import AfterFix, EntryAddress, Hop, HopStatus, TraceResult, amend
from ingressdoc.hops.routing import RouteOutcome, Router
from ingressdoc.outcome.decide import decide
from ingressdoc.request import Request
from ingressdoc.snapshot import ObjectRef, Snapshot

ROUTERS: tuple[Router, ...] = (IngressRouter(),)
H = TypeVar("H", Hop, Optional[Hop])  # noqa: UP045 - a TypeVar constraint needs Optional


def _guarded(hop: str, title: str, run: Callable[[], H]) -> H | Hop:
    """A bug in a leaf hop (one no later hop depends on) becomes an IDC001 finding for that
    hop and the trace goes on; hops whose facts feed later hops fail the run instead."""
    try:
        return run()
    except Exception as exc:
        f = finding("IDC001", ObjectRef("Hop", None, hop),
                    f"{type(exc).__name__}: {exc}")
        return Hop(hop, title, HopStatus.FAIL, "internal error", findings=(f,))


def trace(
    snapshot: Snapshot,
    request: Request,
    ingress_class: str | None = None,
    host_answer: dns.HostAnswer | None = None,
) -> TraceResult:
    """The object trace; `host_answer` is live DNS evidence for the host, when gathered."""
    ctx = TraceContext(snapshot, request, ingress_class)
    ctl_hop, ctl = controller.check(ctx)
    entry_hop, addresses = entry.check(ctx, ctl)
    routed = ROUTERS[0].route(ctx, ctl)
    walked = _walk(ctx, ctl, (entry_hop, ctl_hop), addresses, routed, host_answer)
    return with_outcome(_with_origins(walked, snapshot), routed, ctl)


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


def with_outcome(result: TraceResult, routed: RouteOutcome, ctl: ControllerFacts) -> TraceResult:
    """The walk's result with the outcome the controller in use gives the request."""
    return replace(result, outcome=decide(result.hops, routed, result.request, ctl.profile,
                                          ctl.controller))


def _walk(
    ctx: TraceContext,
    ctl: ControllerFacts,
    first: tuple[Hop, Hop],
    addresses: tuple[EntryAddress, ...],
    outcome: RouteOutcome,
    host_answer: dns.HostAnswer | None,
) -> TraceResult:
    request, snapshot = ctx.request, ctx.snapshot
    hops: list[Hop] = [*first, outcome.hop]
    if host_answer is not None:
        hops.insert(0, dns.check(request, host_answer, addresses))
    tls_hop = _guarded("tls", tls.TITLE, lambda: tls.check(ctx, ctl.ingresses, outcome))
    if tls_hop is not None:
        hops.append(tls_hop)
    hops += _backend_hops(ctx, ctl, outcome)
    return TraceResult(request, tuple(hops), snapshot.source, addresses, outcome.backend,
                       after_fix=_after_fix(ctx, ctl, outcome))


def _after_fix(ctx: TraceContext, ctl: ControllerFacts, routed: RouteOutcome) -> AfterFix | None:
    """The nearest miss walked through the backend hops, when the rule hop names one."""
    nearest = routed.nearest
    if nearest is None or nearest.backend is None:
        return None
    cause = next((f for f in routed.hop.findings if f.severity is not Severity.INFO), None)
    return AfterFix(f"{cause.code} {cause.name}" if cause else routed.hop.summary,
                    nearest.label or str(nearest.route), tuple(_backend_hops(ctx, ctl, nearest)))


def _backend_hops(ctx: TraceContext, ctl: ControllerFacts, outcome: RouteOutcome) -> list[Hop]:
    """Service, cluster DNS, endpoints, pods and policy of the routed backend."""
    rest = (("service", service.TITLE), ("endpoints", endpoints.TITLE),
            ("pods", pods.TITLE), ("netpol", netpol.TITLE))
    if outcome.backend is None:
        by = "the resource backend" if outcome.resource_backend else "the rule hop"
        return [blocked(h, t, by) for h, t in rest]
    hops: list[Hop] = []
    svc_hop, svc = service.check(ctx, outcome.backend, outcome.route, outcome.backend_field)
    if svc is not None:
        svc_hop = amend(svc_hop, findings=backend_protocol.check(
            ctl.profile, ctl.controller, outcome.route_object, svc.service, svc.port))
    hops.append(svc_hop)
    alias = svc.alias if svc is not None else None
    if svc is not None and alias is not None:
        dns_hop = _guarded("cluster-dns", cluster_dns.TITLE,
                           lambda: cluster_dns.check(ctx, svc.service, alias))
        hops.append(amend(dns_hop, findings=controller_resolver.check(
            ctx.snapshot, ctl.pods, alias.name, alias.service is not None)))
    dest = svc.destination if svc is not None else None
    if dest is None:
        return hops + _not_followed(alias, rest[1:])
    hops.append(_guarded("endpoints", endpoints.TITLE,
                         lambda: endpoints.check(ctx, dest.service, dest.port)))
    pods_hop, selected = pods.check(ctx, dest.service, dest.port)
    hops.append(pods_hop)
    hops.append(_guarded("netpol", netpol.TITLE,
                         lambda: netpol.check(ctx, ctl, selected, dest.port)))
    return hops


def _not_followed(alias: cluster_dns.Alias | None, rest: Sequence[tuple[str, str]]) -> list[Hop]:
    """The hops after a Service the walk cannot go past: missing, or an ExternalName whose
    name leads out of the cluster (nothing there to check) or nowhere."""
    if alias is not None and alias.external:
        note = f"not checked: {alias.name} is outside the cluster"
        return [not_checked(h, t, note) for h, t in rest]
    by = "the Cluster DNS hop" if alias is not None else "the missing Service"
    return [blocked(h, t, by) for h, t in rest]

