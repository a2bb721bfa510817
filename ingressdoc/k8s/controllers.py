"""Recognise running ingress controllers from their pods.

The IngressClass names a controller string, but pods do not carry it; real controllers are
recognised by image, labels and arguments (each profile's `Signature`). One Traefik
deployment may implement several controller strings (its ingress-nginx compatibility provider
serves `k8s.io/ingress-nginx`). A live trace lists controller pods by their standard
`app.kubernetes.io/name` label (one scoped request); a controller installed without it is
reported as not found.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingressdoc.k8s.objects import labels
from ingressdoc.k8s.profiles import PROFILES, Profile
from ingressdoc.k8s.profiles.base import pod_images

Obj = Mapping[str, Any]

# The controller strings whose pods ingressdoc can find.
RECOGNISED = frozenset(c for p in PROFILES if p.pods for c in p.controllers)


def product_of(pod: Obj) -> Profile | None:
    """The controller a pod runs, as its profile. Finished pods and Job pods (admission
    webhook certificate jobs carry the controller's labels) never serve traffic."""
    owners = (pod.get("metadata") or {}).get("ownerReferences") or []
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed") or any(
            o.get("kind") == "Job" for o in owners):
        return None
    pod_labels, images = labels(pod), pod_images(pod)
    return next((p for p in PROFILES if p.pods and p.pods.matches(pod_labels, images)), None)


def controllers_of(pod: Obj) -> frozenset[str]:
    """The controller strings a pod implements (empty when it is no known controller)."""
    profile = product_of(pod)
    return profile.pods.implements(pod) if profile and profile.pods else frozenset()


def label_selector() -> str:
    """One set-based selector for every known controller, for a single scoped LIST."""
    signatures = [p.pods for p in PROFILES if p.pods]
    keys = {s.label_key for s in signatures}
    if len(keys) != 1:
        raise AssertionError("controller signatures must share one label key")
    values = ",".join(sorted(s.label_value for s in signatures))
    return f"{keys.pop()} in ({values})"
