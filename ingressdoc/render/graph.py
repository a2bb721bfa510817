"""The picture of a trace or a check as a small graph, for the Mermaid and DOT renderers.

A trace is the request's path: one node per hop coloured by its status, and the edge into
the root-cause hop marked with its finding code. A check is host -> path -> Service -> pods
for every request, each edge coloured by the hops that decide it, so a broken edge is red and
labelled with its finding code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ingressdoc.check.report import CheckReport, EntryResult
from ingressdoc.findings import Severity
from ingressdoc.hops.model import Hop, HopId, HopStatus, TraceResult

# Worst first: the status an edge or node shows when several hops decide it.
_ORDER = (HopStatus.FAIL, HopStatus.WARN, HopStatus.UNKNOWN, HopStatus.SKIPPED, HopStatus.OK)
# The hops that decide each edge of a check's graph: everything before the Ingress rule
# decides whether the request reaches its path at all.
_FRONT_HOPS = (HopId.DNS, HopId.ENTRY, HopId.CONTROLLER, HopId.TLS, HopId.RULE)
_BACKEND_HOPS = (HopId.ENDPOINTS, HopId.PODS, HopId.NETPOL)


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    status: HopStatus


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    status: HopStatus
    label: str = ""
    marked: bool = False  # the edge where the request breaks


@dataclass(frozen=True)
class Graph:
    """`across`: drawn left to right (a check's fan-out) instead of top down (a trace)."""

    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    across: bool = False


def worst(statuses: Iterable[HopStatus]) -> HopStatus:
    present = set(statuses)
    return next((s for s in _ORDER if s in present), HopStatus.OK)


def trace_graph(result: TraceResult) -> Graph:
    root, cause = result.root_cause, result.root_finding
    nodes = [Node("request", str(result.request), HopStatus(result.verdict))]
    edges = []
    previous = "request"
    for hop in result.hops:
        nodes.append(Node(hop.hop, f"{hop.title}: {hop.summary}", hop.status))
        marked = hop is root
        label = (cause.code if cause else "fails") if marked else ""
        edges.append(Edge(previous, hop.hop, hop.status, label, marked))
        previous = hop.hop
    return Graph(f"Trace {result.request}", tuple(nodes), tuple(edges))


def _hop(result: EntryResult, name: HopId) -> Hop | None:
    return next((h for h in result.trace.hops if h.hop == name), None)


def _status(result: EntryResult, *names: HopId) -> HopStatus:
    return worst(h.status for n in names if (h := _hop(result, n)) is not None)


def check_graph(report: CheckReport) -> Graph:
    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str], Edge] = {}

    def node(key: str, label: str, status: HopStatus) -> str:
        seen = nodes.get(key)
        nodes[key] = Node(key, label, worst((status, seen.status)) if seen else status)
        return key

    def edge(source: str, target: str, status: HopStatus, label: str = "") -> None:
        seen = edges.get((source, target))
        if seen is not None:
            status = worst((status, seen.status))
            label = seen.label or label
        edges[(source, target)] = Edge(source, target, status, label, status is HopStatus.FAIL)

    for result in report.results:
        t = result.target
        host = node(f"host:{t.host or '*'}", t.host or "any host", HopStatus.OK)
        front = _status(result, *_FRONT_HOPS)
        path = node(f"path:{t.ingress}:{t.label}",
                    f"{t.path or 'default backend'} ({t.ingress.namespace}/{t.ingress.name})",
                    _status(result, HopId.RULE))
        edge(host, path, front, _code(result, *_FRONT_HOPS))
        backend = result.trace.backend
        service_status = _status(result, HopId.SERVICE)
        if backend is None:
            broken = node(f"none:{t.ingress}:{t.label}", "no backend", HopStatus.FAIL)
            edge(path, broken, HopStatus.FAIL, _code(result, HopId.RULE, HopId.SERVICE))
            continue
        svc = node(f"svc:{backend.namespace}/{backend.service}",
                   f"Service {backend.namespace}/{backend.service}", service_status)
        edge(path, svc, service_status,
             _code(result, HopId.SERVICE) or f"port {backend.port_label}")
        pods_status = _status(result, *_BACKEND_HOPS)
        pods = node(f"pods:{backend.namespace}/{backend.service}",
                    _pods_label(result), pods_status)
        edge(svc, pods, pods_status, _code(result, *_BACKEND_HOPS))
    return Graph(f"Check ({report.source})", tuple(nodes.values()), tuple(edges.values()),
                 across=True)


def _pods_label(result: EntryResult) -> str:
    hop = _hop(result, HopId.PODS)
    return f"Pods: {hop.summary}" if hop else "Pods"


def _code(result: EntryResult, *names: HopId) -> str:
    """The first error's code among these hops: the label of the broken edge."""
    for name in names:
        hop = _hop(result, name)
        if hop is not None and hop.status is HopStatus.FAIL:
            codes = [f.code for f in hop.findings if f.severity is Severity.ERROR]
            if codes:
                return codes[0]
    return ""
