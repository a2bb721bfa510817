"""Which Ingresses `check` looks at: a namespace (or all), a label selector, a host glob."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.k8s.objects import labels, name, namespace
from ingressdoc.k8s.selectors import selector_matches

Obj = Mapping[str, Any]

@dataclass(frozen=True)
class Scope:
    """`namespace` None means every namespace; `host` is matched later, per request host."""

    namespace: str | None = None
    selector: Mapping[str, Any] | None = None
    host: str | None = None

    def ingresses(self, objects: Sequence[Obj]) -> list[Obj]:
        chosen = [
            ing for ing in objects
            if (self.namespace is None or namespace(ing) == self.namespace)
            and (self.selector is None or selector_matches(self.selector, labels(ing)))
        ]
        return sorted(chosen, key=lambda ing: (namespace(ing) or "", name(ing)))
