"""Which Ingress path serves a request: the route table and near misses every profile shares.

The API fixes host and path matching only loosely ("longest matching path wins";
ImplementationSpecific "is up to the IngressClass"), and the controllers people run deviate
from it in ways that cause the classic 404s and wrong-backend bugs. So every decision comes
with the candidates that lost and the reason each one lost: a trace must say *why* a hop broke,
not only that it did.

What differs per controller (path normalisation, precedence, fall-through, default backends,
annotations) lives in one profile per controller under `ingressdoc.k8s.profiles`; this module
holds what they share: host semantics, the route table built from the Ingresses, and the near
miss bookkeeping.

Tie rule (all profiles): candidates of equal precedence are ordered by their Ingress's
``creationTimestamp`` (oldest first; a missing timestamp sorts last), then ``namespace/name``, then
the order of rules and paths inside the Ingress. ingress-nginx sorts Ingresses the same way and
keeps the first location for a duplicate path. Traefik leaves equal-priority order unspecified, so
its ties are reported in a note.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, Literal, Protocol

HostClass = Literal["exact", "wildcard", "any"]

_MAX_PER_KEY = 3
# Most telling first: a wrong backend beats a plain miss, a near-identical path beats a host guess.
_KEY_ORDER = (
    "string-prefix-captured",
    "regex-hostwide",
    "lost-precedence",
    "exact-trailing-slash",
    "path-case",
    "prefix-not-string-prefix",
    "implementation-specific",
    "literal-regex",
    "host-no-fallthrough",
    "wildcard-depth",
    "host-no-match",
    "path-no-match",
)
CLASS_RANK: dict[HostClass, int] = {"exact": 0, "wildcard": 1, "any": 2}
ANY_HOST = "<any host>"


@dataclass(frozen=True)
class PathCandidate:
    ingress_namespace: str
    ingress_name: str
    rule_index: int | None  # None for spec.defaultBackend
    path_index: int | None
    host: str | None  # the rule's host; None = any host
    path: str | None
    path_type: str | None
    backend: Mapping[str, Any]


@dataclass(frozen=True)
class NearMiss:
    candidate: PathCandidate
    reason: str
    key: str


@dataclass(frozen=True)
class MatchResult:
    host_class: HostClass | None
    winner: PathCandidate | None
    via_default_backend: bool
    near_misses: tuple[NearMiss, ...]
    notes: tuple[str, ...]
    request_host: str = ""  # the host as matched: lower-case, no port, no trailing dot
    request_path: str = ""  # the path as matched, after the profile's normalisation
    redirect: tuple[int, str, str] | None = None  # the proxy answers (status, Location, why)


@dataclass(frozen=True)
class Outcome:
    """A profile's decision before near misses are ranked."""

    host_class: HostClass | None
    winner: PathCandidate | None
    via_default: bool
    near_misses: tuple[NearMiss, ...]
    notes: tuple[str, ...]
    redirect: tuple[int, str, str] | None = None


class Semantics(Protocol):
    """Path matching and precedence over one pool of candidates.

    `key` returns None when the candidate does not match, otherwise a sort key: the smallest
    key wins. Keys only compare within one semantics.
    """

    def key(self, p: RoutePath, path: str) -> tuple[Any, ...] | None: ...

    def lost_reason(self, loser: RoutePath, winner: RoutePath, path: str) -> str: ...

    def miss(self, p: RoutePath, path: str) -> tuple[str, str]:
        """(near-miss key, reason) for a candidate that does not match."""
        ...


class IngressRules(Protocol):
    """A controller's reading of Ingress objects (see `ingressdoc.k8s.profiles`)."""

    name: str

    def normalise_path(self, path: str) -> str: ...

    def request_notes(self, raw_path: str) -> list[str]: ...

    def match(self, table: RouteTable, host: str, path: str,
              near_misses: bool = True) -> Outcome:
        """`near_misses` False: the winner alone, for a caller that shows no account of the
        miss unless it is needed (the misses scan every rule)."""
        ...


