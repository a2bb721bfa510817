"""Backend Service: it exists in the route's namespace and exposes the port the route names.

An ExternalName Service is followed to the Service its name aliases, so the later hops check
the endpoints that really receive the traffic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import TraceContext, missing_inputs, not_checked
from ingressdoc.hops.cluster_dns import Alias, cluster_domain, resolve_alias
from ingressdoc.hops.model import BackendRef, Hop, HopId, status_from
from ingressdoc.k8s.objects import name, namespace, spec
from ingressdoc.k8s.ports import find_service_port, protocol_of
from ingressdoc.snapshot import ObjectRef

Obj = Mapping[str, Any]
INPUTS = ("Service",)
TITLE = "Service"
PROXY_PROTOCOL = "TCP"  # what an ingress controller speaks to its backends


@dataclass(frozen=True)
class ServiceFacts:
    service: Obj
    port: Mapping[str, Any] | None
    alias: Alias | None = None  # ExternalName only: where its name leads
    alias_port: Mapping[str, Any] | None = None  # the aliased Service's port it reaches

    @property
    def external_name(self) -> bool:
        return self.alias is not None

    @property
    def destination(self) -> ServiceFacts | None:
        """The Service whose endpoints receive the traffic: this one, the in-cluster Service
        its name aliases, or None when the name leads out of the cluster or nowhere."""
        if self.alias is None:
            return self
        if self.alias.service is None:
            return None
        return ServiceFacts(self.alias.service, self.alias_port)


def check(
    ctx: TraceContext,
    backend: BackendRef,
    route: ObjectRef | None,
    field: str | None = None,
    protocol: str | None = PROXY_PROTOCOL,
) -> tuple[Hop, ServiceFacts | None]:
    """`field` is the route's path to the backend (`spec.rules[0].http.paths[1].backend`), so
    findings on the route point at it; `protocol` is what the client speaks (None: any)."""
    note, gaps = missing_inputs(ctx.snapshot, INPUTS, backend.namespace)
    if note:
        return not_checked(HopId.SERVICE, TITLE, note, gaps), None
    svc = ctx.snapshot.get("Service", backend.namespace, backend.service)
    src = route or ObjectRef("Service", backend.namespace, backend.service)
    if svc is None:
        f = _not_found(ctx, backend, src, field)
        return Hop(HopId.SERVICE, TITLE, status_from((f,)), f"{backend.namespace}/"
                   f"{backend.service} missing", findings=(f,)), None
    if spec(svc).get("type") == "ExternalName":
        return _external_name(ctx, svc, backend, src, field)
    ref = ObjectRef.of(svc)
    found: list[Finding] = []
    s = spec(svc)
    port = find_service_port(svc, _wanted(backend), protocol)
    if port is None:
        found.append(_port_missing(svc, backend, src, field, protocol))
    if not s.get("selector"):
        found.append(finding("IDC407", ref, f"{ref} has no selector", field="spec.selector"))
    kind = "headless" if s.get("clusterIP") == "None" else str(s.get("type") or "ClusterIP")
    summary = f"{ref} ({kind}) port {backend.port_label}" + (
        f" -> targetPort {port.get('targetPort', port.get('port'))}" if port else " missing")
    return Hop(HopId.SERVICE, TITLE, status_from(tuple(found)), summary, objects=(ref,),
               findings=tuple(found)), ServiceFacts(svc, port)


def _at(field: str | None, leaf: str) -> str | None:
    return f"{field}.{leaf}" if field else None


def _wanted(backend: BackendRef) -> dict[str, Any]:
    if backend.port_number is not None:
        return {"number": backend.port_number}
    return {"name": backend.port_name}


def _not_found(ctx: TraceContext, backend: BackendRef, src: ObjectRef,
               field: str | None) -> Finding:
    elsewhere = sorted(str(namespace(s)) for s in ctx.snapshot.list("Service")
                       if name(s) == backend.service)
    hint = None
    if elsewhere:
        hint = (f"A Service {backend.service} exists in {', '.join(elsewhere)}; backends "
                f"must be in namespace {backend.namespace}: add an ExternalName Service "
                "there or move the Ingress.")
    return finding("IDC401", src,
                   f"service {backend.service} not found in namespace {backend.namespace}",
                   field=_at(field, "service.name"), hint=hint)


def _port_missing(svc: Obj, backend: BackendRef, src: ObjectRef, field: str | None,
                  protocol: str | None) -> Finding:
    ports = spec(svc).get("ports") or []
    have = ", ".join(f"{p.get('name') or '<unnamed>'}:{p.get('port')}/{protocol_of(p)}"
                     for p in ports) or "none"
    message = f"service {name(svc)} has no port {backend.port_label} (ports: {have})"
    other = find_service_port(svc, _wanted(backend))
    if protocol and other is not None:
        message += (f"; port {backend.port_label} is {protocol_of(other)}, and Ingress traffic "
                    f"is {protocol}, so the backend port is not found for {protocol}")
    elif backend.port_name and any(not p.get("name") for p in ports):
        message += "; an unnamed port never matches a port name"
    return finding("IDC402", src, message, field=_at(field, "service.port") or "spec.ports")


def _external_name(ctx: TraceContext, svc: Obj, backend: BackendRef, src: ObjectRef,
                   field: str | None) -> tuple[Hop, ServiceFacts]:
    """IDC403, the port the name is dialled on (a port name maps through the ExternalName's
    own ports, as ingress-nginx does), and that port on the Service the name aliases."""
    ref = ObjectRef.of(svc)
    alias = resolve_alias(ctx.snapshot, svc, cluster_domain(ctx.snapshot))
    found = [finding("IDC403", ref, f"{name(svc)} aliases {spec(svc).get('externalName')}",
                     field="spec.externalName")]
    own = find_service_port(svc, _wanted(backend)) if backend.port_name is not None else None
    if backend.port_name is not None and own is None:
        found.append(_port_missing(svc, backend, src, field, None))
    number = own.get("port") if own is not None else backend.port_number
    alias_port = None
    summary = f"{ref} is ExternalName -> {spec(svc).get('externalName')}"
    if alias.service is not None and number is not None:
        alias_port = find_service_port(alias.service, {"number": number}, PROXY_PROTOCOL)
        aliased = ObjectRef.of(alias.service)
        summary += f" (Service {aliased.namespace}/{aliased.name} port {number})"
        if alias_port is None:
            found.append(_alias_port_missing(svc, alias.service, number, own, src, field))
    return (Hop(HopId.SERVICE, TITLE, status_from(tuple(found)), summary, objects=(ref,),
                findings=tuple(found)),
            ServiceFacts(svc, own, alias, alias_port))


def _alias_port_missing(svc: Obj, aliased: Obj, number: int, own: Mapping[str, Any] | None,
                        src: ObjectRef, field: str | None) -> Finding:
    """By number the backend is what to change; by name, the ExternalName's port it maps to."""
    target = ObjectRef.of(aliased)
    ports = ", ".join(str(p.get("port")) for p in spec(aliased).get("ports") or []) or "none"
    message = (f"backend port {number} is not a port of the aliased Service "
               f"{target.namespace}/{target.name} (ports: {ports})")
    if own is None:
        return finding("IDC405", src, message, field=_at(field, "service.port"),
                       hint=f"Use a port of {target.namespace}/{target.name} ({ports}) in "
                       "the backend.")
    index = list(spec(svc).get("ports") or []).index(own)
    return finding(
        "IDC405", ObjectRef.of(svc),
        f"backend port {own.get('name')} of {name(svc)} is {number}; " + message,
        field=f"spec.ports[{index}].port",
        hint=f"Set port {own.get('name')} of {name(svc)} to a port of "
             f"{target.namespace}/{target.name} ({ports}).")
