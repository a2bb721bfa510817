"""Which rule of which attached route serves a request (HTTPRouteRule.matches, GRPCRoute).

`spec` precedence, across all rules of all routes attached to the request's listener
(HTTPRouteSpec.hostnames, then HTTPRouteRule.matches):

1. the route whose matching hostname has the most characters as a non-wildcard name, then
   the most characters in the matching hostname;
2. an Exact path; 3. the PathPrefix with the most characters; 4. a method match;
5. the most header matches; 6. the most query-param matches;
7. the oldest route (creationTimestamp); 8. `namespace/name` alphabetically; 9. rule order.

RegularExpression paths rank after prefixes here: their precedence is the implementation's.
An implementation that departs from the spec says how in its `GatewaySemantics` (held by its
controller profile: Traefik v3.6 ranks one router per match by a summed priority).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from ingressdoc.k8s.gateway.hostnames import host_matches, is_wildcard
from ingressdoc.k8s.objects import meta, name, namespace, spec

Obj = Mapping[str, Any]
ROUTE_KINDS = ("HTTPRoute", "GRPCRoute")
DEFAULT_MATCH: Mapping[str, Any] = {"path": {"type": "PathPrefix", "value": "/"}}
_LATE = datetime.max.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class GatewaySemantics:
    """Where a Gateway API implementation departs from the spec; the defaults are the spec's.
    A controller profile holds its implementation's (`Profile.gateway`)."""

    unanchored_regex: bool = False  # RegularExpression matches anywhere, not the whole value
    # One priority per match, highest first and equal ones in no defined order; None: the
    # spec's precedence.
    priority: Callable[[Candidate], int] | None = None
    every_listener: bool = False  # routes of every listener the Host reaches compete
    unsupported_filters: tuple[str, ...] = ()  # filter types its router answers with 500
    listeners_on_pod_ports: bool = False  # a listener's port must be a port of its pods
    # ExtensionRef filters: the (group, kind) pairs it resolves, () for any (the spec's
    # view); the controller flag that must be on for them (its `.namespaces` list scopes
    # them); and whether a referent that does not exist drops the rule's router rather than
    # answering the request with an error.
    extension_kinds: tuple[tuple[str, str], ...] = ()
    extension_switch: str | None = None
    missing_extension_drops_rule: bool = False
    # What it refuses in a Service port the spec leaves to the implementation (an
    # ExternalName, an appProtocol): (ResolvedRefs reason, detail), given the Service, the
    # port and the route kind.
    refusal: Callable[[Obj, Obj, str], tuple[str, str] | None] | None = None


SPEC = GatewaySemantics()


@dataclass(frozen=True)
class Message:
    """The request as the route matchers see it (gRPC: path `/service/method`)."""

    host: str
    path: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    @property
    def query_string(self) -> str:
        return urlencode(list(self.query.items()))


@dataclass(frozen=True)
class Candidate:
    route: Obj
    rule_index: int
    match_index: int
    match: Mapping[str, Any]
    hostname: str | None  # the route hostname that matched; None: the route names none
    fits: bool
    miss: str | None = None  # why the match does not fit, when it does not

    @property
    def route_key(self) -> str:
        return f"{namespace(self.route)}/{name(self.route)}"

    @property
    def field(self) -> str:
        return f"spec.rules[{self.rule_index}].matches[{self.match_index}]"

    @property
    def rule(self) -> Mapping[str, Any]:
        return rules_of(self.route)[self.rule_index]


@dataclass(frozen=True)
class MatchOutcome:
    winner: Candidate | None
    losers: tuple[Candidate, ...]  # fitting candidates that lost on precedence, best first
    misses: tuple[Candidate, ...]  # candidates of routes serving the host that did not fit
    tie: bool = False  # the winner tied on every key the implementation ranks by


def rules_of(route: Obj) -> list[Mapping[str, Any]]:
    """Rules with defaults: no rules is one rule matching `PathPrefix /`."""
    return list(spec(route).get("rules") or [{"matches": [DEFAULT_MATCH]}])


def matches_of(rule: Mapping[str, Any], kind: str = "HTTPRoute") -> list[Mapping[str, Any]]:
    """An empty list matches everything: `PathPrefix /` (HTTPRoute) or any method (gRPC)."""
    raw = rule.get("matches") or [DEFAULT_MATCH if kind == "HTTPRoute" else {}]
    return [_defaulted(m, kind) for m in raw]


def _defaulted(m: Mapping[str, Any], kind: str) -> Mapping[str, Any]:
    out = dict(m)
    if kind == "HTTPRoute":
        path = dict(out.get("path") or {})
        path.setdefault("type", "PathPrefix")
        path.setdefault("value", "/")
        out["path"] = path
    return out


def path_fits(path_match: Mapping[str, Any], path: str, semantics: GatewaySemantics = SPEC) -> bool:
    kind, value = str(path_match.get("type")), str(path_match.get("value"))
    if kind == "Exact":
        return path == value
    if kind == "PathPrefix":
        prefix = value.rstrip("/")
        return not prefix or path == prefix or path.startswith(prefix + "/")
    if kind == "RegularExpression":
        return _regex(value, path, semantics)
    return False


