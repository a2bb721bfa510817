"""Gateway listeners, the listener a request reaches, and route attachment (parentRefs).

Attachment follows `CommonRouteSpec.parentRefs` and `Listener.allowedRoutes`: a parentRef's
`sectionName`/`port` narrow the listeners, `allowedRoutes` (namespaces From Same/All/Selector,
kinds) admits the route, and at least one route hostname must intersect the listener's. The
reasons are the spec's `Accepted=False` reasons, so a computed answer compares with status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ingressdoc.k8s.gateway.hostnames import effective_hostnames, host_matches, listener_rank
from ingressdoc.k8s.objects import name, namespace, spec
from ingressdoc.k8s.selectors import selector_matches

Obj = Mapping[str, Any]
GROUP = "gateway.networking.k8s.io"
# Route kinds a listener admits when allowedRoutes.kinds is empty (by protocol).
PROTOCOL_KINDS: Mapping[str, tuple[str, ...]] = {
    "HTTP": ("HTTPRoute", "GRPCRoute"),
    "HTTPS": ("HTTPRoute", "GRPCRoute"),
    "TLS": ("TLSRoute",),
    "TCP": ("TCPRoute",),
    "UDP": ("UDPRoute",),
}
_SCHEME_PROTOCOL = {"http": "HTTP", "https": "HTTPS"}


@dataclass(frozen=True)
class Listener:
    gateway_namespace: str
    gateway_name: str
    index: int
    name: str
    port: int
    protocol: str
    hostname: str | None
    tls_mode: str | None
    certificate_refs: tuple[Mapping[str, Any], ...]
    allowed_from: str
    selector: Mapping[str, Any] | None
    kinds: tuple[str, ...]

    @property
    def field(self) -> str:
        return f"spec.listeners[{self.index}]"


def listeners_of(gateway: Obj) -> tuple[Listener, ...]:
    """The Gateway's listeners with the API server's defaults applied."""
    out = []
    for i, raw in enumerate(spec(gateway).get("listeners") or []):
        allowed = raw.get("allowedRoutes") or {}
        ns = allowed.get("namespaces") or {}
        protocol = str(raw.get("protocol") or "")
        kinds = tuple(str(k.get("kind")) for k in allowed.get("kinds") or []
                      if (k.get("group") or GROUP) == GROUP) if allowed.get("kinds") else (
            PROTOCOL_KINDS.get(protocol, ()))
        tls = raw.get("tls")
        out.append(Listener(
            str(namespace(gateway)), name(gateway), i, str(raw.get("name") or ""),
            int(raw.get("port") or 0), protocol, (raw.get("hostname") or None),
            (tls.get("mode") or "Terminate") if tls is not None else None,
            tuple((tls or {}).get("certificateRefs") or ()),
            str(ns.get("from") or "Same"), ns.get("selector"), kinds))
    return tuple(out)


def conflicted(listeners: Sequence[Listener]) -> dict[str, str]:
    """Listener name -> Conflicted reason for listeners that are not distinct: the same
    protocol, port and hostname, or any listener sharing a port with a TCP one."""
    out: dict[str, str] = {}
    seen: dict[tuple[str, int, str | None], list[Listener]] = {}
    for lst in listeners:
        seen.setdefault((lst.protocol, lst.port, lst.hostname), []).append(lst)
    for group in seen.values():
        if len(group) > 1:
            out.update({lst.name: "HostnameConflict" for lst in group})
    tcp_ports = {lst.port for lst in listeners if lst.protocol == "TCP"}
    for lst in listeners:
        if lst.port in tcp_ports and lst.protocol in ("HTTP", "HTTPS", "TLS"):
            out[lst.name] = "ProtocolConflict"
            out.update({t.name: "ProtocolConflict" for t in listeners
                        if t.protocol == "TCP" and t.port == lst.port})
    return out


def reached_listeners(listeners: Sequence[Listener], host: str, ports: Sequence[int] | None,
                      scheme: str) -> list[Listener]:
    """Listeners a request can reach, most specific hostname first: a port it arrives on
    (`ports` None: any), the protocol its scheme speaks, a hostname matching its Host (SNI
    for HTTPS)."""
    protocol = _SCHEME_PROTOCOL.get(scheme, "HTTP")
    fits = [lst for lst in listeners if (ports is None or lst.port in ports)
            and lst.protocol == protocol
            and host_matches(lst.hostname, host)]
    return sorted(fits, key=lambda lst: listener_rank(lst.hostname), reverse=True)


@dataclass(frozen=True)
class ParentRef:
    index: int
    group: str
    kind: str
    namespace: str
    name: str
    section_name: str | None
    port: int | None

    @property
    def field(self) -> str:
        return f"spec.parentRefs[{self.index}]"


def parent_refs(route: Obj) -> tuple[ParentRef, ...]:
    route_ns = str(namespace(route))
    return tuple(ParentRef(
        i, str(p.get("group") or GROUP), str(p.get("kind") or "Gateway"),
        str(p.get("namespace") or route_ns), str(p.get("name") or ""),
        p.get("sectionName") or None, int(p["port"]) if p.get("port") else None)
        for i, p in enumerate(spec(route).get("parentRefs") or []))


@dataclass(frozen=True)
class Attachment:
    """One parentRef's outcome: Accepted with the listeners the route is programmed on,
    or not with the spec's reason. `assumed` says what could not be checked."""

    parent: ParentRef
    accepted: bool
    reason: str
    message: str
    listeners: tuple[Listener, ...] = ()
    assumed: tuple[str, ...] = field(default=())


