"""Cloud load balancer controllers: AWS Load Balancer Controller, GKE Ingress, Azure
Application Gateway.

They program a load balancer outside the cluster, so there are no controller pods to find.
Their own path-pattern semantics are not modelled: paths match as the API defines them.
"""

from __future__ import annotations

from ingressdoc.k8s.profiles.spec import Spec


class CloudLoadBalancer(Spec):
    runs_outside = True

    def __init__(self, name: str, *controllers: str) -> None:
        self.name = name
        self.controllers = controllers


AWS_LOAD_BALANCER = CloudLoadBalancer("aws-load-balancer-controller", "ingress.k8s.aws/alb")
GCE = CloudLoadBalancer("ingress-gce", "k8s.io/ingress-gce", "networking.gke.io/ingress-gce")
AZURE_APPLICATION_GATEWAY = CloudLoadBalancer("application-gateway", "azure/application-gateway")
