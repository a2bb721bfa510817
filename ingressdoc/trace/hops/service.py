"""Backend Service: it exists in the route's namespace and exposes the port the route names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.k8s.objects import name, namespace, spec
from ingressdoc.k8s.ports import find_service_port
from ingressdoc.snapshot import ObjectRef
from ingressdoc.trace.hops.base import TraceContext, missing_inputs, not_checked
from ingressdoc.trace.model import BackendRef, Hop, status_from

Obj = Mapping[str, Any]
INPUTS = ("Service",)
TITLE = "Service"


@dataclass(frozen=True)
class ServiceFacts:
    service: Obj
    port: Mapping[str, Any] | None

    @property
    def external_name(self) -> bool:
        return spec(self.service).get("type") == "ExternalName"


def check(
    ctx: TraceContext, backend: BackendRef, route: ObjectRef | None
) -> tuple[Hop, ServiceFacts | None]:
    note, gaps = missing_inputs(ctx.snapshot, INPUTS)
    if note:
        return not_checked("service", TITLE, note, gaps), None
    svc = ctx.snapshot.get("Service", backend.namespace, backend.service)
    src = route or ObjectRef("Service", backend.namespace, backend.service)
    if svc is None:
        elsewhere = sorted(str(namespace(s)) for s in ctx.snapshot.list("Service")
                           if name(s) == backend.service)
        hint = None
        if elsewhere:
            hint = (f"A Service {backend.service} exists in {', '.join(elsewhere)}; backends "
                    f"must be in namespace {backend.namespace}: add an ExternalName Service "
                    "there or move the Ingress.")
        f = finding("IDC401", src,
                    f"service {backend.service} not found in namespace {backend.namespace}",
                    field="backend.service.name", hint=hint)
        return Hop("service", TITLE, status_from((f,)), f"{backend.namespace}/"
                   f"{backend.service} missing", findings=(f,)), None
    ref = ObjectRef.of(svc)
    found: list[Finding] = []
    s = spec(svc)
    if s.get("type") == "ExternalName":
        found.extend(_external_name(ctx, svc, backend))
        summary = f"{ref} is ExternalName -> {s.get('externalName')}"
        return Hop("service", TITLE, status_from(tuple(found)), summary, objects=(ref,),
                   findings=tuple(found)), ServiceFacts(svc, None)
    port = find_service_port(svc, {"number": backend.port_number, "name": backend.port_name}
                             if backend.port_number is not None else {"name": backend.port_name})
    if port is None:
        found.append(_port_missing(svc, backend, src))
    if not s.get("selector"):
        found.append(finding("IDC407", ref, f"{ref} has no selector", field="spec.selector"))
    kind = "headless" if s.get("clusterIP") == "None" else str(s.get("type") or "ClusterIP")
    summary = f"{ref} ({kind}) port {backend.port_label}" + (
        f" -> targetPort {port.get('targetPort', port.get('port'))}" if port else " missing")
    return Hop("service", TITLE, status_from(tuple(found)), summary, objects=(ref,),
               findings=tuple(found)), ServiceFacts(svc, port)


def _port_missing(svc: Obj, backend: BackendRef, src: ObjectRef) -> Finding:
    ports = spec(svc).get("ports") or []
    have = ", ".join(f"{p.get('name') or '<unnamed>'}:{p.get('port')}" for p in ports) or "none"
    message = f"service {name(svc)} has no port {backend.port_label} (ports: {have})"
    if backend.port_name and any(not p.get("name") for p in ports):
        message += "; an unnamed port never matches a port name"
    return finding("IDC402", src, message, field="backend.service.port")


def _external_name(ctx: TraceContext, svc: Obj, backend: BackendRef) -> list[Finding]:
    target = str(spec(svc).get("externalName") or "")
    out = [finding("IDC403", ObjectRef.of(svc), f"{name(svc)} aliases {target}",
                   field="spec.externalName")]
    parts = target.rstrip(".").split(".")
    if len(parts) >= 3 and parts[2] == "svc":
        aliased = ctx.snapshot.get("Service", parts[1], parts[0])
        if aliased is not None and backend.port_number is not None and find_service_port(
            aliased, {"number": backend.port_number}
        ) is None:
            ports = ", ".join(str(p.get("port")) for p in spec(aliased).get("ports") or [])
            out.append(finding(
                "IDC405", ObjectRef.of(svc),
                f"backend port {backend.port_number} is not a port of the aliased Service "
                f"{parts[1]}/{parts[0]} (ports: {ports})",
                field="backend.service.port",
            ))
    return out
