"""API validation of Ingress backends: what the API server rejects never reaches a controller.

networking.k8s.io/v1 requires a backend on every path and on `spec.defaultBackend` when set,
with exactly one of `service` and `resource`; a service backend needs a name and a port with
exactly one of `name` and `number`. One invalid backend rejects the whole Ingress.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ingressdoc.k8s.objects import spec

Obj = Mapping[str, Any]


def _problem(backend: Any) -> str | None:
    if not isinstance(backend, Mapping) or not backend:
        return "has no backend"
    svc, resource = backend.get("service"), backend.get("resource")
    if bool(svc) == bool(resource):
        return "needs exactly one of backend.service and backend.resource"
    if resource:
        return None if resource.get("kind") and resource.get("name") else (
            "backend.resource needs a kind and a name")
    if not isinstance(svc, Mapping) or not svc.get("name"):
        return "backend.service has no name"
    port = svc.get("port") or {}
    if ("name" in port) == ("number" in port):
        return "backend.service.port needs exactly one of name and number"
    return None


def invalid_backends(ingress: Obj) -> Iterator[tuple[str, str]]:
    """(field, problem) for every backend the API server would reject."""
    s = spec(ingress)
    if "defaultBackend" in s:
        problem = _problem(s.get("defaultBackend"))
        if problem:
            yield "spec.defaultBackend", problem
    for i, rule in enumerate(s.get("rules") or []):
        for j, path in enumerate((rule.get("http") or {}).get("paths") or []):
            problem = _problem(path.get("backend"))
            if problem:
                yield f"spec.rules[{i}].http.paths[{j}]", problem
