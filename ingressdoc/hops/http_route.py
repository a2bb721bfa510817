"""HTTPRoute/GRPCRoute rule and backendRefs: which rule of which attached route serves the
request, what its filters make of it, and which Service it goes to.

Attachment is computed per parentRef as the spec says; live, each route's
`status.parents[].conditions` is evidence, and a computed answer the status contradicts is
reported with both (IDC813). The backend the trace follows is the valid backendRef with the
largest share: later hops (Service, endpoints, pods, policy) are the ones Ingress uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops import gateway
from ingressdoc.hops.base import TraceContext, not_checked
from ingressdoc.hops.gateway import GatewayClaim
from ingressdoc.hops.model import BackendRef, ControllerFacts, Hop, HopId, status_from
from ingressdoc.hops.outcome import MEANT
from ingressdoc.hops.routing import RouteOutcome
from ingressdoc.k8s.gateway.backends import Backend, tls_policy
from ingressdoc.k8s.gateway.hostnames import effective_hostnames, host_matches, intersects
from ingressdoc.k8s.gateway.listeners import Attachment, ParentRef, parent_refs
from ingressdoc.k8s.gateway.matching import (
    ROUTE_KINDS,
    Candidate,
    candidates,
    spec_key,
)
from ingressdoc.k8s.objects import name, namespace, spec, status
from ingressdoc.snapshot import ObjectRef

Obj = Mapping[str, Any]
TITLE = "Route rule"
BACKENDS_TITLE = "backendRefs"
_MAX_ROWS = 5
_PROBLEM_CODES = {"RefNotPermitted": "IDC820", "BackendNotFound": "IDC821",
                  "InvalidKind": "IDC822", "UnsupportedValue": "IDC822",
                  "UnsupportedProtocol": "IDC822"}


def _ref(route: Obj) -> ObjectRef:
    return ObjectRef(str(route.get("kind") or "HTTPRoute"), namespace(route), name(route))


def _serves_host(route: Obj, host: str) -> bool:
    hostnames = spec(route).get("hostnames") or []
    return not hostnames or any(host_matches(str(h), host) for h in hostnames)


def match_text(m: Mapping[str, Any]) -> str:
    """A rule match in one line: path, method (or gRPC service/method), headers, query."""
    path = m.get("path") or {}
    parts = [f"{path.get('type')} {path.get('value')}"] if path else []
    if isinstance(m.get("method"), Mapping):
        parts.append("gRPC " + "/".join(str(v) for v in m["method"].values()))
    elif m.get("method"):
        parts.append(f"method {m['method']}")
    parts += [f"header {h.get('name')}={h.get('value')}" for h in m.get("headers") or []]
    parts += [f"query {q.get('name')}={q.get('value')}" for q in m.get("queryParams") or []]
    return ", ".join(parts) or "any request"


def _row(c: Candidate, outcome: str) -> dict[str, str]:
    return {"route": f"{c.route.get('kind') or 'HTTPRoute'} {c.route_key}",
            "hostname": c.hostname or "<listener's>", "rule": c.field.removeprefix("spec."),
            "match": match_text(c.match), "outcome": outcome}


def _status_parent(route: Obj, parent: ParentRef) -> Mapping[str, Any] | None:
    for entry in status(route).get("parents") or []:
        ref = entry.get("parentRef") or {}
        if (str(ref.get("name")) == parent.name
                and str(ref.get("namespace") or namespace(route)) == parent.namespace
                and (ref.get("sectionName") or None) == parent.section_name):
            return dict(entry)
    return None


def _condition(entry: Mapping[str, Any] | None, ctype: str) -> Mapping[str, Any] | None:
    return next((c for c in (entry or {}).get("conditions") or [] if c.get("type") == ctype),
                None)


def _attachment_findings(claim: GatewayClaim, host: str, live: bool) -> list[Finding]:
    out: list[Finding] = []
    for route, att in claim.decision.attachments:
        if not _serves_host(route, host):
            continue
        ref, field = _ref(route), att.parent.field
        if not att.accepted:
            out.append(finding("IDC810", ref, f"not accepted by Gateway {att.parent.namespace}/"
                               f"{att.parent.name}: {att.reason}: {att.message}", field=field))
        if live:
            out += _status_disagrees(route, att, ref)
    return out


def _status_disagrees(route: Obj, att: Attachment, ref: ObjectRef) -> list[Finding]:
    entry = _status_parent(route, att.parent)
    accepted = _condition(entry, "Accepted")
    if entry is None:
        return [finding("IDC813", ref, f"no status.parents entry for Gateway "
                        f"{att.parent.namespace}/{att.parent.name}: the controller has not "
                        f"processed the route (computed: {att.reason})", field="status.parents")]
    if accepted is None:
        return []
    says = accepted.get("status") == "True"
    if says == att.accepted:
        return []
    return [finding("IDC813", ref, f"status says Accepted={accepted.get('status')} "
                    f"({accepted.get('reason')}); the spec computes {att.reason}",
                    field="status.parents")]


def orphan_findings(ctx: TraceContext, host: str, claim: GatewayClaim) -> list[Finding]:
    """Routes for the host whose parent Gateway does not exist. A route the Gateway taking
    the request accepts is served there: its other, missing parent does not touch this
    request."""
    snap = ctx.snapshot
    served = [route for route, att in claim.decision.attachments if att.accepted]
    out = []
    for route in gateway.routes_for_host(snap, host):
        if any(route is r for r in served):
            continue
        for p in parent_refs(route):
            if p.kind == "Gateway" and snap.get("Gateway", p.namespace, p.name) is None:
                out.append(finding("IDC811", _ref(route), f"parent Gateway {p.namespace}/"
                                   f"{p.name} does not exist", field=p.field))
    return out


def _kind_conflicts(claim: GatewayClaim) -> list[Finding]:
    lst = claim.decision.listener
    by_kind: dict[str, list[Obj]] = {}
    for route, att in claim.decision.attachments:
        if att.accepted and lst in att.listeners:
            by_kind.setdefault(str(route.get("kind")), []).append(route)
    http, grpc = by_kind.get("HTTPRoute", []), by_kind.get("GRPCRoute", [])
    out = []
    for g in grpc:
        for h in http:
            gh, hh = spec(g).get("hostnames") or ["*"], spec(h).get("hostnames") or ["*"]
            if any(a == "*" or b == "*" or intersects(a, b) for a in gh for b in hh):
                out.append(finding("IDC824", _ref(g), f"shares listener {lst.name if lst else ''}"
                                   f" and a hostname with HTTPRoute {namespace(h)}/{name(h)}"))
    return out


def check(ctx: TraceContext, claim: GatewayClaim, extra: Sequence[Finding] = ()) -> Hop:
    """The route hop: attachment, the rule that matches and lost ones, filters."""
    host = ctx.request.host.lower()
    d = claim.decision
    found: list[Finding] = list(extra)
    found += _attachment_findings(claim, host, ctx.snapshot.live)
    found += _kind_conflicts(claim)
    found += _dropped_findings(claim)
    outcome = d.outcome
    if d.listener is None or outcome is None:
        return Hop(HopId.ROUTE, TITLE, status_from(tuple(found), unknown=not found),
                   "not checked: no listener takes the request", findings=tuple(found))
    win = outcome.winner
    if win is None:
        rows = tuple(_row(c, c.miss or "no match") for c in outcome.misses[:_MAX_ROWS])
        found += _on_other_listeners(ctx, claim)
        found.append(finding(
            "IDC812", ObjectRef("Request", None, host),
            f"no rule of the routes attached to listener {d.listener.name} matches "
            f"{host}{ctx.request.path}: the Gateway answers 404"
            + ("" if outcome.misses else " (no attached route serves the host)")))
        return Hop(HopId.ROUTE, TITLE, status_from(tuple(found)), f"404: no rule for {host}"
                   f"{ctx.request.path}", findings=tuple(found), rows=rows)
    ref = _ref(win.route)
    for loser in outcome.losers[:3]:
        found.append(finding("IDC814", _ref(loser.route), f"{loser.field} ({match_text(loser.match)}"
                             f") also matches but loses to {ref} {win.field}"
                             + _why_lost(claim, loser, win), field=loser.field))
    if outcome.tie:
        other = outcome.losers[0]
        found.append(finding("IDC819", ref, f"same Traefik priority as {_ref(other.route)} "
                             f"{other.field}: either may answer", field=win.field))
    found += _effect_findings(ctx, claim, ref, win)
    summary = f"{ref}: {win.field} ({match_text(win.match)})"
    rows = (_row(win, "serves"), *(_row(c, "loses") for c in outcome.losers[:_MAX_ROWS]))
    return Hop(HopId.ROUTE, TITLE, status_from(tuple(found)), summary, objects=(ref,),
               findings=tuple(found), rows=rows)


def _dropped_findings(claim: GatewayClaim) -> list[Finding]:
    """Rules that would answer but that the implementation drops (IDC872 when nothing else
    answers, IDC873 when another rule does)."""
    win = claim.decision.winner
    out = []
    for c, why in claim.decision.dropped:
        label = f"{_ref(c.route)} {c.field}"
        field = f"spec.rules[{c.rule_index}].filters"
        if win is None:
            out.append(finding("IDC872", _ref(c.route), f"{c.field} ({match_text(c.match)}) "
                               f"would answer, but {why}: no other rule matches, 404",
                               field=field))
        else:
            out.append(finding("IDC873", _ref(c.route), f"{c.field} ({match_text(c.match)}) "
                               f"would answer, but {why}: {_ref(win.route)} {win.field} "
                               "answers instead", field=field, **{MEANT: label}))
    return out


def _on_other_listeners(ctx: TraceContext, claim: GatewayClaim) -> list[Finding]:
    """Routes with a rule for the request that the Gateway programs only on listeners the
    request does not use (a parentRef's sectionName or port picks them): the request's
    listener has none of their rules, so it gets 404 (an HTTP request to a route bound to
    the HTTPS listener only)."""
    d = claim.decision
    if d.listener is None:
        return []
    serving = d.listeners if claim.semantics.every_listener else d.listeners[:1]
    msg = gateway.message_of(ctx)
    gw = f"{namespace(claim.gateway)}/{name(claim.gateway)}"
    out = []
    for route, att in d.attachments:
        if not att.accepted or any(lst in serving for lst in att.listeners):
            continue
        hosts = [str(h) for h in spec(route).get("hostnames") or []]
        pool = [(route, effective_hostnames(lst.hostname, hosts)) for lst in att.listeners]
        if not any(c.fits for c in candidates(pool, msg, claim.semantics)):
            continue
        on = ", ".join(f"{lst.name} ({lst.protocol}:{lst.port})" for lst in att.listeners)
        picks = " and ".join(x for x in (
            f"sectionName {att.parent.section_name}" if att.parent.section_name else "",
            f"port {att.parent.port}" if att.parent.port else "") if x)
        out.append(finding(
            "IDC871", _ref(route),
            f"has a rule for {msg.host}{msg.path}, but its parentRef to Gateway {gw}"
            + (f" ({picks})" if picks else "") + f" binds it only to listener {on}; the "
            f"request arrives on listener {d.listener.name} ({d.listener.protocol}:"
            f"{d.listener.port})", field=att.parent.field,
            hint=f"Add a parentRef to Gateway {gw} with sectionName {d.listener.name} (or "
            "drop the sectionName/port that narrows it), or send the request to the "
            "listener the route is on."))
    return out


def _why_lost(claim: GatewayClaim, loser: Candidate, win: Candidate) -> str:
    """An implementation that orders by a priority of its own (Traefik's sum), not the
    spec's order: say so, and where the spec would have chosen the loser."""
    priority = claim.semantics.priority
    if priority is None:
        return ""
    spec_note = ("; the spec's order (hostname first) would choose it"
                 if spec_key(loser) < spec_key(win) else "")
    return (f": {claim.controller.profile.title} orders its routers by priority, "
            f"{priority(win)} against {priority(loser)}{spec_note}")


def _effect_findings(ctx: TraceContext, claim: GatewayClaim, ref: ObjectRef,
                     win: Candidate) -> list[Finding]:
    effect = claim.decision.effect
    if effect is None:
        return []
    field = f"spec.rules[{win.rule_index}].filters"
    out = [finding("IDC817", ref, f"filter {k} is not implemented by {claim.controller.controller}"
                   ": the request gets 500", field=field) for k in effect.unsupported]
    out += [finding("IDC818", ref, v, field=field) for v in effect.invalid]
    out += [finding("IDC870", ref, f"ExtensionRef filter: {why}: the request gets 500",
                    field=field) for why in effect.unresolved]
    if effect.redirect is not None:
        out.append(finding("IDC815", ref, f"redirects with {effect.redirect.status} to "
                           f"{effect.redirect.location}", field=field))
    elif changes := effect.changes(ctx.request.host.lower(), ctx.request.path):
        out.append(finding("IDC816", ref, "the backend receives " + "; ".join(changes),
                           field=field))
    return out


def _resolved_refs_disagree(claim: GatewayClaim, win: Candidate, ref: ObjectRef
                            ) -> list[Finding]:
    """The route's ResolvedRefs condition for this Gateway against the refs computed here
    (the condition covers every rule of the route, so only the winner's rule is compared
    when the status says the refs resolve)."""
    parent = next((att.parent for route, att in claim.decision.attachments
                   if route is win.route and att.accepted), None)
    cond = _condition(_status_parent(win.route, parent), "ResolvedRefs") if parent else None
    if cond is None:
        return []
    problems = sorted({b.problem for b in claim.decision.backends if b.problem})
    if cond.get("status") == "True" and problems:
        return [finding("IDC827", ref, f"status says ResolvedRefs=True; the spec computes "
                        f"{', '.join(problems)} for {win.field.rsplit('.', 1)[0]}",
                        field="status.parents")]
    return []


def _backend_tls(ctx: TraceContext, chosen: Backend, ref: ObjectRef
                 ) -> tuple[str | None, list[Finding]]:
    """BackendTLSPolicy: TLS from the Gateway to the backend, verified against its CA."""
    snap = ctx.snapshot
    if not snap.loaded("BackendTLSPolicy"):
        return None, []
    svc = snap.get("Service", chosen.namespace, chosen.name)
    port_name = next((str(p.get("name")) for p in spec(svc).get("ports") or []
                      if p.get("port") == chosen.port and p.get("name")), None) if svc else None
    policy = tls_policy(snap.list("BackendTLSPolicy"), chosen, port_name)
    if policy is None:
        return None, []
    validation = spec(policy).get("validation") or {}
    note = (f"TLS to the backend ({ObjectRef.of(policy)}, SNI {validation.get('hostname')}, "
            + ("system CAs" if validation.get("wellKnownCACertificates") else "CA from "
               + ", ".join(str(c.get("name")) for c in validation.get("caCertificateRefs") or []))
            + ")")
    found = []
    for i, ca in enumerate(validation.get("caCertificateRefs") or []):
        if ca.get("kind", "ConfigMap") != "ConfigMap" or not snap.loaded("ConfigMap"):
            continue
        cm = snap.get("ConfigMap", chosen.namespace, str(ca.get("name")))
        if cm is None or "ca.crt" not in (cm.get("data") or {}):
            what = "not found" if cm is None else "has no ca.crt"
            found.append(finding("IDC825", ObjectRef.of(policy), f"CA ConfigMap "
                                 f"{chosen.namespace}/{ca.get('name')} {what}: requests to "
                                 f"{chosen.label} fail", field=f"spec.validation."
                                 f"caCertificateRefs[{i}]"))
    return note, found


def _backend_row(b: Backend) -> dict[str, str]:
    return {"backend": b.label, "weight": str(b.weight), "share": f"{b.share:.0%}",
            "problem": f"{b.problem}: {b.detail}" if b.problem else "-"}


def backends(ctx: TraceContext, claim: GatewayClaim) -> RouteOutcome:
    """The backendRefs hop; its outcome carries the Service the rest of the trace follows."""
    d = claim.decision
    win = d.winner
    if win is None or (d.effect is not None and d.effect.redirect is not None):
        why = "the Gateway answers itself" if win is not None else "no rule"
        hop = Hop(HopId.BACKENDS, BACKENDS_TITLE, status_from((), unknown=True),
                  f"not checked: {why}", note=f"not checked: {why}")
        return RouteOutcome(hop, None, None, None)
    ref = _ref(win.route)
    found: list[Finding] = []
    base = f"spec.rules[{win.rule_index}].backendRefs"
    usable = [b for b in d.backends if b.problem is None and b.share > 0]
    for b in d.backends:
        # With a usable backend beside it, only its share fails (none at weight 0): the rest
        # is served.
        if b.problem and (b.share > 0 or not usable):
            code = "IDC874" if usable else _PROBLEM_CODES[b.problem]
            found.append(finding(code, ref, f"{b.label}: {b.problem}: {b.detail} "
                                 f"({b.share:.0%} of requests get 500)",
                                 field=f"{base}[{b.index}]"))
    if ctx.snapshot.live:
        found += _resolved_refs_disagree(claim, win, ref)
    if not any(b.share > 0 for b in d.backends):
        found.append(finding("IDC823", ref, "no backendRef with a positive weight"
                             if d.backends else "the rule has no backendRefs", field=base))
    chosen = max(usable, key=lambda b: b.share, default=None)
    rows = tuple(_backend_row(b) for b in d.backends)
    if chosen is None:
        hop = Hop(HopId.BACKENDS, BACKENDS_TITLE, status_from(tuple(found)),
                  "no usable backend: the request gets an error", objects=(ref,),
                  findings=tuple(found), rows=rows)
        return RouteOutcome(hop, ref, win.route, None)
    tls_note, tls_found = _backend_tls(ctx, chosen, ref)
    found += tls_found
    share = f" ({chosen.share:.0%} of requests)" if chosen.share < 1 else ""
    hop = Hop(HopId.BACKENDS, BACKENDS_TITLE, status_from(tuple(found)),
              f"Service {chosen.namespace}/{chosen.name} port {chosen.port}{share}",
              objects=(ref,), findings=tuple(found), rows=rows, note=tls_note)
    backend = BackendRef(chosen.namespace, chosen.name, chosen.port)
    return RouteOutcome(hop, ref, win.route, backend, None, f"{base}[{chosen.index}]")


class GatewayRouter:
    """Routes by the Gateway API: the Gateway that takes the request, its listener, the
    attached route rule, its filters and backendRefs. Its outcome carries the Gateway's
    implementation as the controller for the hops after it (entry, policy from its pods)."""

    hop = HopId.ROUTE
    title = TITLE
    inputs = gateway.INPUTS

    def route(self, ctx: TraceContext, controller: ControllerFacts) -> RouteOutcome:
        claims = gateway.claims(ctx)
        if not claims:
            note = "not checked: no Gateway listener or route for the host"
            return RouteOutcome(not_checked(self.hop, self.title, note), None, None, None)
        claim = next((c for c in claims if c.serves), claims[0])
        host = ctx.request.host.lower()
        lead = gateway.check(ctx, claim, [c for c in claims if c is not claim])
        certificate = gateway.tls_hop(ctx, claim)
        route_hop = check(ctx, claim, orphan_findings(ctx, host, claim))
        backend = backends(ctx, claim)
        win = claim.decision.winner
        effect = claim.decision.effect
        redirect = effect.redirect if effect is not None else None
        served = replace(claim.controller, routes={
            kind: tuple(r for r in gateway.routes_for_host(ctx.snapshot, host)
                        if r.get("kind") == kind) for kind in ROUTE_KINDS})
        return RouteOutcome(
            route_hop, _ref(win.route) if win else None, win.route if win else None,
            backend.backend, None, backend.backend_field, controller=served,
            lead=(lead, *((certificate,) if certificate else ())),
            follow=(backend.hop,), entry=gateway.gateway_addresses(
                claim.gateway, ctx.request.port or (443 if ctx.request.scheme == "https"
                                                    else 80), ctx.request.scheme),
            claims=True,
            answer=f"{redirect.status} to {redirect.location}" if redirect else None,
            label=f"{_ref(win.route)} {win.field}" if win else None)
