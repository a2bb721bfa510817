"""Run the engine once per target over one snapshot and collect the report."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase

from ingressdoc.check.ignore import IgnorePolicy
from ingressdoc.check.report import CheckReport, EntryResult
from ingressdoc.check.scope import Scope
from ingressdoc.check.targets import Target, targets
from ingressdoc.findings import Severity
from ingressdoc.k8s.ingress_class import resolve_class
from ingressdoc.snapshot import ObjectRef, Origin, Snapshot
from ingressdoc.trace.engine import trace
from ingressdoc.trace.model import TraceResult

Progress = Callable[[int, int, Target], None]


def plan(snapshot: Snapshot, scope: Scope) -> list[Target]:
    """Every target in scope; each Ingress is traced through its own class's controller."""
    classes = snapshot.list("IngressClass")
    out: list[Target] = []
    for ing in scope.ingresses(snapshot.list("Ingress")):
        out.extend(t for t in targets(ing, resolve_class(ing, classes).class_name)
                   if scope.host is None or _host_in_scope(scope.host, t))
    return out


def _host_in_scope(pattern: str, target: Target) -> bool:
    return fnmatchcase(target.request.host, pattern.lower())


def _served_by(target: Target, result: TraceResult) -> str | None:
    """The winning rule when it is not the target's own. Reads the rule hop's winner row
    (`ingress`, `host`, `path`, `pathType`), which the rule hop writes only for a winner."""
    hop = next((h for h in result.hops if h.hop == "rule"), None)
    if hop is None or not hop.objects or not hop.rows:
        return None
    row = hop.rows[0]
    own = (target.path or "(default backend)", target.path_type or "-")
    if hop.objects[0] == target.ingress and (row.get("path"), row.get("pathType")) == own:
        return None
    return f"{row.get('ingress')} {row.get('host')}{row.get('path')} ({row.get('pathType')})"


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


def run_check(
    snapshot: Snapshot,
    scope: Scope,
    policy: IgnorePolicy,
    threshold: Severity | None,
    progress: Progress | None = None,
) -> CheckReport:
    todo = plan(snapshot, scope)
    results: list[EntryResult] = []
    for index, target in enumerate(todo):
        if progress is not None:
            progress(index, len(todo), target)
        started = time.perf_counter()
        result = trace(snapshot, target.request, target.ingress_class)
        kept, ignored = policy.split(result.findings, target.ingress)
        results.append(EntryResult(target, result, kept, ignored, _served_by(target, result),
                                   time.perf_counter() - started))
    refs = {r.target.ingress for r in results} | {f.object for r in results for f in r.findings}
    return CheckReport(snapshot.source, threshold, tuple(results), _origins(snapshot, refs))
