"""Fold live HTTP answers into a finished trace and name where reality diverges.

Objects predict an answer per hop (a matching rule with ready pods should not give 404 or
503). The first hop whose live answer contradicts the prediction, and that no object
finding already explains, gets an IDC720 finding; a controller fallback certificate gets
IDC721. The probing itself happens elsewhere; this module only compares.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding, Severity
from ingressdoc.hops.model import Evidence, Hop, HopId, TraceResult, amend
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


def _outcome(o: HttpObservation) -> str:
    return f"HTTP {o.status}" if o.status is not None else f"no answer ({o.error})"


def _explained(hops: Sequence[Hop]) -> Finding | None:
    """The root-cause error of the object hops. Probes address the entry directly, so the
    host's DNS never explains what they see."""
    errors = [f for h in hops if h.hop != HopId.DNS for f in h.findings
              if f.severity is Severity.ERROR]
    return errors[-1] if errors else None


def attach(result: TraceResult, observations: Sequence[HttpObservation]) -> TraceResult:
    by_hop: dict[str, list[HttpObservation]] = {}
    for o in observations:
        by_hop.setdefault(o.hop, []).append(o)
    explanation = _explained(result.hops)
    hops: list[Hop] = []
    diverged = False
    for hop in result.hops:
        seen = by_hop.get(hop.hop, [])
        extra: list[Finding] = []
        for o in seen:
            if o.fallback_certificate:
                extra.append(finding("IDC721", ObjectRef("Host", None, result.request.host),
                                     f"{o.target} served the controller's fallback certificate"))
            bad = o.status is None or o.status in (404, 502, 503, 504)
            if bad and not diverged and explanation is None:
                diverged = True
                extra.append(finding(
                    "IDC720", ObjectRef("Host", None, result.request.host),
                    f"{o.target} answered {_outcome(o)} although every object check passed",
                ))
        evidence = tuple(
            Evidence("http", o.target, _outcome(o),
                     detail=(f"explained by {explanation.code}" if explanation and (
                         o.status is None or o.status >= 400) else ""),
                     replay=o.replay)
            for o in seen)
        hops.append(amend(hop, evidence, extra))
    return dataclasses.replace(result, hops=tuple(hops))
