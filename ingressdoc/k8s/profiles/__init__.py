"""Controller profiles: one module per controller, registered here.

A new controller is a new module with a `Profile` subclass (`base.py` says what it holds),
one line in `PROFILES`, and scenarios under tests/scenarios/ that show its behaviour.
Controllers without a profile are matched by the API's own rules (`spec.SPEC`).
"""

from __future__ import annotations

from ingressdoc.k8s.profiles.base import Profile
from ingressdoc.k8s.profiles.cloud import AWS_LOAD_BALANCER, AZURE_APPLICATION_GATEWAY, GCE
from ingressdoc.k8s.profiles.ingress_nginx import INGRESS_NGINX
from ingressdoc.k8s.profiles.spec import SPEC
from ingressdoc.k8s.profiles.traefik import TRAEFIK

__all__ = ["PROFILES", "SPEC", "Profile", "for_controller"]

PROFILES: tuple[Profile, ...] = (
    INGRESS_NGINX, TRAEFIK, AWS_LOAD_BALANCER, GCE, AZURE_APPLICATION_GATEWAY, SPEC,
)


def for_controller(controller: str | None) -> Profile:
    """The profile of an IngressClass `spec.controller`; the API's rules for any other (the
    NGINX Inc controller, `nginx.org/ingress-controller`, behaves differently from
    ingress-nginx and gets them too)."""
    value = (controller or "").strip().lower()
    return next((p for p in PROFILES if p.claims(value)), SPEC)

