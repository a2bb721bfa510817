"""EndpointSlice mirroring: the slices the control plane makes from hand-written Endpoints.

A Service without a selector gets its backends from an Endpoints object its owner writes (a
database outside the cluster, a legacy VM). Live, the EndpointSlice mirroring controller
turns it into EndpointSlices, which is all ingressdoc reads; manifests hold only the
Endpoints, so the manifest source mirrors them the same way to keep one endpoints hop.

Rules (Kubernetes docs, "EndpointSlices", section "Mirroring"): only Endpoints whose Service
exists and has no selector; not those labelled `endpointslice.kubernetes.io/skip-mirror:
"true"` nor the leader-election ones (annotation `control-plane.alpha.kubernetes.io/leader`);
one slice per subset and address family; `addresses` are ready, `notReadyAddresses` not;
at most 1,000 addresses per subset.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from ingressdoc.k8s.endpoints import SERVICE_NAME_LABEL
from ingressdoc.k8s.objects import annotations_of, labels, name, namespace, spec

Obj = Mapping[str, Any]
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
MIRROR_CONTROLLER = "endpointslicemirroring-controller.k8s.io"
SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"
LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
MAX_ADDRESSES = 1000


def mirrors(endpoints: Obj, service: Obj | None) -> bool:
    """Whether the mirroring controller would copy `endpoints` (its Service is `service`)."""
    return (service is not None and not spec(service).get("selector")
            and labels(endpoints).get(SKIP_MIRROR) != "true"
            and LEADER_ANNOTATION not in annotations_of(endpoints))


def mirrored_slices(endpoints: Obj) -> list[Obj]:
    """The EndpointSlices mirrored from `endpoints`; check `mirrors` first."""
    out: list[Obj] = []
    for index, subset in enumerate(endpoints.get("subsets") or []):
        listed = [(a, True) for a in subset.get("addresses") or []]
        listed += [(a, False) for a in subset.get("notReadyAddresses") or []]
        by_family: dict[str, list[Obj]] = {}
        for address, ready in listed[:MAX_ADDRESSES]:
            family = _family(str(address.get("ip") or ""))
            if family is not None:
                by_family.setdefault(family, []).append(_endpoint(address, ready))
        ports = [{k: p[k] for k in ("name", "port", "protocol", "appProtocol") if k in p}
                 for p in subset.get("ports") or []]
        out.extend(_slice(endpoints, f"{index}-{family.lower()}", family, eps, ports)
                   for family, eps in by_family.items())
    return out


def _family(ip: str) -> str | None:
    try:
        return "IPv4" if ipaddress.ip_address(ip).version == 4 else "IPv6"
    except ValueError:
        return None  # the API server rejects such an address; nothing would be mirrored


def _endpoint(address: Obj, ready: bool) -> Obj:
    endpoint: dict[str, Any] = {"addresses": [address["ip"]], "conditions": {"ready": ready}}
    for key in ("hostname", "nodeName", "targetRef"):
        if address.get(key):
            endpoint[key] = address[key]
    return endpoint


def _slice(endpoints: Obj, suffix: str, family: str, eps: Sequence[Obj],
           ports: Sequence[Obj]) -> Obj:
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": f"{name(endpoints)}-mirror-{suffix}",
            "namespace": namespace(endpoints),
            "labels": {SERVICE_NAME_LABEL: name(endpoints), MANAGED_BY: MIRROR_CONTROLLER},
        },
        "addressType": family,
        "endpoints": list(eps),
        "ports": list(ports),
    }
