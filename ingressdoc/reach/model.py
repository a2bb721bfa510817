"""The reach result: trace hops under a verdict that says whether the connection can open.

It wraps a `TraceResult` so findings, root cause and the hop document are the trace's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ingressdoc.findings import Finding
from ingressdoc.hops.model import Hop, HopId, HopStatus, TraceResult, Verdict
from ingressdoc.k8s.endpoints import pod_ready
from ingressdoc.k8s.objects import status
from ingressdoc.reach.client import representatives
from ingressdoc.request import Request
from ingressdoc.snapshot import ObjectRef, Snapshot

if TYPE_CHECKING:
    from ingressdoc.reach.policy import Connection


@dataclass(frozen=True)
class PodPort:
    """A destination pod on the port its policies were judged on (after the Service's DNAT)."""

    pod: ObjectRef
    ip: str
    port: int


@dataclass(frozen=True)
class Leg:
    """The part of the path a connection by name repeats when it is not all of it. A host/path
    TO dials the ingress controller's Service: a probe pod can repeat that, not the request
    the controller then sends to the backend, so the backend's hops must not judge it."""

    title: str  # what the live verdict covers, e.g. "client -> controller"
    hops: tuple[HopId, ...]  # the hops the connection by name crosses


@dataclass(frozen=True)
class Dial:
    """The connection as the walk found it, kept so `--probe` can repeat it for real: a client
    pod to imitate, the name as the client writes it on the Service port's number, and the
    ready destination pods, the one the policy hops judged first. `via` is the hop that names
    what is dialled, where the check by name reports; `leg` None: that check crosses every
    hop, and its outcome is the whole path's. `service` None: no Service, the destination
    pods take a node's port (an ingress controller on hostNetwork or a hostPort)."""

    client_pod: Mapping[str, Any]
    name: str
    service: ObjectRef | None
    port: int
    protocol: str
    destinations: tuple[PodPort, ...]
    via: HopId = HopId.DNS
    leg: Leg | None = None


@dataclass(frozen=True)
class ReachResult:
    """`assumed`: hops left unknown only because manifests cannot know pod status; the
    verdict takes those pods as becoming Ready instead of turning unknown on every manifest.
    `live`: what a probe pod saw (`--probe`), beside the verdict and never folded into it."""

    client: str  # FROM as typed
    target: str  # TO as typed
    trace: TraceResult  # `request` is what the client dials: name (or Service) and port
    assumed: tuple[HopId, ...] = ()
    dial: Dial | None = None  # None: no client pod or no Service port to repeat
    live: Verdict | None = None  # None: not probed

    @property
    def hops(self) -> tuple[Hop, ...]:
        return self.trace.hops

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.trace.findings

    @property
    def live_leg(self) -> str | None:
        """What the live verdict covers when it is not the whole path (a host/path TO)."""
        if self.live is None or self.dial is None or self.dial.leg is None:
            return None
        return self.dial.leg.title

    @property
    def verdict(self) -> Verdict:
        statuses = {h.status for h in self.hops}
        if HopStatus.FAIL in statuses:
            return Verdict.BLOCKED
        undecided = {HopStatus.UNKNOWN, HopStatus.SKIPPED}
        if any(h.status in undecided and h.hop not in self.assumed for h in self.hops):
            return Verdict.UNKNOWN
        return Verdict.REACHABLE


def dial(client_pods: Sequence[Mapping[str, Any]], written: str, conn: Connection | None,
         via: HopId = HopId.DNS, leg: Leg | None = None) -> Dial | None:
    """What `--probe` repeats: the first client pod the policy hops judged, and the ready
    destination pods with an address, in the order those hops judged them."""
    if not client_pods or conn is None:
        return None
    dests = tuple(PodPort(ObjectRef.of(p), str(status(p)["podIP"]), port)
                  for p in representatives(conn.pods)
                  if pod_ready(p) and status(p).get("podIP")
                  and (port := conn.pod_port(p)) is not None)
    svc = None if conn.service is None else ObjectRef.of(conn.service)
    return Dial(client_pods[0], written, svc, int(conn.port.get("port", 0)), conn.protocol,
                dests, via, leg)


def dialled(name: str, port: int | str | None, protocol: str = "TCP") -> Request:
    """The connection as a `Request`, the shape trace hops and renderers take."""
    number = port if isinstance(port, int) else None
    return Request(host=name, path="", scheme=protocol.lower(), port=number)


def assumed_for(snapshot: Snapshot, svc: Mapping[str, Any]) -> tuple[HopId, ...]:
    """The hops of `svc`'s endpoints and pods when their unknown status comes only from
    objects the manifests imply (pods from workload templates, slices derived from them)."""
    slices = snapshot.service_slices(svc)
    selected = snapshot.selected_pods(svc)
    return tuple(hop for hop, objs in ((HopId.ENDPOINTS, slices), (HopId.PODS, selected))
                 if objs and all(snapshot.is_derived(o) for o in objs))
