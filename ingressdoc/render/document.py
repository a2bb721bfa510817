"""The JSON/YAML document of a trace: a documented contract (see README, "Output")."""

from __future__ import annotations

from typing import Any

from ingressdoc.hops.model import Evidence, Hop, TraceResult

SCHEMA_VERSION = "1"


def _evidence(e: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": e.kind, "target": e.target, "outcome": e.outcome}
    if e.detail:
        out["detail"] = e.detail
    if e.replay:
        out["replay"] = e.replay
    if e.data:
        out["data"] = dict(e.data)
    return out


def hop_dict(hop: Hop) -> dict[str, Any]:
    out: dict[str, Any] = {
        "hop": hop.hop.value,
        "title": hop.title,
        "status": hop.status.value,
        "summary": hop.summary,
        "objects": [o.as_dict() for o in hop.objects],
        "findings": [f.as_dict() for f in hop.findings],
    }
    if hop.rows:
        out["routes"] = [dict(r) for r in hop.rows]
    if hop.settings:
        out["settings"] = [dict(r) for r in hop.settings]
    if hop.evidence:
        out["evidence"] = [_evidence(e) for e in hop.evidence]
    if hop.note:
        out["note"] = hop.note
    return out


def trace_document(result: TraceResult) -> dict[str, Any]:
    root, cause = result.root_cause, result.root_finding
    fix = result.after_fix
    after = {"afterFix": {"cause": fix.cause, "route": fix.route,
                          "hops": [hop_dict(h) for h in fix.hops]}} if fix else {}
    return {
        "schemaVersion": SCHEMA_VERSION,
        "request": result.request.as_dict(),
        "source": result.source,
        "outcome": result.outcome.as_dict() if result.outcome else None,
        "verdict": result.verdict.value,
        "rootCause": {"hop": root.hop.value, "summary": root.summary,
                      "finding": cause.as_dict() if cause else None} if root else None,
        "hops": [hop_dict(h) for h in result.hops],
        **after,
    }
