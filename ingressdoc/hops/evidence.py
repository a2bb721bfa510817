"""Fold live HTTP answers into a finished trace and name where reality diverges.

Objects predict an answer per hop (a matching rule with ready pods should not fail). The
first live failure that no object finding explains gets an IDC720 finding, whatever its
status; a live success where the objects predict failure gets IDC781, which names the
controller behaviour that made it work; a controller fallback certificate gets IDC721. The
probing itself happens elsewhere; this module only compares.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding, Severity
from ingressdoc.hops.fingerprint import Fingerprint
from ingressdoc.hops.model import Evidence, Hop, HopId, TraceResult, amend
from ingressdoc.k8s.certs import CertInfo
from ingressdoc.snapshot import ObjectRef


@dataclass(frozen=True)
class HttpObservation:
    """One live answer at one hop (`status` None: no HTTP answer, see `error`)."""

    hop: HopId
    target: str
    status: int | None
    error: str | None
    replay: str
    fallback_certificate: bool = False
    certificate_covers_host: bool | None = None
    fingerprint: Fingerprint | None = None  # the entry's answer, to tell which backend gave it
    skipped: str | None = None  # not probed, and why: a probe that fails by construction
    certificate: CertInfo | None = None  # what the entry served, for the served-certificate check


# What a controller did to serve a request the objects say fails, by the object finding it
# contradicts: the behaviour that made it work, beyond the Ingress API's rules.
_LENIENCY = {
    "IDC402": "the controller took the Service port without regard to its protocol (a port "
              "declared UDP, or one the backend does not name)",
    "IDC501": "the controller sent the request to endpoints that are not ready (serving but "
              "terminating, or all endpoints when none is ready)",
    "IDC603": "the controller sent the request to pods that are not ready (serving but "
              "terminating, or all endpoints when none is ready)",
    "IDC642": "the controller sent the request to pods that are terminating but still serving "
              "(EndpointSlice serving=true), which it keeps using while no endpoint is ready; "
              "once they stop, the Service has no endpoint until the new pods are Ready",
    "IDC301": "the controller matched the host by rules of its own, looser than the Ingress "
              "API's",
    "IDC302": "the controller matched the wildcard host at another depth than the Ingress API "
              "allows",
    "IDC303": "the controller matched the path by rules of its own, looser than the Ingress "
              "API's",
    "IDC201": "a controller serves the Ingress although none is found for its class",
    "IDC203": "a controller serves the Ingress although its IngressClass does not exist",
    "IDC204": "a controller serves the Ingress although it names no class and none is default",
}
_FRAGILE = ("it relies on this controller's behaviour beyond the API's rules, so an upgrade, "
            "another controller or a change of its settings can break the request with no "
            "change to these objects")
# Findings about the controller's traffic: probes through the API server or a port-forward
# do not take that path, so these never explain what such a probe saw.
_CONTROLLER_PATH = frozenset({"IDC701", "IDC706"})
# Findings that say the controller sends requests to endpoints the API's reading does not
# (terminating ones that still serve): a probe through the API server's Service proxy, which
# takes ready endpoints only, fails where the controller's path serves.
_CONTROLLER_ONLY = frozenset({"IDC645"})
# Findings that say the client cannot reach the entry from where it is.
_CLIENT_OUTSIDE = frozenset({"IDC131"})


def _outcome(o: HttpObservation) -> str:
    if o.skipped is not None:
        return f"not probed ({o.skipped})"
    return f"HTTP {o.status}" if o.status is not None else f"no answer ({o.error})"


def _failed(o: HttpObservation) -> bool:
    return o.skipped is None and (o.status is None or o.status >= 400)


def _explained(hops: Sequence[Hop]) -> Finding | None:
    """The root-cause error of the object hops. Probes address the entry directly, so the
    host's DNS never explains what they see."""
    errors = [f for h in hops if h.hop != HopId.DNS for f in h.findings
              if f.severity is Severity.ERROR]
    return errors[-1] if errors else None


def _explains(cause: Finding | None, o: HttpObservation,
              hops: Sequence[Hop] = ()) -> Finding | None:
    """The object finding that explains what a probe saw: the root-cause error, or, for an
    entry probe no connection answered, that the client is outside the private network of
    an internal load balancer (IDC131), or, for a probe past the entry, that only the
    controller sends requests to the endpoints there are (IDC645)."""
    if o.hop == HopId.ENTRY and o.status is None and o.skipped is None:
        outside = next((f for h in hops if h.hop == HopId.ENTRY for f in h.findings
                        if f.code in _CLIENT_OUTSIDE), None)
        if outside is not None:
            return outside
    if cause is None and o.hop != HopId.ENTRY:
        return next((f for h in hops for f in h.findings if f.code in _CONTROLLER_ONLY), None)
    if cause is None or (o.hop != HopId.ENTRY and cause.code in _CONTROLLER_PATH):
        return None
    return cause


