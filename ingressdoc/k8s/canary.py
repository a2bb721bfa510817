"""ingress-nginx canary Ingresses: which one joins a route and how it splits the traffic.

A canary Ingress (`canary: "true"`) for the same host and path as a primary becomes an
alternative backend of the primary's location. A request goes to it by header
(`canary-by-header`, optionally `-value`), then by cookie, then by weight: `canary-weight` of
`canary-weight-total` (default 100) of the remaining requests. ingress-nginx applies at most
one canary per rule, so the first one for the host and path is the one that counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.k8s.objects import annotations_of, spec

Obj = Mapping[str, Any]
PREFIX = "nginx.ingress.kubernetes.io/"


@dataclass(frozen=True)
class Split:
    canary: Obj
    service: str
    port: Mapping[str, Any]  # the canary path's backend.service.port (number or name)
    header: str | None
    header_value: str | None
    weight: int
    total: int

    @property
    def share(self) -> float:
        """The canary's share of requests no header or cookie rule takes."""
        return min(max(self.weight / self.total, 0.0), 1.0) if self.total > 0 else 0.0


def _int(raw: str | None, default: int) -> int:
    try:
        return int(str(raw)) if raw is not None else default
    except ValueError:
        return default


def split(canaries: Sequence[Obj], host: str, path: str) -> Split | None:
    """The canary that joins the route for `host` and `path`, if any."""
    for canary in canaries:
        for r in spec(canary).get("rules") or []:
            for p in (r.get("http") or {}).get("paths") or []:
                if (str(r.get("host") or ""), str(p.get("path") or "/")) != (host, path):
                    continue
                anns = annotations_of(canary)
                svc = (p.get("backend") or {}).get("service") or {}
                return Split(canary, str(svc.get("name")), svc.get("port") or {},
                             anns.get(PREFIX + "canary-by-header"),
                             anns.get(PREFIX + "canary-by-header-value"),
                             _int(anns.get(PREFIX + "canary-weight"), 0),
                             _int(anns.get(PREFIX + "canary-weight-total"), 100))
    return None
