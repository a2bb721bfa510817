"""One request through one Gateway: listener, attached routes, rule, filters, backends.

The steps the spec prescribes, in the order the request meets them. By the spec the request
uses the routes of the most specific listener its Host matches (the Listener doc: hostnames
"choose the correct Listener and its associated set of Routes"); an implementation that does
not isolate listeners (`GatewaySemantics.every_listener`: Traefik v3.6, whose
GatewayHTTPListenerIsolation is unsupported) lets the routes of every listener that matches
the host compete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.k8s.gateway.backends import Backend, resolve
from ingressdoc.k8s.gateway.filters import Effect, Extension, apply, dropping
from ingressdoc.k8s.gateway.hostnames import effective_hostnames
from ingressdoc.k8s.gateway.listeners import (
    GROUP,
    Attachment,
    Listener,
    attach,
    conflicted,
    listeners_of,
    parent_refs,
    reached_listeners,
)
from ingressdoc.k8s.gateway.matching import (
    SPEC,
    Candidate,
    GatewaySemantics,
    MatchOutcome,
    Message,
    candidates,
    choose,
)
from ingressdoc.k8s.objects import name, namespace, spec

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class Decision:
    """What the Gateway does with the request; `status` is the HTTP answer it gives when it
    answers itself (404, a redirect, 500 for an unusable rule), None when it forwards."""

    gateway: Obj
    listener: Listener | None
    listeners: tuple[Listener, ...]  # every listener the request reached, most specific first
    conflicted: Mapping[str, str]
    attachments: tuple[tuple[Obj, Attachment], ...]
    outcome: MatchOutcome | None
    effect: Effect | None
    backends: tuple[Backend, ...]
    status: int | None
    # Rules the implementation drops (no route is built for them), each with why, where one
    # would otherwise have answered the request.
    dropped: tuple[tuple[Candidate, str], ...] = ()

    @property
    def winner(self) -> Candidate | None:
        return self.outcome.winner if self.outcome else None


def attachments(gateway: Obj, routes: Sequence[Obj],
                namespace_labels: Mapping[str, Mapping[str, str]] | None
                ) -> list[tuple[Obj, Attachment]]:
    """Each parentRef of each route that names this Gateway, with its outcome."""
    gw_ns, gw_name = namespace(gateway), name(gateway)
    out = []
    for route in routes:
        for ref in parent_refs(route):
            if (ref.group, ref.kind, ref.namespace, ref.name) == (GROUP, "Gateway", gw_ns, gw_name):
                out.append((route, attach(route, ref, gateway, namespace_labels)))
    return out


def decide(gateway: Obj, routes: Sequence[Obj],
           msg: Message, scheme: str, ports: Sequence[int] | None, *,
           grants: Sequence[Obj] | None = None,
           service: Callable[[str, str], Obj | None] | None = None,
           namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
           semantics: GatewaySemantics = SPEC,
           extension: Callable[[str], Extension] | None = None) -> Decision:
    """`extension(namespace)` resolves the ExtensionRef filters of a route in that namespace."""
    listeners = listeners_of(gateway)
    clash = conflicted(listeners)
    reached = tuple(lst for lst in reached_listeners(listeners, msg.host, ports, scheme)
                    if lst.name not in clash)
    attached = attachments(gateway, routes, namespace_labels)
    if not reached:
        return Decision(gateway, None, (), clash, tuple(attached), None, None, (), 404)
    serving = reached if semantics.every_listener else reached[:1]
    pool: list[tuple[Obj, Sequence[str]]] = []
    for route, att in attached:
        for lst in att.listeners:
            if lst in serving:
                hosts = [str(h) for h in spec(route).get("hostnames") or []]
                pool.append((route, effective_hostnames(lst.hostname, hosts)))
    cands = _unique(candidates(pool, msg, semantics))
    dropped = _dropped(choose(cands, semantics), extension)
    outcome = choose([c for c in cands if all(c is not d for d, _ in dropped)], semantics)
    listener = reached[0]
    if outcome.winner is None:
        return Decision(gateway, listener, reached, clash, tuple(attached), outcome, None, (),
                        404, dropped)
    win = outcome.winner
    rule = win.rule
    effect = apply(rule.get("filters") or [], scheme, msg.host, msg.path, win.match,
                   listener.port, semantics,
                   extension(str(namespace(win.route))) if extension else None,
                   msg.query_string)
    if effect.redirect is not None:
        return Decision(gateway, listener, reached, clash, tuple(attached), outcome, effect,
                        (), effect.redirect.status, dropped)
    backends = resolve(rule, win.route, grants, service, semantics.refusal)
    usable = [b for b in backends if b.problem is None and b.share > 0]
    status = 500 if effect.unsupported or effect.unresolved or not usable else None
    return Decision(gateway, listener, reached, clash, tuple(attached), outcome, effect,
                    backends, status, dropped)


def _dropped(full: MatchOutcome, extension: Callable[[str], Extension] | None
             ) -> tuple[tuple[Candidate, str], ...]:
    """The winners the implementation drops, best first, until one it keeps: each would have
    answered had it been built."""
    out = []
    for c in (full.winner, *full.losers) if full.winner else ():
        why = dropping(c.rule.get("filters") or [], extension(str(namespace(c.route)))
                       ) if extension else None
        if why is None:
            break
        out.append((c, why))
    return tuple(out)


def _unique(cands: list[Candidate]) -> list[Candidate]:
    """A route attached to several serving listeners contributes each match once."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for c in cands:
        key = (c.route_key, c.rule_index, c.match_index)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
