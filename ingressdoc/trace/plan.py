"""Which scoped LISTs (and GETs by name) a live run needs, given what has been read so far.

The live source calls a plan until it returns nothing new. `reads_for` is one trace's: the
request count does not grow with the cluster: all Ingresses and IngressClasses, the
controller pods by label, then only the backend namespaces and selectors the matched rules
name. `everything` is what `check`, `reach` and a full snapshot read. Both read Secrets and
ConfigMaps only by name (see `snapshot.kinds`). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ingressdoc.hops.cert_producers import CLUSTER_ISSUER, ISSUER
from ingressdoc.hops.cluster_dns import (
    COREDNS_CONFIGMAP,
    DNS_NAMESPACE,
    DNS_SERVICE,
    cluster_domain,
    is_external_name,
)
from ingressdoc.hops.controller import relevant_ingresses
from ingressdoc.hops.controller_config import MIDDLEWARES
from ingressdoc.k8s import node_local_dns
from ingressdoc.k8s.controller_config import read_config
from ingressdoc.k8s.controllers import label_selector, product_of
from ingressdoc.k8s.dns_names import parse_service_name
from ingressdoc.k8s.endpoints import SERVICE_NAME_LABEL, pod_ready
from ingressdoc.k8s.events import FAILED_CREATE, FAILED_SCHEDULING
from ingressdoc.k8s.gateway.hostnames import host_matches
from ingressdoc.k8s.gateway.listeners import listeners_of
from ingressdoc.k8s.gateway.matching import ROUTE_KINDS
from ingressdoc.k8s.objects import annotations_of, name, namespace, spec
from ingressdoc.request import Request
from ingressdoc.snapshot import Snapshot
from ingressdoc.snapshot.kinds import GATEWAY_KINDS, KINDS, Read
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
            yield Read("ConfigMap", node_local_dns.NAMESPACE, name=cm)
    ingresses = relevant_ingresses(snap, request.host)
    controller_ns = {namespace(p) for p in snap.list("Pod") if namespace(p) and product_of(p)}
    for ns in sorted(str(n) for n in controller_ns):
        yield Read("Service", ns)
        yield Read("NetworkPolicy", ns)  # the controller's own egress policies
    yield from _gateway_reads(snap, request.host)


    yield from _controller_config_reads(snap)
    if any(_params_kind(c) == _ALB_PARAMS for c in snap.list("IngressClass")):
        yield Read("IngressClassParams")
    for ing in ingresses:
        ns = str(namespace(ing))
        for ref in (annotations_of(ing).get(MIDDLEWARES) or "").split(","):
            if ref.strip().endswith("@kubernetescrd"):
                # `<namespace>-<name>`: namespaces may hold dashes, so only the Ingress's own
                # namespace is certain; anything else needs the cluster-wide list.
                yield Read("Middleware", ns if ref.strip().startswith(ns + "-") else None)
        yield from _tls_secret_reads(ing)
        if any(tls.get("secretName") for tls in spec(ing).get("tls") or []):
            yield from _cert_reads(ing)
        for svc_name in _backends(ing):
            yield from _service_reads(snap, ns, svc_name, hops=4)


def _gateway_reads(snap: Snapshot, host: str) -> Iterator[Read]:
    """Every Gateway API object (a handful per cluster, one LIST per kind), then what the
    backendRefs of the routes that could serve `host` stand on."""
    for kind in GATEWAY_KINDS:
        yield Read(kind)
    for gw in snap.list("Gateway"):
        for lst in listeners_of(gw):
            for cert in lst.certificate_refs:
                yield Read("Secret", field_selector=f"metadata.name={cert.get('name')}")
    for route in (r for kind in ROUTE_KINDS for r in snap.list(kind)):
        hostnames = spec(route).get("hostnames") or []
        if hostnames and not any(host_matches(str(h), host) for h in hostnames):
            continue
        for rule in spec(route).get("rules") or []:
            for f in rule.get("filters") or []:
                ext = f.get("extensionRef") or {}
                if f.get("type") == "ExtensionRef" and str(ext.get("kind")) in KINDS:
                    yield Read(str(ext["kind"]), str(namespace(route)))
            for ref in rule.get("backendRefs") or []:
                if (ref.get("group") or "", ref.get("kind") or "Service") == ("", "Service"):
                    ns = str(ref.get("namespace") or namespace(route))
                    yield from _service_reads(snap, ns, str(ref.get("name")), hops=4)
                    yield from _backend_tls_reads(snap, ns)


def _backend_tls_reads(snap: Snapshot, ns: str) -> Iterator[Read]:
    """The CA ConfigMaps of the BackendTLSPolicies in a backend's namespace."""
    for policy in snap.list("BackendTLSPolicy", ns):
        for ca in (spec(policy).get("validation") or {}).get("caCertificateRefs") or []:
            if ca.get("name"):
                yield Read("ConfigMap", ns, name=str(ca["name"]))




