"""Redirects the controller answers before any backend sees the request.

ingress-nginx (and Traefik's ingress-nginx provider, which follows its annotations) answers
a plain-HTTP request with `308 Permanent Redirect` to https when the Ingress has TLS for the
host (`ssl-redirect`, on by default; the annotation `nginx.ingress.kubernetes.io/ssl-redirect:
"false"` turns it off), or always with `force-ssl-redirect: "true"`. The client then comes
back over HTTPS, so what TLS does decides the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingressdoc.k8s.ingress_match import host_matches
from ingressdoc.k8s.objects import annotations_of, spec

Obj = Mapping[str, Any]
SSL_REDIRECT = "nginx.ingress.kubernetes.io/ssl-redirect"
FORCE_SSL_REDIRECT = "nginx.ingress.kubernetes.io/force-ssl-redirect"


def ssl_redirect(profile: str, ingress: Obj | None, host: str, scheme: str) -> str | None:
    """Why the controller redirects this request to https, or None. `profile` is who answers
    (`traefik-nginx`: Traefik running an ingress-nginx class)."""
    if profile not in ("ingress-nginx", "traefik-nginx") or scheme != "http" or ingress is None:
        return None
    notes = annotations_of(ingress)
    if str(notes.get(FORCE_SSL_REDIRECT, "")).lower() == "true":
        return f"{FORCE_SSL_REDIRECT} is true"
    has_tls = any(host_matches(h, host) for t in spec(ingress).get("tls") or []
                  for h in t.get("hosts") or [])
    if has_tls and str(notes.get(SSL_REDIRECT, "true")).lower() != "false":
        return f"the Ingress has TLS for {host} (ssl-redirect is on by default)"
    return None
