"""Which Ingress path serves a request, per the `networking.k8s.io/v1` contract and per controller.

The API fixes host and path matching only loosely ("longest matching path wins";
ImplementationSpecific "is up to the IngressClass"), and the controllers people run deviate
from it in ways that cause the classic 404s and wrong-backend bugs. So every decision comes
with the candidates that lost and the reason each one lost: a trace must say *why* a hop broke,
not only that it did.

Profiles:

- ``spec``: the API reference and the examples table on the Ingress concept page.
  ImplementationSpecific is treated as Prefix, with a remark that the controller decides.
- ``ingress-nginx``: what kubernetes/ingress-nginx renders. Prefix ``/p`` becomes ``location /p/``
  plus ``location = /p`` (location.go ``updateServerLocations``). ImplementationSpecific is a plain
  nginx string prefix. ``use-regex``/``rewrite-target`` on any Ingress of a host turns every
  location of that host into ``~* "^<path>"``, tried longest path first (template.go
  ``buildLocation``, controller.go ``getBackendServers``). ``spec.defaultBackend`` answers for the
  hosts its Ingress introduced, and for the catch-all only if that Ingress has no rules
  (controller.go ``createServers``).
- ``traefik``: what Traefik v3's kubernetes-ingress provider renders (``loadRouter``,
  ``buildHostRule``). Exact is ``Path``. Prefix *and* ImplementationSpecific are ``PathPrefix``,
  a string prefix (``strings.HasPrefix``), so ``/api`` matches ``/apis``. Routers form one flat
  list ordered by priority, which defaults to the length of the rule string. So unlike the spec,
  a request for a known host whose paths all miss falls through to wildcard or host-less rules.
  ``spec.defaultBackend`` is only honoured on Ingresses without rules.

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
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Literal
from urllib.parse import unquote

Profile = Literal["spec", "ingress-nginx", "traefik"]
HostClass = Literal["exact", "wildcard", "any"]

NGINX_USE_REGEX = "nginx.ingress.kubernetes.io/use-regex"
NGINX_REWRITE_TARGET = "nginx.ingress.kubernetes.io/rewrite-target"
TRAEFIK_ROUTER_PRIORITY = "traefik.ingress.kubernetes.io/router.priority"
TRAEFIK_PATH_MATCHER = "traefik.ingress.kubernetes.io/router.pathmatcher"

_MAX_PER_KEY = 3
# Most telling first: a wrong backend beats a plain miss, a near-identical path beats a host guess.
_KEY_ORDER = (
    "regex-hostwide",
    "lost-precedence",
    "exact-trailing-slash",
    "path-case",
    "prefix-not-string-prefix",
    "implementation-specific",
    "host-no-fallthrough",
    "wildcard-depth",
    "host-no-match",
    "path-no-match",
)
_CLASS_RANK: dict[HostClass, int] = {"exact": 0, "wildcard": 1, "any": 2}
_REGEX_META = re.compile(r"[*+?\[\](){}|^$\\]")
_ASCII_WILDCARD_LABEL = r"[a-zA-Z0-9-]+\."
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


def profile_for_controller(controller: str | None) -> Profile:
    """Map an IngressClass `spec.controller` to the matching profile.

    Several ingress-nginx installs in one cluster need distinct controller values
    (`k8s.io/internal-ingress-nginx`), so any `k8s.io/…ingress-nginx…` value counts. The NGINX Inc
    controller (`nginx.org/ingress-controller`) behaves differently and falls back to "spec".
    """
    value = (controller or "").strip().lower()
    if value.startswith("k8s.io/") and "ingress-nginx" in value:
        return "ingress-nginx"
    if value.startswith("traefik.io/"):
        return "traefik"
    return "spec"


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
    ingresses: Sequence[Mapping[str, Any]], host: str, path: str, profile: Profile = "spec"
) -> MatchResult:
    """Select the path (or default backend) that serves `host` + `path` among `ingresses`.

    `ingresses` must already be the ones the controller serves: matching runs over their union.
    `path` may carry a query string or fragment; both are ignored.
    """
    request_host = normalise_host(host)
    raw_path = _strip_query(path)
    request_path = _normalise_path(raw_path, profile)
    table = _Table.build(ingresses)
    if profile == "traefik":
        outcome = _match_traefik(table, request_host, request_path)
    else:
        outcome = _match_host_first(table, request_host, request_path, profile)
    notes = list(outcome.notes)
    if request_path != raw_path:
        notes.insert(0, f"{profile} normalises the request path {raw_path} to {request_path}")
    elif profile == "spec" and re.search(r"//|/\.\.?(/|$)|%", raw_path):
        notes.append(
            f"request path {raw_path} contains //, dot segments or %-escapes: the API leaves "
            "their handling to the controller (ingress-nginx and Traefik normalise them)"
        )
    return MatchResult(
        host_class=outcome.host_class,
        winner=outcome.winner,
        via_default_backend=outcome.via_default,
        near_misses=_rank_near_misses(outcome.near_misses),
        notes=tuple(notes),
        request_host=request_host,
        request_path=request_path,
    )


# ---------------------------------------------------------------- request normalisation


def _strip_query(target: str) -> str:
    path = target.split("#", 1)[0].split("?", 1)[0]
    return path if path.startswith("/") else "/" + path


def _normalise_path(path: str, profile: Profile) -> str:
    """nginx decodes every escape before resolving dot segments and merging slashes; Traefik
    (v3 request-path sanitising) decodes only unreserved characters. The API says nothing."""
    if profile == "ingress-nginx":
        return _resolve_segments(unquote(path))
    if profile == "traefik":
        return _resolve_segments(_decode_unreserved(path))
    return path


def _decode_unreserved(path: str) -> str:
    def decode(m: re.Match[str]) -> str:
        char = chr(int(m.group(1), 16))
        unreserved = char.isascii() and (char.isalnum() or char in "-._~")
        return char if unreserved else m.group(0).upper()

    return re.sub(r"%([0-9A-Fa-f]{2})", decode, path)


def _resolve_segments(path: str) -> str:
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
class _Ingress:
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
class _Rule:
    ingress: _Ingress
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
class _Path:
    rule: _Rule
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
class _Table:
    ingresses: tuple[_Ingress, ...]
    rules: tuple[_Rule, ...]

    @staticmethod
    def build(manifests: Sequence[Mapping[str, Any]]) -> _Table:
        ordered = sorted(manifests, key=_age_key)
        ingresses: list[_Ingress] = []
        rules: list[_Rule] = []
        for rank, manifest in enumerate(ordered):
            meta = manifest.get("metadata") or {}
            spec = manifest.get("spec") or {}
            raw_rules = spec.get("rules") or []
            ing = _Ingress(
                rank, meta.get("namespace") or "default", meta.get("name") or "",
                meta.get("annotations") or {}, spec.get("defaultBackend"), bool(raw_rules),
            )
            ingresses.append(ing)
            rules.extend(_parse_rule(ing, i, raw) for i, raw in enumerate(raw_rules))
        return _Table(tuple(ingresses), tuple(rules))

    def paths(self, rules: Sequence[_Rule]) -> list[_Path]:
        return [_Path(r, c) for r in rules for c in r.paths]


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


def _parse_rule(ing: _Ingress, index: int, raw: Mapping[str, Any]) -> _Rule:
    host = str(raw.get("host") or "").strip().lower()
    raw_paths = (raw.get("http") or {}).get("paths") or []
    paths = tuple(
        PathCandidate(
            ing.namespace, ing.name, index, j, host or None, p.get("path"), p.get("pathType"),
            p.get("backend") or {},
        )
        for j, p in enumerate(raw_paths)
    )
    return _Rule(ing, index, host, paths)


# ---------------------------------------------------------------- path semantics


def _elements(path: str) -> list[str]:
    return [e for e in path.split("/") if e]


def _element_prefix(rule_path: str, path: str) -> bool:
    rule = _elements(rule_path)
    return _elements(path)[: len(rule)] == rule


def nginx_regex(path: str) -> re.Pattern[str]:
    """`~* "^<path>"`; PCRE named groups are rewritten for Python, anything else unparsable is
    taken literally (the controller would reject or mis-render it anyway)."""
    source = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", path)
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(path), re.IGNORECASE)


@dataclass(frozen=True)
class _Semantics:
    """One profile's path matching and precedence for a pool of candidates.

    `key` returns None when the candidate does not match, otherwise a sort key: the smallest
    key wins. Keys only compare within one profile and mode.
    """

    profile: Profile
    regex_mode: bool = False

    def key(self, p: _Path, path: str) -> tuple[Any, ...] | None:
        if self.profile == "ingress-nginx":
            return self._nginx_regex_key(p, path) if self.regex_mode else self._nginx_key(p, path)
        if self.profile == "traefik":
            return _traefik_key(p, path)
        return _spec_key(p, path)

    def _nginx_key(self, p: _Path, path: str) -> tuple[Any, ...] | None:
        """Exact locations first, then the longest prefix location (in characters).

        Prefix `/p` renders as `location /p/` plus `location = /p`; ImplementationSpecific as
        `location /p`. A prefix location ending in `/` answers `<it minus the slash>` with a
        301, which outranks every shorter prefix but not a location equal to the request.
        """
        rule_path = p.path
        if p.kind == "Exact":
            return (0, 0, 0, *p.order) if path == rule_path else None
        if p.kind == "Prefix" and path == rule_path and rule_path != "/":
            return (0, 0, 1, *p.order)
        location = _nginx_location(p)
        if path.startswith(location):
            return (1, -2 * len(location), 0, *p.order)
        if location.endswith("/") and path + "/" == location:
            return (1, -2 * len(path) + 1, 0, *p.order)
        return None

    def _nginx_regex_key(self, p: _Path, path: str) -> tuple[Any, ...] | None:
        """nginx takes the first matching regex; ingress-nginx sorts locations by descending
        path length, then descending path string, then Ingress age."""
        if not nginx_regex(p.path).match(path):
            return None
        return (-len(p.path), tuple(-ord(c) for c in p.path), *p.order)


def _nginx_location(p: _Path) -> str:
    if p.kind == "Prefix" and not p.path.endswith("/"):
        return p.path + "/"
    return p.path


def _spec_key(p: _Path, path: str) -> tuple[Any, ...] | None:
    """Longest match counted in path elements (trailing slash ignored), Exact first on a tie.

    Elements, not characters: only then do `Exact /foo` and `Prefix /foo/`, which both match
    `/foo`, tie, and the docs' "Exact is preferred" decides.
    """
    hit = path == p.path if p.kind == "Exact" else _element_prefix(p.path, path)
    if not hit:
        return None
    return (-len(_elements(p.path)), 0 if p.kind == "Exact" else 1, *p.order)


def _traefik_matcher(p: _Path) -> str:
    if p.kind == "Exact":
        return "Path"
    if p.kind == "Prefix":
        return "PathPrefix"
    return str(p.rule.ingress.annotations.get(TRAEFIK_PATH_MATCHER) or "PathPrefix")


def _traefik_rule(p: _Path) -> str:
    parts: list[str] = []
    host = p.rule.host
    if host.startswith("*."):
        pattern = re.escape(host).replace(r"\*\.", _ASCII_WILDCARD_LABEL, 1)
        parts.append(f"HostRegexp(`^{pattern}$`)")
    elif host:
        parts.append(f"Host(`{host}`)")
    if p.cand.path:
        parts.append(f"{_traefik_matcher(p)}(`{p.cand.path}`)")
    return " && ".join(parts)


def _traefik_priority(p: _Path) -> int:
    raw = p.rule.ingress.annotations.get(TRAEFIK_ROUTER_PRIORITY)
    try:
        explicit = int(str(raw)) if raw is not None else 0
    except ValueError:
        explicit = 0
    return explicit or len(_traefik_rule(p))


def _traefik_key(p: _Path, path: str) -> tuple[Any, ...] | None:
    if p.cand.path:
        matcher = _traefik_matcher(p)
        if matcher == "Path":
            hit = path == p.cand.path
        elif matcher == "PathRegexp":
            hit = re.search(p.cand.path, path) is not None
        else:
            hit = path.startswith(p.cand.path)
        if not hit:
            return None
    return (-_traefik_priority(p), *p.order)


# ---------------------------------------------------------------- host-first profiles


@dataclass(frozen=True)
class _Outcome:
    host_class: HostClass | None
    winner: PathCandidate | None
    via_default: bool
    near_misses: tuple[NearMiss, ...]
    notes: tuple[str, ...]


def _select_host_class(rules: Sequence[_Rule], host: str) -> tuple[HostClass | None, list[_Rule]]:
    """Most specific host class with a matching rule; less specific classes are never consulted."""
    for host_class in ("exact", "wildcard", "any"):
        chosen = [r for r in rules if r.host_class == host_class and host_matches(r.host, host)]
        if chosen:
            return host_class, chosen
    return None, []


def _regex_sources(pool: Sequence[_Rule]) -> list[_Ingress]:
    """Ingresses whose annotations put the host's nginx server into regex mode.

    `rewrite-target` only counts where it differs from a location's path (`needsRewrite`).
    """
    out: list[_Ingress] = []
    for rule in pool:
        ing = rule.ingress
        if ing in out:
            continue
        use_regex = str(ing.annotations.get(NGINX_USE_REGEX, "")).lower() == "true"
        target = str(ing.annotations.get(NGINX_REWRITE_TARGET) or "")
        rewrites = bool(target) and any(target != (c.path or "/") for c in rule.paths)
        if use_regex or rewrites:
            out.append(ing)
    return out


def _match_host_first(table: _Table, host: str, path: str, profile: Profile) -> _Outcome:
    host_class, pool = _select_host_class(table.rules, host)
    notes: list[str] = []
    sources = _regex_sources(pool) if profile == "ingress-nginx" else []
    semantics = _Semantics(profile, regex_mode=bool(sources))
    candidates = table.paths(pool)
    scored = [(k, p) for p in candidates if (k := semantics.key(p, path)) is not None]
    best = min(scored, key=lambda kp: kp[0])[1] if scored else None
    misses = _path_misses(candidates, best, path, semantics)
    misses += _fallthrough_misses(table, host_class, pool, host, path, semantics)
    if host_class != "exact":
        misses += _host_misses(table.rules, host, pool, other_hosts=host_class != "wildcard")
    if sources:
        notes.append(_regex_note(sources, pool))
        misses += _regex_hostwide_misses(candidates, best, path, sources)
    if best is not None:
        notes += _winner_notes(best, path, semantics)
        return _Outcome(host_class, best.cand, False, tuple(misses), tuple(notes))
    fallback = _default_backend(table, host_class, pool, profile)
    return _Outcome(host_class, fallback, fallback is not None, tuple(misses), tuple(notes))


def _default_backend(
    table: _Table, host_class: HostClass | None, pool: Sequence[_Rule], profile: Profile
) -> PathCandidate | None:
    """spec: the oldest Ingress with a defaultBackend among those that own the selected rules
    (any Ingress when no rule host matched). ingress-nginx: the server's first Ingress decides,
    and the catch-all only takes a defaultBackend from an Ingress without rules."""
    if profile == "ingress-nginx":
        if host_class in ("exact", "wildcard"):
            owner = min((r.ingress for r in pool), key=lambda i: i.rank)
            return owner.default_candidate()
        return _first_default(i for i in table.ingresses if not i.has_rules)
    owners = {r.ingress.rank for r in pool}
    eligible = (i for i in table.ingresses if not owners or i.rank in owners)
    return _first_default(eligible)


def _first_default(ingresses: Iterable[_Ingress]) -> PathCandidate | None:
    for ing in ingresses:
        candidate = ing.default_candidate()
        if candidate is not None:
            return candidate
    return None


def _winner_notes(best: _Path, path: str, semantics: _Semantics) -> list[str]:
    notes: list[str] = []
    if semantics.regex_mode:
        return notes
    if semantics.profile == "spec" and best.kind == "ImplementationSpecific":
        notes.append(
            f"{best.describe()} is ImplementationSpecific: matched here as Prefix, but the "
            "controller defines its meaning"
        )
    if semantics.profile == "ingress-nginx":
        if best.path.endswith("/") and path + "/" == best.path:
            notes.append(
                f"ingress-nginx answers 301 -> {best.path} for {path}: nginx redirects to a "
                f"prefix location that ends in '/' ({best.describe()})"
            )
        elif best.kind == "ImplementationSpecific" and not _element_prefix(best.path, path):
            notes.append(
                f"{best.describe()} matches {path} only as an nginx string prefix; as Prefix it "
                "would not"
            )
    return notes


def _regex_note(sources: Sequence[_Ingress], pool: Sequence[_Rule]) -> str:
    host = pool[0].shown_host
    refs = ", ".join(i.ref for i in sources)
    return (
        f"ingress-nginx regex mode on {host}: use-regex/rewrite-target on {refs} makes every "
        "path of this host, from any Ingress, a case-insensitive regex ~* \"^<path>\" anchored "
        "only at the start, tried longest path first"
    )


# ---------------------------------------------------------------- near misses


def _path_misses(
    candidates: Sequence[_Path], best: _Path | None, path: str, semantics: _Semantics
) -> list[NearMiss]:
    out: list[NearMiss] = []
    for p in candidates:
        if p is best:
            continue
        if best is not None and semantics.key(p, path) is not None:
            out.append(NearMiss(p.cand, _lost_reason(p, best, path, semantics), "lost-precedence"))
        elif semantics.regex_mode and semantics.key(p, path) is None:
            reason = f"{p.describe()} does not match {path} as regex ~* \"^{p.path}\""
            out.append(NearMiss(p.cand, reason, "path-no-match"))
        elif semantics.key(p, path) is None:
            key, reason = _miss_reason(p, path, semantics.profile)
            out.append(NearMiss(p.cand, reason, key))
    return out


def _lost_reason(loser: _Path, winner: _Path, path: str, semantics: _Semantics) -> str:
    lose, win = loser.describe(), winner.describe()
    if (loser.path, loser.kind) == (winner.path, winner.kind):
        return f"{lose} duplicates {win}; the older Ingress wins"
    if semantics.profile == "traefik":
        return (
            f"{lose} also matches {path}, but Traefik orders routers by priority (rule length): "
            f"{_traefik_priority(winner)} for {win} beats {_traefik_priority(loser)}"
        )
    if semantics.regex_mode:
        return (
            f"{lose} also matches {path} as regex ~* \"^{loser.path}\", but nginx takes the first "
            f"matching regex and {win} is tried earlier (longer path first)"
        )
    winner_key = semantics.key(winner, path)
    if semantics.profile == "ingress-nginx" and winner_key is not None and winner_key[0] == 0:
        return f"{lose} also matches {path}, but nginx serves the exact location = {winner.path} "\
            f"({win}) first"
    if semantics.profile == "ingress-nginx":
        return (
            f"{lose} also matches {path}, but nginx picks the longest prefix location: "
            f"{_nginx_location(winner)} ({win}) over {_nginx_location(loser)}"
        )
    won, lost = len(_elements(winner.path)), len(_elements(loser.path))
    if won != lost:
        return f"{lose} also matches {path}, but {win} is longer ({won} path elements vs {lost})"
    if winner.kind == "Exact":
        return f"{lose} also matches {path}, but Exact wins over Prefix at equal length ({win})"
    return f"{lose} ties with {win}; the older Ingress (then the earlier path) wins"


def _miss_reason(p: _Path, path: str, profile: Profile) -> tuple[str, str]:
    rule_path, desc = p.path, p.describe()
    if p.kind == "Exact" and rule_path.rstrip("/") == path.rstrip("/"):
        return "exact-trailing-slash", (
            f"{desc} does not match {path}: Exact compares byte for byte, so a trailing slash "
            "matters"
        )
    lowered = _Path(p.rule, replace(p.cand, path=rule_path.lower()))
    if _Semantics(profile).key(lowered, path.lower()) is not None:
        return "path-case", f"{desc} does not match {path}: paths are case-sensitive"
    string_prefix = path.startswith(rule_path.rstrip("/"))
    if p.kind == "Prefix" and profile != "traefik" and string_prefix:
        return "prefix-not-string-prefix", (
            f"{desc} does not match {path}: Prefix matches whole path elements, not a string "
            "prefix"
        )
    if p.kind == "ImplementationSpecific" and (string_prefix or _REGEX_META.search(rule_path)):
        return "implementation-specific", f"{desc} does not match {path}: " + {
            "spec": "read as Prefix it misses, but ImplementationSpecific is controller-defined "
            "(ingress-nginx: string prefix, or regex with use-regex; Traefik: string prefix)",
            "ingress-nginx": "without use-regex ingress-nginx renders it as a literal nginx "
            "string prefix, so '*' and regex syntax have no special meaning",
            "traefik": "Traefik renders it as PathPrefix, a literal string prefix, unless "
            f"{TRAEFIK_PATH_MATCHER} says otherwise",
        }[profile]
    return "path-no-match", f"{desc} does not match {path}"


def _regex_hostwide_misses(
    candidates: Sequence[_Path], best: _Path | None, path: str, sources: Sequence[_Ingress]
) -> list[NearMiss]:
    """Name what the spread changed for paths of *other* Ingresses: the path that would serve
    without regex mode, or the winner that only matches because of it. Within a regex Ingress
    itself, losing to another regex is plain precedence."""
    plain = _Semantics("ingress-nginx")
    scored = [(k, p) for p in candidates if (k := plain.key(p, path)) is not None]
    plain_best = min(scored, key=lambda kp: kp[0])[1] if scored else None
    refs = ", ".join(i.ref for i in sources)
    if plain_best is not None and plain_best is not best and plain_best.rule.ingress not in sources:
        return [NearMiss(plain_best.cand, (
            f"{plain_best.describe()} would serve {path}, but regex mode (set by {refs}) turned "
            f"every path of the host into ~* \"^<path>\" and another regex matches first"
        ), "regex-hostwide")]
    if best is not None and plain_best is None and best.rule.ingress not in sources:
        return [NearMiss(best.cand, (
            f"{best.describe()} matches {path} only because regex mode (set by {refs}) made it "
            f"the case-insensitive, start-anchored regex ~* \"^{best.path}\""
        ), "regex-hostwide")]
    return []


def _fallthrough_misses(
    table: _Table,
    host_class: HostClass | None,
    pool: Sequence[_Rule],
    host: str,
    path: str,
    semantics: _Semantics,
) -> list[NearMiss]:
    if host_class is None:
        return []
    out: list[NearMiss] = []
    plain = _Semantics(semantics.profile)
    for rule in table.rules:
        less_specific = _CLASS_RANK[rule.host_class] > _CLASS_RANK[host_class]
        if not less_specific or not host_matches(rule.host, host):
            continue
        for p in table.paths([rule]):
            if plain.key(p, path) is not None:
                out.append(NearMiss(p.cand, (
                    f"host {host} matched the {host_class} rule {pool[0].shown_host}, so the "
                    f"{rule.shown_host} rule with {p.describe()} is not consulted"
                ), "host-no-fallthrough"))
    return out


def _host_misses(
    rules: Sequence[_Rule], host: str, pool: Sequence[_Rule], *, other_hosts: bool
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
    if not rule_host.startswith("*."):
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


# ---------------------------------------------------------------- traefik


def _match_traefik(table: _Table, host: str, path: str) -> _Outcome:
    """One flat router list: host match and path match are a single rule, ordered by priority."""
    semantics = _Semantics("traefik")
    host_rules = [r for r in table.rules if host_matches(r.host, host)]
    candidates = table.paths(host_rules)
    scored = sorted(
        ((k, p) for p in candidates if (k := semantics.key(p, path)) is not None),
        key=lambda kp: kp[0],
    )
    best = scored[0][1] if scored else None
    misses = _path_misses(candidates, best, path, semantics)
    specific, _ = _select_host_class(table.rules, host)
    if specific != "exact":
        misses += _host_misses(table.rules, host, host_rules, other_hosts=specific != "wildcard")
    notes = _traefik_notes(table, scored, specific, path)
    if best is not None:
        return _Outcome(best.rule.host_class, best.cand, False, tuple(misses), tuple(notes))
    fallback = _first_default(i for i in table.ingresses if not i.has_rules)
    return _Outcome(specific, fallback, fallback is not None, tuple(misses), tuple(notes))


def _traefik_notes(
    table: _Table, scored: Sequence[tuple[Any, _Path]], specific: HostClass | None, path: str
) -> list[str]:
    notes: list[str] = []
    if scored:
        best = scored[0][1]
        if specific is not None and best.rule.host_class != specific:
            notes.append(
                f"Traefik routers are flat: no {specific} rule for this host matches {path}, so "
                f"the {best.rule.shown_host} rule {best.describe()} serves it (the spec would "
                "not fall through)"
            )
        if best.kind != "Exact" and best.cand.path and not _element_prefix(best.path, path):
            notes.append(
                f"{best.describe()} matches {path} only as a Traefik PathPrefix string prefix; "
                "the spec matches whole path elements"
            )
        if len(scored) > 1 and scored[1][0][0] == scored[0][0][0]:
            notes.append(
                f"{best.describe()} and {scored[1][1].describe()} have equal Traefik priority; "
                "Traefik does not define which wins"
            )
    else:
        ignored = [i.ref for i in table.ingresses if i.has_rules and i.default_backend]
        if ignored:
            notes.append(
                "Traefik ignores spec.defaultBackend on Ingresses that also have rules: "
                + ", ".join(ignored)
            )
    return notes
