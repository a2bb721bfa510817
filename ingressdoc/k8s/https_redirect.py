"""The HTTPS redirect that ingress-nginx's annotations ask for, before any backend is asked.

ingress-nginx (and Traefik's ingress-nginx provider, which follows its annotations) answers a
plain-HTTP request with `308 Permanent Redirect` to https when the Ingress has TLS for the
host (`ssl-redirect`, on by default; the annotation `nginx.ingress.kubernetes.io/ssl-redirect:
"false"` turns it off), or always with `force-ssl-redirect: "true"`. ingress-nginx's ConfigMap
sets the defaults of both keys; Traefik's provider reads the annotations alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingressdoc.k8s.controller_config import ControllerConfig
from ingressdoc.k8s.controller_settings import NGINX_PREFIX
from ingressdoc.k8s.ingress_match import host_matches
from ingressdoc.k8s.objects import annotations_of, is_true, spec

Obj = Mapping[str, Any]
SSL_REDIRECT = NGINX_PREFIX + "ssl-redirect"
FORCE_SSL_REDIRECT = NGINX_PREFIX + "force-ssl-redirect"


def https_redirect(ingress: Obj, host: str, config: ControllerConfig | None) -> str | None:
    """Why a plain-HTTP request for `host` is redirected to https, or None. `config` is the
    serving controller's configuration: ingress-nginx's ConfigMap defaults apply only there."""
    notes = annotations_of(ingress)
    nginx = config if config is not None and config.models("ssl-redirect") else None
    force = notes.get(FORCE_SSL_REDIRECT)
    if force is not None and is_true(force):
        return f"{FORCE_SSL_REDIRECT} is true"
    if force is None and nginx is not None and nginx.enabled("force-ssl-redirect"):
        return f"force-ssl-redirect is true ({nginx.setting('force-ssl-redirect').source})"
    if not any(host_matches(h, host) for t in spec(ingress).get("tls") or []
               for h in t.get("hosts") or []):
        return None
    ssl = notes.get(SSL_REDIRECT)
    if ssl is not None:
        return f"the Ingress has TLS for {host} and {SSL_REDIRECT} is {ssl}" if is_true(ssl) else None
    if nginx is not None:
        setting = nginx.setting("ssl-redirect")
        return (f"the Ingress has TLS for {host} (ssl-redirect {setting.value}, "
                f"{setting.source})") if is_true(setting.value) else None
    return f"the Ingress has TLS for {host} (ssl-redirect is on by default)"
