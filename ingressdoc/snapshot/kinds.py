"""The kinds ingressdoc reads, and one scoped LIST (or named GET) request against one of them.

Secrets and ConfigMaps are never listed: a LIST of Secrets is every service-account token
in its scope. ingressdoc GETs the ones it needs by name (the TLS Secrets an Ingress names,
the cluster DNS's ConfigMaps), under roles of their own (`role`, see deploy/rbac.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass

from ingressdoc.k8s.gateway.listeners import GROUP as GATEWAY_GROUP


@dataclass(frozen=True)
class KindInfo:
    group: str
    version: str
    plural: str
    namespaced: bool
    listed: bool = True  # False: read by name only
    role: str = "ingressdoc-reader"  # the role in deploy/rbac.yaml that grants the reads
    optional: bool = False  # the role may be left out by choice: its absence is no warning
    bulk: bool = True  # read by a whole-cluster read (`check -A`); else only when planned

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
    "GatewayClass": KindInfo(GATEWAY_GROUP, "v1", "gatewayclasses", False),
    "Gateway": KindInfo(GATEWAY_GROUP, "v1", "gateways", True),
    "HTTPRoute": KindInfo(GATEWAY_GROUP, "v1", "httproutes", True),
    "GRPCRoute": KindInfo(GATEWAY_GROUP, "v1", "grpcroutes", True),
    "ReferenceGrant": KindInfo(GATEWAY_GROUP, "v1beta1", "referencegrants", True),
    "BackendTLSPolicy": KindInfo(GATEWAY_GROUP, "v1", "backendtlspolicies", True),
    "Middleware": KindInfo("traefik.io", "v1alpha1", "middlewares", True),
    "IngressClassParams": KindInfo("elbv2.k8s.aws", "v1beta1", "ingressclassparams", False),
    # Why a backend's pods are missing or Pending: replicas, autoscalers, claims and classes.
    "Deployment": KindInfo("apps", "v1", "deployments", True),
    "StatefulSet": KindInfo("apps", "v1", "statefulsets", True),
    "HorizontalPodAutoscaler": KindInfo("autoscaling", "v2", "horizontalpodautoscalers", True),
    "PersistentVolumeClaim": KindInfo("", "v1", "persistentvolumeclaims", True),
    "PersistentVolume": KindInfo("", "v1", "persistentvolumes", False),
    "StorageClass": KindInfo("storage.k8s.io", "v1", "storageclasses", False),
    # What admits a workload's pods: quotas and the LimitRanges' defaults and bounds.
    "ResourceQuota": KindInfo("", "v1", "resourcequotas", True),
    "LimitRange": KindInfo("", "v1", "limitranges", True),
    # Who writes TLS Secrets: cert-manager (a CRD: unavailable where it is not installed).
    "Certificate": KindInfo("cert-manager.io", "v1", "certificates", True),
    "Issuer": KindInfo("cert-manager.io", "v1", "issuers", True),
    "ClusterIssuer": KindInfo("cert-manager.io", "v1", "clusterissuers", False),
    # Why pods are not there or not scheduled, as the controllers and the scheduler said:
    # read for the backend at hand only, never in bulk.
    "Event": KindInfo("", "v1", "events", True, bulk=False),
}
# Gateway API kinds (standard channel): a cluster without the CRDs answers 404 for them, and
# every hop that needs them says "not checked".
GATEWAY_KINDS = tuple(k for k, info in KINDS.items() if info.group == GATEWAY_GROUP)


@dataclass(frozen=True)
class Read:
    """One LIST: a kind, optionally scoped to a namespace and label/field selectors; or,
    with `name`, one GET of the object of that name in `namespace`."""

    kind: str
    namespace: str | None = None
    label_selector: str | None = None
    field_selector: str | None = None
    name: str | None = None
