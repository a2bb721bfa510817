"""How the controller talks to the backend: the protocol it speaks against what the port serves.

ingress-nginx speaks what `nginx.ingress.kubernetes.io/backend-protocol` says (HTTP when
unset; HTTPS, GRPC, GRPCS, AUTO_HTTP, FCGI) and ignores the port's name and appProtocol.
Traefik speaks what the Service's `traefik.ingress.kubernetes.io/service.serversscheme` says,
else HTTPS to a port named `https*` or numbered 443, else HTTP. What the port serves is read
from its `appProtocol`, else its name (`https`, `grpc`, `h2c`, `http`, with a `-suffix`); with
neither, nothing is known and nothing is said. The AWS Load Balancer Controller's
`alb.ingress.kubernetes.io/target-type: instance` (its default) sends traffic to NodePorts, so
the Service must be NodePort or LoadBalancer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.k8s.objects import annotations_of, spec
from ingressdoc.snapshot import ObjectRef

Obj = Mapping[str, Any]
NGINX_BACKEND_PROTOCOL = "nginx.ingress.kubernetes.io/backend-protocol"
TRAEFIK_SCHEME = "traefik.ingress.kubernetes.io/service.serversscheme"
AWS_TARGET_TYPE = "alb.ingress.kubernetes.io/target-type"
AWS_CONTROLLER = "ingress.k8s.aws/alb"
_NGINX = {"HTTP": "http", "HTTPS": "https", "GRPC": "grpc", "GRPCS": "grpcs",
          "AUTO_HTTP": "http", "FCGI": "fcgi"}
_APP_PROTOCOL = {"http": "http", "https": "https", "kubernetes.io/h2c": "grpc", "h2c": "grpc",
                 "grpc": "grpc", "grpcs": "grpcs", "kubernetes.io/ws": "http",
                 "kubernetes.io/wss": "https"}


def served(port: Mapping[str, Any]) -> str | None:
    """What the port serves, by appProtocol, else by its name; None when neither says."""
    app = str(port.get("appProtocol") or "").lower()
    if app:
        return _APP_PROTOCOL.get(app)
    name = str(port.get("name") or "").lower()
    prefix = name.split("-", 1)[0]
    return {"http": "http", "https": "https", "grpc": "grpc", "h2c": "grpc",
            "grpcs": "grpcs"}.get(prefix)


def _gateway_spoken(profile: str, route_kind: str, port: Mapping[str, Any]) -> str | None:
    """Through a Gateway API route: implementations honour the port's appProtocol (GEP-1911),
    so only Traefik v3.6's own defaults are known: gRPC as h2c (https for appProtocol https),
    and for an HTTPRoute without appProtocol HTTPS to a port named `https*` or numbered 443,
    else HTTP (`getGRPCServiceProtocol`, `getHTTPServiceProtocol`)."""
    if profile != "traefik":
        return None
    app = str(port.get("appProtocol") or "").lower()
    if route_kind == "GRPCRoute":
        return "https" if app == "https" else "grpc"
    if app:
        return {"kubernetes.io/h2c": "grpc", "http": "http", "kubernetes.io/ws": "http",
                "https": "https", "kubernetes.io/wss": "https"}.get(app)
    named_tls = str(port.get("name") or "").lower().startswith("https")
    return "https" if named_tls or port.get("port") == 443 else "http"


def spoken(profile: str, ingress: Obj | None, svc: Obj, port: Mapping[str, Any]) -> str | None:
    """What the controller speaks to the port; `ingress` is the route object (an Ingress,
    or an HTTPRoute/GRPCRoute of a Gateway)."""
    kind = str((ingress or {}).get("kind") or "Ingress")
    if kind in ("HTTPRoute", "GRPCRoute"):
        return _gateway_spoken(profile, kind, port)
    if profile == "ingress-nginx":
        value = str(annotations_of(ingress or {}).get(NGINX_BACKEND_PROTOCOL) or "HTTP")
        return _NGINX.get(value.upper())
    if profile == "traefik":
        scheme = str(annotations_of(svc).get(TRAEFIK_SCHEME) or "").lower()
        if scheme:
            return {"h2c": "grpc"}.get(scheme, scheme)
        named_tls = str(port.get("name") or "").lower().startswith("https")
        return "https" if named_tls or port.get("port") == 443 else "http"
    return None


def _tls(protocol: str) -> bool:
    return protocol in ("https", "grpcs")


def check(profile: str, controller: str | None, ingress: Obj | None, svc: Obj,
          port: Mapping[str, Any] | None) -> list[Finding]:
    out = _target_type(controller, ingress, svc)
    if port is None:
        return out
    speaks, serves = spoken(profile, ingress, svc, port), served(port)
    if speaks is None or serves is None or speaks == serves or "fcgi" in (speaks, serves):
        return out
    where = ("the Ingress annotation " + NGINX_BACKEND_PROTOCOL if profile == "ingress-nginx"
             else f"the Service (annotation {TRAEFIK_SCHEME}, port name or number)")
    said = "appProtocol" if port.get("appProtocol") else "name"
    shown = port.get("name") or port.get("port")
    message = (f"the controller speaks {speaks.upper()} to port {shown} (from {where}), but "
               f"the port's {said} says it serves {serves.upper()}")
    ref = ObjectRef.of(ingress) if profile == "ingress-nginx" and ingress else ObjectRef.of(svc)
    field = (f"metadata.annotations.{NGINX_BACKEND_PROTOCOL}" if ref.kind == "Ingress"
             else "metadata.annotations")
    if _tls(speaks) and not _tls(serves):
        code = "IDC430"  # a TLS handshake against a plain port fails: 502
    elif _tls(serves) and not _tls(speaks):
        code = "IDC431"  # plain HTTP to a TLS port: the backend answers 400
    else:
        code = "IDC432"  # gRPC against HTTP/1 (or the reverse): 502
    return [*out, finding(code, ref, message, field=field)]


def _target_type(controller: str | None, ingress: Obj | None, svc: Obj) -> list[Finding]:
    if controller != AWS_CONTROLLER or ingress is None:
        return []
    target = str(annotations_of(ingress).get(AWS_TARGET_TYPE) or "instance")
    kind = str(spec(svc).get("type") or "ClusterIP")
    if target != "instance" or kind in ("NodePort", "LoadBalancer"):
        return []
    return [finding("IDC433", ObjectRef.of(ingress), f"{AWS_TARGET_TYPE} is {target}"
                    + (" (the default)" if AWS_TARGET_TYPE not in annotations_of(ingress) else "")
                    + f", which needs a NodePort or LoadBalancer Service; {ObjectRef.of(svc)} is "
                    f"{kind}", field=f"metadata.annotations.{AWS_TARGET_TYPE}")]
