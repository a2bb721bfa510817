"""Ingress rule match: which rule and path serve the request, and why the others lost."""

from __future__ import annotations

from urllib.parse import urlencode

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import TraceContext
from ingressdoc.hops.controller import class_ingresses
from ingressdoc.hops.intent import Signals, ident, route_label, signals
from ingressdoc.hops.model import BackendRef, ControllerFacts, Hop, HopId, status_from
from ingressdoc.hops.routing import Miss, RouteOutcome
from ingressdoc.k8s.ingress_match import (
    MatchResult,
    NearMiss,
    PathCandidate,
    RouteTable,
    match_request,
    match_table,
    shown_host,
)
from ingressdoc.k8s.ingress_valid import invalid_backends
from ingressdoc.k8s.objects import spec
from ingressdoc.snapshot import ObjectRef

TITLE = "Ingress rule"
_MAX_MISS_ROWS = 5
# Near-miss keys -> catalog codes (info findings that explain a miss). A wildcard-depth miss
# is IDC302 (error) when nothing else serves the host; when a fallback does, the intent signal
# IDC330 stands for it.
NEAR_MISS_CODES = {
    "prefix-not-string-prefix": "IDC304",
    "exact-trailing-slash": "IDC305",
    "path-case": "IDC306",
    "host-no-fallthrough": "IDC307",
    "regex-hostwide": "IDC308",
    "literal-regex": "IDC370",
    "implementation-specific": "IDC309",
    "lost-precedence": "IDC311",
}


def _ref(c: PathCandidate) -> ObjectRef:
    return ObjectRef("Ingress", c.ingress_namespace, c.ingress_name)


def _field(c: PathCandidate) -> str:
    if c.rule_index is None:
        return "spec.defaultBackend"
    if c.path_index is None:
        return f"spec.rules[{c.rule_index}]"
    return f"spec.rules[{c.rule_index}].http.paths[{c.path_index}]"


def _backend_field(c: PathCandidate) -> str:
    return "spec.defaultBackend" if c.rule_index is None else f"{_field(c)}.backend"


def _miss_field(miss: NearMiss) -> str:
    """A miss on the host points at the rule's host, any other at the path."""
    c = miss.candidate
    if miss.key in ("wildcard-depth", "host-no-match") and c.rule_index is not None:
        return f"spec.rules[{c.rule_index}].host"
    return _field(c)


def _backend_ref(c: PathCandidate) -> BackendRef | None:
    svc = c.backend.get("service")
    if not svc:
        return None
    port = svc.get("port") or {}
    return BackendRef(c.ingress_namespace, str(svc.get("name")), port.get("number"),
                      port.get("name"))


def _row(c: PathCandidate, match: str) -> dict[str, str]:
    """One route table row; `match` is "serves" for the winner, else the near miss's key."""
    svc = c.backend.get("service") or {}
    port = svc.get("port") or {}
    if svc:
        backend = f"{svc.get('name')}:{port.get('number', port.get('name'))}"
    elif c.backend.get("resource"):
        backend = f"resource {c.backend['resource'].get('name')}"
    else:
        backend = "-"  # a rule without paths, named for its host
    return {
        "ingress": f"{c.ingress_namespace}/{c.ingress_name}",
        "host": shown_host(c.host),
        "path": _shown_path(c),
        "pathType": c.path_type or "-",
        "backend": backend,
        "match": match,
    }


def _shown_path(c: PathCandidate) -> str:
    """An omitted path matches as `/`; a rule without paths (a host near miss) has none."""
    if c.rule_index is None:
        return "(default backend)"
    return c.path or ("/" if c.path_index is not None else "-")


def _miss_rows(result: MatchResult) -> tuple[dict[str, str], ...]:
    return tuple(_row(m.candidate, m.key) for m in result.near_misses[:_MAX_MISS_ROWS])


def _fallback_won(result: MatchResult) -> bool:
    """A host-less rule or a default backend served: the request's host had no rule of its
    own, so the rules that nearly fitted it are what the user most likely meant."""
    return result.winner is not None and (result.via_default_backend
                                          or result.winner.host is None)


