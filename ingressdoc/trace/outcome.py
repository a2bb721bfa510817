"""Decide the outcome of a traced request from its hops, as the controller in use answers.

The first decisive error in travel order wins (a request stopped at the rule never meets
its pods), explained by the deepest finding of the same effect (its cause), except that an
Ingress no controller picks up is decided first: nothing on the way matters then. Without a
decisive error the request is served by the matched backend, even where later hops could
not be checked (pods from templates are taken as becoming Ready; "not checked" hops keep
their own note).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ingressdoc.findings import Finding, Severity
from ingressdoc.hops.model import ControllerFacts, Hop, HopStatus, TraceResult
from ingressdoc.hops.outcome import MEANT, Competitor, Outcome, OutcomeKind
from ingressdoc.hops.routing import RouteOutcome
from ingressdoc.k8s.profiles.base import Answers
from ingressdoc.request import Request
from ingressdoc.trace.effects import EFFECTS, EMPTY, EXPLAINS_EMPTY, Effect
from ingressdoc.trace.redirects import ssl_redirect


def proxy_name(answers: Answers, controller: str | None) -> str:
    return answers.proxy or (f"controller {controller}" if controller
                             else "the ingress controller")


def answering(ctl: ControllerFacts, hops: Sequence[Hop] = ()) -> Answers:
    """How the request is answered: as the class's profile says, or as the controller whose
    pods run the class answers it (Traefik's ingress-nginx provider an ingress-nginx class),
    with its configuration. Through a Gateway API route (the `route` hop) a backend without
    ready endpoints gets 503, the spec's SHOULD (Traefik's Gateway provider keeps it as an
    empty load balancer), whatever the controller's Ingress provider does."""
    runs = ctl.implementer
    answers = runs.answers_for(ctl.profile) if runs is not None else ctl.profile.answers
    if any(h.hop == "route" for h in hops):
        return replace(answers, empty_upstream="503")
    return ctl.profile.configured_answers(answers, ctl.applied.config)


def refresh(result: TraceResult) -> TraceResult:
    """The outcome again once live evidence added hops or findings (the host's DNS answer, a
    fallback certificate served): a decisive error there comes first in travel order."""
    before = result.outcome
    ctl = result.controller
    if before is None or ctl is None:
        return result
    scheme = "https" if before.kind is OutcomeKind.REDIRECT else result.request.scheme
    decisive = _decisive(result.hops, scheme)
    if decisive is None or decisive[1].code == before.code:
        return result
    return replace(result, outcome=_failed(decisive, answering(ctl, result.hops), ctl.controller,
                                           before.competitors))


def _decisive(hops: Sequence[Hop], scheme: str) -> tuple[Hop, Finding, Effect] | None:
    found: list[tuple[Hop, Finding, Effect]] = []
    empty = any(EFFECTS.get(f.code) is EMPTY for h in hops for f in h.findings
                if f.severity is Severity.ERROR)
    for hop in hops:
        for f in hop.findings:
            effect = EMPTY if empty and f.code in EXPLAINS_EMPTY else EFFECTS.get(f.code)
            if effect is None or (f.severity is not Severity.ERROR and not (
                    effect.likely and f.severity is Severity.WARNING)):
                continue
            if effect.https_only and scheme != "https":
                continue
            found.append((hop, f, effect))
    found = [x for x in found if x[1].severity is Severity.ERROR] or found
    first = next((x for x in found if x[2].kind is OutcomeKind.NO_CONTROLLER), None) or (
        found[0] if found else None)
    if first is None:
        return None
    # The same effect further down is its cause (no endpoints because no pods because
    # replicas is 0): the deepest hop's first such finding explains the outcome.
    same = [x for x in found if x[2] is first[2]]
    return next(x for x in same if x[0] is same[-1][0])


def _where(f: Finding) -> str:
    return f"{f.object}" + (f" {f.field}" if f.field else "")


