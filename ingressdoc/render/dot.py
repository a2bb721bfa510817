"""Graphviz DOT of a trace or a check (`dot -Tsvg`): nodes filled by hop status, broken
edges red and bold, the edge where a trace breaks labelled with its finding code."""

from __future__ import annotations

from ingressdoc.check.report import CheckReport
from ingressdoc.hops.model import HopStatus, TraceResult
from ingressdoc.render.colors import FILL, STROKE
from ingressdoc.render.graph import Graph, check_graph, trace_graph


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(graph: Graph) -> str:
    ids = {n.id: f"n{i}" for i, n in enumerate(graph.nodes)}
    lines = [
        "digraph ingressdoc {",
        f"    label={_quote(graph.title)};",
        "    labelloc=t;",
        '    fontname="Helvetica";',
        f"    rankdir={'LR' if graph.across else 'TB'};",
        '    node [shape=box, style="rounded,filled", fontname="Helvetica"];',
        '    edge [fontname="Helvetica"];',
    ]
    for n in graph.nodes:
        lines.append(f"    {ids[n.id]} [label={_quote(n.label)}, fillcolor={_quote(FILL[n.status])}, "
                     f"color={_quote(STROKE[n.status])}];")
    for e in graph.edges:
        attrs = [f"color={_quote(STROKE[e.status] if e.status is not HopStatus.OK else 'black')}"]
        if e.label:
            attrs.append(f"label={_quote(e.label)}")
        if e.status is HopStatus.FAIL:
            attrs += ["penwidth=3" if e.marked else "penwidth=2", "style=bold"]
        lines.append(f"    {ids[e.source]} -> {ids[e.target]} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_trace_dot(result: TraceResult) -> str:
    return dot(trace_graph(result))


def render_check_dot(report: CheckReport) -> str:
    return dot(check_graph(report))
