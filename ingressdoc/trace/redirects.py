"""Redirects the controller answers before any backend sees the request: the HTTPS redirect
of ingress-nginx's annotations, where the controller in use reads them. The client then comes
back over HTTPS, so what TLS does decides the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingressdoc.k8s.controller_config import ControllerConfig
from ingressdoc.k8s.https_redirect import https_redirect
from ingressdoc.k8s.profiles.base import Answers

Obj = Mapping[str, Any]


def ssl_redirect(answers: Answers, ingress: Obj | None, host: str, scheme: str,
                 config: ControllerConfig | None = None) -> str | None:
    """Why the controller redirects this request to https, or None. `answers`: how the
    controller that answers does (`answering`)."""
    if not answers.https_redirect or scheme != "http" or ingress is None:
        return None
    return https_redirect(ingress, host, config)
