"""The routers the trace engine asks, in order: Ingress today; an HTTPRoute router goes beside
it. The live read plan lists their inputs."""

from __future__ import annotations

from ingressdoc.hops.ingress_rule import IngressRouter
from ingressdoc.hops.routing import Router

ROUTERS: tuple[Router, ...] = (IngressRouter(),)
