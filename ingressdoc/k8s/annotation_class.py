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

from ingressdoc.k8s.controller_config import read_config
from ingressdoc.k8s.controller_settings import NGINX, TRAEFIK
from ingressdoc.k8s.controllers import product_of

Obj = Mapping[str, Any]
DEFAULTS = frozenset({"nginx", "traefik"})
# Per product: the flag naming the annotation class and its value when unset. A Traefik
# provider counts only where its flags (or TRAEFIK_* environment) enable it.
_FLAGS = {
    NGINX: (("ingress-class", "nginx"),),
    TRAEFIK: (("providers.kubernetesingress.ingressclass", "traefik"),
              ("providers.kubernetesingressnginx.ingressclass", "nginx")),
}


def _enabled(flags: Mapping[str, str], provider: str) -> bool:
    return any(key == provider or key.startswith(provider + ".") for key in flags)


def claimed_classes(pods: Iterable[Obj]) -> frozenset[str]:
    """Annotation values the controller pods in view process; the defaults without pods."""
    out: set[str] = set()
    seen = False
    for pod in pods:
        profile = product_of(pod)
        config = read_config(pod, profile.name) if profile and profile.name in _FLAGS else None
        if config is None:
            continue
        seen = True
        for flag, default in _FLAGS[config.product]:
            if config.product == TRAEFIK and not _enabled(config.flags, flag.rsplit(".", 1)[0]):
                continue
            out.add(config.flags.get(flag) or default)
    return frozenset(out) if seen else DEFAULTS
