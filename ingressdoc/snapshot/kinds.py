"""The kinds ingressdoc reads, and one scoped LIST request against one of them."""

from __future__ import annotations

from dataclasses import dataclass

from ingressdoc.k8s.gateway.listeners import GROUP as GATEWAY_GROUP


@dataclass(frozen=True)
class KindInfo:
    group: str
    version: str
    plural: str
    namespaced: bool

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
    "Secret": KindInfo("", "v1", "secrets", True),
    "ConfigMap": KindInfo("", "v1", "configmaps", True),
    "EndpointSlice": KindInfo("discovery.k8s.io", "v1", "endpointslices", True),
    "GatewayClass": KindInfo(GATEWAY_GROUP, "v1", "gatewayclasses", False),
    "Gateway": KindInfo(GATEWAY_GROUP, "v1", "gateways", True),
    "HTTPRoute": KindInfo(GATEWAY_GROUP, "v1", "httproutes", True),
    "GRPCRoute": KindInfo(GATEWAY_GROUP, "v1", "grpcroutes", True),
    "ReferenceGrant": KindInfo(GATEWAY_GROUP, "v1beta1", "referencegrants", True),
    "BackendTLSPolicy": KindInfo(GATEWAY_GROUP, "v1", "backendtlspolicies", True),
}
# Gateway API kinds (standard channel): a cluster without the CRDs answers 404 for them, and
# every hop that needs them says "not checked".
GATEWAY_KINDS = tuple(k for k, info in KINDS.items() if info.group == GATEWAY_GROUP)


@dataclass(frozen=True)
class Read:
    """One LIST: a kind, optionally scoped to a namespace and label/field selectors."""

    kind: str
    namespace: str | None = None
    label_selector: str | None = None
    field_selector: str | None = None