def _miss_findings(misses: tuple[NearMiss, ...], depth_code: str | None = None) -> list[Finding]:
    """Findings for the near misses that have a code; wildcard-depth ones only with
    `depth_code`, which depends on whether anything else served the host."""
    out = []
    for miss in misses:
        if miss.key == "lost-precedence" and miss.candidate.path in ("/", None):
            continue  # a catch-all losing to a specific path is the point of a catch-all
        code = depth_code if miss.key == "wildcard-depth" else NEAR_MISS_CODES.get(miss.key)
        if code:
            out.append(finding(code, _ref(miss.candidate), miss.reason, field=_miss_field(miss)))
    return out


def _rejected(ctx: TraceContext, winner: PathCandidate) -> list[Finding]:
    """IDC340 for the winner's Ingress when the API server rejects it: none of its rules
    exist, so the request meets the controller's default backend."""
    obj = ctx.snapshot.get("Ingress", winner.ingress_namespace, winner.ingress_name)
    return [finding("IDC340", _ref(winner), f"{where} {problem}: the API server rejects "
                    "Ingress " + f"{winner.ingress_namespace}/{winner.ingress_name}",
                    field=where)
            for where, problem in (invalid_backends(obj) if obj is not None else ())]


def _route_of(ctx: TraceContext, c: PathCandidate) -> RouteOutcome:
    """A candidate as a route of its own: what the walk follows for the nearest miss."""
    ref = _ref(c)
    obj = ctx.snapshot.get("Ingress", c.ingress_namespace, c.ingress_name)
    hop = Hop(HopId.RULE, TITLE, status_from(()), route_label(c), objects=(ref,))
    return RouteOutcome(hop, ref, obj, _backend_ref(c), c.backend.get("resource"),
                        _backend_field(c), label=route_label(c))


def _class_table(ctx: TraceContext, controller: ControllerFacts) -> RouteTable:
    """The route table of the controller's Ingresses and every other Ingress of its class,
    built once per snapshot for each set of claimed Ingresses (most requests of a `check`
    that no rule serves share one: none claimed)."""
    ingresses = controller.routes_of("Ingress")
    claimed = frozenset({ObjectRef.of(i) for i in ingresses} | controller.applied.dropped)

    def build() -> RouteTable:
        others = [i for i in class_ingresses(ctx.snapshot, controller.class_name)
                  if ObjectRef.of(i) not in claimed]
        return RouteTable.build([*ingresses, *others])

    return ctx.snapshot.memo(("class-routes", controller.class_name, claimed,
                              tuple(map(id, ingresses))), build, ("Ingress", "IngressClass"))