def normalise_host(host: str) -> str:
    """The Host/:authority value as rules see it: lower-case, port and trailing dot removed."""
    value = host.strip().lower()
    if value.startswith("["):  # IPv6 literal; never matches a rule, but keep it intact
        end = value.find("]")
        return value[: end + 1] if end != -1 else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def host_matches(pattern: str, host: str) -> bool:
    """Rule-host semantics: an empty pattern matches every host; `*.x` covers exactly one label."""
    rule = pattern.strip().lower()
    request = normalise_host(host)
    if not rule:
        return True
    if rule.startswith("*."):
        suffix = rule[1:]
        if not request.endswith(suffix):
            return False
        label = request[: -len(suffix)]
        return bool(label) and "." not in label
    return rule == request


def shown_host(rule_host: str | None) -> str:
    """How a rule host reads in output: a rule without a host matches any host."""
    return rule_host or ANY_HOST


def match_request(
    ingresses: Sequence[Mapping[str, Any]], host: str, path: str, profile: IngressRules,
    near_misses: bool = True,
) -> MatchResult:
    """Select the path (or default backend) that serves `host` + `path` among `ingresses`.

    `ingresses` must already be the ones the controller serves: matching runs over their union.
    `path` may carry a query string or fragment; both are ignored. `near_misses` False leaves
    the near misses out (see `IngressRules.match`).
    """
    return match_table(RouteTable.build(ingresses), host, path, profile, near_misses)


def match_table(table: RouteTable, host: str, path: str, profile: IngressRules,
                near_misses: bool = True) -> MatchResult:
    """`match_request` over a table built once for many requests."""
    request_host = normalise_host(host)
    raw_path = _strip_query(path)
    request_path = profile.normalise_path(raw_path)
    outcome = profile.match(table, request_host, request_path, near_misses)
    notes = list(outcome.notes)
    if request_path != raw_path:
        notes.insert(0, f"{profile.name} normalises the request path {raw_path} to {request_path}")
    else:
        notes += profile.request_notes(raw_path)
    return MatchResult(
        host_class=outcome.host_class,
        winner=outcome.winner,
        via_default_backend=outcome.via_default,
        near_misses=_rank_near_misses(outcome.near_misses),
        notes=tuple(notes),
        redirect=outcome.redirect,
        request_host=request_host,
        request_path=request_path,
    )


# ---------------------------------------------------------------- request normalisation


def _strip_query(target: str) -> str:
    path = target.split("#", 1)[0].split("?", 1)[0]
    return path if path.startswith("/") else "/" + path


def decode_unreserved(path: str) -> str:
    """%-escapes of unreserved characters decoded, every other escape kept (upper-cased)."""
    def decode(m: re.Match[str]) -> str:
        char = chr(int(m.group(1), 16))
        unreserved = char.isascii() and (char.isalnum() or char in "-._~")
        return char if unreserved else m.group(0).upper()

    return re.sub(r"%([0-9A-Fa-f]{2})", decode, path)


def resolve_segments(path: str) -> str:
    """Dot segments resolved and empty segments merged, a trailing slash kept."""
    segments = path.split("/")[1:]
    kept: list[str] = []
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment not in ("", "."):
            kept.append(segment)
    trailing = bool(kept) and segments[-1] in ("", ".", "..")
    return "/" + "/".join(kept) + ("/" if trailing else "")


# ---------------------------------------------------------------- route table


@dataclass(frozen=True)
class IngressEntry:
    rank: int  # position in age order, the tie rule
    namespace: str
    name: str
    annotations: Mapping[str, Any]
    default_backend: Mapping[str, Any] | None
    has_rules: bool

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    def default_candidate(self) -> PathCandidate | None:
        if self.default_backend is None:
            return None
        return PathCandidate(
            self.namespace, self.name, None, None, None, None, None, self.default_backend
        )


@dataclass(frozen=True)
class Rule:
    ingress: IngressEntry
    index: int
    host: str  # lower-case; "" = any host
    paths: tuple[PathCandidate, ...]

    @property
    def host_class(self) -> HostClass:
        if not self.host:
            return "any"
        return "wildcard" if self.host.startswith("*.") else "exact"

    @property
    def shown_host(self) -> str:
        return shown_host(self.host)

    def stand_in(self) -> PathCandidate:
        """A candidate for host-level near misses of a rule that has no paths."""
        return PathCandidate(
            self.ingress.namespace, self.ingress.name, self.index, None, self.host or None,
            None, None, {},
        )


