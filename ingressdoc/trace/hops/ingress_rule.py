"""Ingress rule match: which rule and path serve the request, and why the others lost."""

from __future__ import annotations

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.k8s.ingress_match import MatchResult, NearMiss, PathCandidate, match_request
from ingressdoc.snapshot import ObjectRef
from ingressdoc.trace.hops.base import TraceContext, missing_inputs, not_checked
from ingressdoc.trace.hops.controller import ControllerFacts
from ingressdoc.trace.hops.routing import RouteOutcome
from ingressdoc.trace.model import BackendRef, Hop, status_from

TITLE = "Ingress rule"
# Near-miss keys -> catalog codes (info findings that explain a miss).
NEAR_MISS_CODES = {
    "wildcard-depth": "IDC302",
    "prefix-not-string-prefix": "IDC304",
    "exact-trailing-slash": "IDC305",
    "path-case": "IDC306",
    "host-no-fallthrough": "IDC307",
    "regex-hostwide": "IDC308",
    "implementation-specific": "IDC309",
    "lost-precedence": "IDC311",
}


def _ref(c: PathCandidate) -> ObjectRef:
    return ObjectRef("Ingress", c.ingress_namespace, c.ingress_name)


def _field(c: PathCandidate) -> str:
    if c.rule_index is None:
        return "spec.defaultBackend"
    return f"spec.rules[{c.rule_index}].http.paths[{c.path_index}]"


def _backend_ref(c: PathCandidate) -> BackendRef | None:
    svc = c.backend.get("service")
    if not svc:
        return None
    port = svc.get("port") or {}
    return BackendRef(c.ingress_namespace, str(svc.get("name")), port.get("number"),
                      port.get("name"))


def _row(c: PathCandidate) -> dict[str, str]:
    svc = c.backend.get("service") or {}
    port = svc.get("port") or {}
    backend = (f"{svc.get('name')}:{port.get('number', port.get('name'))}" if svc
               else f"resource {(c.backend.get('resource') or {}).get('name')}")
    return {
        "ingress": f"{c.ingress_namespace}/{c.ingress_name}",
        "host": c.host or "*",
        "path": c.path or "(default backend)",
        "pathType": c.path_type or "-",
        "backend": backend,
    }


def _miss_findings(misses: tuple[NearMiss, ...], severe: bool) -> list[Finding]:
    out = []
    for miss in misses:
        if miss.key == "lost-precedence" and miss.candidate.path in ("/", None):
            continue  # a catch-all losing to a specific path is the point of a catch-all
        code = NEAR_MISS_CODES.get(miss.key)
        if code == "IDC302" and not severe:
            continue
        if code:
            out.append(finding(code, _ref(miss.candidate), miss.reason,
                               field=_field(miss.candidate)))
    return out


class IngressRouter:
    inputs = ("Ingress",)

    def route(self, ctx: TraceContext, controller: ControllerFacts) -> RouteOutcome:
        note, gaps = missing_inputs(ctx.snapshot, self.inputs)
        if note:
            return RouteOutcome(not_checked("rule", TITLE, note, gaps), None, None, None)
        req = ctx.request
        result = match_request(controller.route_table, req.host, req.path, controller.profile)
        found = self._findings(ctx, result)
        winner = result.winner
        if winner is None:
            summary = f"no rule for {req.host}{req.path}"
            hop = Hop("rule", TITLE, status_from(tuple(found)), summary,
                      findings=tuple(found), rows=tuple(_row(m.candidate)
                                                         for m in result.near_misses[:5]))
            return RouteOutcome(hop, None, None, None)
        ref = _ref(winner)
        summary = (f"{ref}: host {winner.host or '*'} path {winner.path or '(default)'} "
                   f"({winner.path_type or 'defaultBackend'})")
        rows = (_row(winner),)
        hop = Hop("rule", TITLE, status_from(tuple(found)), summary, objects=(ref,),
                  findings=tuple(found), rows=rows,
                  note="; ".join(result.notes) or None)
        obj = ctx.snapshot.get("Ingress", winner.ingress_namespace, winner.ingress_name)
        resource = winner.backend.get("resource")
        return RouteOutcome(hop, ref, obj, _backend_ref(winner), resource)

    def _findings(self, ctx: TraceContext, result: MatchResult) -> list[Finding]:
        req = ctx.request
        found: list[Finding] = []
        if req.is_ip:
            found.append(finding(
                "IDC104", ObjectRef("Request", None, req.host),
                f"request host {req.host} is an IP address; host rules never match it",
            ))
        if result.winner is None:
            if result.host_class is None:
                depth = [m for m in result.near_misses if m.key == "wildcard-depth"]
                if depth:
                    found.extend(_miss_findings(tuple(depth), severe=True))
                else:
                    hosts = sorted({m.candidate.host or "*" for m in result.near_misses})
                    found.append(finding(
                        "IDC301", ObjectRef("Request", None, req.host),
                        f"no Ingress rule matches host {req.host}"
                        + (f" (rule hosts: {', '.join(hosts)})" if hosts else ""),
                    ))
            else:
                found.append(finding(
                    "IDC303", ObjectRef("Request", None, req.host),
                    f"host {req.host} matches ({result.host_class} rule) but no path matches "
                    f"{req.path}",
                ))
            found.extend(_miss_findings(
                tuple(m for m in result.near_misses if m.key != "wildcard-depth"), severe=False))
            return found
        resource = result.winner.backend.get("resource")
        if resource:
            found.append(finding(
                "IDC406", _ref(result.winner),
                f"backend is {resource.get('kind')} {resource.get('name')}, not a Service",
                field=_field(result.winner),
            ))
        if result.via_default_backend:
            found.append(finding(
                "IDC310", _ref(result.winner),
                f"no rule path matches {req.host}{req.path}; spec.defaultBackend serves it",
                field="spec.defaultBackend",
            ))
        found.extend(_miss_findings(result.near_misses, severe=False))
        return found