class IngressRouter:
    """Routes by the Ingresses the controller claims, under its profile's rules."""

    hop = HopId.RULE
    title = TITLE
    inputs = ("Ingress",)

    def route(self, ctx: TraceContext, controller: ControllerFacts) -> RouteOutcome | Miss:
        req = ctx.request
        ingresses = controller.routes_of("Ingress")
        result = match_request(ingresses, req.host, req.path, controller.profile)
        if result.winner is None or result.via_default_backend or result.host_class == "any":
            # Nothing specific serves the host: rules for other hosts of the class become
            # near misses (a typo, a wildcard at the wrong depth). They cannot win.
            table = _class_table(ctx, controller)
            if match_table(table, req.host, req.path, controller.profile,
                           near_misses=False).winner is None:
                return Miss(lambda: self._outcome(ctx, controller, match_table(
                    table, req.host, req.path, controller.profile)))
            result = match_table(table, req.host, req.path, controller.profile)
        return self._outcome(ctx, controller, result)

    def _outcome(self, ctx: TraceContext, controller: ControllerFacts,
                 result: MatchResult) -> RouteOutcome:
        req = ctx.request
        ingresses = controller.routes_of("Ingress")
        intent = signals(result, controller.profile, ingresses, controller.implementer)
        found = self._findings(ctx, result, intent)
        nearest = _route_of(ctx, intent.meant) if intent.meant is not None else None
        winner = result.winner
        if winner is None:
            summary = f"no rule for {req.host}{req.path}"
            hop = Hop(HopId.RULE, TITLE, status_from(tuple(found)), summary,
                      findings=tuple(found), rows=_miss_rows(result))
            return RouteOutcome(hop, None, None, None, nearest=nearest)
        ref = _ref(winner)
        if winner.rule_index is None:
            summary = f"{ref}: spec.defaultBackend"
        else:
            summary = (f"{ref}: host {shown_host(winner.host)} path {_shown_path(winner)} "
                       f"({winner.path_type or 'ImplementationSpecific'})")
        # The routes that lost this request though written for it are shown with why.
        losers = tuple(_row(m.candidate, m.key) for m in result.near_misses
                       if ident(m.candidate) in intent.explained)
        misses = _miss_rows(result) if _fallback_won(result) else ()
        rows = (_row(winner, "serves"), *misses, *(r for r in losers if r not in misses))
        hop = Hop(HopId.RULE, TITLE, status_from(tuple(found)), summary, objects=(ref,),
                  findings=tuple(found), rows=rows,
                  note="; ".join(result.notes) or None)
        obj = ctx.snapshot.get("Ingress", winner.ingress_namespace, winner.ingress_name)
        if any(f.code == "IDC340" for f in found):  # rejected: no backend to follow
            return RouteOutcome(hop, ref, obj, None, nearest=nearest)
        resource = winner.backend.get("resource")
        return RouteOutcome(hop, ref, obj, _backend_ref(winner), resource,
                            _backend_field(winner), nearest=nearest)

    def _findings(self, ctx: TraceContext, result: MatchResult,
                  intent: Signals) -> list[Finding]:
        req = ctx.request
        found: list[Finding] = []
        if req.is_ip:
            found.append(finding(
                "IDC104", ObjectRef("Request", None, req.host),
                f"request host {req.host} is an IP address; host rules never match it",
            ))
        if result.winner is None:
            return found + self._no_match(ctx, result)
        found.extend(_rejected(ctx, result.winner))
        if result.redirect is not None:
            status, target, why = result.redirect
            location = target + (f"?{urlencode(req.query)}" if req.query else "")
            found.append(finding("IDC394", _ref(result.winner), f"answered with {status} to "
                                 f"{location} ({why})", field=f"{_field(result.winner)}.path",
                                 status=status, location=location))
        resource = result.winner.backend.get("resource")
        if resource:
            found.append(finding(
                "IDC406", _ref(result.winner),
                f"backend is {resource.get('kind')} {resource.get('name')}, not a Service",
                field=_backend_field(result.winner),
            ))
        catch_all = ctx.snapshot.get("Ingress", result.winner.ingress_namespace,
                                     result.winner.ingress_name)
        deliberate = catch_all is not None and not spec(catch_all).get("rules")
        # An Ingress of a default backend alone is a deliberate catch-all: only a host that
        # another rule names makes its answer a surprise.
        if result.via_default_backend and (not deliberate or result.host_class is not None):
            found.append(finding(
                "IDC310", _ref(result.winner),
                f"no rule path matches {req.host}{req.path}; spec.defaultBackend serves it",
                field="spec.defaultBackend",
            ))
        found.extend(intent.findings)
        found.extend(_miss_findings(
            tuple(m for m in result.near_misses if ident(m.candidate) not in intent.explained)))
        return found

    def _no_match(self, ctx: TraceContext, result: MatchResult) -> list[Finding]:
        """IDC301/IDC303, or IDC302 errors when a wildcard at another depth was meant."""
        req = ctx.request
        if result.host_class is not None:
            return [finding(
                "IDC303", ObjectRef("Request", None, req.host),
                f"host {req.host} matches ({result.host_class} rule) but no path matches "
                f"{req.path}",
            ), *_miss_findings(result.near_misses)]
        if any(m.key == "wildcard-depth" for m in result.near_misses):
            return _miss_findings(result.near_misses, "IDC302")
        hosts = sorted({shown_host(m.candidate.host) for m in result.near_misses})
        return [finding(
            "IDC301", ObjectRef("Request", None, req.host),
            f"no Ingress rule matches host {req.host}"
            + (f" (rule hosts: {', '.join(hosts)})" if hosts else ""),
        ), *_miss_findings(result.near_misses)]

