"""How the controller talks to the backend: the protocol it speaks against what the port serves.

What the controller speaks, and where it takes it from, is its profile's (`Profile.spoken`:
ingress-nginx's backend-protocol annotation, Traefik's Service serversscheme annotation or
port). What the port serves is read
from its `appProtocol`, else the name the selected pods give the container port it targets,
else its own name (`https`, `grpc`, `h2c`, `http`, with a `-suffix`); with none of these,
nothing is known and nothing is said. The AWS Load Balancer Controller's
`alb.ingress.kubernetes.io/target-type: instance` (its default) sends traffic to NodePorts, so
the Service must be NodePort or LoadBalancer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.k8s.objects import annotations_of, spec
from ingressdoc.k8s.ports import container_ports, resolve_target_port, target_port_of
from ingressdoc.k8s.profiles import Profile
from ingressdoc.snapshot import ObjectRef

Obj = Mapping[str, Any]
AWS_TARGET_TYPE = "alb.ingress.kubernetes.io/target-type"
AWS_CONTROLLER = "ingress.k8s.aws/alb"
_APP_PROTOCOL = {"http": "http", "https": "https", "kubernetes.io/h2c": "grpc", "h2c": "grpc",
                 "grpc": "grpc", "grpcs": "grpcs", "kubernetes.io/ws": "http",
                 "kubernetes.io/wss": "https"}


def served(port: Mapping[str, Any]) -> str | None:
    """What the port serves, by appProtocol, else by its name; None when neither says."""
    app = str(port.get("appProtocol") or "").lower()
    if app:
        return _APP_PROTOCOL.get(app)
    return _by_name(port.get("name"))


def _by_name(name: object) -> str | None:
    prefix = str(name or "").lower().split("-", 1)[0]
    return {"http": "http", "https": "https", "grpc": "grpc", "h2c": "grpc",
            "grpcs": "grpcs"}.get(prefix)


def _container_port_name(pods: Sequence[Obj], port: Mapping[str, Any]) -> str | None:
    """The name the selected pods give the container port the Service port targets, when
    they agree on one: the app's own word on what it serves."""
    protocol = str(port.get("protocol") or "TCP")
    names = set()
    for pod in pods:
        number = resolve_target_port(pod, target_port_of(port), protocol)
        names |= {str(cp.get("name") or "") for cp in container_ports(pod)
                  if number is not None and cp.get("containerPort") == number
                  and str(cp.get("protocol") or "TCP") == protocol}
    return names.pop() if len(names) == 1 else None


def _tls(protocol: str) -> bool:
    return protocol in ("https", "grpcs")


def check(profile: Profile, controller: str | None, ingress: Obj | None, svc: Obj,
          port: Mapping[str, Any] | None, pods: Sequence[Obj] = ()) -> list[Finding]:
    """`pods`: the Service's selected pods; the name of the container port they serve on
    says more than the Service port's name, which a controller may read to pick its
    protocol (Traefik's https prefix)."""
    out = _target_type(controller, ingress, svc)
    if port is None:
        return out
    kind = str((ingress or {}).get("kind") or "Ingress")
    said_by = (profile.gateway_spoken(kind, port) if kind in ("HTTPRoute", "GRPCRoute")
               else profile.spoken(ingress, svc, port))
    container_name = None if port.get("appProtocol") else _container_port_name(pods, port)
    by_container = _by_name(container_name)
    serves = by_container or served(port)
    if said_by is None or serves is None or said_by.protocol == serves or (
            "fcgi" in (said_by.protocol, serves)):
        return out
    speaks = said_by.protocol
    said = ("the port's appProtocol says it" if port.get("appProtocol")
            else f"the pods name the container port {container_name}: it" if by_container
            else "the port's name says it")
    shown = port.get("name") or port.get("port")
    message = (f"the controller speaks {speaks.upper()} to port {shown} (from "
               f"{said_by.source}), but {said} serves {serves.upper()}")
    on_ingress = ingress is not None and said_by.annotation is not None
    ref = ObjectRef.of(ingress) if ingress is not None and on_ingress else ObjectRef.of(svc)
    field = (f"metadata.annotations.{said_by.annotation}" if on_ingress
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
