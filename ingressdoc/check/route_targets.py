"""The requests `check` sends for Gateway API routes: one per hostname and rule match of
every HTTPRoute and GRPCRoute in scope.

- Host: each route hostname (`*.example.com` becomes `ingressdoc-check.example.com`, as for
  Ingress). A route without hostnames serves its listeners' hostnames, so those are used;
  with none either, the reserved `SYNTHETIC_HOST`.
- Path, method, headers and query: what the match names (Exact and PathPrefix paths as
  written; a RegularExpression path as the shortest string it matches, when one can be
  derived). A GRPCRoute match becomes the path `/service/method` with a POST.
- Scheme: http when the route attaches to an HTTP listener, else https.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ingressdoc.check.regex_sample import sample
from ingressdoc.check.targets import Target, request_host
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
    hostnames = [str(h) for h in spec(route).get("hostnames") or []]
    if hostnames:
        return list(dict.fromkeys(hostnames))
    return list(dict.fromkeys(h for h, _ in listeners)) or [None]


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
