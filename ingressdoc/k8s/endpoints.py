"""EndpointSlice and Pod readiness semantics.

EndpointSlices are read first (v1 Endpoints is deprecated). A nil `ready` condition means
ready per the API; a pod without status (from a manifest) has unknown readiness (None).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.k8s.objects import condition, labels, name, namespace, spec, status
from ingressdoc.k8s.ports import resolve_target_port, target_port_of
from ingressdoc.k8s.selectors import selector_matches

Obj = Mapping[str, Any]
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


@dataclass(frozen=True)
class EndpointState:
    address: str
    pod: str | None
    node: str | None
    ready: bool | None
    serving: bool | None
    terminating: bool
    # The conditions as the slice states them (None: unset), for controllers that read them
    # otherwise than the API does (`EndpointAdmission`).
    stated_ready: bool | None = None
    stated_serving: bool | None = None


def pod_ready(pod: Obj) -> bool | None:
    """None when the pod has no status (a manifest or workload template)."""
    if not status(pod):
        return None
    cond = condition(pod, "Ready")
    return bool(cond and cond.get("status") == "True")


def pod_endpoint(pod: Obj) -> EndpointState:
    """The endpoint the control plane publishes for a selected pod: ready while Ready and
    not terminating, serving while Ready, whether terminating or not."""
    ready = pod_ready(pod)
    going = bool((pod.get("metadata") or {}).get("deletionTimestamp"))
    staying = None if ready is None else ready and not going
    return EndpointState(str(status(pod).get("podIP") or f"<{name(pod)}>"), name(pod),
                         spec(pod).get("nodeName"), staying, ready, going, staying, ready)


def slices_of(service: Obj, slices: Sequence[Obj]) -> list[Obj]:
    return [
        s for s in slices
        if namespace(s) == namespace(service) and labels(s).get(SERVICE_NAME_LABEL) == name(service)
    ]


def endpoint_states(slice_obj: Obj, unknown_readiness: bool = False) -> list[EndpointState]:
    out: list[EndpointState] = []
    for ep in slice_obj.get("endpoints") or []:
        cond = ep.get("conditions") or {}
        ready = None if unknown_readiness else cond.get("ready") is not False
        serving = None if unknown_readiness else cond.get("serving", ready) is not False
        ref = ep.get("targetRef") or {}
        for addr in ep.get("addresses") or []:
            out.append(EndpointState(
                address=str(addr),
                pod=ref.get("name") if ref.get("kind") == "Pod" else None,
                node=ep.get("nodeName"),
                ready=ready,
                serving=serving,
                terminating=bool(cond.get("terminating")),
                stated_ready=_stated(cond, "ready"),
                stated_serving=_stated(cond, "serving"),
            ))
    return out


def _stated(cond: Obj, key: str) -> bool | None:
    value = cond.get(key)
    return None if value is None else value is not False


@dataclass(frozen=True)
class EndpointAdmission:
    """Which endpoints of a Service a controller sends requests to: the EndpointSlice
    condition it reads (`ready` or `serving`), whether an unset one counts as true (the API's
    reading: nil is ready), and whether it keeps terminating endpoints only fenced (listed,
    never picked). `what` names the endpoints it admits, for messages."""

    condition: str
    unset_admits: bool
    fences_terminating: bool
    what: str
    note: str = ""  # how it departs from the API's reading, where it does

    def receives(self, e: EndpointState) -> bool | None:
        """None where readiness is unknown (endpoints derived from manifests)."""
        if e.ready is None:
            return None
        stated = e.stated_ready if self.condition == "ready" else e.stated_serving
        admitted = self.unset_admits if stated is None else stated
        return admitted and not (self.fences_terminating and e.terminating)


# The API's reading: ready endpoints, an unset `ready` being ready.
READY = EndpointAdmission("ready", unset_admits=True, fences_terminating=False, what="ready")


def slice_port_names(slice_obj: Obj) -> set[str]:
    return {str(p.get("name") or "") for p in slice_obj.get("ports") or []}


def selected_pods(service: Obj, pods: Sequence[Obj]) -> list[Obj]:
    selector = spec(service).get("selector")
    if not selector:
        return []
    return [p for p in pods if namespace(p) == namespace(service)
            and selector_matches(selector, labels(p))]


def derive_slices(service: Obj, pods: Sequence[Obj]) -> list[Obj]:
    """The EndpointSlices the control plane would create for `service` over `pods`.

    The EndpointSlice controller resolves each port pod by pod and groups endpoints by the
    ports they resolve to: a pod that does not name a named targetPort lands in a slice
    without that port, so it is no endpoint of it. Pods without status get no `ready`
    condition value we could know, so manifest sources mark the slices as derived and
    readiness as unknown.
    """
    groups: dict[tuple[tuple[str, int, str], ...], list[Obj]] = {}
    for pod in pods:
        groups.setdefault(_pod_ports(service, pod), []).append(pod)
    if not groups:
        groups[()] = []
    return [_slice(service, f"{name(service)}-derived" + (f"-{i}" if i else ""), ports, members)
            for i, (ports, members) in enumerate(groups.items())]


def _pod_ports(service: Obj, pod: Obj) -> tuple[tuple[str, int, str], ...]:
    out = []
    for sp in spec(service).get("ports") or []:
        protocol = str(sp.get("protocol") or "TCP")
        port = resolve_target_port(pod, target_port_of(sp), protocol)
        if port is not None:
            out.append((str(sp.get("name", "")), port, protocol))
    return tuple(out)


def _slice(service: Obj, slice_name: str, ports: Sequence[tuple[str, int, str]],
           pods: Sequence[Obj]) -> Obj:
    endpoints = [
        {
            "addresses": [status(p).get("podIP") or f"<{name(p)}>"],
            "conditions": {"ready": pod_ready(p)},
            "targetRef": {"kind": "Pod", "name": name(p), "namespace": namespace(p)},
            "nodeName": spec(p).get("nodeName"),
        }
        for p in pods
    ]
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": slice_name,
            "namespace": namespace(service),
            "labels": {SERVICE_NAME_LABEL: name(service)},
        },
        "addressType": "IPv4",
        "endpoints": endpoints,
        "ports": [{"name": n, "port": port, "protocol": proto} for n, port, proto in ports],
    }
