"""Route every boundary request through both sides and keep the ones whose outcome differs.

Kinds of divergence: `served-vs-404` (one side forwards, the other has no rule),
`backend` (another Service, port or share), `redirect` (a redirect on one side only, or
another status or Location), `rewrite` (the backend receives another path or Host),
`tls` (HTTPS works on one side only, or with the controller's fallback certificate),
`error` (one side answers 5xx itself), `unrouted` (no listener or controller takes it),
`protocol` (the proxy speaks another protocol to the backend: HTTP, HTTPS, gRPC),
`annotation` (the Ingress relies on an annotation the Gateway API cannot express).
"""

from __future__ import annotations

from dataclasses import dataclass

from ingressdoc.compare import gateway_side, ingress_side
from ingressdoc.compare.outcome import Outcome
from ingressdoc.compare.requests import boundary_requests
from ingressdoc.request import Request
from ingressdoc.snapshot import Snapshot, collector_paused


@dataclass(frozen=True)
class Comparison:
    request: Request
    ingress: Outcome
    gateway: Outcome
    divergences: tuple[tuple[str, str], ...]  # (kind, why)

    @property
    def diverges(self) -> bool:
        return bool(self.divergences)


@dataclass(frozen=True)
class CompareReport:
    ingress_source: str
    routes_source: str
    comparisons: tuple[Comparison, ...]

    @property
    def divergent(self) -> tuple[Comparison, ...]:
        return tuple(c for c in self.comparisons if c.diverges)


def _side_only(ing: Outcome, what: str) -> str:
    return f"{what} on the {'Ingress' if ing.kind == what else 'Gateway'} side only"


def divergences(ing: Outcome, gw: Outcome) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    kinds = {ing.kind, gw.kind}
    if ing.kind != gw.kind:
        if kinds == {"forward", "not-found"}:
            out.append(("served-vs-404", "404 on the "
                        + ("Gateway" if gw.kind == "not-found" else "Ingress") + " side"))
        elif "redirect" in kinds:
            out.append(("redirect", _side_only(ing, "redirect")))
        elif "unrouted" in kinds:
            out.append(("unrouted", "nothing takes the request on the "
                        + ("Gateway" if gw.kind == "unrouted" else "Ingress") + " side"))
        else:
            out.append(("error", "the proxy answers an error itself on the "
                        + ("Gateway" if gw.kind == "error" else "Ingress") + " side"))
    elif ing.kind == "forward":
        if dict(ing.backends) != dict(gw.backends):
            out.append(("backend", "another backend or share"))
        if ing.protocol and gw.protocol and ing.protocol != gw.protocol:
            out.append(("protocol", f"the proxy speaks {ing.protocol.upper()} to the backend "
                        f"from the Ingress, {gw.protocol.upper()} from the Gateway"))
        if (ing.upstream or "") != (gw.upstream or ""):
            out.append(("rewrite", f"the backend receives {ing.upstream or 'the request as sent'}"
                        f" from the Ingress, {gw.upstream or 'the request as sent'} from the "
                        "Gateway"))
    elif ing.kind == "redirect" and (ing.status, ing.location) != (gw.status, gw.location):
        out.append(("redirect", f"status {ing.status} vs {gw.status}" if ing.status != gw.status
                    else "another Location"))
    elif ing.kind == "error" and ing.status != gw.status:
        out.append(("error", f"status {ing.status} vs {gw.status}"))
    served = {"forward", "redirect"} & kinds
    if ing.tls != gw.tls and served and "unrouted" not in kinds:
        out.append(("tls", f"HTTPS certificate: Ingress {ing.tls}, Gateway {gw.tls}"))
    if ing.lost and gw.kind == "forward":
        out.append(("annotation", f"{ing.by} uses {', '.join(ing.lost)}: no Gateway API "
                    "v1.4 standard equivalent, the behaviour is lost"))
    return out


def compare(ingress: Snapshot, routes: Snapshot) -> CompareReport:
    out = []
    with collector_paused():
        for req in boundary_requests(ingress, routes):
            ing, gw = ingress_side.outcome(ingress, req), gateway_side.outcome(routes, req)
            out.append(Comparison(req, ing, gw, tuple(divergences(ing, gw))))
    return CompareReport(ingress.source, routes.source, tuple(out))