def _basis(hops: Sequence[Hop]) -> str:
    """What the objects said, in words that never hide a standing warning."""
    warnings = sorted({f.code for h in hops if h.hop != HopId.DNS for f in h.findings
                       if f.severity is Severity.WARNING})
    if warnings:
        return f"no object check predicts a failure (warnings: {', '.join(warnings)})"
    return "every object check passed"


def _same_from_pods(o: HttpObservation, observations: Sequence[HttpObservation]) -> bool:
    """The backend's own pods give the entry's failure status: the application answers so."""
    return o.hop == HopId.ENTRY and o.status is not None and any(
        p.hop == HopId.PODS and p.status == o.status for p in observations)


def _own_answer(o: HttpObservation, observations: Sequence[HttpObservation]) -> bool:
    """A 4xx the application gives itself (asked directly, or the entry's matching the pods')
    is its answer to this path, not something the objects predict."""
    if o.status is None or o.status >= 500:
        return False
    return o.hop != HopId.ENTRY or _same_from_pods(o, observations)


def _divergence(result: TraceResult, o: HttpObservation,
                observations: Sequence[HttpObservation]) -> Finding:
    where = ObjectRef("Host", None, result.request.host)
    if _same_from_pods(o, observations):
        return finding("IDC720", where, f"{o.target} answered {_outcome(o)}, and the backend's "
                       "pods answer it themselves: the application fails the request, not "
                       f"the route; {_basis(result.hops)}")
    return finding("IDC720", where,
                   f"{o.target} answered {_outcome(o)} although {_basis(result.hops)}")


def _leniency(result: TraceResult, o: HttpObservation, cause: Finding) -> Finding:
    how = _LENIENCY.get(cause.code, f"the controller in use accepts what {cause.code} "
                        "rejects")
    return finding("IDC781", ObjectRef("Host", None, result.request.host),
                   f"{o.target} answered {_outcome(o)} although the objects predict a failure "
                   f"({cause.code}: {cause.message}): {how}; {_FRAGILE}",
                   hint=f"Fix what {cause.code} says, so the request works by the API's rules "
                   "and not by one controller's leniency.")


def attach(result: TraceResult, observations: Sequence[HttpObservation],
           answered_elsewhere: bool = False) -> TraceResult:
    """Every disagreement between the objects and a live answer is a finding, once per
    direction: a failure the objects do not predict (IDC720), a success they say cannot
    happen (IDC781, unless `answered_elsewhere`: another backend gave the answer, which
    attribution reports). A probe that fails by construction is "not probed", never
    either."""
    by_hop: dict[HopId, list[HttpObservation]] = {}
    for o in observations:
        by_hop.setdefault(o.hop, []).append(o)
    explanation = _explained(result.hops)
    hops: list[Hop] = []
    diverged = lenient = False
    for hop in result.hops:
        seen = by_hop.get(hop.hop, [])
        extra: list[Finding] = []
        for o in seen:
            if o.fallback_certificate:
                extra.append(finding("IDC721", ObjectRef("Host", None, result.request.host),
                                     f"{o.target} served the controller's fallback certificate"))
            cause = _explains(explanation, o, result.hops)
            if _failed(o) and cause is None and not diverged and not _own_answer(o, observations):
                diverged = True
                extra.append(_divergence(result, o, observations))
            elif (o.hop == HopId.ENTRY and o.status is not None and o.status < 400
                  and explanation is not None and not lenient and not answered_elsewhere):
                lenient = True
                extra.append(_leniency(result, o, explanation))
        evidence = tuple(
            Evidence("http", o.target, _outcome(o),
                     detail=_detail(_explains(explanation, o, result.hops), o, observations),
                     replay=o.replay or None)
            for o in seen)
        hops.append(amend(hop, evidence, extra))
    return dataclasses.replace(result, hops=tuple(hops))


def _detail(cause: Finding | None, o: HttpObservation,
            observations: Sequence[HttpObservation]) -> str:
    if not _failed(o):
        return ""
    if cause is not None:
        return f"explained by {cause.code}"
    if _same_from_pods(o, observations):
        return "the backend's pods answer the same"
    return ""
