"""The routing hop as an interface: Ingress implements it today, HTTPRoute can beside it.

A router turns (request, the route objects one controller serves) into a hop plus the backend
the request is sent to. Everything after routing (Service, endpoints, pods, policy) only needs
the `BackendRef`, so a Gateway API router plugs in without touching later hops. The engine
asks the routers in turn (`route`); each declares the kinds it reads, which the engine checks
before asking it and the live read plan lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import TraceContext, missing_inputs, not_checked
from ingressdoc.hops.model import BackendRef, ControllerFacts, EntryAddress, Hop, HopId, amend
from ingressdoc.snapshot import ObjectRef

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class RouteOutcome:
    """`controller`: the one serving the route when it is not the Ingress controller the
    engine found (a Gateway's implementation), with `lead` standing in for the controller
    hop and `entry` its addresses; `follow` are hops between routing and the Service (the
    backendRefs). `claims`: the router's objects name the host, so its account of a miss
    is the one to show."""

    hop: Hop
    route: ObjectRef | None
    route_object: Obj | None
    backend: BackendRef | None
    resource_backend: Mapping[str, Any] | None = None
    backend_field: str | None = None  # e.g. spec.rules[0].http.paths[1].backend
    # The route the user most likely meant when another one (or none) answers: the walk
    # follows it too, so one run shows what fails after the routing is fixed.
    nearest: RouteOutcome | None = None
    label: str | None = None  # how the route reads, e.g. "Ingress shop/shop spec.rules[0]..."
    controller: ControllerFacts | None = None
    lead: tuple[Hop, ...] = ()
    follow: tuple[Hop, ...] = ()
    entry: tuple[EntryAddress, ...] = ()
    claims: bool = False
    answer: str | None = None  # the proxy answers itself (a redirect): "302 to URL"


@dataclass(frozen=True)
class Miss:
    """A router's answer that it routes nothing, with its account of the miss computed only
    if that account is the one shown: near misses scan every route of a class, and in
    `check` another router serves most of the requests one router misses."""

    account: Callable[[], RouteOutcome]
    claims: bool = False


class Router(Protocol):
    @property
    def hop(self) -> HopId: ...

    @property
    def title(self) -> str: ...

    @property
    def inputs(self) -> Sequence[str]:
        """The kinds `route` reads; without them the router is not asked."""
        ...

    def route(self, ctx: TraceContext, controller: ControllerFacts) -> RouteOutcome | Miss: ...


def route(ctx: TraceContext, controller: ControllerFacts,
          routers: Sequence[Router]) -> RouteOutcome:
    """Ask every router. The one that routes the request answers (the first, or the first of
    a kind in `ctx.prefer`), and names the others that route it too (IDC840). When none
    does, the first router whose objects name the host explains the miss, else the first
    router (or its missing inputs)."""
    outcomes = [_ask(router, ctx, controller) for router in routers]
    routed = sorted((o for o in outcomes if isinstance(o, RouteOutcome) and o.route is not None),
                    key=lambda o: o.route is None or o.route.kind not in ctx.prefer)
    if not routed:
        shown = next((o for o in outcomes if o.claims), outcomes[0])
        return shown.account() if isinstance(shown, Miss) else shown
    chosen, others = routed[0], routed[1:]
    if not others:
        return chosen
    return replace(chosen, hop=amend(chosen.hop, findings=[
        _served_twice(ctx, controller, chosen, others)]))


def _served_twice(ctx: TraceContext, ingress_controller: ControllerFacts, chosen: RouteOutcome,
                  others: Sequence[RouteOutcome]) -> Finding:
    """Two routers' objects serve one request. On different proxies the host's DNS answer
    decides which one a client reaches; one proxy serving both orders them itself."""
    pods = [{ObjectRef.of(p) for p in (o.controller or ingress_controller).pods}
            for o in (chosen, *others)]
    shared = bool(pods[0]) and all(p == pods[0] for p in pods[1:])
    how = ("one controller serves both: its own router order decides" if shared else
           "the host's DNS answer decides which one a client reaches")
    return finding("IDC840", ObjectRef("Request", None, ctx.request.host),
                   f"{chosen.route} and " + ", ".join(str(o.route) for o in others)
                   + f" both serve the request: {how}; traced: {chosen.route}")


def _ask(router: Router, ctx: TraceContext, controller: ControllerFacts
         ) -> RouteOutcome | Miss:
    note, gaps = missing_inputs(ctx.snapshot, router.inputs)
    if note:
        return RouteOutcome(not_checked(router.hop, router.title, note, gaps), None, None, None)
    return router.route(ctx, controller)
