"""The routing hop as an interface: Ingress implements it today, HTTPRoute can beside it.

A router turns (request, the objects one controller serves) into a hop plus the backend the
request is sent to. Everything after routing (Service, endpoints, pods, policy) only needs
the `BackendRef`, so a Gateway API router plugs in without touching later hops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ingressdoc.hops.base import TraceContext
from ingressdoc.hops.controller import ControllerFacts
from ingressdoc.hops.model import BackendRef, Hop
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
    # The route the user most likely meant when another one (or none) answers: the walk
    # follows it too, so one run shows what fails after the routing is fixed.
    nearest: RouteOutcome | None = None
    label: str | None = None  # how the route reads, e.g. "Ingress shop/shop spec.rules[0]..."


class Router(Protocol):
    @property
    def inputs(self) -> Sequence[str]: ...

    def route(self, ctx: TraceContext, controller: ControllerFacts) -> RouteOutcome: ...
