"""What every hop shares: the context it reads and the "not checked" rule for missing kinds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Optional, TypeVar

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.model import Hop, HopId, HopStatus
from ingressdoc.request import Request
from ingressdoc.snapshot import KindStatus, ObjectRef, Snapshot


@dataclass(frozen=True)
class TraceContext:
    """`prefer`: route kinds to trace when routers of several kinds serve the request
    (`check` of an HTTPRoute traces the route, not an Ingress for the same host)."""

    snapshot: Snapshot
    request: Request
    ingress_class: str | None = None
    prefer: tuple[str, ...] = ()


_WHY = {
    KindStatus.FORBIDDEN: "forbidden",
    KindStatus.UNAVAILABLE: "not served by the API",
    KindStatus.NOT_LOADED: "not in the snapshot",
}


def missing_inputs(
    snapshot: Snapshot, kinds: Sequence[str], namespace: str | None = None
) -> tuple[str | None, tuple[Finding, ...]]:
    """A "not checked" note and IDC002/IDC003 findings for kinds the hop needs but lacks.

    A missing kind must turn into "not checked", never into a false "not found".
    """
    notes: list[str] = []
    found: list[Finding] = []
    for kind in kinds:
        state = snapshot.status(kind, namespace)
        if state is KindStatus.LOADED:
            continue
        scoped = (kind, namespace) in snapshot.scope_failures and namespace is not None
        where = f" in {namespace}" if scoped else ""
        notes.append(f"cannot list {kind}{where} ({_WHY[state]})")
        ref = ObjectRef(kind, namespace if scoped else None, "*")
        if state is KindStatus.FORBIDDEN:
            found.append(finding(
                "IDC002", ref, f"listing {kind}{where} is forbidden for these credentials",
                hint=f"Grant get/list on {kind} (see deploy/rbac.yaml).",
            ))
        elif state is KindStatus.UNAVAILABLE:
            found.append(finding("IDC003", ref, f"the API server does not serve {kind}"))
    return ("not checked: " + "; ".join(notes) if notes else None), tuple(found)


def not_checked(hop: HopId, title: str, note: str, findings: tuple[Finding, ...] = ()) -> Hop:
    return Hop(hop, title, HopStatus.SKIPPED, note, findings=findings, note=note)


def blocked(hop: HopId, title: str, by: str) -> Hop:
    note = f"not checked (blocked by {by})"
    return Hop(hop, title, HopStatus.SKIPPED, note, note=note)


H = TypeVar("H", Hop, Optional[Hop])  # noqa: UP045 - a TypeVar constraint needs Optional


def guarded(hop: HopId, title: str, run: Callable[[], H]) -> H | Hop:
    """A bug in a leaf hop (one no later hop depends on) becomes an IDC001 finding for that
    hop and the walk goes on; hops whose facts feed later hops fail the run instead."""
    try:
        return run()
    except Exception as exc:
        f = finding("IDC001", ObjectRef("Hop", None, hop), f"{type(exc).__name__}: {exc}")
        return Hop(hop, title, HopStatus.FAIL, "internal error", findings=(f,))
