"""The routing hop as an interface: Ingress implements it today, HTTPRoute can beside it.

A router turns (request, the route objects one controller serves) into a hop plus the backend
the request is sent to. Everything after routing (Service, endpoints, pods, policy) only needs
the `BackendRef`, so a Gateway API router plugs in without touching later hops. The engine
asks the routers in turn (`route`); each declares the kinds it reads, which the engine checks
before asking it and the live read plan lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ingressdoc.hops.base import TraceContext, missing_inputs, not_checked
from ingressdoc.hops.model import BackendRef, ControllerFacts, Hop, HopId
from ingressdoc.snapshot import ObjectRef

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class RouteOutcome:
    hop: Hop
    route: ObjectRef | None
    route_object: Obj | None
    backend: BackendRef | None
    resource_backend: Mapping[str, Any] | None = None
    backend_field: str | None = None  # e.g. spec.rules[0].http.paths[1].backend


class Router(Protocol):
    @property
    def hop(self) -> HopId: ...

    @property
    def title(self) -> str: ...

    @property
    def inputs(self) -> Sequence[str]:
        """The kinds `route` reads; without them the router is not asked."""
        ...

    def route(self, ctx: TraceContext, controller: ControllerFacts) -> RouteOutcome: ...


def route(ctx: TraceContext, controller: ControllerFacts,
          routers: Sequence[Router]) -> RouteOutcome:
    """Ask each router in turn; the first that routes the request answers. When none does,
    the first router's account of the miss (or of its missing inputs) is the hop."""
    outcomes = (_ask(router, ctx, controller) for router in routers)
    first = next(outcomes)
    if first.route is not None:
        return first
    return next((o for o in outcomes if o.route is not None), first)


def _ask(router: Router, ctx: TraceContext, controller: ControllerFacts) -> RouteOutcome:
    note, gaps = missing_inputs(ctx.snapshot, router.inputs)
    if note:
        return RouteOutcome(not_checked(router.hop, router.title, note, gaps), None, None, None)
    return router.route(ctx, controller)
