"""ingressdoc: trace a request through a Kubernetes cluster and say which hop breaks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ingressdoc")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0.0.0"
