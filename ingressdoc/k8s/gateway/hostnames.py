"""Hostname matching for listeners and routes (Listener.hostname, HTTPRouteSpec.hostnames).

A leading `*.` label is a suffix match covering one or more labels: `*.example.com` matches
`foo.example.com` and `foo.bar.example.com`, never `example.com`. The Host header's port is
ignored. (Ingress wildcards cover exactly one label: a migration trap `compare` reports.)
"""

from __future__ import annotations

from collections.abc import Sequence


def request_host(host: str) -> str:
    """The Host header as matched: lower-cased, port and trailing dot dropped."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.split(":", 1)[0].rstrip(".")


def is_wildcard(hostname: str | None) -> bool:
    return bool(hostname) and str(hostname).startswith("*.")


def host_matches(pattern: str | None, host: str) -> bool:
    """Does a listener or route hostname (None: any) match a request host?"""
    if not pattern:
        return True
    pattern = pattern.lower()
    if is_wildcard(pattern):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return host == pattern


def intersects(listener_host: str | None, route_host: str) -> bool:
    """Whether a route hostname can serve any name the listener accepts."""
    if not listener_host:
        return True
    lh, rh = listener_host.lower(), route_host.lower()
    return rh == lh or host_matches(lh, rh) or (is_wildcard(rh) and host_matches(rh, lh))


def narrowest(listener_host: str | None, route_host: str) -> str | None:
    """The names both a listener and an intersecting route hostname accept, as one hostname:
    the more specific of the two (a wildcard covers the other side). None when they do not
    intersect."""
    if not intersects(listener_host, route_host):
        return None
    rh = route_host.lower()
    if not listener_host:
        return rh
    lh = listener_host.lower()
    if is_wildcard(rh) and (not is_wildcard(lh) or len(lh) > len(rh)):
        return lh
    return rh


def effective_hostnames(listener_host: str | None, route_hosts: Sequence[str]) -> tuple[str, ...]:
    """The route hostnames considered on this listener; the others MUST be ignored there.
    Empty when the route names hostnames and none intersects (not accepted there)."""
    return tuple(h.lower() for h in route_hosts if intersects(listener_host, h))


def listener_rank(hostname: str | None) -> tuple[int, int]:
    """Higher is tried first: exact names, then wildcards by the dots right of `*`, then
    the empty hostname (Gateway spec, "Listeners that are distinct only by Hostname")."""
    if not hostname:
        return (0, 0)
    if is_wildcard(hostname):
        return (1, hostname.count("."))
    return (2, 0)