def _regex(pattern: str, text: str, semantics: GatewaySemantics) -> bool:
    """Whole-string for the spec (as Envoy-based gateways render it); unanchored where the
    implementation searches (Traefik's PathRegexp and HeaderRegexp: `regexp.MatchString`)."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    return bool(compiled.search(text) if semantics.unanchored_regex else compiled.fullmatch(text))


def _first_by_name(items: Sequence[Mapping[str, Any]], fold: bool) -> list[Mapping[str, Any]]:
    """Only the first entry of a repeated header (case-insensitive) or query name counts."""
    seen: set[str] = set()
    out = []
    for item in items:
        key = str(item.get("name"))
        key = key.lower() if fold else key
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _value_fits(m: Mapping[str, Any], value: str | None, semantics: GatewaySemantics) -> bool:
    if value is None:
        return False
    if m.get("type") == "RegularExpression":
        return _regex(str(m.get("value")), value, semantics)
    return value == str(m.get("value"))


def miss_reason(m: Mapping[str, Any], msg: Message, kind: str, semantics: GatewaySemantics) -> str | None:
    """None when the match fits the message, else the first condition that fails."""
    if kind == "GRPCRoute":
        method = m.get("method") or {}
        service, _, rpc = msg.path.lstrip("/").partition("/")
        if method.get("service") and method["service"] != service:
            return f"service {service} is not {method['service']}"
        if method.get("method") and method["method"] != rpc:
            return f"method {rpc} is not {method['method']}"
    else:
        p = m["path"]
        if not path_fits(p, msg.path, semantics):
            return f"path {msg.path} does not match {p.get('type')} {p.get('value')}"
        if m.get("method") and m["method"] != msg.method:
            return f"method {msg.method} is not {m['method']}"
    headers = {k.lower(): v for k, v in msg.headers.items()}
    for h in _first_by_name(m.get("headers") or [], fold=True):
        if not _value_fits(h, headers.get(str(h.get("name")).lower()), semantics):
            return f"header {h.get('name')} does not match {h.get('value')}"
    for q in _first_by_name(m.get("queryParams") or [], fold=False):
        if not _value_fits(q, msg.query.get(str(q.get("name"))), semantics):
            return f"query parameter {q.get('name')} does not match {q.get('value')}"
    return None


def route_hostname(route: Obj, effective: Sequence[str], host: str) -> tuple[bool, str | None]:
    """Whether the route serves `host` on a listener (its hostnames restricted to
    `effective`, those intersecting the listener), and the most specific one that matched."""
    if not (spec(route).get("hostnames") or []):
        return True, None
    hits = [h for h in effective if host_matches(h, host)]
    if not hits:
        return False, None
    return True, max(hits, key=lambda h: (not is_wildcard(h), len(h)))


def candidates(routes: Sequence[tuple[Obj, Sequence[str]]], msg: Message,
               semantics: GatewaySemantics = SPEC) -> list[Candidate]:
    """Every match of every route (with its effective hostnames) that serves the host."""
    out = []
    for route, effective in routes:
        serves, hostname = route_hostname(route, effective, msg.host)
        if not serves:
            continue
        kind = str(route.get("kind") or "HTTPRoute")
        for i, rule in enumerate(rules_of(route)):
            for j, m in enumerate(matches_of(rule, kind)):
                why = miss_reason(m, msg, kind, semantics)
                out.append(Candidate(route, i, j, m, hostname, why is None, why))
    return out


def _created(route: Obj) -> datetime:
    raw = meta(route).get("creationTimestamp")
    if not raw:
        return _LATE
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return _LATE


def spec_key(c: Candidate) -> tuple[Any, ...]:
    """Smaller wins: the spec's order (module docstring), then rule order within a route."""
    host = c.hostname or ""
    path = c.match.get("path") or {}
    ptype, pvalue = path.get("type"), str(path.get("value") or "")
    grpc = c.match.get("method") if isinstance(c.match.get("method"), Mapping) else None
    if grpc is not None or c.route.get("kind") == "GRPCRoute":
        body: tuple[Any, ...] = (-len(str((grpc or {}).get("service") or "")),
                                 -len(str((grpc or {}).get("method") or "")), 0, 0)
    else:
        rank = {"Exact": 0, "PathPrefix": 1}.get(str(ptype), 2)
        body = (rank, -len(pvalue) if ptype != "Exact" else 0, -bool(c.match.get("method")), 0)
    headers = -len(_first_by_name(c.match.get("headers") or [], fold=True))
    query = -len(_first_by_name(c.match.get("queryParams") or [], fold=False))
    return (-(0 if is_wildcard(host) else len(host)), -len(host), *body, headers, query,
            _created(c.route), c.route_key, c.rule_index, c.match_index)


def choose(cands: Sequence[Candidate], semantics: GatewaySemantics = SPEC) -> MatchOutcome:
    fitting = [c for c in cands if c.fits]
    misses = tuple(c for c in cands if not c.fits)
    if not fitting:
        return MatchOutcome(None, (), misses)
    priority = semantics.priority
    if priority is not None:
        ranked = sorted(fitting, key=lambda c: (-priority(c), c.route_key,
                                                c.rule_index, c.match_index))
        tie = len(ranked) > 1 and priority(ranked[0]) == priority(
            ranked[1]) and ranked[0].route_key != ranked[1].route_key
    else:
        ranked = sorted(fitting, key=spec_key)
        tie = False
    return MatchOutcome(ranked[0], tuple(ranked[1:]), misses, tie)
