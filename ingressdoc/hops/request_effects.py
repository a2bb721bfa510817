"""What the controller does to the request on the chosen route: rewrites, the Host header,
redirects it answers itself, and source allowlists judged on the address it really sees.

The annotations count only where the serving controller reads them: ingress-nginx, or
Traefik's ingress-nginx provider in a version that implements them (controller_settings);
Traefik's own Ingress provider applies the Middlewares the route references.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import TraceContext
from ingressdoc.hops.controller_config import middleware_objects
from ingressdoc.hops.model import ControllerFacts
from ingressdoc.hops.routing import RouteOutcome
from ingressdoc.k8s.canary import split
from ingressdoc.k8s.controller_settings import NGINX, NGINX_PREFIX, TRAEFIK, traefik_nginx_supports
from ingressdoc.k8s.ingress_match import normalise_host
from ingressdoc.k8s.objects import annotations_of, name, namespace, spec
from ingressdoc.k8s.request_effects import nginx_rewrite, strip_prefix
from ingressdoc.snapshot import ObjectRef

Obj = Mapping[str, Any]
_PATH_FIELD = re.compile(r"spec\.rules\[(\d+)\]\.http\.paths\[(\d+)\]")
_ALLOWLISTS = ("allowlist-source-range", "whitelist-source-range")


def _path_of(route: RouteOutcome) -> str | None:
    match = _PATH_FIELD.match(route.backend_field or "")
    if route.route_object is None or match is None:
        return None
    rule = (spec(route.route_object).get("rules") or [])[int(match.group(1))]
    return str(((rule.get("http") or {}).get("paths") or [])[int(match.group(2))].get("path")
               or "/")


def check(ctx: TraceContext, facts: ControllerFacts, route: RouteOutcome) -> list[Finding]:
    ing = route.route_object
    config = facts.applied.config
    if ing is None or config is None:
        return []
    if facts.applied.reads_nginx_annotations:
        def honoured(annotation: str) -> str | None:
            key = NGINX_PREFIX + annotation
            if config.product == NGINX or traefik_nginx_supports(key, config.version):
                return annotations_of(ing).get(key)
            return None
        return _nginx(ctx, facts, route, honoured)
    return _external_name_refused(ctx, facts, route) + _traefik(ctx, route)


def _external_name_refused(ctx: TraceContext, facts: ControllerFacts,
                           route: RouteOutcome) -> list[Finding]:
    """Traefik's Ingress provider skips a path whose Service is ExternalName unless
    allowExternalNameServices (`loadService`, v3.6.24): the route does not exist."""
    config, backend = facts.applied.config, route.backend
    if config is None or config.product != TRAEFIK or backend is None or route.route is None:
        return []
    svc = ctx.snapshot.get("Service", backend.namespace, backend.service)
    key = "providers.kubernetesingress.allowexternalnameservices"
    if svc is None or spec(svc).get("type") != "ExternalName" or config.enabled(key):
        return []
    setting = config.setting(key)
    return [finding("IDC399", route.route,
                    f"Service {backend.namespace}/{backend.service} is ExternalName and "
                    f"{key} is {setting.value} ({setting.source}): Traefik does not create "
                    "this route", field=route.backend_field)]


def _received(host: str, path: str) -> str:
    """The method is the client's: neither rewrites nor StripPrefix change it."""
    return f"the backend receives Host: {host} path {path} (same method)"


def _nginx(ctx: TraceContext, facts: ControllerFacts, route: RouteOutcome,
           honoured: Any) -> list[Finding]:
    ing = route.route_object
    assert ing is not None
    ref = ObjectRef.of(ing)
    out: list[Finding] = []
    request_path = ctx.request.path.split("?", 1)[0]
    permanent = honoured("permanent-redirect")
    if permanent:
        code = honoured("permanent-redirect-code") or "301"
        return [finding("IDC394", ref, f"answered with {code} to {permanent} "
                        "(permanent-redirect)", field="metadata.annotations")]
    app_root = honoured("app-root")
    if app_root and request_path == "/":
        return [finding("IDC394", ref, f"answered with 302 to {app_root} (app-root)",
                        field="metadata.annotations")]
    host = honoured("upstream-vhost") or normalise_host(ctx.request.host)
    path = request_path
    target = honoured("rewrite-target")
    rule_path = _path_of(route)
    if target and rule_path is not None and target != rule_path:
        rewrite = nginx_rewrite(rule_path, target, request_path)
        if rewrite is not None:
            path = rewrite.path
            lost = rewrite.missing or (rewrite.groups == 0 and request_path.rstrip("/")
                                       not in (rule_path.rstrip("/"), ""))
            if lost:
                out.append(finding(
                    "IDC393", ref,
                    f"rewrite-target {target} on path {rule_path} "
                    + (f"names ${', $'.join(map(str, rewrite.missing))} beyond its "
                       f"{rewrite.groups} capture groups" if rewrite.missing
                       else "has no capture groups")
                    + f": {request_path} reaches the backend as {path}",
                    field="metadata.annotations"))
    if path != request_path or host != normalise_host(ctx.request.host):
        out.append(finding("IDC392", ref, _received(host, path),
                           field="metadata.annotations"))
    out.extend(_canary(facts, route, ref, rule_path))
    allow = next((v for v in (honoured(a) for a in _ALLOWLISTS) if v), None)
    if allow:
        out.extend(_allowlist(ctx, facts, ref, allow))
    return out


