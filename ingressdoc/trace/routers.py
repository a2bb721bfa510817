"""The routers the trace engine asks, in order: Ingress, then Gateway API routes. The live
read plan lists their inputs."""

from __future__ import annotations

from ingressdoc.hops.http_route import GatewayRouter
from ingressdoc.hops.ingress_rule import IngressRouter
from ingressdoc.hops.routing import Router

ROUTERS: tuple[Router, ...] = (IngressRouter(), GatewayRouter())
