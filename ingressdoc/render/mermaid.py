"""Mermaid flowcharts of a trace or a check: they render in GitHub Markdown, issues and the
Actions step summary. Nodes get a class per hop status; broken edges are thick and red."""

from __future__ import annotations

from ingressdoc.check.report import CheckReport
from ingressdoc.hops.model import HopStatus, TraceResult
from ingressdoc.render.colors import FILL, STROKE
from ingressdoc.render.graph import Graph, check_graph, trace_graph


def _text(label: str) -> str:
    """A quoted Mermaid label: quotes and the characters Mermaid reads as markup escaped."""
    for char, entity in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        label = label.replace(char, entity)
    return f'"{label}"'


def mermaid(graph: Graph) -> str:
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    lines = [f"flowchart {'LR' if graph.across else 'TD'}"]
    lines += [f"    {ids[n.id]}[{_text(n.label)}]" for n in graph.nodes]
    for e in graph.edges:
        arrow = "==>" if e.marked else "-->"
        label = f"|{_text(e.label)}|" if e.label else ""
        lines.append(f"    {ids[e.source]} {arrow}{label} {ids[e.target]}")
    for status in HopStatus:
        members = [ids[n.id] for n in graph.nodes if n.status is status]
        if members:
            lines.append(f"    classDef {status.value} fill:{FILL[status]},stroke:{STROKE[status]}")
            lines.append(f"    class {','.join(members)} {status.value}")
    for index, e in enumerate(graph.edges):
        if e.status in (HopStatus.FAIL, HopStatus.WARN):
            width = "3px" if e.marked else "2px"
            lines.append(f"    linkStyle {index} stroke:{STROKE[e.status]},stroke-width:{width}")
    return "\n".join(lines) + "\n"


def render_trace_mermaid(result: TraceResult) -> str:
    return mermaid(trace_graph(result))


def render_check_mermaid(report: CheckReport) -> str:
    return mermaid(check_graph(report))
