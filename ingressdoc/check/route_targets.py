"""The requests `check` sends for Gateway API routes: one per hostname and rule match of
every HTTPRoute and GRPCRoute in scope.

- Host: each route hostname narrowed by the hostname of each listener it attaches to (a
  route's `*.example.com` on a `shop.example.com` listener is shop.example.com there);
  a wildcard left becomes `ingressdoc-check.example.com`, as for Ingress. A route without
  hostnames serves its listeners' hostnames, so those are used; with none either, the
  reserved `SYNTHETIC_HOST`.
- Path, method, headers and query: what the match names (Exact and PathPrefix paths as
  written; a RegularExpression path as the shortest string it matches, when one can be
  derived). A GRPCRoute match becomes the path `/service/method` with a POST.
- Scheme: http when the route attaches to an HTTP listener, else https.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ingressdoc.check.regex_sample import sample
from ingressdoc.check.targets import Target, request_host
from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.http_route import match_text
from ingressdoc.hops.model import HopId, TraceResult
from ingressdoc.k8s.gateway.hostnames import narrowest
from ingressdoc.k8s.gateway.listeners import attach, parent_refs
from ingressdoc.k8s.gateway.matching import matches_of, rules_of
from ingressdoc.k8s.objects import spec
from ingressdoc.request import Request
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]


def _listeners(snap: Snapshot, route: Obj) -> list[tuple[str | None, str]]:
    """(hostname, protocol) of the listeners the route attaches to."""
    out = []
    for ref in parent_refs(route):
        gw = snap.get("Gateway", ref.namespace, ref.name) if ref.kind == "Gateway" else None
        if gw is not None:
            out += [(lst.hostname, lst.protocol) for lst in attach(route, ref, gw).listeners]
    return out


def _hosts(route: Obj, listeners: Sequence[tuple[str | None, str]]) -> list[str | None]:
    """The hostnames a request must carry to meet the route on its listeners: each route
    hostname narrowed by the listener's (`*.example.com` on a `shop.example.com` listener
    serves shop.example.com only); the route's own when no listener accepts it."""
    hostnames = [str(h) for h in spec(route).get("hostnames") or []]
    if not hostnames:
        return list(dict.fromkeys(h for h, _ in listeners)) or [None]
    narrowed = [n for lh, _ in listeners for h in hostnames
                if (n := narrowest(lh, h)) is not None]
    return list(dict.fromkeys(narrowed or hostnames))


def _request(m: Mapping[str, Any], kind: str, host: str, scheme: str) -> Request | None:
    headers = tuple((str(h.get("name")), str(h.get("value"))) for h in m.get("headers") or []
                    if h.get("type", "Exact") == "Exact")
    if kind == "GRPCRoute":
        method = m.get("method") or {}
        path = f"/{method.get('service') or 'ingressdoc.Check'}/{method.get('method') or 'Call'}"
        return Request(host, path, scheme, method="POST", headers=headers)
    p = m.get("path") or {}
    path = str(p.get("value") or "/")
    if p.get("type") == "RegularExpression":
        literal = sample(path)
        if literal is None:
            return None
        path = literal or "/"
    query = tuple((str(q.get("name")), str(q.get("value"))) for q in m.get("queryParams") or []
                  if q.get("type", "Exact") == "Exact")
    return Request(host, path, scheme, method=str(m.get("method") or "GET"), headers=headers,
                   query=query)


def _label(m: Mapping[str, Any]) -> str:
    p = m.get("path") or {}
    extra = [f"method {m['method']}"] if isinstance(m.get("method"), str) else []
    extra += [f"header {h.get('name')}" for h in m.get("headers") or []]
    extra += [f"query {q.get('name')}" for q in m.get("queryParams") or []]
    return str(p.get("type") or "gRPC") + (f" + {', '.join(extra)}" if extra else "")


def route_targets(snap: Snapshot, route: Obj) -> Iterator[Target]:
    ref = ObjectRef.of(route)
    kind = ref.kind
    listeners = _listeners(snap, route)
    scheme = "http" if not listeners or any(p == "HTTP" for _, p in listeners) else "https"
    for host in _hosts(route, listeners):
        for i, rule in enumerate(rules_of(route)):
            for j, m in enumerate(matches_of(rule, kind)):
                request = _request(m, kind, request_host(host), scheme)
                if request is None:
                    continue
                path = request.path if kind == "GRPCRoute" else str(
                    (m.get("path") or {}).get("value") or "/")
                yield Target(ref, f"spec.rules[{i}].matches[{j}]", host, path, _label(m),
                             request)


def route_served_by(snap: Snapshot, target: Target, result: TraceResult
                    ) -> tuple[str | None, list[Finding]]:
    """Which route rule serves a route target's request when it is not the target's own,
    and IDC826 when that rule has the very same hostname and match: the target's match then
    never serves a request (two identical routes, both Accepted, one silently unused)."""
    hop = next((h for h in result.hops if h.hop == HopId.ROUTE), None)
    row = next((r for r in hop.rows if r.get("outcome") == "serves"), None) if hop else None
    if hop is None or row is None or not hop.objects:
        return None, []
    winner = hop.objects[0]
    if winner == target.ingress and row.get("rule") == target.field.removeprefix("spec."):
        return None, []
    served_by = f"{row.get('route')} {row.get('rule')}"
    route = snap.get(target.ingress.kind, target.ingress.namespace, target.ingress.name)
    own = _match_at(route, target.field) if route is not None else None
    same_host = str(row.get("hostname")) == str(target.host or "<listener's>").lower()
    tie = any(f.code == "IDC819" for f in hop.findings)  # either may answer: not shadowed
    if own is None or tie or not same_host or match_text(own) != row.get("match"):
        return served_by, []
    return served_by, [finding(
        "IDC826", target.ingress, f"{target.label} is never served: {served_by} has the same "
        "hostname and match and wins by precedence (older route, then namespace/name)",
        field=target.field)]


def _match_at(route: Obj, field: str) -> Mapping[str, Any] | None:
    i, j = (int(x) for x in re.findall(r"\[(\d+)\]", field))
    rules = rules_of(route)
    matches = matches_of(rules[i], str(route.get("kind"))) if i < len(rules) else []
    return matches[j] if j < len(matches) else None
