"""Fold "which backend answered" into a finished trace: evidence on the entry hop, and an
error when the answer came from another backend than the one the objects predict.

A status code agrees with many wrong outcomes (a catch-all answers 200 too); the fingerprint
match does not. The probing happens elsewhere; this module only judges.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.candidates import Candidate
from ingressdoc.hops.evidence import HttpObservation
from ingressdoc.hops.fingerprint import Attribution, Sample, attribute
from ingressdoc.hops.model import Evidence, HopId, TraceResult, amend
from ingressdoc.snapshot import ObjectRef


def attach(result: TraceResult, observations: Sequence[HttpObservation],
           cands: Sequence[Candidate], samples: Sequence[Sample]) -> TraceResult:
    """One attribution per entry answer; the first contradiction is an IDC780 error."""
    answers = [o for o in observations if o.hop == HopId.ENTRY and o.fingerprint is not None]
    if not answers:
        return result
    predicted = _predicted(result)
    evidence: list[Evidence] = []
    found: list[Finding] = []
    for o in answers:
        assert o.fingerprint is not None
        att = attribute(o.fingerprint, samples)
        evidence.append(Evidence("attribution", o.target, _says(att, predicted),
                                 detail=_asked(cands, samples), data=_data(o, att)))
        if not found and _contradicts(att, predicted):
            found.append(_contradiction(result, o, att, predicted, samples))
    hops = tuple(amend(h, evidence, found) if h.hop == HopId.ENTRY else h for h in result.hops)
    return dataclasses.replace(result, hops=hops)


def answered_elsewhere(result: TraceResult, observations: Sequence[HttpObservation],
                       samples: Sequence[Sample]) -> bool:
    """Whether some entry answer provably came from another backend than the predicted one:
    then that, not a controller's leniency, is why a request the objects fail succeeded."""
    predicted = _predicted(result)
    return any(_contradicts(attribute(o.fingerprint, samples), predicted)
               for o in observations if o.hop == HopId.ENTRY and o.fingerprint is not None)


def _predicted(result: TraceResult) -> str | None:
    backend = result.backend
    return f"{backend.namespace}/{backend.service}" if backend is not None else None


def _contradicts(att: Attribution, predicted: str | None) -> bool:
    """Only an identical match is proof; a shape match or none never contradicts."""
    return (att.answered_by is not None and att.level == "identical"
            and predicted is not None and att.answered_by != predicted)


def _says(att: Attribution, predicted: str | None) -> str:
    if att.answered_by is None:
        return f"could not attribute ({att.why})"
    word = "answered by" if att.level == "identical" else "probably answered by"
    role = att.matched[0].role
    where = "" if role == "predicted" else f" ({role})"
    tail = ("as predicted" if att.answered_by == predicted
            else f"objects predict {predicted}" if predicted else "objects predict no backend")
    return f"{word} Service {att.answered_by}{where}: matched on {att.why}; {tail}"


def _asked(cands: Sequence[Candidate], samples: Sequence[Sample]) -> str:
    """Which backends were asked, and why any was not: the limits of the attribution."""
    asked = sorted({s.backend for s in samples if s.fingerprint is not None})
    parts = [f"asked directly: {', '.join(asked) or 'none'}"]
    parts += [f"not asked: {c.key} ({c.skipped})" for c in cands if c.skipped]
    return "; ".join(parts)


def _data(o: HttpObservation, att: Attribution) -> dict[str, object]:
    assert o.fingerprint is not None
    return {"answeredBy": att.answered_by, "level": att.level, "why": att.why,
            "entry": o.fingerprint.describe(),
            "matched": [f"{s.target}: {s.fingerprint.describe()}" for s in att.matched
                        if s.fingerprint is not None]}


def _contradiction(result: TraceResult, o: HttpObservation, att: Attribution,
                   predicted: str | None, samples: Sequence[Sample]) -> Finding:
    assert o.fingerprint is not None and att.answered_by is not None
    winner = att.matched[0]
    mine = next((s for s in samples if s.backend == predicted and s.fingerprint), None)
    theirs = (f"{predicted} ({mine.target}) answers {mine.fingerprint.describe()}"
              if mine is not None and mine.fingerprint is not None
              else f"{predicted} could not be asked")
    ns, svc = att.answered_by.split("/", 1)
    return finding(
        "IDC780", ObjectRef("Service", ns, svc),
        f"{o.target} answered {o.fingerprint.describe()}, as Service {att.answered_by} "
        f"({winner.role}, {winner.target}) does; the objects predict Service {predicted}, "
        f"and {theirs}",
        request=str(result.request.host), answered_by=att.answered_by, predicted=predicted,
    )
