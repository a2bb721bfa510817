"""Where TLS ends when not at the controller with an Ingress Secret, and the redirect loop
that follows when the controller then sees plain HTTP.

- A load balancer in front of the controller terminates TLS when its Service carries a cloud
  certificate annotation (controller_settings.LB_TLS_ANNOTATIONS); the port list annotation,
  when present, says which Service ports.
- A controller that runs its own load balancer (the AWS Load Balancer Controller's ALB) ends
  TLS there, as its profile says (`Profile.load_balancer_tls`).
- ingress-nginx passes TLS through to the backend for `ssl-passthrough: "true"` when it runs
  with --enable-ssl-passthrough (Traefik's ingress-nginx provider reads the annotation too).

ingress-nginx redirects plain HTTP to HTTPS (308) when `force-ssl-redirect`, or when
`ssl-redirect` (default true) and the host has a TLS entry; it judges the scheme by the
connection unless `use-forwarded-headers` makes it trust X-Forwarded-Proto
(etc/nginx/template/nginx.tmpl `$pass_access_scheme`, controller-v1.15.1). Traefik redirects
by entry point (`entrypoints.<name>.http.redirections.entrypoint.to`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.controller_config import PASSTHROUGH
from ingressdoc.hops.model import ControllerFacts
from ingressdoc.k8s.controller_settings import (
    LB_TLS_ANNOTATIONS,
    REDIRECT_FLAG,
)
from ingressdoc.k8s.https_redirect import https_redirect
from ingressdoc.k8s.objects import annotations_of, is_true, spec
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class Termination:
    """TLS ends `where`, said by `why` on `obj`; `plain_to_controller`: the controller then
    receives the request as plain HTTP on the port it serves HTTP on."""

    where: str
    why: str
    obj: ObjectRef
    plain_to_controller: bool = False


def _tls_ports(svc: Obj, ports_key: str | None) -> list[Mapping[str, Any]]:
    """The Service ports the load balancer terminates TLS on (all, without a port list)."""
    ports = list(spec(svc).get("ports") or [])
    listed = str(annotations_of(svc).get(ports_key, "*")) if ports_key else "*"
    wanted = {p.strip() for p in listed.split(",")}
    if "*" in wanted:
        return ports
    return [p for p in ports if str(p.get("port")) in wanted or str(p.get("name")) in wanted]


def _load_balancer(snap: Snapshot, facts: ControllerFacts) -> Termination | None:
    for svc in snap.services_selecting(facts.pods):
        if spec(svc).get("type") != "LoadBalancer":
            continue
        anns = annotations_of(svc)
        for cert_key, ports_key, cloud in LB_TLS_ANNOTATIONS:
            if cert_key not in anns:
                continue
            tls = _tls_ports(svc, ports_key)
            if not tls:
                continue
            plain = {str(p.get("targetPort", p.get("port"))) for p in spec(svc).get("ports") or []
                     if p not in tls}
            to_plain = any(str(p.get("targetPort", p.get("port"))) in plain for p in tls)
            return Termination("the load balancer", f"{cloud} annotation {cert_key}",
                               ObjectRef.of(svc), to_plain)
    return None


def termination(snap: Snapshot, facts: ControllerFacts, route: Obj | None) -> Termination | None:
    own = facts.profile.load_balancer_tls(route) if route is not None else None
    if route is not None and own is not None and own.listens:
        return Termination(own.where, own.why, ObjectRef.of(route))
    applied = facts.applied
    config = applied.config
    if route is not None and is_true(annotations_of(route).get(PASSTHROUGH)) and (
            applied.emulates_nginx or (config is not None and config.models(
                "enable-ssl-passthrough") and config.enabled("enable-ssl-passthrough"))):
        return Termination("the backend (ssl-passthrough)", "annotation ssl-passthrough",
                           ObjectRef.of(route))
    return _load_balancer(snap, facts)


def alb_without_https(facts: ControllerFacts, route: Obj | None) -> Finding | None:
    own = facts.profile.load_balancer_tls(route) if route is not None else None
    if route is None or own is None or own.listens:
        return None
    return finding("IDC396", ObjectRef.of(route), f"{own.where} has no HTTPS listener: {own.why}",
                   field="metadata.annotations")


def redirect_loop(facts: ControllerFacts, ends: Termination | None, route: Obj | None,
                  host: str) -> Finding | None:
    """IDC391 when TLS ends at a load balancer that hands plain HTTP to the controller and
    the controller redirects plain HTTP to HTTPS without trusting X-Forwarded-Proto."""
    config = facts.applied.config
    if ends is None or not ends.plain_to_controller or config is None or route is None:
        return None
    redirect = _redirects(facts, route, host)
    if redirect is None:
        return None
    return finding("IDC391", ends.obj,
                   f"TLS ends at {ends.where} ({ends.why}), which forwards plain HTTP to the "
                   f"controller; the controller redirects it to HTTPS ({redirect}), so the "
                   "client loops", field="metadata.annotations")


def _redirects(facts: ControllerFacts, route: Obj, host: str) -> str | None:
    config = facts.applied.config
    if config is None:
        return None
    if facts.applied.reads_nginx_annotations:
        trust = (config.setting("use-forwarded-headers")
                 if config.models("use-forwarded-headers") else None)
        if trust is not None and is_true(trust.value):
            return None
        why = https_redirect(route, host, config)
        if why is None or trust is None:
            return why
        return f"{why}; use-forwarded-headers {trust.value} ({trust.source})"
    head, _, tail = REDIRECT_FLAG.partition("<name>")
    redirects = sorted(k for k in config.flags if k.startswith(head) and k.endswith(tail))
    return redirects[0] if redirects else None

