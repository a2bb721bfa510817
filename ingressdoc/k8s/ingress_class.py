"""Which IngressClass an Ingress belongs to, following the API's resolution order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.k8s.objects import annotations_of, name, spec

Obj = Mapping[str, Any]
DEFAULT_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
LEGACY_ANNOTATION = "kubernetes.io/ingress.class"


@dataclass(frozen=True)
class ClassResolution:
    """`via` says how the class was found: field, annotation, default, or none."""

    class_name: str | None
    via: str
    ingress_class: Obj | None


def default_classes(classes: Sequence[Obj]) -> list[Obj]:
    return [c for c in classes if annotations_of(c).get(DEFAULT_ANNOTATION) == "true"]


def resolve_class(ingress: Obj, classes: Sequence[Obj]) -> ClassResolution:
    by_name = {name(c): c for c in classes}
    field_value = spec(ingress).get("ingressClassName")
    if field_value:
        return ClassResolution(field_value, "field", by_name.get(field_value))
    legacy = annotations_of(ingress).get(LEGACY_ANNOTATION)
    if legacy:
        return ClassResolution(legacy, "annotation", by_name.get(legacy))
    defaults = default_classes(classes)
    if len(defaults) == 1:
        return ClassResolution(name(defaults[0]), "default", defaults[0])
    return ClassResolution(None, "none", None)
