"""Intent signals: the request is served, but not by the rule the user evidently wrote for it.

A route that nearly matches (a wildcard at another depth, a trailing slash, the path's case,
an Exact path asked with a suffix) or an identical route of another Ingress that lost the
controller's precedence is stronger evidence of intent than the catch-all or shorter path that
answered. Each signal names the winner, the loser and the precedence rule that decided, and
carries the loser as `meant`, which the outcome reports and the trace follows further.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.outcome import MEANT
from ingressdoc.k8s.ingress_match import MatchResult, NearMiss, PathCandidate, shown_host
from ingressdoc.k8s.profiles import Profile
from ingressdoc.snapshot import ObjectRef

Obj = Mapping[str, Any]
# Near misses that name the request closely enough to be what the user wrote for it.
_PATH_KEYS = ("exact-trailing-slash", "path-case", "string-prefix-captured")
Ident = tuple[str, str, int | None, int | None]


def ident(c: PathCandidate) -> Ident:
    return (c.ingress_namespace, c.ingress_name, c.rule_index, c.path_index)


def route_label(c: PathCandidate) -> str:
    """A route as a person finds it: the Ingress, the field and what it says."""
    ref = f"Ingress {c.ingress_namespace}/{c.ingress_name}"
    if c.rule_index is None:
        return f"{ref} spec.defaultBackend"
    if c.path_index is None:
        return f"{ref} spec.rules[{c.rule_index}] (host {shown_host(c.host)})"
    return (f"{ref} spec.rules[{c.rule_index}].http.paths[{c.path_index}] "
            f"({shown_host(c.host)} {c.path_type or 'ImplementationSpecific'} {c.path or '/'})")


def _backend(c: PathCandidate) -> str:
    svc = c.backend.get("service") or {}
    port = svc.get("port") or {}
    return f"{svc.get('name')}:{port.get('number', port.get('name'))}" if svc else "-"


def _exact_asked_with_suffix(miss: NearMiss, path: str) -> bool:
    """An Exact path the request extends by whole elements: written as if it were Prefix."""
    c = miss.candidate
    rule = (c.path or "/").rstrip("/")
    return c.path_type == "Exact" and bool(rule) and path.startswith(rule + "/")


def _created(ingresses: Sequence[Obj], c: PathCandidate) -> str:
    for ing in ingresses:
        meta = ing.get("metadata") or {}
        if (meta.get("namespace"), meta.get("name")) == (c.ingress_namespace, c.ingress_name):
            return str(meta.get("creationTimestamp") or "no creationTimestamp")
    return "unknown"


def _is_duplicate(miss: NearMiss, winner: PathCandidate) -> bool:
    c = miss.candidate
    return (miss.key == "lost-precedence"
            and (c.ingress_namespace, c.ingress_name) != (winner.ingress_namespace,
                                                          winner.ingress_name)
            and (c.host or "") == (winner.host or "")
            and (c.path or "/", c.path_type) == (winner.path or "/", winner.path_type)
            and _backend(c) != _backend(winner))


def _duplicate(miss: NearMiss, winner: PathCandidate, profile: Profile,
               implementer: Profile | None, ingresses: Sequence[Obj]) -> Finding:
    c = miss.candidate
    served_by = (implementer if implementer is not None and implementer.name != profile.name
                 else None)
    rule = (served_by or profile).duplicate_precedence(
        f"{winner.ingress_namespace}/{winner.ingress_name} created {_created(ingresses, winner)}",
        f"{c.ingress_namespace}/{c.ingress_name} created {_created(ingresses, c)}", served_by)
    return finding(
        "IDC331", ObjectRef("Ingress", c.ingress_namespace, c.ingress_name),
        f"{route_label(c)} -> {_backend(c)} duplicates {route_label(winner)} -> "
        f"{_backend(winner)}, which answers: {rule}",
        field=_path_field(c), **{MEANT: route_label(c)}, winner=route_label(winner))


def _annotation(ingresses: Sequence[Obj], c: PathCandidate, key: str) -> str | None:
    for ing in ingresses:
        meta = ing.get("metadata") or {}
        if (meta.get("namespace"), meta.get("name")) == (c.ingress_namespace, c.ingress_name):
            value = (meta.get("annotations") or {}).get(key)
            return str(value) if value is not None else None
    return None


def _priority_override(miss: NearMiss, winner: PathCandidate, profile: Profile,
                       ingresses: Sequence[Obj]) -> Finding | None:
    """IDC333: where an annotation sets a router's priority (Traefik), it lets a shorter,
    more general route take requests a longer route of the same host was written for."""
    c = miss.candidate
    priority = profile.router_priority
    if priority is None or miss.key != "lost-precedence":
        return None
    explicit = _annotation(ingresses, winner, priority)
    general, specific = (winner.path or "/").rstrip("/"), (c.path or "/").rstrip("/")
    if explicit is None or (c.host or "") != (winner.host or "") or not (
            specific.startswith(general + "/") or (not general and specific)):
        return None
    return finding(
        "IDC333", ObjectRef("Ingress", winner.ingress_namespace, winner.ingress_name),
        f"{route_label(winner)} -> {_backend(winner)} answers, not the more specific "
        f"{route_label(c)} -> {_backend(c)}: {priority}={explicit} on "
        f"{winner.ingress_namespace}/{winner.ingress_name} outranks the rule-length priority "
        f"{profile.title} gives the longer route ({miss.reason})",
        field=f"metadata.annotations.{priority}", **{MEANT: route_label(c)},
        winner=route_label(winner))


def _path_field(c: PathCandidate) -> str:
    return f"spec.rules[{c.rule_index}].http.paths[{c.path_index}]"


def _near(miss: NearMiss, winner: PathCandidate, via_default: bool) -> Finding:
    c = miss.candidate
    captured = miss.key == "string-prefix-captured"
    why = ("no rule path matches, so spec.defaultBackend answers" if via_default
           else "a rule without host matches every host, so it answers what no host rule "
           "matches" if winner.host is None
           else "Traefik takes the router of highest priority" if captured
           else "the controller takes the best matching route, and only this one matches")
    code = "IDC330" if winner.host is None or via_default else "IDC332"
    field = (f"spec.rules[{c.rule_index}].host" if miss.key == "wildcard-depth"
             else _path_field(c))
    return finding(
        code, ObjectRef("Ingress", c.ingress_namespace, c.ingress_name),
        f"{route_label(winner)} -> {_backend(winner)} answers, not {route_label(c)} -> "
        f"{_backend(c)}: {miss.reason}; {why}",
        field=field, hint=(
            f"Match {winner.path} by whole elements (Exact {winner.path} and Prefix "
            f"{winner.path}/), or set the Traefik provider option "
            "providers.kubernetesingress.strictPrefixMatching=true.") if captured else None,
        **{MEANT: route_label(c)}, winner=route_label(winner))


@dataclass(frozen=True)
class Signals:
    findings: tuple[Finding, ...]
    explained: frozenset[Ident]  # near misses the signals stand for
    meant: PathCandidate | None  # the route the user most likely meant


def signals(result: MatchResult, profile: Profile, ingresses: Sequence[Obj],
            implementer: Profile | None = None) -> Signals:
    """The signals, the near misses they stand for (their info codes would repeat them) and
    the nearest miss: the first signal's route, or without a winner the best ranked miss.
    `implementer` names the proxy that really runs the class, when its pods say so (Traefik
    serves ingress-nginx classes with its own precedence)."""
    winner = result.winner
    if winner is None:
        meant = next((m.candidate for m in result.near_misses
                      if m.candidate.backend.get("service")), None)
        return Signals((), frozenset(), meant)
    fallback = result.via_default_backend or winner.host is None
    out: list[tuple[Finding, PathCandidate]] = []
    for miss in result.near_misses:
        c = miss.candidate
        override = _priority_override(miss, winner, profile, ingresses)
        if override is not None:
            out.append((override, c))
        elif _is_duplicate(miss, winner):
            out.append((_duplicate(miss, winner, profile, implementer, ingresses), c))
        elif (miss.key == "wildcard-depth" and fallback) or (c.path_index is not None and (
                miss.key in _PATH_KEYS or (miss.key == "path-no-match"
                                           and _exact_asked_with_suffix(miss, result.request_path)))):
            out.append((_near(miss, winner, result.via_default_backend), c))
    # One near-miss signal (the best ranked) is the intent; every duplicate is its own.
    kept = out[:1] + [x for x in out[1:] if x[0].code in ("IDC331", "IDC333")]
    return Signals(tuple(f for f, _ in kept), frozenset(ident(c) for _, c in out),
                   kept[0][1] if kept else None)
