"""The kinds ingressdoc reads, and one scoped LIST (or named GET) request against one of them.

Secrets and ConfigMaps are never listed: a LIST of Secrets is every service-account token
in its scope. ingressdoc GETs the ones it needs by name (the TLS Secrets an Ingress names,
the cluster DNS's ConfigMaps), under roles of their own (`role`, see deploy/rbac.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KindInfo:
    group: str
    version: str
    plural: str
    namespaced: bool
    listed: bool = True  # False: read by name only
    role: str = "ingressdoc-reader"  # the role in deploy/rbac.yaml that grants the reads
    optional: bool = False  # the role may be left out by choice: its absence is no warning

    def path(self, namespace: str | None) -> str:
        base = f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"
        if namespace and self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"


KINDS: dict[str, KindInfo] = {
    "Ingress": KindInfo("networking.k8s.io", "v1", "ingresses", True),
    "IngressClass": KindInfo("networking.k8s.io", "v1", "ingressclasses", False),
    "NetworkPolicy": KindInfo("networking.k8s.io", "v1", "networkpolicies", True),
    "Service": KindInfo("", "v1", "services", True),
    "Pod": KindInfo("", "v1", "pods", True),
    "Node": KindInfo("", "v1", "nodes", False),
    "Namespace": KindInfo("", "v1", "namespaces", False),
    "Secret": KindInfo("", "v1", "secrets", True, listed=False, role="ingressdoc-tls-reader",
                       optional=True),
    "ConfigMap": KindInfo("", "v1", "configmaps", True, listed=False,
                          role="ingressdoc-dns-config-reader"),
    "EndpointSlice": KindInfo("discovery.k8s.io", "v1", "endpointslices", True),
}


@dataclass(frozen=True)
class Read:
    """One LIST: a kind, optionally scoped to a namespace and label/field selectors; or,
    with `name`, one GET of the object of that name in `namespace`."""

    kind: str
    namespace: str | None = None
    label_selector: str | None = None
    field_selector: str | None = None
    name: str | None = None
