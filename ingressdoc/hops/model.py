"""The trace result: data only, computed completely before anything is rendered."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ingressdoc.findings import Finding, Severity
from ingressdoc.request import Request
from ingressdoc.snapshot import ObjectRef


class HopStatus(str, enum.Enum):
    """`skipped` and `unknown` are outcomes of their own, never silent passes or failures."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Evidence:
    """What a prober saw at a hop; `replay` is a command the user can run to see it too."""

    kind: str
    target: str
    outcome: str
    detail: str = ""
    replay: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EntryAddress:
    """Where a client sends the request: what probes and DNS comparisons use."""

    address: str
    port: int
    scheme: str
    via: str


@dataclass(frozen=True)
class BackendRef:
    """A Service port as the route names it: by number or by name, never both."""

    namespace: str
    service: str
    port_number: int | None = None
    port_name: str | None = None

    @property
    def port_label(self) -> str:
        return str(self.port_number) if self.port_number is not None else str(self.port_name)


@dataclass(frozen=True)
class Hop:
    hop: str
    title: str
    status: HopStatus
    summary: str
    objects: tuple[ObjectRef, ...] = ()
    findings: tuple[Finding, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    rows: tuple[Mapping[str, str], ...] = ()
    note: str | None = None
    # The controller configuration that decided this hop: setting, value, where it came from.
    settings: tuple[Mapping[str, str], ...] = ()


def status_from(findings: tuple[Finding, ...], unknown: bool = False) -> HopStatus:
    """A hop fails on any error, warns on any warning; info findings do not change it."""
    severities = {f.severity for f in findings}
    if Severity.ERROR in severities:
        return HopStatus.FAIL
    if Severity.WARNING in severities:
        return HopStatus.WARN
    return HopStatus.UNKNOWN if unknown else HopStatus.OK


def amend(hop: Hop, evidence: Sequence[Evidence] = (), findings: Sequence[Finding] = ()) -> Hop:
    """`hop` with what a later step found there (a prober's evidence, another check's
    findings). New findings set the status anew; evidence alone never changes it, since a
    prober only reports and the comparison says what the difference means."""
    if not evidence and not findings:
        return hop
    found = (*hop.findings, *findings)
    return replace(hop, evidence=(*hop.evidence, *evidence), findings=found,
                   status=status_from(found) if findings else hop.status)


@dataclass(frozen=True)
class TraceResult:
    request: Request
    hops: tuple[Hop, ...]
    source: str
    entry_addresses: tuple[EntryAddress, ...] = ()
    backend: BackendRef | None = None

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for hop in self.hops for f in hop.findings)

    @property
    def verdict(self) -> str:
        """Worst hop status, or worst finding: a skipped hop can still carry a warning
        (IDC002: the hop could not be checked), which must not read as "ok"."""
        statuses = {h.status for h in self.hops}
        severities = {f.severity for f in self.findings}
        if HopStatus.FAIL in statuses or Severity.ERROR in severities:
            return "fail"
        if HopStatus.WARN in statuses or Severity.WARNING in severities:
            return "warn"
        return "ok"

    @property
    def root_cause(self) -> Hop | None:
        """The deepest failing hop: upstream failures are usually its symptoms."""
        failing = [h for h in self.hops if h.status is HopStatus.FAIL]
        return failing[-1] if failing else None

    @property
    def root_finding(self) -> Finding | None:
        hop = self.root_cause
        if hop is None:
            return None
        return next((f for f in hop.findings if f.severity is Severity.ERROR), None)
