"""Port resolution: Service port lookups and named targetPorts resolved per pod.

A named targetPort resolves per pod by name AND protocol (kube-proxy and the EndpointSlice
controller do this); pods of one Service may resolve the same name to different numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Obj = Mapping[str, Any]


def is_number(text: str) -> bool:
    """ASCII digits only, as Kubernetes spells port numbers: `str.isdigit` also accepts
    superscripts ("²", which `int` then refuses) and `int` reads other scripts' digits."""
    return text.isascii() and text.isdigit()


def protocol_of(port: Mapping[str, Any]) -> str:
    return str(port.get("protocol") or "TCP")


def container_ports(pod: Obj) -> list[Mapping[str, Any]]:
    """All declared container ports of a pod (init containers with restartPolicy Always too)."""
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or [])
    containers += [
        c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"
    ]
    return [p for c in containers for p in c.get("ports") or []]


def resolve_target_port(pod: Obj, target: int | str, protocol: str = "TCP") -> int | None:
    """The pod port a Service targetPort reaches on this pod, or None for an unknown name."""
    number = _number(target)
    return number if number is not None else resolve_in(container_ports(pod), target, protocol)


def _number(target: int | str) -> int | None:
    """A targetPort given as a number (int or digits), which needs no container port."""
    if isinstance(target, int):
        return target
    return int(target) if is_number(target) else None


def resolve_in(ports: Sequence[Mapping[str, Any]], target: int | str,
               protocol: str = "TCP") -> int | None:
    """`resolve_target_port` over a pod's `container_ports`, for callers resolving several
    ports of one pod (a Service's targetPort and its probes' ports)."""
    number = _number(target)
    if number is not None:
        return number
    for port in ports:
        if port.get("name") == target and protocol_of(port) == protocol and isinstance(
                port.get("containerPort"), int):
            return int(port["containerPort"])
    return None


def find_service_port(
    service: Obj, port: Mapping[str, Any], protocol: str | None = None
) -> Mapping[str, Any] | None:
    """The Service port an Ingress backend (`{number: N}` or `{name: X}`) refers to.

    A backend by name matches only a port with that exact name: an unnamed single port does
    not match any name (the empty-name pitfall several linters fall into). `protocol` keeps
    only ports of that protocol: a proxy speaks TCP, so a UDP port 53 is no backend port 53.
    """
    ports = [p for p in (service.get("spec") or {}).get("ports") or []
             if protocol is None or protocol_of(p) == protocol]
    if "number" in port and port["number"] is not None:
        return next((p for p in ports if p.get("port") == port["number"]), None)
    name = port.get("name")
    if name:
        return next((p for p in ports if p.get("name") == name), None)
    return None


def target_port_of(service_port: Mapping[str, Any]) -> int | str:
    """A Service port's targetPort, defaulting to `port` as the API server does."""
    target = service_port.get("targetPort")
    return target if target not in (None, "", 0) else int(service_port.get("port", 0))
