"""`reach` as a table and as a JSON/YAML document, built on the trace's renderers.

The document is the trace document (same hop objects, root cause and request) with FROM, TO,
the reach verdict and, after `--probe`, the live one beside it, with `liveLeg` when it covers
only part of the path (a host/path TO: the client -> controller leg); the table uses the
trace table's marks and finding lines.
"""

from __future__ import annotations

from typing import Any

from ingressdoc.hops.model import Verdict
from ingressdoc.reach.model import ReachResult
from ingressdoc.render.document import trace_document
from ingressdoc.render.table import Style, hop_lines, root_cause_lines

_VERDICT = {Verdict.REACHABLE: "REACHABLE", Verdict.BLOCKED: "BLOCKED",
            Verdict.UNKNOWN: "UNKNOWN (some hops could not be checked)"}
_LIVE = {Verdict.REACHABLE: "REACHABLE (the probe pod connected)",
         Verdict.BLOCKED: "BLOCKED (the probe pod could not connect)",
         Verdict.UNKNOWN: "UNKNOWN (the probe told nothing about the network)"}


def render_reach(result: ReachResult, style: Style | None = None) -> str:
    style = style or Style.for_terminal()
    lines = [style.bold(f"Reach {result.client} -> {result.target}")
             + f"  (source: {result.trace.source})", ""]
    for hop in result.hops:
        lines.extend(hop_lines(hop, style))
    verdict = _VERDICT[result.verdict]
    if result.assumed and result.verdict is Verdict.REACHABLE:
        verdict += " (assuming the pods from workload templates become Ready)"
    lines += ["", style.bold(f"Verdict: {verdict}")]
    if result.live is not None:
        leg = "" if result.live_leg is None else f", {result.live_leg} leg only"
        lines.append(style.bold(f"Live:    {_LIVE[result.live]}{leg}"))
    lines += root_cause_lines(result.trace)
    return "\n".join(lines) + "\n"


def reach_document(result: ReachResult) -> dict[str, Any]:
    doc = trace_document(result.trace)
    head = {"schemaVersion": doc.pop("schemaVersion"), "from": result.client,
            "to": result.target}
    live = {} if result.live is None else {"live": result.live.connection}
    if result.live_leg is not None:
        live["liveLeg"] = result.live_leg
    return {**head, **doc, "verdict": result.verdict.connection, **live,
            "assumed": [h.value for h in result.assumed]}
