"""Which scoped LISTs a live trace needs, given what has been read so far.

The live source calls `reads_for` until it returns nothing new, so the request count does
not grow with the cluster: all Ingresses and IngressClasses, the controller pods by label,
then only the backend namespaces and selectors the matched rules name. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ingressdoc.k8s.controllers import label_selector
from ingressdoc.k8s.endpoints import SERVICE_NAME_LABEL
from ingressdoc.k8s.objects import name, namespace, spec
from ingressdoc.request import Request
from ingressdoc.snapshot import Snapshot
from ingressdoc.snapshot.kinds import Read
from ingressdoc.trace.hops.controller import relevant_ingresses


def _selector_string(selector: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def _backends(ing: Mapping[str, Any]) -> Iterator[str]:
    s = spec(ing)
    backends = [s.get("defaultBackend")] + [
        p.get("backend") for r in s.get("rules") or [] for p in (r.get("http") or {}).get(
            "paths") or []]
    for b in backends:
        svc = (b or {}).get("service")
        if svc:
            yield str(svc.get("name"))


def reads_for(snap: Snapshot, request: Request) -> Iterator[Read]:
    yield Read("Ingress")
    yield Read("IngressClass")
    yield Read("Pod", label_selector=label_selector())
    yield Read("Node")
    yield Read("Namespace")
    ingresses = relevant_ingresses(snap.list("Ingress"), request.host)
    controller_ns = {namespace(p) for p in snap.list("Pod") if namespace(p)}
    for ns in sorted(str(n) for n in controller_ns):
        yield Read("Service", ns)
        yield Read("NetworkPolicy", ns)  # the controller's own egress policies
    for ing in ingresses:
        ns = str(namespace(ing))
        yield Read("Service", ns)
        yield Read("NetworkPolicy", ns)
        for tls in spec(ing).get("tls") or []:
            if tls.get("secretName"):
                yield Read("Secret", field_selector=f"metadata.name={tls['secretName']}")
        for svc_name in _backends(ing):
            svc = snap.get("Service", ns, svc_name)
            if svc is None:
                if snap.loaded("Service"):
                    yield Read("Service", field_selector=f"metadata.name={svc_name}")
                continue
            yield Read("EndpointSlice", ns, label_selector=f"{SERVICE_NAME_LABEL}={name(svc)}")
            selector = spec(svc).get("selector")
            if selector:
                selected = _selector_string(selector)
                yield Read("Pod", ns, label_selector=selected)
                if snap.loaded("Pod") and not snap.list("Pod", ns, selector):
                    yield Read("Pod", ns)
