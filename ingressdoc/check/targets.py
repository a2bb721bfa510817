"""The requests `check` sends through the engine: one per host/path of an Ingress, plus one
for its defaultBackend.

The engine traces concrete requests, so each rule becomes the request that exercises it:

- Host: the rule host. A wildcard `*.example.com` becomes `ingressdoc-check.example.com` (one
  label, as the wildcard requires). A rule without a host matches any host, so it gets
  `SYNTHETIC_HOST`, a name under the reserved `.invalid` domain that no host rule can match.
- Path: Exact and Prefix paths as written (a Prefix path matches itself). Where the class's
  controller reads a path as a regex (its profile's `path_regex`: ingress-nginx's regex mode,
  `use-regex` or `rewrite-target` on the Ingress; Traefik's PathRegexp path matcher) a path
  with regex syntax becomes the shortest string its simple constructs produce
  (`/v1(/|$)(.*)` -> `/v1/`, `/users/[0-9]+` -> `/users/0`), kept only when the controller's
  regex matches it; otherwise, and for every other path, the path as written. Lookarounds and
  backreferences fall back.
- defaultBackend: the Ingress's first rule host, because ingress-nginx serves a defaultBackend
  only on the hosts its Ingress introduced (and on the catch-all only for an Ingress without
  rules); `SYNTHETIC_HOST` when there is none. The path is `/` for an Ingress without rules,
  else `DEFAULT_BACKEND_PATH`, which no ordinary rule matches; a catch-all rule that shadows
  the default backend shows up as "served by".
- Scheme: https when the Ingress's `spec.tls` lists the host, so the TLS hop is exercised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ingressdoc.check.regex_sample import sample
from ingressdoc.k8s.ingress_match import host_matches, shown_host
from ingressdoc.k8s.objects import spec
from ingressdoc.k8s.profiles import SPEC, Profile
from ingressdoc.request import Request
from ingressdoc.snapshot import ObjectRef

Obj = Mapping[str, Any]
SYNTHETIC_HOST = "any-host.ingressdoc.invalid"
WILDCARD_LABEL = "ingressdoc-check"
DEFAULT_BACKEND_PATH = "/ingressdoc-check-default-backend"
_REGEX_SYNTAX = re.compile(r"[.*+?\[\](){}|^$\\]")


@dataclass(frozen=True)
class Target:
    """One rule path (or defaultBackend) of one Ingress and the request that exercises it."""

    ingress: ObjectRef
    field: str
    host: str | None  # the rule host as written; None: any host
    path: str | None  # as written; None for the defaultBackend
    path_type: str | None
    request: Request
    ingress_class: str | None = None

    @property
    def label(self) -> str:
        host = shown_host(self.host)
        if self.path is None:
            return f"{host} (default backend)"
        return f"{host}{self.path} ({self.path_type or 'ImplementationSpecific'})"


def request_host(rule_host: str | None) -> str:
    if not rule_host:
        return SYNTHETIC_HOST
    host = rule_host.strip().lower()
    return f"{WILDCARD_LABEL}{host[1:]}" if host.startswith("*.") else host


def request_path(path: str | None, regex: Callable[[str], bool] | None) -> str:
    """`regex`: how the controller matches the path as a regex, None when it does not."""
    if not path:
        return "/"
    if regex is None or _REGEX_SYNTAX.search(path) is None:
        return path
    literal = sample(path)
    if literal is None or not regex(literal):
        return path
    return literal or "/"


def _scheme(ing: Obj, host: str) -> str:
    tls_hosts = (h for t in spec(ing).get("tls") or [] for h in t.get("hosts") or [])
    return "https" if any(host_matches(h, host) for h in tls_hosts) else "http"


def targets(ing: Obj, ingress_class: str | None = None,
            profile: Profile = SPEC) -> Iterator[Target]:
    """`profile`: the class's controller, whose reading of a path as a regex decides it."""
    ref = ObjectRef.of(ing)
    rules = spec(ing).get("rules") or []
    seen: set[tuple[str | None, str | None, str | None]] = set()
    for i, rule in enumerate(rules):
        host = rule.get("host") or None
        for j, p in enumerate((rule.get("http") or {}).get("paths") or []):
            key = (host, p.get("path"), p.get("pathType"))
            if key in seen:
                continue
            seen.add(key)
            req_host = request_host(host)
            regex = profile.path_regex(ing, p.get("pathType"), str(p.get("path") or "/"))
            request = Request(req_host, request_path(p.get("path"), regex),
                              _scheme(ing, req_host))
            yield Target(ref, f"spec.rules[{i}].http.paths[{j}]", host, p.get("path") or "/",
                         p.get("pathType"), request, ingress_class)
    if spec(ing).get("defaultBackend"):
        first = next((r.get("host") for r in rules if r.get("host")), None)
        req_host = request_host(first)
        path = DEFAULT_BACKEND_PATH if rules else "/"
        yield Target(ref, "spec.defaultBackend", first, None, None,
                     Request(req_host, path, _scheme(ing, req_host)), ingress_class)
