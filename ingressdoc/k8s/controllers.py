"""Recognise running ingress controllers from their pods.

The IngressClass names a controller string, but pods do not carry it; real controllers are
recognised by image, labels and arguments. One Traefik deployment may implement several
controller strings (its ingress-nginx compatibility provider serves `k8s.io/ingress-nginx`).
A live trace lists controller pods by their standard `app.kubernetes.io/name` label (one
scoped request); a controller installed without it is reported as not found.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ingressdoc.k8s.objects import labels, spec

Obj = Mapping[str, Any]

NGINX = "k8s.io/ingress-nginx"
TRAEFIK = "traefik.io/ingress-controller"
TRAEFIK_GATEWAY = "traefik.io/gateway-controller"


def _containers(pod: Obj) -> list[Mapping[str, Any]]:
    return list(spec(pod).get("containers") or [])


def _images(pod: Obj) -> str:
    return " ".join(str(c.get("image", "")) for c in _containers(pod)).lower()


def _args(pod: Obj) -> str:
    return " ".join(
        str(a) for c in _containers(pod) for a in (c.get("args") or []) + (c.get("command") or [])
    )


@dataclass(frozen=True)
class Signature:
    """How to find one controller's pods; `label_selector` keeps the live LIST scoped."""

    product: str
    label_key: str
    label_value: str
    implements: Callable[[Obj], frozenset[str]]

    def matches(self, pod: Obj) -> bool:
        return labels(pod).get(self.label_key) == self.label_value or (
            self.product in _images(pod)
        )


def _nginx(pod: Obj) -> frozenset[str]:
    args = _args(pod)
    for token in args.split():
        if token.startswith("--controller-class="):
            return frozenset({token.split("=", 1)[1]})
    return frozenset({NGINX})


def _traefik(pod: Obj) -> frozenset[str]:
    args = _args(pod)
    out = {TRAEFIK}
    if "--providers.kubernetesingressnginx" in args:
        out.add(NGINX)
    if "--providers.kubernetesgateway" in args.lower():
        out.add(TRAEFIK_GATEWAY)
    return frozenset(out)


SIGNATURES: tuple[Signature, ...] = (
    Signature("ingress-nginx", "app.kubernetes.io/name", "ingress-nginx", _nginx),
    Signature("traefik", "app.kubernetes.io/name", "traefik", _traefik),
)

# Controllers that run outside the cluster (cloud load balancers): no pods to find.
EXTERNAL_CONTROLLERS = frozenset({
    "ingress.k8s.aws/alb",
    "k8s.io/ingress-gce",
    "azure/application-gateway",
    "networking.gke.io/ingress-gce",
})


RECOGNISED = frozenset({NGINX, TRAEFIK, TRAEFIK_GATEWAY})


def _signature(pod: Obj) -> Signature | None:
    """Finished pods and Job pods (admission webhook certificate jobs carry the controller's
    labels) never serve traffic."""
    owners = (pod.get("metadata") or {}).get("ownerReferences") or []
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed") or any(
            o.get("kind") == "Job" for o in owners):
        return None
    return next((sig for sig in SIGNATURES if sig.matches(pod)), None)


def controllers_of(pod: Obj) -> frozenset[str]:
    """The controller strings a pod implements (empty when it is no known controller)."""
    sig = _signature(pod)
    return sig.implements(pod) if sig else frozenset()


def product_of(pod: Obj) -> str | None:
    sig = _signature(pod)
    return sig.product if sig else None


def label_selector() -> str:
    """One set-based selector for every known controller, for a single scoped LIST."""
    keys = {s.label_key for s in SIGNATURES}
    if len(keys) != 1:
        raise AssertionError("controller signatures must share one label key")
    values = ",".join(sorted(s.label_value for s in SIGNATURES))
    return f"{keys.pop()} in ({values})"
