"""backendRefs: which Services a rule sends to, in which shares, and which refs are invalid.

A Service ref needs a port (the Service port, not the targetPort). Weights default to 1 and
are shares of their sum; weight 0 gets nothing. A ref to another namespace needs a
ReferenceGrant in the target namespace naming the route's kind and namespace `from` and the
Service (or every Service) `to`. An invalid ref answers 500 for its share of traffic, with
the route's ResolvedRefs reason: InvalidKind, BackendNotFound or RefNotPermitted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.k8s.gateway.listeners import GROUP
from ingressdoc.k8s.objects import name, namespace, spec

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class Backend:
    index: int
    group: str
    kind: str
    namespace: str
    name: str
    port: int | None
    weight: int
    share: float
    problem: str | None = None  # the ResolvedRefs reason when the ref is invalid
    detail: str = ""

    @property
    def label(self) -> str:
        port = f":{self.port}" if self.port is not None else ""
        kind = "" if (self.group, self.kind) == ("", "Service") else f"{self.kind} "
        return f"{kind}{self.namespace}/{self.name}{port}"


def granted(grants: Sequence[Obj], from_kind: str, from_ns: str, to_group: str, to_kind: str,
            to_ns: str, to_name: str) -> bool:
    """ReferenceGrant (v1beta1): same namespace needs none; otherwise a grant in the target
    namespace whose `from` and `to` both admit the reference."""
    if from_ns == to_ns:
        return True
    for g in grants:
        if namespace(g) != to_ns:
            continue
        s = spec(g)
        if any(f.get("group") == GROUP and f.get("kind") == from_kind
               and f.get("namespace") == from_ns for f in s.get("from") or []) and any(
                (t.get("group") or "") == to_group and t.get("kind") == to_kind
                and (not t.get("name") or t.get("name") == to_name) for t in s.get("to") or []):
            return True
    return False


def near_grant(grants: Sequence[Obj], from_kind: str, from_ns: str, to_kind: str, to_ns: str,
               to_name: str) -> str:
    """The grant that nearly admits the reference, and what keeps it from doing so: it lives
    in another namespace than the target's, or its `from` or `to` names something else."""
    for g in grants:
        s = spec(g)
        froms = [f for f in s.get("from") or [] if f.get("kind") == from_kind]
        tos = [t for t in s.get("to") or [] if t.get("kind") == to_kind]
        if not froms or not tos:
            continue
        where = f"ReferenceGrant {namespace(g)}/{name(g)}"
        if namespace(g) != to_ns:
            if any(f.get("namespace") == from_ns for f in froms):
                return (f" ({where} lives in {namespace(g)}: a grant takes effect only in the "
                        f"namespace of the {to_kind} it shares, {to_ns})")
            continue
        if not any(f.get("namespace") == from_ns for f in froms):
            others = ", ".join(sorted({str(f.get("namespace")) for f in froms}))
            return f" ({where} admits {from_kind} from {others} only)"
        names = sorted({str(t.get("name")) for t in tos if t.get("name")})
        if names and to_name not in names:
            return f" ({where} admits only {to_kind} {', '.join(names)})"
    return ""


def resolve(rule: Mapping[str, Any], route: Obj, grants: Sequence[Obj] | None,
            service: Callable[[str, str], Obj | None] | None,
            refusal: Callable[[Obj, Mapping[str, Any], str], tuple[str, str] | None] | None
            = None) -> tuple[Backend, ...]:
    """The rule's refs with defaults, shares and problems. `grants` None: ReferenceGrants
    were not read (cross-namespace refs are not judged); `service` None: Services unknown;
    `refusal`: what the implementation refuses in a Service port the spec leaves to it."""
    route_ns, route_kind = str(namespace(route)), str(route.get("kind") or "HTTPRoute")
    refs = list(rule.get("backendRefs") or [])
    weights = [int(r["weight"]) if r.get("weight") is not None else 1 for r in refs]
    total = sum(w for w in weights if w > 0)
    out = []
    for i, (ref, weight) in enumerate(zip(refs, weights, strict=True)):
        group, kind = str(ref.get("group") or ""), str(ref.get("kind") or "Service")
        ns, svc_name = str(ref.get("namespace") or route_ns), str(ref.get("name") or "")
        port = int(ref["port"]) if ref.get("port") is not None else None
        share = weight / total if total and weight > 0 else 0.0
        problem, detail = None, ""
        if (group, kind) != ("", "Service"):
            problem, detail = "InvalidKind", f"kind {kind} (group {group or 'core'})"
        elif port is None:
            problem, detail = "UnsupportedValue", "a Service backendRef needs a port"
        elif grants is not None and not granted(grants, route_kind, route_ns, group, kind, ns,
                                                svc_name):
            problem, detail = "RefNotPermitted", (
                f"no ReferenceGrant in {ns} admits {route_kind} from {route_ns}"
                + near_grant(grants, route_kind, route_ns, kind, ns, svc_name))
        elif service is not None:
            svc = service(ns, svc_name)
            if svc is None:
                problem, detail = "BackendNotFound", f"Service {ns}/{svc_name} not found"
            elif (sp := next((p for p in spec(svc).get("ports") or []
                              if int(p.get("port") or 0) == port), None)) is None:
                problem, detail = "BackendNotFound", f"Service {ns}/{svc_name} has no port {port}"
            elif refusal is not None and (refused := refusal(svc, sp, route_kind)):
                problem, detail = refused
        out.append(Backend(i, group, kind, ns, svc_name, port, weight, share, problem, detail))
    return tuple(out)


def tls_policy(policies: Sequence[Obj], backend: Backend, port_name: str | None) -> Obj | None:
    """The BackendTLSPolicy that applies to a Service backend: one in its namespace whose
    targetRefs name it (and the port's name, when a sectionName is set); among several, the
    oldest, then by name, as the spec resolves conflicts."""
    def targets(p: Obj) -> bool:
        return any((t.get("group") or "") == "" and t.get("kind") == "Service"
                   and t.get("name") == backend.name
                   and (not t.get("sectionName") or t.get("sectionName") == port_name)
                   for t in spec(p).get("targetRefs") or [])

    found = [p for p in policies if namespace(p) == backend.namespace and targets(p)]
    found.sort(key=lambda p: (str((p.get("metadata") or {}).get("creationTimestamp") or "~"),
                              str((p.get("metadata") or {}).get("name"))))
    return found[0] if found else None
