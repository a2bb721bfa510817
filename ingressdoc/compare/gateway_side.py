"""The Gateway side of `compare`: the Gateway that takes the request decides it, as the
trace's Gateway hop computes (listener, attached routes, precedence, filters, backendRefs)."""

from __future__ import annotations

from ingressdoc.compare.outcome import Outcome
from ingressdoc.hops.backend_protocol import served
from ingressdoc.hops.base import TraceContext
from ingressdoc.hops.gateway import GatewayClaim, claims
from ingressdoc.k8s.gateway.backends import tls_policy
from ingressdoc.k8s.objects import spec
from ingressdoc.request import Request
from ingressdoc.snapshot import Snapshot


def outcome(snap: Snapshot, req: Request) -> Outcome:
    found = claims(TraceContext(snap, req))
    claim = next((c for c in found if c.serves), found[0] if found else None)
    if claim is None or claim.decision.listener is None:
        # No listener for the Host: plain HTTP gets 404 from the proxy (if any Gateway
        # listens at all); HTTPS has no certificate to offer.
        if req.scheme == "https" or not snap.list("Gateway"):
            return Outcome("unrouted", tls="none" if req.scheme == "https" else None)
        return Outcome("not-found", 404)
    d = claim.decision
    tls = "ok" if req.scheme == "https" else None
    by = f"{d.winner.route.get('kind')} {d.winner.route_key}" if d.winner else str(claim.ref)
    effect = d.effect
    if d.status == 404:
        return Outcome("not-found", 404, tls=tls, by=by)
    if effect is not None and effect.redirect is not None:
        return Outcome("redirect", effect.redirect.status, location=effect.redirect.location,
                       tls=tls, by=by)
    if d.status is not None:
        return Outcome("error", d.status, tls=tls, by=by)
    # An invalid ref's share gets 500 from the proxy: a backend of its own for comparing.
    backends = tuple((b.label if b.problem is None else f"500 ({b.problem})", b.share)
                     for b in d.backends if b.share > 0)
    upstream = None
    if effect is not None and (effect.host, effect.path) != (req.host, req.path):
        upstream = effect.host + effect.path
    return Outcome("forward", backends=backends, upstream=upstream, tls=tls, by=by,
                   protocol=_protocol(snap, claim))


def _protocol(snap: Snapshot, claim: GatewayClaim) -> str | None:
    """What the implementation speaks to the backend with the largest share: its own rule
    where ingressdoc knows one, else the port's appProtocol (GEP-1911), gRPC for a GRPCRoute
    and HTTP for an HTTPRoute, over TLS where a BackendTLSPolicy targets the port."""
    d = claim.decision
    usable = [b for b in d.backends if b.problem is None and b.share > 0]
    chosen = max(usable, key=lambda b: b.share, default=None)
    svc = snap.get("Service", chosen.namespace, chosen.name) if chosen else None
    if chosen is None or svc is None or d.winner is None:
        return None
    port = next((p for p in spec(svc).get("ports") or [] if p.get("port") == chosen.port), None)
    if port is None:
        return None
    kind = str(d.winner.route.get("kind") or "HTTPRoute")
    said = claim.controller.profile.gateway_spoken(kind, port)
    if said is not None:
        protocol = said.protocol
    else:
        protocol = served({"appProtocol": port.get("appProtocol")}) or (
            "grpc" if kind == "GRPCRoute" else "http")
    policies = snap.list("BackendTLSPolicy") if snap.loaded("BackendTLSPolicy") else []
    if policies and tls_policy(policies, chosen, port.get("name")) is not None:
        protocol = {"grpc": "grpcs", "http": "https"}.get(protocol, protocol)
    return protocol
