"""Cloud load balancer controllers: AWS Load Balancer Controller, GKE Ingress, Azure
Application Gateway.

They program a load balancer outside the cluster, so there are no controller pods to find.
Their own path-pattern semantics are not modelled: paths match as the API defines them.
"""

from __future__ import annotations

from ingressdoc.k8s.controller_settings import annotations_for, settings_for
from ingressdoc.k8s.profiles.spec import Spec


class CloudLoadBalancer(Spec):
    runs_outside = True

    def __init__(self, name: str, title: str, *controllers: str,
                 internal_annotation: tuple[str, str] | None = None) -> None:
        self.name = name
        self.title = title
        self.controllers = controllers
        self.internal_annotation = internal_annotation
        self.settings = settings_for(name)
        self.annotations = annotations_for(name)


AWS_LOAD_BALANCER = CloudLoadBalancer("aws-load-balancer-controller",
                                      "AWS Load Balancer Controller", "ingress.k8s.aws/alb",
                                      internal_annotation=("alb.ingress.kubernetes.io/scheme",
                                                           "internal"))
GCE = CloudLoadBalancer("ingress-gce", "GKE Ingress", "k8s.io/ingress-gce",
                        "networking.gke.io/ingress-gce")
AZURE_APPLICATION_GATEWAY = CloudLoadBalancer("application-gateway", "Application Gateway",
                                              "azure/application-gateway")
