"""Walk every hop of one request over a snapshot.

A failed hop does not stop the walk: later hops are checked wherever their objects can be
found and marked "not checked (blocked by ...)" only where they cannot. Hops are reported in
the order the request travels, even though the controller must be known before the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Optional, TypeVar

from ingressdoc.checks.emit import finding
from ingressdoc.hops import (
    cluster_dns,
    controller,
    dns,
    endpoints,
    entry,
    netpol,
    pods,
    request_effects,
    service,
    tls,
)
from ingressdoc.hops.base import TraceContext, blocked, not_checked
from ingressdoc.hops.ingress_rule import IngressRouter
from ingressdoc.hops.model import Hop, HopStatus, TraceResult, amend
from ingressdoc.hops.routing import Router
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
    outcome = ROUTERS[0].route(ctx, ctl)
    rule_hop = amend(outcome.hop, findings=request_effects.check(ctx, ctl, outcome))
    hops: list[Hop] = [entry_hop, ctl_hop, rule_hop]
    if host_answer is not None:
        hops.insert(0, dns.check(request, host_answer, addresses))
    tls_hop = _guarded("tls", tls.TITLE, lambda: tls.check(ctx, ctl, outcome))
    if tls_hop is not None:
        hops.append(tls_hop)
    rest = (("service", service.TITLE), ("endpoints", endpoints.TITLE),
            ("pods", pods.TITLE), ("netpol", netpol.TITLE))
    if outcome.backend is None:
        by = "the resource backend" if outcome.resource_backend else "the rule hop"
        return TraceResult(request, tuple(hops + [blocked(h, t, by) for h, t in rest]),
                           snapshot.source, addresses, outcome.backend)
    svc_hop, svc = service.check(ctx, outcome.backend, outcome.route, outcome.backend_field)
    hops.append(svc_hop)
    alias = svc.alias if svc is not None else None
    if svc is not None and alias is not None:
        hops.append(_guarded("cluster-dns", cluster_dns.TITLE,
                             lambda: cluster_dns.check(ctx, svc.service, alias)))
    dest = svc.destination if svc is not None else None
    if dest is None:
        return TraceResult(request, tuple(hops + _not_followed(alias, rest[1:])),
                           snapshot.source, addresses, outcome.backend)
    hops.append(_guarded("endpoints", endpoints.TITLE,
                         lambda: endpoints.check(ctx, dest.service, dest.port)))
    pods_hop, selected = pods.check(ctx, dest.service, dest.port)
    hops.append(pods_hop)
    hops.append(_guarded("netpol", netpol.TITLE,
                         lambda: netpol.check(ctx, ctl, selected, dest.port)))
    return TraceResult(request, tuple(hops), snapshot.source, addresses, outcome.backend)


def _not_followed(alias: cluster_dns.Alias | None, rest: Sequence[tuple[str, str]]) -> list[Hop]:
    """The hops after a Service the walk cannot go past: missing, or an ExternalName whose
    name leads out of the cluster (nothing there to check) or nowhere."""
    if alias is not None and alias.external:
        note = f"not checked: {alias.name} is outside the cluster"
        return [not_checked(h, t, note) for h, t in rest]
    by = "the Cluster DNS hop" if alias is not None else "the missing Service"
    return [blocked(h, t, by) for h, t in rest]

