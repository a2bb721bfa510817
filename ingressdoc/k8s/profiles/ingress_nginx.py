"""ingress-nginx: what kubernetes/ingress-nginx renders.

Prefix ``/p`` becomes ``location /p/`` plus ``location = /p`` (location.go
``updateServerLocations``). ImplementationSpecific is a plain nginx string prefix.
``use-regex``/``rewrite-target`` on any Ingress of a host turns every location of that host into
``~* "^<path>"``, tried longest path first (template.go ``buildLocation``, controller.go
``getBackendServers``). ``spec.defaultBackend`` answers for the hosts its Ingress introduced, and
for the catch-all only if that Ingress has no rules (controller.go ``createServers``). nginx
decodes every escape before resolving dot segments and merging slashes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from ingressdoc.k8s.controller_settings import NGINX, NGINX_PREFIX, annotations_for, settings_for
from ingressdoc.k8s.endpoints import READY
from ingressdoc.k8s.ingress_match import (
    HostClass,
    IngressEntry,
    NearMiss,
    PathCandidate,
    RoutePath,
    RouteTable,
    Rule,
    Semantics,
    element_prefix,
    first_default,
    resolve_segments,
)
from ingressdoc.k8s.objects import annotations_of, is_true
from ingressdoc.k8s.profiles.base import Answers, Profile, Signature, Spoken, pod_args

CONTROLLER = "k8s.io/ingress-nginx"
USE_REGEX = NGINX_PREFIX + "use-regex"
REWRITE_TARGET = NGINX_PREFIX + "rewrite-target"
BACKEND_PROTOCOL = NGINX_PREFIX + "backend-protocol"
# backend-protocol values as the protocol spoken (HTTP when unset).
_PROTOCOLS = {"HTTP": "http", "HTTPS": "https", "GRPC": "grpc", "GRPCS": "grpcs",
              "AUTO_HTTP": "http", "FCGI": "fcgi"}


def nginx_regex(path: str) -> re.Pattern[str]:
    """`~* "^<path>"`; PCRE named groups are rewritten for Python, anything else unparsable is
    taken literally (the controller would reject or mis-render it anyway)."""
    source = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", path)
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(path), re.IGNORECASE)


def _implements(pod: Mapping[str, Any]) -> frozenset[str]:
    for token in pod_args(pod).split():
        if token.startswith("--controller-class="):
            return frozenset({token.split("=", 1)[1]})
    return frozenset({CONTROLLER})


def _location(p: RoutePath) -> str:
    if p.kind == "Prefix" and not p.path.endswith("/"):
        return p.path + "/"
    return p.path


class RegexMode:
    """A host in regex mode: nginx takes the first matching regex; ingress-nginx sorts
    locations by descending path length, then descending path string, then Ingress age."""

    def key(self, p: RoutePath, path: str) -> tuple[Any, ...] | None:
        if not nginx_regex(p.path).match(path):
            return None
        return (-len(p.path), tuple(-ord(c) for c in p.path), *p.order)

    def lost_reason(self, loser: RoutePath, winner: RoutePath, path: str) -> str:
        return (
            f"{loser.describe()} also matches {path} as regex ~* \"^{loser.path}\", but nginx "
            f"takes the first matching regex and {winner.describe()} is tried earlier (longer "
            "path first)"
        )

    def miss(self, p: RoutePath, path: str) -> tuple[str, str]:
        return "path-no-match", f"{p.describe()} does not match {path} as regex ~* \"^{p.path}\""


class IngressNginx(Profile):
    name = "ingress-nginx"
    title = "ingress-nginx"
    controllers = (CONTROLLER,)
    # endpointslices.go skips an endpoint whose `ready` is false (unset is ready), so a
    # terminating endpoint gets no request.
    admission = READY
    fallback_certificate = "Kubernetes Ingress Controller Fake Certificate"
    scheme_ports = (("http", "http"), ("https", "https"))
    pods = Signature("app.kubernetes.io/name", "ingress-nginx", "ingress-nginx", _implements)
    ignores_annotations = ("traefik.ingress.kubernetes.io/",)
    settings = settings_for(NGINX)
    annotations = annotations_for(NGINX)
    # A location whose upstream has no endpoints, or no Service, answers 503; its default
    # backend answers 404 where no rule matches; ssl-redirect is on by default.
    answers = Answers("ingress-nginx", missing_service="503", empty_upstream="503",
                      own_default_backend=True, https_redirect=True)
    implementation_specific = (
        "without use-regex ingress-nginx renders it as a literal nginx string prefix, so '*' "
        "and regex syntax have no special meaning"
    )

    def claims(self, controller: str) -> bool:
        """Several installs in one cluster need distinct controller values
        (`k8s.io/internal-ingress-nginx`), so any `k8s.io/…ingress-nginx…` value counts."""
        return controller.startswith("k8s.io/") and "ingress-nginx" in controller

    def spoken(self, ingress: Mapping[str, Any] | None, svc: Mapping[str, Any],
               port: Mapping[str, Any]) -> Spoken | None:
        """What backend-protocol says; the port's name and appProtocol are ignored."""
        value = str(annotations_of(ingress or {}).get(BACKEND_PROTOCOL) or "HTTP")
        protocol = _PROTOCOLS.get(value.upper())
        if protocol is None:
            return None
        return Spoken(protocol, "the Ingress annotation " + BACKEND_PROTOCOL,
                      BACKEND_PROTOCOL if ingress else None)

    def path_regex(self, ingress: Mapping[str, Any], path_type: str | None,
                   path: str) -> Callable[[str], bool] | None:
        """Regex mode: `use-regex` or `rewrite-target` on the Ingress makes every path the
        case-insensitive, start-anchored `~* "^<path>"`."""
        notes = annotations_of(ingress)
        if not is_true(notes.get(USE_REGEX)) and REWRITE_TARGET not in notes:
            return None
        pattern = nginx_regex(path)
        return lambda request: pattern.match(request) is not None

    def duplicate_precedence(self, winner: str, loser: str, served_by: Profile | None) -> str:
        return ("ingress-nginx keeps the oldest Ingress for a host and path defined twice "
                f"({winner}, {loser})")

    def normalise_path(self, path: str) -> str:
        return resolve_segments(unquote(path))

    def key(self, p: RoutePath, path: str) -> tuple[Any, ...] | None:
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
        location = _location(p)
        if path.startswith(location):
            return (1, -2 * len(location), 0, *p.order)
        if location.endswith("/") and path + "/" == location:
            return (1, -2 * len(path) + 1, 0, *p.order)
        return None

    def lost_reason(self, loser: RoutePath, winner: RoutePath, path: str) -> str:
        lose, win = loser.describe(), winner.describe()
        winner_key = self.key(winner, path)
        if winner_key is not None and winner_key[0] == 0:
            return (f"{lose} also matches {path}, but nginx serves the exact location = "
                    f"{winner.path} ({win}) first")
        return (
            f"{lose} also matches {path}, but nginx picks the longest prefix location: "
            f"{_location(winner)} ({win}) over {_location(loser)}"
        )

    def winner_redirect(self, best: RoutePath, path: str) -> tuple[int, str, str] | None:
        """nginx answers a request for a proxy_pass prefix location's name without its
        trailing slash with 301 to the name (ngx_http_core_module `location`)."""
        if best.path.endswith("/") and path + "/" == best.path:
            return (301, best.path, f"nginx redirects {path} to its prefix location "
                    f"{best.path}, {best.describe()}")
        return None

    def winner_notes(self, best: RoutePath, path: str) -> list[str]:
        if best.kind == "ImplementationSpecific" and not element_prefix(best.path, path):
            return [
                f"{best.describe()} matches {path} only as an nginx string prefix; as Prefix it "
                "would not"
            ]
        return []

    def pool_semantics(self, pool: Sequence[Rule]) -> tuple[Semantics, list[str]]:
        sources = _regex_sources(pool)
        if not sources:
            return self, []
        refs = ", ".join(i.ref for i in sources)
        return RegexMode(), [
            f"ingress-nginx regex mode on {pool[0].shown_host}: use-regex/rewrite-target on "
            f"{refs} makes every path of this host, from any Ingress, a case-insensitive regex "
            "~* \"^<path>\" anchored only at the start, tried longest path first"
        ]

    def pool_misses(
        self, candidates: Sequence[RoutePath], best: RoutePath | None, path: str,
        pool: Sequence[Rule],
    ) -> list[NearMiss]:
        """Name what regex mode changed for paths of *other* Ingresses: the path that would
        serve without it, or the winner that only matches because of it. Within a regex
        Ingress itself, losing to another regex is plain precedence. Without regex mode, an
        ImplementationSpecific path written as a regex is matched as literal text."""
        sources = _regex_sources(pool)
        if not sources:
            return [NearMiss(p.cand, (
                f"{p.describe()} reads as a regular expression, but no Ingress of host "
                f"{p.rule.shown_host} sets use-regex (or rewrite-target): ingress-nginx "
                f"matches it as the literal string prefix {p.path}"), "literal-regex")
                for p in candidates
                if p.kind == "ImplementationSpecific" and _REGEX_SYNTAX.search(p.path)]
        scored = [(k, p) for p in candidates if (k := self.key(p, path)) is not None]
        plain_best = min(scored, key=lambda kp: kp[0])[1] if scored else None
        refs = ", ".join(i.ref for i in sources)
        if (plain_best is not None and plain_best is not best
                and plain_best.rule.ingress not in sources):
            return [NearMiss(plain_best.cand, (
                f"{plain_best.describe()} would serve {path}, but regex mode (set by {refs}) "
                "turned every path of the host into ~* \"^<path>\" and another regex matches "
                "first"
            ), "regex-hostwide")]
        if best is not None and plain_best is None and best.rule.ingress not in sources:
            return [NearMiss(best.cand, (
                f"{best.describe()} matches {path} only because regex mode (set by {refs}) "
                f"made it the case-insensitive, start-anchored regex ~* \"^{best.path}\""
            ), "regex-hostwide")]
        return []

    def default_backend(
        self, table: RouteTable, host_class: HostClass | None, pool: Sequence[Rule]
    ) -> PathCandidate | None:
        """The server's first Ingress decides, and the catch-all only takes a defaultBackend
        from an Ingress without rules."""
        if host_class in ("exact", "wildcard"):
            owner = min((r.ingress for r in pool), key=lambda i: i.rank)
            return owner.default_candidate()
        return first_default(i for i in table.defaults if not i.has_rules)


# Characters that make a path read as a regex rather than a literal URL path.
_REGEX_SYNTAX = re.compile(r"[\[\](){}*+?|^$\\]")


def _regex_sources(pool: Sequence[Rule]) -> list[IngressEntry]:
    """Ingresses whose annotations put the host's nginx server into regex mode.

    `rewrite-target` only counts where it differs from a location's path (`needsRewrite`).
    """
    out: list[IngressEntry] = []
    for rule in pool:
        ing = rule.ingress
        if ing in out:
            continue
        use_regex = is_true(ing.annotations.get(USE_REGEX))
        target = str(ing.annotations.get(REWRITE_TARGET) or "")
        rewrites = bool(target) and any(target != (c.path or "/") for c in rule.paths)
        if use_regex or rewrites:
            out.append(ing)
    return out


INGRESS_NGINX = IngressNginx()