def _namespace_allowed(lst: Listener, route_ns: str,
                       namespace_labels: Mapping[str, Mapping[str, str]] | None
                       ) -> tuple[bool, str | None]:
    if lst.allowed_from == "All":
        return True, None
    if lst.allowed_from == "Same":
        return route_ns == lst.gateway_namespace, None
    if lst.allowed_from == "Selector":
        if namespace_labels is None:
            return True, f"namespace selector of listener {lst.name} (Namespaces not read)"
        labels = namespace_labels.get(route_ns, {"kubernetes.io/metadata.name": route_ns})
        return selector_matches(lst.selector or {}, labels), None
    return False, None  # "None" (ListenerSet) or an unknown value


def attach(route: Obj, parent: ParentRef, gateway: Obj,
           namespace_labels: Mapping[str, Mapping[str, str]] | None = None) -> Attachment:
    """Whether `route` attaches to `gateway` through `parent`, and on which listeners."""
    route_ns, kind = str(namespace(route)), str(route.get("kind") or "HTTPRoute")
    listeners = [lst for lst in listeners_of(gateway)
                 if (parent.section_name is None or lst.name == parent.section_name)
                 and (parent.port is None or lst.port == parent.port)]
    if not listeners:
        what = " ".join(x for x in (
            f"sectionName {parent.section_name}" if parent.section_name else "",
            f"port {parent.port}" if parent.port else "") if x) or "listeners"
        return Attachment(parent, False, "NoMatchingParent",
                          f"Gateway {parent.namespace}/{parent.name} has no listener with {what}")
    assumed: list[str] = []
    allowed = []
    for lst in listeners:
        ok, note = _namespace_allowed(lst, route_ns, namespace_labels)
        if note:
            assumed.append(note)
        if ok and kind in lst.kinds:
            allowed.append(lst)
    if not allowed:
        return Attachment(parent, False, "NotAllowedByListeners", _not_allowed(
            listeners, route_ns, kind), assumed=tuple(assumed))
    hosts = [str(h) for h in spec(route).get("hostnames") or []]
    fitting = tuple(lst for lst in allowed if not hosts or effective_hostnames(
        lst.hostname, hosts))
    if not fitting:
        return Attachment(parent, False, "NoMatchingListenerHostname",
                          f"no route hostname ({', '.join(hosts)}) intersects listener "
                          "hostnames " + ", ".join(lst.hostname or "<any>" for lst in allowed),
                          assumed=tuple(assumed))
    return Attachment(parent, True, "Accepted", "accepted on listeners "
                      + ", ".join(lst.name for lst in fitting), fitting, tuple(assumed))


def _not_allowed(listeners: Sequence[Listener], route_ns: str, kind: str) -> str:
    lst = listeners[0]
    if kind not in lst.kinds:
        return f"listener {lst.name} admits kinds {', '.join(lst.kinds) or 'none'}, not {kind}"
    return (f"listener {lst.name} admits routes from namespaces {lst.allowed_from}"
            f" (Gateway namespace {lst.gateway_namespace}); the route is in {route_ns}")
