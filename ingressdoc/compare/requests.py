"""The requests that exercise every host/path/pathType of both sides, with their boundaries.

Per path: itself, with a trailing slash, with a character appended (no separator), one
element deeper, and upper-cased. Per wildcard host: one label and two labels under it
(Ingress wildcards cover one label, Gateway wildcards any number). Per host: plain HTTP,
and HTTPS where either side has TLS or an HTTPS listener for it. A path no rule names
exercises default backends and catch-alls.
"""

from __future__ import annotations

from collections.abc import Iterator

from ingressdoc.check.regex_sample import sample
from ingressdoc.check.targets import SYNTHETIC_HOST, WILDCARD_LABEL
from ingressdoc.k8s.gateway.hostnames import host_matches
from ingressdoc.k8s.gateway.listeners import listeners_of
from ingressdoc.k8s.gateway.matching import ROUTE_KINDS, matches_of, rules_of
from ingressdoc.k8s.objects import spec
from ingressdoc.request import Request
from ingressdoc.snapshot import Snapshot

UNNAMED_PATH = "/ingressdoc-compare-unmatched"


def hosts_for(rule_host: str | None) -> list[str]:
    if not rule_host:
        return [SYNTHETIC_HOST]
    host = rule_host.lower()
    if host.startswith("*."):
        return [f"{WILDCARD_LABEL}{host[1:]}", f"a.{WILDCARD_LABEL}{host[1:]}"]
    return [host]


def paths_for(path: str | None, kind: str | None) -> list[str]:
    if not path:
        path = "/"
    if kind == "RegularExpression" or (kind == "ImplementationSpecific" and any(
            ch in path for ch in "()[]*+?$^|")):
        literal = sample(path)
        return [literal or "/"] if literal is not None else []
    base = path.rstrip("/")
    out = [path, base + "/", f"{base}/ingressdoc-compare"]
    if base:
        out += [base, base + "x"]
    if path.upper() != path:
        out.append(path.upper())
    return list(dict.fromkeys(out))


def _ingress_paths(snap: Snapshot) -> Iterator[tuple[str | None, str | None, str | None]]:
    for ing in snap.list("Ingress"):
        rules = spec(ing).get("rules") or []
        for rule in rules:
            for p in (rule.get("http") or {}).get("paths") or []:
                yield rule.get("host"), p.get("path"), p.get("pathType")
            yield rule.get("host"), UNNAMED_PATH, "Exact"
        if spec(ing).get("defaultBackend"):
            yield None, UNNAMED_PATH, "Exact"


def _route_paths(snap: Snapshot) -> Iterator[tuple[str | None, str | None, str | None]]:
    for route in (r for kind in ROUTE_KINDS for r in snap.list(kind)):
        kind = str(route.get("kind"))
        for host in spec(route).get("hostnames") or [None]:
            for rule in rules_of(route):
                for m in matches_of(rule, kind):
                    p = m.get("path") or {}
                    yield host, p.get("value"), p.get("type")
            yield host, UNNAMED_PATH, "Exact"


def _tls_hosts(ingress: Snapshot, routes: Snapshot) -> list[str]:
    out = [str(h) for ing in ingress.list("Ingress") for t in spec(ing).get("tls") or []
           for h in t.get("hosts") or []]
    out += [lst.hostname or "*" for gw in routes.list("Gateway") for lst in listeners_of(gw)
            if lst.protocol == "HTTPS"]
    return out


def _covered(patterns: list[str], host: str) -> bool:
    return any(p == "*" or host_matches(p, host) for p in patterns)


def boundary_requests(ingress: Snapshot, routes: Snapshot) -> list[Request]:
    tls = _tls_hosts(ingress, routes)
    out: dict[tuple[str, str, str], Request] = {}
    for rule_host, path, kind in (*_ingress_paths(ingress), *_route_paths(routes)):
        for host in hosts_for(rule_host):
            schemes = ["http", "https"] if _covered(tls, host) else ["http"]
            for p in paths_for(path, kind):
                for scheme in schemes:
                    out.setdefault((scheme, host, p), Request(host, p, scheme))
    return sorted(out.values(), key=lambda r: (r.host, r.path, r.scheme))
