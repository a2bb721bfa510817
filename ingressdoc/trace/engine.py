"""Walk every hop of one request over a snapshot.

A failed hop does not stop the walk: later hops are checked wherever their objects can be
found and marked "not checked (blocked by ...)" only where they cannot. Hops are reported in
the order the request travels, even though the controller must be known before the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Optional, TypeVar

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops import (
    cluster_dns,
    controller,
    dns,
    endpoints,
    entry,
    gateway,
    http_route,
    netpol,
    pods,
    service,
    tls,
)
from ingressdoc.hops.base import TraceContext, blocked, not_checked
from ingressdoc.hops.controller import ControllerFacts
from ingressdoc.hops.ingress_rule import IngressRouter
from ingressdoc.hops.model import EntryAddress, Hop, HopStatus, TraceResult, amend
from ingressdoc.hops.routing import RouteOutcome, Router
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
    *,
    gateway_first: bool = False,
) -> TraceResult:
    """The object trace; `host_answer` is live DNS evidence for the host, when gathered.
    `gateway_first`: when an Ingress and a Gateway route both serve the request and no DNS
    answer tells which one a client reaches, trace the route (`check` of a route does)."""
    ctx = TraceContext(snapshot, request, ingress_class)
    ctl_hop, ctl = controller.check(ctx)
    entry_hop, addresses = entry.check(ctx, ctl)
    outcome = ROUTERS[0].route(ctx, ctl)
    claims = gateway.claims(ctx) if ingress_class is None else []
    serving = [c for c in claims if c.serves]
    if serving and (outcome.route is None or _dns_picks_gateway(
            request, host_answer, serving[0], addresses, gateway_first)):
        return _trace_gateway(ctx, serving[0], claims, outcome.route, host_answer)
    if outcome.route is None and claims:
        return _trace_gateway(ctx, claims[0], claims, None, host_answer)
    hops: list[Hop] = [entry_hop, ctl_hop, outcome.hop]
    if serving:
        hops[-1] = amend(outcome.hop, findings=[_claimed_twice(ctx, outcome.route, serving[0])])
    if host_answer is not None:
        hops.insert(0, dns.check(request, host_answer, addresses))
    tls_hop = _guarded("tls", tls.TITLE, lambda: tls.check(ctx, ctl.ingresses, outcome))
    if tls_hop is not None:
        hops.append(tls_hop)
    return TraceResult(request, tuple(hops + _follow(ctx, ctl, outcome)), snapshot.source,
                       addresses, outcome.backend)


def _dns_picks_gateway(request: Request, answer: dns.HostAnswer | None,
                       claim: gateway.GatewayClaim, ingress_entry: Sequence[EntryAddress],
                       default: bool) -> bool:
    """With DNS evidence, the entry the host resolves to decides; without, `default` (the
    Ingress, the object a migration starts from, unless asked otherwise); the other one is
    named."""
    if answer is None:
        return default
    resolved = set(answer.addresses)
    gateway_entry = {a.address for a in _gateway_entry(request, claim)}
    return bool(resolved & gateway_entry) and not resolved & {a.address for a in ingress_entry}


def _claimed_twice(ctx: TraceContext, ingress: ObjectRef | None,
                   claim: gateway.GatewayClaim) -> Finding:
    win = claim.decision.winner
    route = f"{win.route.get('kind')} {win.route_key}" if win else "a Gateway route"
    return finding("IDC840", ObjectRef("Request", None, ctx.request.host),
                   f"{ingress} and {route} (Gateway {claim.ref.namespace}/{claim.ref.name}, "
                   f"{claim.controller.controller}) both serve the request: the host's DNS "
                   "answer decides which one a client reaches; traced: the Ingress")


def _gateway_entry(request: Request, claim: gateway.GatewayClaim) -> tuple[EntryAddress, ...]:
    port = request.port or (443 if request.scheme == "https" else 80)
    return gateway.gateway_addresses(claim.gateway, port, request.scheme)


def _trace_gateway(ctx: TraceContext, claim: gateway.GatewayClaim,
                   claims: Sequence[gateway.GatewayClaim], ingress: ObjectRef | None,
                   host_answer: dns.HostAnswer | None) -> TraceResult:
    """host DNS -> the Gateway's addresses -> listener -> route -> rule -> backendRefs ->
    the Service, endpoints, pods and policy (from the Gateway's pods) Ingress uses too."""
    ctl = claim.controller
    entry_hop, addresses = entry.check(ctx, ctl)
    addresses = (*_gateway_entry(ctx.request, claim), *addresses)
    others = [c for c in claims if c is not claim]
    gw_hop = gateway.check(ctx, claim, others)
    extra = http_route.orphan_findings(ctx, ctx.request.host.lower())
    if ingress is not None:
        extra.append(finding("IDC840", ObjectRef("Request", None, ctx.request.host),
                             f"{ingress} also serves the request: the host's DNS answer "
                             "decides which one a client reaches; traced: the Gateway route"))
    route_hop = http_route.check(ctx, claim, extra)
    outcome = http_route.backends(ctx, claim)
    hops: list[Hop] = [entry_hop, gw_hop, route_hop, outcome.hop]
    if host_answer is not None:
        hops.insert(0, dns.check(ctx.request, host_answer, addresses))
    return TraceResult(ctx.request, tuple(hops + _follow(ctx, ctl, outcome)),
                       ctx.snapshot.source, addresses, outcome.backend)


def _follow(ctx: TraceContext, ctl: ControllerFacts, outcome: RouteOutcome) -> list[Hop]:
    """From the routed backend on: Service, its cluster DNS alias, endpoints, pods, policy."""
    rest = (("service", service.TITLE), ("endpoints", endpoints.TITLE),
            ("pods", pods.TITLE), ("netpol", netpol.TITLE))
    if outcome.backend is None:
        by = "the resource backend" if outcome.resource_backend else f"the {outcome.hop.hop} hop"
        return [blocked(h, t, by) for h, t in rest]
    svc_hop, svc = service.check(ctx, outcome.backend, outcome.route, outcome.backend_field)
    hops: list[Hop] = [svc_hop]
    alias = svc.alias if svc is not None else None
    if svc is not None and alias is not None:
        hops.append(_guarded("cluster-dns", cluster_dns.TITLE,
                             lambda: cluster_dns.check(ctx, svc.service, alias)))
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

