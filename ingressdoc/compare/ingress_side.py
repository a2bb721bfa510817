"""The Ingress side of `compare`: the trace engine's rule decision, plus what the named
controller adds on its own.

ingress-nginx (the controller most Ingresses were written for):
- `ssl-redirect` (default true): plain HTTP to a host its Ingress lists under `spec.tls`
  gets 308 to https; `force-ssl-redirect: "true"` does so without TLS too (the trace's own
  rule, `k8s/https_redirect.py`, with the ConfigMap's defaults where it was read).
- `permanent-redirect` (301, or `permanent-redirect-code`), `temporal-redirect` (302),
  `app-root` (302 for `/`).
- A Prefix path written with a trailing slash (`/foo/`): `/foo` gets nginx's 301 to `/foo/`.
- `rewrite-target`: the path the upstream receives is the location regex's substitution.
- HTTPS to a host no `spec.tls` entry covers is still served, with the default certificate.
- A canary Ingress for the same host and path takes `canary-weight` of the requests (these
  requests send no canary header or cookie).
- `backend-protocol`: the protocol spoken to the backend, compared with the Gateway side's
  (a GRPCRoute, the port's appProtocol, a BackendTLSPolicy).
- Many annotations (auth, allow-lists, rate limits, body size, snippets, CORS, canary by
  cookie...) have no Gateway API v1.4 standard equivalent: their behaviour is lost.
Traefik's Ingress provider does none of this (it ignores nginx annotations).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ingressdoc.compare.outcome import Outcome
from ingressdoc.findings import Finding
from ingressdoc.hops.model import HopId
from ingressdoc.k8s.canary import split
from ingressdoc.k8s.controller_config import ControllerConfig
from ingressdoc.k8s.https_redirect import https_redirect
from ingressdoc.k8s.ingress_match import host_matches
from ingressdoc.k8s.objects import annotations_of, namespace, spec
from ingressdoc.k8s.ports import find_service_port
from ingressdoc.k8s.profiles.ingress_nginx import INGRESS_NGINX, nginx_regex
from ingressdoc.request import Request
from ingressdoc.snapshot import ObjectRef, Snapshot
from ingressdoc.trace.engine import trace

Obj = Mapping[str, Any]
NGX = "nginx.ingress.kubernetes.io/"
# Annotations whose behaviour the Gateway API v1.4 standard channel cannot express.
NO_EQUIVALENT = (
    "auth-url", "auth-signin", "auth-type", "auth-secret", "whitelist-source-range",
    "allowlist-source-range", "denylist-source-range", "limit-rps", "limit-rpm",
    "limit-connections", "proxy-body-size", "configuration-snippet", "server-snippet",
    "enable-cors", "custom-http-errors", "server-alias", "affinity", "session-cookie-name",
    "canary-by-cookie", "canary-by-header-pattern", "proxy-read-timeout", "proxy-send-timeout",
    "proxy-connect-timeout", "mirror-target", "ssl-passthrough",
)


def _backend(snap: Snapshot, ns: str, svc: str, number: int | None, port_name: str | None
             ) -> str:
    """`ns/name:port` by Service port number (a backendRef's unit)."""
    if number is None and port_name:
        service = snap.get("Service", ns, svc)
        port = find_service_port(service, {"name": port_name}) if service else None
        number = int(port["port"]) if port else None
    return f"{ns}/{svc}:{number if number is not None else port_name}"


def _tls_covers(ing: Obj, host: str) -> bool:
    return any(host_matches(str(h), host) for t in spec(ing).get("tls") or []
               for h in t.get("hosts") or [])


def _redirect(ing: Obj, req: Request, nginx: bool,
              config: ControllerConfig | None) -> Outcome | None:
    notes = annotations_of(ing)
    if not nginx:
        return None
    ref = str(ObjectRef.of(ing))
    if notes.get(NGX + "permanent-redirect"):
        code = int(notes.get(NGX + "permanent-redirect-code") or 301)
        return Outcome("redirect", code, location=notes[NGX + "permanent-redirect"], by=ref)
    if notes.get(NGX + "temporal-redirect"):
        return Outcome("redirect", 302, location=notes[NGX + "temporal-redirect"], by=ref)
    if req.scheme == "http" and https_redirect(ing, req.host, config) is not None:
        return Outcome("redirect", 308, location=f"https://{req.host}{req.target}", by=ref)
    if notes.get(NGX + "app-root") and req.path == "/":
        return Outcome("redirect", 302, location=notes[NGX + "app-root"], by=ref)
    return None


def _answered(findings: Sequence[Finding], by: str) -> Outcome | None:
    """A redirect the trace found the controller answering with on its own (IDC394 with its
    status and Location, e.g. nginx's trailing-slash 301)."""
    f = next((f for f in findings if f.code == "IDC394" and "location" in f.params), None)
    if f is None:
        return None
    return Outcome("redirect", int(f.params["status"]), location=str(f.params["location"]),
                   by=by)


def _upstream(ing: Obj, rule_path: str | None, req: Request, nginx: bool) -> str | None:
    target = annotations_of(ing).get(NGX + "rewrite-target")
    if not nginx or target is None or rule_path is None:
        return None
    replacement = re.sub(r"\$(\d)", r"\\\1", target)
    try:
        return req.host + nginx_regex(rule_path).sub(replacement, req.path, count=1)
    except (re.error, IndexError):
        return None


def _lost(ing: Obj) -> tuple[str, ...]:
    notes = annotations_of(ing)
    return tuple(f"{NGX}{k}" for k in NO_EQUIVALENT if NGX + k in notes)


def outcome(snap: Snapshot, req: Request) -> Outcome:
    result = trace(snap, req)
    nginx = result.controller is not None and result.controller.profile is INGRESS_NGINX
    rule = next((h for h in result.hops if h.hop == HopId.RULE), None)
    if rule is None or not rule.objects:
        return Outcome("not-found", 404, tls=_tls(None, req, nginx))
    ref = rule.objects[0]
    ing = snap.get("Ingress", ref.namespace, ref.name) or {}
    row = next((r for r in rule.rows if r.get("match") == "serves"), {})
    config = result.controller.applied.config if result.controller is not None else None
    redirect = _redirect(ing, req, nginx, config) or _answered(result.findings, str(ref))
    if redirect is not None:
        return redirect
    lost = _lost(ing) if nginx else ()
    b = result.backend
    if b is None:
        return Outcome("error", 503, tls=_tls(ing, req, nginx), by=str(ref), lost=lost)
    path = row.get("path")
    primary = _backend(snap, b.namespace, b.service, b.port_number, b.port_name)
    host = str(row.get("host") or "")
    canary = split(result.controller.applied.canaries, "" if host.startswith("<") else host,
                   str(path)) if nginx and result.controller is not None and path else None
    backends: tuple[tuple[str, float], ...] = ((primary, 1.0),)
    if canary is not None and canary.share > 0:
        ref_port = canary.port
        other = _backend(snap, str(namespace(canary.canary)), canary.service,
                         int(ref_port["number"]) if ref_port.get("number") is not None else None,
                         str(ref_port["name"]) if ref_port.get("name") else None)
        backends = tuple((b_, s_) for b_, s_ in ((primary, 1.0 - canary.share),
                                                 (other, canary.share)) if s_ > 0)
    svc = snap.get("Service", b.namespace, b.service)
    port = find_service_port(svc, {"number": b.port_number} if b.port_number is not None
                             else {"name": b.port_name}) if svc is not None else None
    said = (result.controller.profile.spoken(ing, svc, port)
            if result.controller is not None and svc is not None and port is not None
            else None)
    return Outcome("forward", backends=backends,
                   upstream=_upstream(ing, path if path and path.startswith("/") else None,
                                      req, nginx),
                   tls=_tls(ing, req, nginx), by=str(ref), lost=lost,
                   protocol=said.protocol if said is not None else None)


def _tls(ing: Obj | None, req: Request, nginx: bool) -> str | None:
    """HTTPS: every controller answers TLS on 443; without a matching `spec.tls` entry it
    presents its default (self-signed) certificate."""
    if req.scheme != "https":
        return None
    return "ok" if ing is not None and _tls_covers(ing, req.host) else "fallback"
