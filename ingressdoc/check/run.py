"""Run the engine once per target over one snapshot and collect the report."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from fnmatch import fnmatchcase

from ingressdoc.check.ignore import IgnorePolicy
from ingressdoc.check.report import CheckReport, EntryResult
from ingressdoc.check.route_targets import route_served_by, route_targets
from ingressdoc.check.scope import Scope
from ingressdoc.check.targets import Target, targets
from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding, Severity
from ingressdoc.hops.model import HopId, TraceResult
from ingressdoc.k8s.gateway.matching import ROUTE_KINDS
from ingressdoc.k8s.ingress_class import resolve_class
from ingressdoc.k8s.ingress_match import shown_host
from ingressdoc.k8s.objects import name, spec
from ingressdoc.k8s.profiles import for_controller
from ingressdoc.parallel import fork_map
from ingressdoc.snapshot import ObjectRef, Origin, Snapshot, collector_paused
from ingressdoc.trace.engine import trace

Progress = Callable[[int, int, Target], None]
_BACKEND_HOPS = frozenset({"service", "cluster-dns", "endpoints", "pods", "netpol"})


def plan(snapshot: Snapshot, scope: Scope) -> list[Target]:
    """Every target in scope; each Ingress is traced through its own class's controller,
    each HTTPRoute/GRPCRoute match through its Gateway."""
    classes = snapshot.list("IngressClass")
    out: list[Target] = []
    for ing in scope.ingresses(snapshot.list("Ingress")):
        res = resolve_class(ing, classes)
        controller = spec(res.ingress_class).get("controller") if res.ingress_class else None
        out.extend(t for t in targets(ing, res.class_name, for_controller(controller))
                   if scope.host is None or _host_in_scope(scope.host, t))
    routes = [r for kind in ROUTE_KINDS for r in snapshot.list(kind)]
    for route in scope.ingresses(routes):
        out.extend(t for t in route_targets(snapshot, route)
                   if scope.host is None or _host_in_scope(scope.host, t))
    return out


def _host_in_scope(pattern: str, target: Target) -> bool:
    return fnmatchcase(target.request.host, pattern.lower())


def _winner(result: TraceResult) -> tuple[ObjectRef, Mapping[str, str]] | None:
    """The rule hop's winning Ingress and route row (`ingress`, `host`, `path`, `pathType`;
    `match` is "serves")."""
    hop = next((h for h in result.hops if h.hop == HopId.RULE), None)
    row = next((r for r in hop.rows if r.get("match") == "serves"), None) if hop else None
    if hop is None or not hop.objects or row is None:
        return None
    return hop.objects[0], row


def _own(target: Target) -> tuple[str, str]:
    return target.path or "(default backend)", target.path_type or "-"


def _served_by(target: Target, result: TraceResult) -> str | None:
    """The winning rule when it is not the target's own."""
    won = _winner(result)
    if won is None:
        return None
    ref, row = won
    if ref == target.ingress and (row.get("path"), row.get("pathType")) == _own(target):
        return None
    return f"{row.get('ingress')} {row.get('host')}{row.get('path')} ({row.get('pathType')})"


def _shadowed(snapshot: Snapshot, target: Target, result: TraceResult,
              served_by: str) -> list[Finding]:
    """IDC312 for a rule path another rule serves, when that hides something: the other rule
    has the same host, path and pathType (so it serves every request this path matches), or
    this path's own backend is broken, which no request shows until the other rule goes."""
    canaries = result.controller.applied.canaries if result.controller else ()
    if target.path is None or target.ingress in {ObjectRef.of(c) for c in canaries}:
        return []  # a canary's paths are alternatives of its primary's, never routes
    won = _winner(result)
    duplicate = won is not None and (
        str(won[1].get("host")).lower() == shown_host(target.host).lower()
        and (won[1].get("path"), won[1].get("pathType")) == _own(target))
    broken = _own_backend_errors(snapshot, target)
    told = any(f.code == "IDC331" and f.object == target.ingress for f in result.findings)
    if (not duplicate or told) and not broken:
        return []  # nothing hidden, or the trace's IDC331 already names the duplicate
    parts = [f"{target.label} is never served: {served_by} has the same host and path and "
             "serves every request it matches" if duplicate else
             f"requests for {target.request.path} go to {served_by}"]
    if broken:
        parts.append(f"its own backend is broken: {broken[0].code} {broken[0].message}")
    return [finding("IDC312", target.ingress, "; ".join(parts), field=target.field)]


def _own_backend_errors(snapshot: Snapshot, target: Target) -> tuple[Finding, ...]:
    """Errors past the rule hop when the target's Ingress is traced alone, so that no other
    Ingress can take the request; none when another path of that Ingress still wins."""
    mine = [i for i in snapshot.list("Ingress", target.ingress.namespace)
            if name(i) == target.ingress.name]
    alone = snapshot.with_only("Ingress", mine)
    own = trace(alone, target.request, target.ingress_class)
    if _served_by(target, own) is not None:
        return ()
    return tuple(f for h in own.hops if h.hop in _BACKEND_HOPS for f in h.findings
                 if f.severity is Severity.ERROR)


def _origins(snapshot: Snapshot, refs: Iterable[ObjectRef]) -> dict[ObjectRef, Origin]:
    """File and line of each object, when the snapshot came from files."""
    if snapshot.live:
        return {}
    out = {}
    for ref in refs:
        origin = snapshot.origin(ref)
        if origin is not None and origin.line is not None:
            out[ref] = origin
    return out


def _checked(snapshot: Snapshot, target: Target, policy: IgnorePolicy) -> EntryResult:
    """One target traced, its shadowing judged and the ignore policy applied."""
    started = time.perf_counter()
    result = trace(snapshot, target.request, target.ingress_class,
                   ROUTE_KINDS if target.ingress.kind in ROUTE_KINDS else ())
    if target.ingress.kind in ROUTE_KINDS:
        served_by, extra = route_served_by(snapshot, target, result)
    else:
        served_by = _served_by(target, result)
        extra = _shadowed(snapshot, target, result, served_by) if served_by else []
    kept, ignored = policy.split((*result.findings, *extra), target.ingress)
    return EntryResult(target, result, kept, ignored, served_by, time.perf_counter() - started)


def run_check(
    snapshot: Snapshot,
    scope: Scope,
    policy: IgnorePolicy,
    threshold: Severity | None,
    progress: Progress | None = None,
) -> CheckReport:
    todo = plan(snapshot, scope)
    with collector_paused():
        results = fork_map(
            lambda target: _checked(snapshot, target, policy), todo,
            None if progress is None else lambda index, target: progress(index, len(todo), target))
    refs = {r.target.ingress for r in results} | {f.object for r in results for f in r.findings}
    return CheckReport(snapshot.source, threshold, tuple(results), _origins(snapshot, refs))