@dataclass(frozen=True)
class RoutePath:
    rule: Rule
    cand: PathCandidate

    @property
    def order(self) -> tuple[int, int, int]:
        return (self.rule.ingress.rank, self.rule.index, self.cand.path_index or 0)

    @property
    def path(self) -> str:
        return self.cand.path or "/"

    @property
    def kind(self) -> str:
        return self.cand.path_type or "ImplementationSpecific"

    def describe(self) -> str:
        return f"{self.kind} {self.path} ({self.rule.ingress.ref})"


@dataclass(frozen=True)
class RouteTable:
    ingresses: tuple[IngressEntry, ...]
    rules: tuple[Rule, ...]

    @staticmethod
    def build(manifests: Sequence[Mapping[str, Any]]) -> RouteTable:
        ordered = sorted(manifests, key=_age_key)
        ingresses: list[IngressEntry] = []
        rules: list[Rule] = []
        for rank, manifest in enumerate(ordered):
            meta = manifest.get("metadata") or {}
            spec = manifest.get("spec") or {}
            raw_rules = spec.get("rules") or []
            ing = IngressEntry(
                rank, meta.get("namespace") or "default", meta.get("name") or "",
                meta.get("annotations") or {}, spec.get("defaultBackend"), bool(raw_rules),
            )
            ingresses.append(ing)
            rules.extend(_parse_rule(ing, i, raw) for i, raw in enumerate(raw_rules))
        return RouteTable(tuple(ingresses), tuple(rules))

    def paths(self, rules: Sequence[Rule]) -> list[RoutePath]:
        return [RoutePath(r, c) for r in rules for c in r.paths]

    @cached_property
    def defaults(self) -> tuple[IngressEntry, ...]:
        """The Ingresses with a defaultBackend, in age order."""
        return tuple(i for i in self.ingresses if i.default_backend is not None)

    @cached_property
    def _by_host(self) -> dict[str, list[Rule]]:
        index: dict[str, list[Rule]] = {}
        for rule in self.rules:
            index.setdefault(rule.host, []).append(rule)
        return index

    def rules_for(self, host: str) -> list[Rule]:
        """The rules whose host matches `host`, in table order, found by rule host (the
        host itself, the wildcard over its parent, no host) rather than by a scan: one
        table can serve every request of a `check`."""
        request = normalise_host(host)
        keys = {request, "", "*." + request.split(".", 1)[1] if "." in request else ""}
        found = sorted((r for key in keys for r in self._by_host.get(key, ())),
                       key=lambda r: (r.ingress.rank, r.index))
        return [r for r in found if host_matches(r.host, host)]


def _age_key(manifest: Mapping[str, Any]) -> tuple[bool, datetime, str, str]:
    meta = manifest.get("metadata") or {}
    created = _timestamp(meta.get("creationTimestamp"))
    floor = datetime.min.replace(tzinfo=timezone.utc)
    return (created is None, created or floor, meta.get("namespace") or "default",
            meta.get("name") or "")


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, str) and value:
        try:
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _parse_rule(ing: IngressEntry, index: int, raw: Mapping[str, Any]) -> Rule:
    host = str(raw.get("host") or "").strip().lower()
    raw_paths = (raw.get("http") or {}).get("paths") or []
    paths = tuple(
        PathCandidate(
            ing.namespace, ing.name, index, j, host or None, p.get("path"), p.get("pathType"),
            p.get("backend") or {},
        )
        for j, p in enumerate(raw_paths)
    )
    return Rule(ing, index, host, paths)


# ---------------------------------------------------------------- path and host selection


def elements(path: str) -> list[str]:
    return [e for e in path.split("/") if e]


def element_prefix(rule_path: str, path: str) -> bool:
    rule = elements(rule_path)
    return elements(path)[: len(rule)] == rule


def select_host_class(rules: Sequence[Rule], host: str) -> tuple[HostClass | None, list[Rule]]:
    """Most specific host class with a matching rule; less specific classes are never consulted."""
    for host_class in ("exact", "wildcard", "any"):
        chosen = [r for r in rules if r.host_class == host_class and host_matches(r.host, host)]
        if chosen:
            return host_class, chosen
    return None, []


def first_default(ingresses: Iterable[IngressEntry]) -> PathCandidate | None:
    for ing in ingresses:
        candidate = ing.default_candidate()
        if candidate is not None:
            return candidate
    return None


# ---------------------------------------------------------------- near misses