def _canary(facts: ControllerFacts, route: RouteOutcome, ref: ObjectRef,
            rule_path: str | None) -> list[Finding]:
    """The canary Ingresses merged into the chosen route (same host and path) and which
    requests they take (canary-by-header first, then canary-by-cookie, then the weight)."""
    ing = route.route_object
    match = _PATH_FIELD.match(route.backend_field or "")
    if ing is None or match is None or rule_path is None:
        return []
    host = str((spec(ing).get("rules") or [])[int(match.group(1))].get("host") or "")
    found = split(facts.applied.canaries, host, rule_path)
    if found is None:
        return []
    header = found.header
    rules = ([f"requests with header {header}: " + (
        found.header_value if found.header_value is not None else "always")]
        if header else []) + [f"{found.weight} of {found.total}{' other' if header else ''} "
                              "requests"]
    return [finding("IDC397", ObjectRef.of(found.canary),
                    f"canary of {ref}: {' and '.join(rules)} go to Service {found.service}",
                    field="metadata.annotations")]


def _traefik(ctx: TraceContext, route: RouteOutcome) -> list[Finding]:
    ing = route.route_object
    assert ing is not None
    path = ctx.request.path.split("?", 1)[0]
    changed: list[str] = []
    for mw in middleware_objects(ctx.snapshot, ing):
        body = spec(mw)
        if "stripPrefix" in body:
            stripped = strip_prefix(list((body["stripPrefix"] or {}).get("prefixes") or []), path)
            if stripped is not None:
                path = stripped
                changed.append(f"StripPrefix {namespace(mw)}/{name(mw)}")
        elif "replacePath" in body:
            path = str((body["replacePath"] or {}).get("path") or path)
            changed.append(f"ReplacePath {namespace(mw)}/{name(mw)}")
    if not changed:
        return []
    return [finding("IDC392", ObjectRef.of(ing),
                    _received(normalise_host(ctx.request.host), path)
                    + f" ({', '.join(changed)})",
                    field="metadata.annotations")]


def _allowlist(ctx: TraceContext, facts: ControllerFacts, ref: ObjectRef,
               ranges: str) -> list[Finding]:
    """Behind a Service with externalTrafficPolicy Cluster, kube-proxy SNATs the client to a
    node address; ingress-nginx then sees that address unless PROXY protocol or trusted
    forwarded headers carry the real one (use-proxy-protocol, use-forwarded-headers)."""
    config = facts.applied.config
    assert config is not None
    if config.product == NGINX and (config.enabled("use-proxy-protocol")
                                    or config.enabled("use-forwarded-headers")):
        return []
    services = [s for s in ctx.snapshot.services_selecting(facts.pods)
                if spec(s).get("type") in ("LoadBalancer", "NodePort")]
    snat = [s for s in services if spec(s).get("externalTrafficPolicy", "Cluster") != "Local"]
    if not snat:
        return []
    nets = []
    for item in ranges.split(","):
        try:
            nets.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue
    nodes = _node_ips(ctx.snapshot.list("Node"))
    admitted = [ip for ip in nodes if any(ip in n for n in nets)]
    svc = snat[0]
    effect = ("node addresses are inside it, so every client is admitted" if admitted
              else "node addresses are outside it, so every client is refused (403)")
    return [finding("IDC395", ref,
                    f"source allowlist {ranges} sees node addresses: Service "
                    f"{namespace(svc)}/{name(svc)} has externalTrafficPolicy Cluster and the "
                    f"controller reads no PROXY protocol or forwarded headers; {effect}",
                    field="metadata.annotations")]


def _node_ips(nodes: Sequence[Obj]) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    out = []
    for node in nodes:
        for addr in (node.get("status") or {}).get("addresses") or []:
            if addr.get("type") == "InternalIP":
                try:
                    out.append(ipaddress.ip_address(str(addr.get("address"))))
                except ValueError:
                    continue
    return out
