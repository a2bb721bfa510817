"""Cloud load balancer controllers: AWS Load Balancer Controller, GKE Ingress, Azure
Application Gateway.

They program a load balancer outside the cluster, so there are no controller pods to find.
Their own path-pattern semantics are not modelled: paths match as the API defines them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ingressdoc.k8s.controller_settings import ALB_PREFIX, annotations_for, settings_for
from ingressdoc.k8s.objects import annotations_of, spec
from ingressdoc.k8s.profiles.base import Answers, LoadBalancerTls
from ingressdoc.k8s.profiles.spec import Spec


class CloudLoadBalancer(Spec):
    runs_outside = True
    answers = Answers()  # their load balancers' own statuses are not modelled

    def __init__(self, name: str, title: str, *controllers: str,
                 internal_annotation: tuple[str, str] | None = None) -> None:
        self.name = name
        self.title = title
        self.controllers = controllers
        self.internal_annotation = internal_annotation
        self.settings = settings_for(name)
        self.annotations = annotations_for(name)


class AwsLoadBalancer(CloudLoadBalancer):
    """The ALB ends TLS with an ACM certificate: from `certificate-arn`, or discovered for
    the hosts of spec.tls; `listen-ports`, when set, says whether it listens for HTTPS."""

    def load_balancer_tls(self, ingress: Mapping[str, Any]) -> LoadBalancerTls:
        anns = annotations_of(ingress)
        arn = anns.get(ALB_PREFIX + "certificate-arn")
        ports = anns.get(ALB_PREFIX + "listen-ports")
        if ports:
            try:
                listeners = json.loads(ports)
            except ValueError:
                listeners = []
            listens = any("HTTPS" in item for item in listeners if isinstance(item, dict))
        else:
            listens = bool(arn or spec(ingress).get("tls"))
        if not listens:
            return LoadBalancerTls("the ALB", False, "no certificate-arn, no spec.tls and "
                                   "listen-ports without HTTPS")
        return LoadBalancerTls("the ALB", True, "certificate-arn " + arn if arn
                               else "a certificate discovered for spec.tls hosts")


AWS_LOAD_BALANCER = AwsLoadBalancer("aws-load-balancer-controller",
                                      "AWS Load Balancer Controller", "ingress.k8s.aws/alb",
                                      internal_annotation=("alb.ingress.kubernetes.io/scheme",
                                                           "internal"))
GCE = CloudLoadBalancer("ingress-gce", "GKE Ingress", "k8s.io/ingress-gce",
                        "networking.gke.io/ingress-gce")
AZURE_APPLICATION_GATEWAY = CloudLoadBalancer("application-gateway", "Application Gateway",
                                              "azure/application-gateway")
