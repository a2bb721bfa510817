"""Which legacy `kubernetes.io/ingress.class` values running controllers pick up.

An annotation class needs no IngressClass object: a controller processes Ingresses whose
annotation equals its configured class. ingress-nginx takes `--ingress-class` (default
`nginx`); Traefik's Kubernetes Ingress provider takes `providers.kubernetesingress.ingressclass`
(unset: the value `traefik`), its ingress-nginx provider `providers.kubernetesingressnginx.
ingressclass` (default `nginx`). With no controller pod in view, the defaults stand in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ingressdoc.k8s.controllers import product_of
from ingressdoc.k8s.objects import spec

Obj = Mapping[str, Any]
DEFAULTS = frozenset({"nginx", "traefik"})
_FLAGS = {
    "ingress-nginx": (("--ingress-class", "nginx"),),
    "traefik": (("--providers.kubernetesingress.ingressclass", "traefik"),
                ("--providers.kubernetesingressnginx.ingressclass", "nginx")),
}


def _tokens(pod: Obj) -> list[str]:
    return [str(t) for c in spec(pod).get("containers") or []
            for t in [*(c.get("command") or []), *(c.get("args") or [])]]


def _flag(tokens: list[str], name: str) -> str | None:
    for token in tokens:
        key, _, value = token.partition("=")
        if key.lower() == name:
            return value
    return None


def claimed_classes(pods: Iterable[Obj]) -> frozenset[str]:
    """Annotation values the controller pods in view process; the defaults without pods.
    A Traefik provider counts only where its flags enable it."""
    out: set[str] = set()
    seen = False
    for pod in pods:
        profile = product_of(pod)
        if profile is None or profile.name not in _FLAGS:
            continue
        product = profile.name
        seen = True
        tokens = _tokens(pod)
        for flag, default in _FLAGS[product]:
            provider = flag.rsplit(".", 1)[0]
            if product == "traefik" and not any(t.lower().startswith(provider) for t in tokens):
                continue
            out.add(_flag(tokens, flag) or default)
    return frozenset(out) if seen else DEFAULTS