def _competitors(rule_hop: Hop | None) -> tuple[Competitor, ...]:
    if rule_hop is None:
        return ()
    return tuple(
        Competitor(f"Ingress {r['ingress']} {r['host']}{r['path']}"
                   if r.get("path", "-") not in ("-", "(default backend)")
                   else f"Ingress {r['ingress']} {r['host']} {r.get('path', '')}".rstrip(),
                   r.get("backend", "-"), r.get("match", ""))
        for r in rule_hop.rows if r.get("match") != "serves")


def _failed(decisive: tuple[Hop, Finding, Effect], answers: Answers, controller: str | None,
            competitors: tuple[Competitor, ...]) -> Outcome:
    hop, f, effect = decisive
    proxy = proxy_name(answers, controller)
    status = effect.status_for(answers)
    kind = effect.kind
    answerer: str | None = proxy
    if kind is OutcomeKind.UPSTREAM_ERROR and status == "404":
        kind = OutcomeKind.DEFAULT_BACKEND  # the proxy dropped the route: its own 404
    if kind is OutcomeKind.DEFAULT_BACKEND:
        answerer = f"the {proxy} default backend" if answers.own_default_backend else proxy
    return Outcome(kind, f.message, hop.hop.value, answerer, status, _where(f), f.code,
                   competitors=competitors)


def served_backend(route: RouteOutcome) -> str | None:
    if route.backend is not None:
        b = route.backend
        return f"Service {b.namespace}/{b.service}:{b.port_label}"
    if route.resource_backend:
        res = route.resource_backend
        return f"{res.get('kind')} {res.get('name')}"
    return None


def decide(hops: Sequence[Hop], route: RouteOutcome, request: Request,
           ctl: ControllerFacts) -> Outcome:
    answers, controller = answering(ctl, hops), ctl.controller
    rule_hop = next((h for h in hops if h.hop in ("rule", "route")), None)
    competitors = _competitors(rule_hop) if rule_hop is not None and rule_hop.hop == "rule" else ()
    proxy = proxy_name(answers, controller)
    redirect = ssl_redirect(answers, route.route_object, request.host, request.scheme,
                            ctl.applied.config)
    decisive = _decisive(hops, "https" if redirect else request.scheme)
    if decisive is not None:
        failed = _failed(decisive, answers, controller, competitors)
        if redirect and decisive[2].https_only:  # the redirect answers; its https leg fails
            failed = replace(failed, reason=f"after the 308 to https ({redirect}): "
                             f"{failed.reason}")
        return failed
    if route.answer is not None:  # a Gateway rule's RequestRedirect
        return Outcome(OutcomeKind.REDIRECT, route.hop.summary, "route", proxy, route.answer,
                       route.label or str(route.route), competitors=competitors)
    backend = served_backend(route)
    if backend is None or rule_hop is None or rule_hop.status is HopStatus.SKIPPED:
        reason = rule_hop.summary if rule_hop is not None else "the rule hop did not run"
        return Outcome(OutcomeKind.UNKNOWN, reason, "rule", competitors=competitors)
    rule = (f"{route.route} {route.backend_field.removesuffix('.backend')}"
            if route.route is not None and route.backend_field else None)
    decided = next((f for h in hops for f in h.findings
                    if MEANT in f.params and f.severity is not Severity.INFO), None)
    meant, code = (str(decided.params[MEANT]), decided.code) if decided else (None, None)
    pods = next((h for h in hops if h.hop == "pods"), None)
    reason = pods.summary if pods is not None else ""
    if pods is not None and pods.status is not HopStatus.OK and pods.note:
        reason = f"{reason} ({pods.note.removeprefix('not checked: ')})" if (
            pods.status is HopStatus.UNKNOWN) else pods.note
    if redirect:
        target = f"https://{request.host}{request.path}"
        return Outcome(OutcomeKind.REDIRECT, f"{redirect}; then served by {backend} via {rule}",
                       "rule", proxy, f"308 to {target}", str(route.route), code,
                       meant=meant, competitors=competitors)
    return Outcome(OutcomeKind.SERVED, reason, "rule", backend, None, rule, code,
                   meant=meant, competitors=competitors)
