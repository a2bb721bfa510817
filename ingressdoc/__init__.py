"""ingressdoc: trace a request through a Kubernetes cluster and say which hop breaks."""

__version__ = "0.1.0"
