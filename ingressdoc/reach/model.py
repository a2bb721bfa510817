"""The reach result: trace hops under a verdict that says whether the connection can open.

It wraps a `TraceResult` so findings, root cause and the hop document are the trace's own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ingressdoc.findings import Finding
from ingressdoc.request import Request
from ingressdoc.trace.model import Hop, HopStatus, TraceResult


class Verdict(str, enum.Enum):
    """`unknown` when nothing fails but some hop could not be judged from the snapshot."""

    REACHABLE = "reachable"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ReachResult:
    """`assumed`: hops left unknown only because manifests cannot know pod status; the
    verdict takes those pods as becoming Ready instead of turning unknown on every manifest."""

    client: str  # FROM as typed
    target: str  # TO as typed
    trace: TraceResult  # `request` is what the client dials: name (or Service) and port
    assumed: tuple[str, ...] = ()

    @property
    def hops(self) -> tuple[Hop, ...]:
        return self.trace.hops

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.trace.findings

    @property
    def verdict(self) -> Verdict:
        statuses = {h.status for h in self.hops}
        if HopStatus.FAIL in statuses:
            return Verdict.BLOCKED
        undecided = {HopStatus.UNKNOWN, HopStatus.SKIPPED}
        if any(h.status in undecided and h.hop not in self.assumed for h in self.hops):
            return Verdict.UNKNOWN
        return Verdict.REACHABLE


def dialled(name: str, port: int | str | None, protocol: str = "TCP") -> Request:
    """The connection as a `Request`, the shape trace hops and renderers take."""
    number = port if isinstance(port, int) else None
    return Request(host=name, path="", scheme=protocol.lower(), port=number)