def path_misses(
    candidates: Sequence[RoutePath], best: RoutePath | None, path: str, semantics: Semantics
) -> list[NearMiss]:
    out: list[NearMiss] = []
    for p in candidates:
        if p is best:
            continue
        if semantics.key(p, path) is None:
            key, reason = semantics.miss(p, path)
            out.append(NearMiss(p.cand, reason, key))
        elif best is not None:
            out.append(NearMiss(p.cand, _lost_reason(p, best, path, semantics),
                                "lost-precedence"))
    return out


def _lost_reason(loser: RoutePath, winner: RoutePath, path: str, semantics: Semantics) -> str:
    if (loser.path, loser.kind) == (winner.path, winner.kind):
        return f"{loser.describe()} duplicates {winner.describe()}; the older Ingress wins"
    return semantics.lost_reason(loser, winner, path)


def fallthrough_misses(
    table: RouteTable,
    host_class: HostClass | None,
    pool: Sequence[Rule],
    host: str,
    path: str,
    semantics: Semantics,
) -> list[NearMiss]:
    """Paths of less specific host rules that would match: host-first controllers never get
    to them once a more specific host rule matched."""
    if host_class is None:
        return []
    out: list[NearMiss] = []
    for rule in table.rules:
        less_specific = CLASS_RANK[rule.host_class] > CLASS_RANK[host_class]
        if not less_specific or not host_matches(rule.host, host):
            continue
        for p in table.paths([rule]):
            if semantics.key(p, path) is not None:
                out.append(NearMiss(p.cand, (
                    f"host {host} matched the {host_class} rule {pool[0].shown_host}, so the "
                    f"{rule.shown_host} rule with {p.describe()} is not consulted"
                ), "host-no-fallthrough"))
    return out


def host_misses(
    rules: Sequence[Rule], host: str, pool: Sequence[Rule], *, other_hosts: bool
) -> list[NearMiss]:
    """Rules whose host nearly fits. Other hosts are listed (most similar first) only when no
    host rule matched: once one did, a different host is no longer a plausible intent."""
    depth: list[NearMiss] = []
    others: list[tuple[float, NearMiss]] = []
    for rule in rules:
        if not rule.host or rule in pool or host_matches(rule.host, host):
            continue
        cand = rule.paths[0] if rule.paths else rule.stand_in()
        reason = _wildcard_depth_reason(rule.host, host)
        if reason:
            depth.append(NearMiss(cand, f"{reason} ({rule.ingress.ref})", "wildcard-depth"))
            continue
        if not other_hosts:
            continue
        ratio = difflib.SequenceMatcher(None, rule.host, host).ratio()
        others.append((-ratio, NearMiss(cand, (
            f"rule host {rule.host} ({rule.ingress.ref}) does not match request host {host}"
        ), "host-no-match")))
    others.sort(key=lambda rm: rm[0])
    return depth + [m for _, m in others]


def _wildcard_depth_reason(rule_host: str, host: str) -> str | None:
    """A host rule at another depth: a wildcard needing one label more or less, or a host
    one leading label apart (www.example.com against example.com, either way)."""
    if not rule_host.startswith("*."):
        longer, shorter = sorted((rule_host, host), key=len, reverse=True)
        label = longer[: -len(shorter) - 1]
        if longer.endswith("." + shorter) and "." not in label:
            return (f"rule host {rule_host} and request host {host} differ by the leading "
                    f"label {label}")
        return None
    apex = rule_host[2:]
    if host == apex:
        return f"{rule_host} does not cover the apex {host}: the wildcard needs exactly one label"
    if host.endswith("." + apex):
        labels = host[: -len(apex) - 1]
        return (
            f"{rule_host} matches exactly one label, but {host} has {labels.count('.') + 1} "
            f"({labels}) before .{apex}"
        )
    return None


def _rank_near_misses(misses: Sequence[NearMiss]) -> tuple[NearMiss, ...]:
    """Order by how telling the reason is, keep one reason per candidate and a few per key."""
    out: list[NearMiss] = []
    seen: set[tuple[str, str, int | None, int | None]] = set()
    for key in _KEY_ORDER:
        kept = 0
        for miss in misses:
            c = miss.candidate
            ident = (c.ingress_namespace, c.ingress_name, c.rule_index, c.path_index)
            if miss.key != key or ident in seen or kept == _MAX_PER_KEY:
                continue
            seen.add(ident)
            out.append(miss)
            kept += 1
    return tuple(out)