_ALB_PARAMS = ("elbv2.k8s.aws", "IngressClassParams")


def _params_kind(ingress_class: Mapping[str, Any]) -> tuple[str, str]:
    params = spec(ingress_class).get("parameters") or {}
    return str(params.get("apiGroup", "")), str(params.get("kind", ""))


def _controller_config_reads(snap: Snapshot) -> Iterator[Read]:
    """The ConfigMap each controller names with --configmap (ingress-nginx)."""
    for pod in snap.list("Pod"):
        profile = product_of(pod)
        config = read_config(pod, profile.name) if profile else None
        if config is not None and config.configmap_name:
            cm_ns, _, cm_name = config.configmap_name.partition("/")
            yield Read("ConfigMap", cm_ns, name=cm_name)
def _cert_reads(ing: Mapping[str, Any]) -> Iterator[Read]:
    """cert-manager's view of the TLS Secrets: Certificates anywhere (one may write the
    Secret in another namespace) and the issuers the ingress-shim annotations name."""
    yield Read("Certificate")
    notes = (ing.get("metadata") or {}).get("annotations") or {}
    if notes.get(ISSUER):
        yield Read("Issuer", str(namespace(ing)))
    if notes.get(CLUSTER_ISSUER):
        yield Read("ClusterIssuer")


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
        yield from _why_no_pods(snap, ns, selector)


def _why_no_pods(snap: Snapshot, ns: str, selector: dict[str, str]) -> Iterator[Read]:
    """What explains missing, unscheduled or only terminating pods, read only when there are
    such pods: the workloads (replicas 0, a rollout's strategy) and autoscalers, what admits
    pods (quotas, LimitRanges), claims, volumes and classes (Pending)."""
    if not snap.loaded("Pod"):
        return
    pods = snap.list("Pod", ns, selector)
    unscheduled = [p for p in pods if not spec(p).get("nodeName")]
    if pods and not unscheduled:
        going = [p for p in pods if (p.get("metadata") or {}).get("deletionTimestamp")]
        if going and all(p in going or not pod_ready(p) for p in pods):
            yield Read("Deployment", ns)  # a rollout's strategy: did it take every pod down?
            yield Read("StatefulSet", ns)
        return
    yield Read("Deployment", ns)
    yield Read("StatefulSet", ns)
    if not pods:
        yield Read("HorizontalPodAutoscaler", ns)
        yield Read("Event", ns, field_selector=f"reason={FAILED_CREATE}")
        yield Read("ResourceQuota", ns)
        yield Read("LimitRange", ns)
        return
    yield Read("Event", ns, field_selector=f"involvedObject.kind=Pod,reason={FAILED_SCHEDULING}")
    yield Read("PersistentVolumeClaim", ns)
    yield Read("PersistentVolume")
    yield Read("StorageClass")


def everything(snap: Snapshot) -> list[Read]:
    """Every listed kind cluster-wide, then by name the TLS Secrets every Ingress names and
    the cluster DNS's ConfigMaps."""
    return [*(Read(kind) for kind, info in KINDS.items() if info.listed and info.bulk),
            *_dns_configmap_reads(),
            *(read for ing in snap.list("Ingress") for read in _tls_secret_reads(ing))]


def _tls_secret_reads(ing: Mapping[str, Any]) -> Iterator[Read]:
    for tls in spec(ing).get("tls") or []:
        if tls.get("secretName"):
            yield Read("Secret", str(namespace(ing)), name=str(tls["secretName"]))


def _dns_configmap_reads() -> Iterator[Read]:
    """The Corefiles of CoreDNS and of NodeLocal DNSCache, by their usual names."""
    for cm in (COREDNS_CONFIGMAP, *node_local_dns.CONFIGMAPS):
        yield Read("ConfigMap", DNS_NAMESPACE, name=cm)


def _cluster_dns_reads() -> Iterator[Read]:
    """The Corefile (cluster domain, forwards), kube-dns and its endpoints."""
    yield from _dns_configmap_reads()
    yield Read("Service", DNS_NAMESPACE)
    yield Read("EndpointSlice", DNS_NAMESPACE, label_selector=f"{SERVICE_NAME_LABEL}={DNS_SERVICE}")
