"""Which scoped LISTs a live trace needs, given what has been read so far.

The live source calls `reads_for` until it returns nothing new, so the request count does
not grow with the cluster: all Ingresses and IngressClasses, the controller pods by label,
then only the backend namespaces and selectors the matched rules name. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ingressdoc.hops.cluster_dns import (
    COREDNS_CONFIGMAP,
    DNS_NAMESPACE,
    DNS_SERVICE,
    cluster_domain,
    is_external_name,
)
from ingressdoc.hops.controller import relevant_ingresses
from ingressdoc.k8s import node_local_dns
from ingressdoc.k8s.controllers import label_selector, product_of
from ingressdoc.k8s.dns_names import parse_service_name
from ingressdoc.k8s.endpoints import SERVICE_NAME_LABEL
from ingressdoc.k8s.objects import name, namespace, spec
from ingressdoc.request import Request
from ingressdoc.snapshot import Snapshot
from ingressdoc.snapshot.kinds import Read
from ingressdoc.trace.routers import ROUTERS


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


def reads_for(snap: Snapshot, request: Request, cluster_dns: bool = True) -> Iterator[Read]:
    """`cluster_dns`: also what asking the cluster DNS about the backend needs (kube-dns, its
    ready pods, the Corefile's cluster domain, NodeLocal DNSCache), all in kube-system."""
    for kind in dict.fromkeys(k for router in ROUTERS for k in router.inputs):
        yield Read(kind)
    yield Read("IngressClass")
    yield Read("Pod", label_selector=label_selector())
    yield Read("Node")
    yield Read("Namespace")
    if cluster_dns:
        yield from _cluster_dns_reads()
        yield Read("Pod", node_local_dns.NAMESPACE, label_selector=node_local_dns.LABEL_SELECTOR)
        for cm in node_local_dns.CONFIGMAPS:  # its Corefile: the addresses it binds
            yield Read("ConfigMap", node_local_dns.NAMESPACE, field_selector=f"metadata.name={cm}")
    ingresses = relevant_ingresses(snap, request.host)
    controller_ns = {namespace(p) for p in snap.list("Pod") if namespace(p) and product_of(p)}
    for ns in sorted(str(n) for n in controller_ns):
        yield Read("Service", ns)
        yield Read("NetworkPolicy", ns)  # the controller's own egress policies
    for ing in ingresses:
        ns = str(namespace(ing))
        for tls in spec(ing).get("tls") or []:
            if tls.get("secretName"):
                yield Read("Secret", field_selector=f"metadata.name={tls['secretName']}")
        for svc_name in _backends(ing):
            yield from _service_reads(snap, ns, svc_name, hops=4)


def _service_reads(snap: Snapshot, ns: str, svc_name: str, hops: int) -> Iterator[Read]:
    """A backend Service, what stands behind it, and for an ExternalName the cluster DNS and
    the Service its alias names (`hops` bounds alias chains)."""
    yield Read("Service", ns)
    yield Read("NetworkPolicy", ns)
    svc = snap.get("Service", ns, svc_name)
    if svc is None:
        if snap.loaded("Service"):
            yield Read("Service", field_selector=f"metadata.name={svc_name}")
        return
    if is_external_name(svc):
        yield from _cluster_dns_reads()
        target = parse_service_name(str(spec(svc).get("externalName") or ""),
                                    cluster_domain(snap).domain)
        if target is not None and hops > 0:
            yield from _service_reads(snap, target[1], target[0], hops - 1)
        return
    yield Read("EndpointSlice", ns, label_selector=f"{SERVICE_NAME_LABEL}={name(svc)}")
    selector = spec(svc).get("selector")
    if selector:
        yield Read("Pod", ns, label_selector=_selector_string(selector))
        if snap.loaded("Pod") and not snap.list("Pod", ns, selector):
            yield Read("Pod", ns)


def _cluster_dns_reads() -> Iterator[Read]:
    """The Corefile (cluster domain, forwards), kube-dns and its endpoints."""
    yield Read("ConfigMap", DNS_NAMESPACE, field_selector=f"metadata.name={COREDNS_CONFIGMAP}")
    yield Read("Service", DNS_NAMESPACE)
    yield Read("EndpointSlice", DNS_NAMESPACE, label_selector=f"{SERVICE_NAME_LABEL}={DNS_SERVICE}")
