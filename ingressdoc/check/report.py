"""The check report: per-request results after the ignore policy, and the verdicts derived
from them. Data only, so every output format tells the same story."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from ingressdoc.check.targets import Target
from ingressdoc.findings import Finding, Severity
from ingressdoc.hops.model import TraceResult, Verdict
from ingressdoc.snapshot import ObjectRef, Origin
from ingressdoc.snapshot.fieldlines import field_line

FindingKey = tuple[str, ObjectRef, str | None, str]


def finding_key(f: Finding) -> FindingKey:
    """Identity across requests: one broken controller is one finding, not one per path."""
    return (f.code, f.object, f.field, f.message)


def unique(findings: Iterable[Finding]) -> list[Finding]:
    return list({finding_key(f): f for f in findings}.values())


@dataclass(frozen=True)
class EntryResult:
    """`findings` are those left after the ignore policy; `served_by` names the rule that
    answered the request when it is not the target's own (another Ingress, a catch-all)."""

    target: Target
    trace: TraceResult
    findings: tuple[Finding, ...]
    ignored: tuple[Finding, ...] = ()
    served_by: str | None = None
    seconds: float = 0.0

    @property
    def verdict(self) -> Verdict:
        """From the kept findings, not the hop statuses, so an ignored error stops failing."""
        severities = {f.severity for f in self.findings}
        if Severity.ERROR in severities:
            return Verdict.FAIL
        return Verdict.WARN if Severity.WARNING in severities else Verdict.OK


@dataclass(frozen=True)
class Summary:
    requests: int
    ok: int
    warn: int
    fail: int
    failed: int  # by the --fail-on policy
    errors: int
    warnings: int
    infos: int
    ignored: int


@dataclass(frozen=True)
class CheckReport:
    """`threshold` is the --fail-on severity (None: never fail). `origins` holds file
    locations of the objects findings name, for manifest sources only."""

    source: str
    threshold: Severity | None
    results: tuple[EntryResult, ...]
    origins: Mapping[ObjectRef, Origin] = field(default_factory=dict)

    def failures(self, result: EntryResult) -> tuple[Finding, ...]:
        if self.threshold is None:
            return ()
        rank = self.threshold.rank
        return tuple(f for f in result.findings if f.severity.rank >= rank)

    @property
    def failed(self) -> tuple[EntryResult, ...]:
        return tuple(r for r in self.results if self.failures(r))

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for r in self.results for f in r.findings)

    def located_findings(self) -> Iterator[tuple[Finding, EntryResult]]:
        """Each distinct kept finding once, with the first request that raised it."""
        seen: set[FindingKey] = set()
        for result in self.results:
            for f in result.findings:
                if finding_key(f) not in seen:
                    seen.add(finding_key(f))
                    yield f, result

    def location(self, result: EntryResult, finding: Finding) -> Origin | None:
        """The finding's field in the manifests (else its object), else the Ingress the
        request came from."""
        own = self.origins.get(finding.object)
        if own is None:
            return self.origins.get(result.target.ingress)
        line = field_line(own.node, finding.field)
        return replace(own, line=line) if line else own

    @cached_property
    def summary(self) -> Summary:
        verdicts = [r.verdict for r in self.results]
        kept = unique(self.findings)
        return Summary(
            requests=len(self.results),
            ok=verdicts.count(Verdict.OK),
            warn=verdicts.count(Verdict.WARN),
            fail=verdicts.count(Verdict.FAIL),
            failed=len(self.failed),
            errors=sum(f.severity is Severity.ERROR for f in kept),
            warnings=sum(f.severity is Severity.WARNING for f in kept),
            infos=sum(f.severity is Severity.INFO for f in kept),
            ignored=len(unique(f for r in self.results for f in r.ignored)),
        )
