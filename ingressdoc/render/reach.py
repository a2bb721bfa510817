"""`reach` as a table and as a JSON/YAML document, built on the trace's renderers.

The document is the trace document (same hop objects, root cause and request) with FROM, TO
and the reach verdict; the table uses the trace table's marks and finding lines.
"""

from __future__ import annotations

from typing import Any

from ingressdoc.reach.model import ReachResult, Verdict
from ingressdoc.render.document import trace_document
from ingressdoc.render.table import Style, _unicode, findings_lines, use_color

_VERDICT = {Verdict.REACHABLE: "REACHABLE", Verdict.BLOCKED: "BLOCKED",
            Verdict.UNKNOWN: "UNKNOWN (some hops could not be checked)"}


def render_reach(result: ReachResult, style: Style | None = None) -> str:
    style = style or Style(use_color(), _unicode())
    lines = [style.bold(f"Reach {result.client} -> {result.target}")
             + f"  (source: {result.trace.source})", ""]
    for hop in result.hops:
        lines.append(f"{style.mark(hop.status)} {hop.title:<28} {hop.summary}")
        if hop.note and hop.note != hop.summary:
            lines.append(f"    note: {hop.note}")
        lines.extend(findings_lines(hop.findings))
    verdict = _VERDICT[result.verdict]
    if result.assumed and result.verdict is Verdict.REACHABLE:
        verdict += " (assuming the pods from workload templates become Ready)"
    lines += ["", style.bold(f"Verdict: {verdict}")]
    root, cause = result.trace.root_cause, result.trace.root_finding
    if root is not None:
        lines.append(f"Root cause ({root.title}): "
                     + (f"{cause.code} {cause.message}" if cause else root.summary))
        if cause:
            lines.append(f"Fix: {cause.hint}")
    return "\n".join(lines) + "\n"


def reach_document(result: ReachResult) -> dict[str, Any]:
    doc = trace_document(result.trace)
    head = {"schemaVersion": doc.pop("schemaVersion"), "from": result.client,
            "to": result.target}
    return {**head, **doc, "verdict": result.verdict.value, "assumed": list(result.assumed)}
