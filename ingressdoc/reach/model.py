"""The reach result: trace hops under a verdict that says whether the connection can open.

It wraps a `TraceResult` so findings, root cause and the hop document are the trace's own.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ingressdoc.findings import Finding
from ingressdoc.k8s.endpoints import selected_pods
from ingressdoc.k8s.objects import namespace
from ingressdoc.request import Request
from ingressdoc.snapshot import ObjectRef, Snapshot
from ingressdoc.trace.model import Hop, HopStatus, TraceResult


class Verdict(str, enum.Enum):
    """`unknown` when nothing fails but some hop could not be judged from the snapshot."""

    REACHABLE = "reachable"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PodPort:
    """A destination pod on the port its policies were judged on (after the Service's DNAT)."""

    pod: ObjectRef
    ip: str
    port: int


@dataclass(frozen=True)
class Dial:
    """The connection as the walk found it, kept so `--probe` can repeat it for real: a client
    pod to imitate, the name as the client writes it on the Service port's number, and the
    ready destination pods, the one the policy hops judged first."""

    client_pod: Mapping[str, Any]
    name: str
    service: ObjectRef
    port: int
    protocol: str
    destinations: tuple[PodPort, ...]


@dataclass(frozen=True)
class ReachResult:
    """`assumed`: hops left unknown only because manifests cannot know pod status; the
    verdict takes those pods as becoming Ready instead of turning unknown on every manifest.
    `live`: what a probe pod saw (`--probe`), beside the verdict and never folded into it."""

    client: str  # FROM as typed
    target: str  # TO as typed
    trace: TraceResult  # `request` is what the client dials: name (or Service) and port
    assumed: tuple[str, ...] = ()
    dial: Dial | None = None  # None: no client pod or no Service port to repeat
    live: Verdict | None = None  # None: not probed

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


def assumed_for(snapshot: Snapshot, svc: Mapping[str, Any]) -> tuple[str, ...]:
    """The hops of `svc`'s endpoints and pods when their unknown status comes only from
    objects the manifests imply (pods from workload templates, slices derived from them)."""
    slices = snapshot.service_slices(svc)
    selected = selected_pods(svc, snapshot.list("Pod", namespace(svc)))
    return tuple(hop for hop, objs in (("endpoints", slices), ("pods", selected))
                 if objs and all(snapshot.is_derived(o) for o in objs))
