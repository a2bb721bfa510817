"""GatewayClass, Gateway and listener: which Gateway takes the request, and whether it can.

A request reaches a Gateway on one of its addresses and ports. Implementations that run in
the cluster (Traefik) expose their listeners through a Service, so the request's port is
translated through that Service's targetPort to the container port the listener names. The
Gateway the request reaches is decided by DNS; offline the best-matching one is traced.
Status conditions are evidence when the objects come from a cluster: where they disagree
with what the spec computes, both are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import TraceContext, missing_inputs
from ingressdoc.hops.controller import pods_by_controller
from ingressdoc.hops.model import ControllerFacts, EntryAddress, Hop, HopId, status_from
from ingressdoc.hops.netpol import namespace_labels
from ingressdoc.hops.tls import TITLE as TLS_TITLE
from ingressdoc.hops.tls import secret_findings
from ingressdoc.k8s.controller_config import read_config
from ingressdoc.k8s.controllers import product_of
from ingressdoc.k8s.endpoints import pod_ready
from ingressdoc.k8s.gateway.backends import granted
from ingressdoc.k8s.gateway.decide import Decision, decide
from ingressdoc.k8s.gateway.filters import Extension, Unresolved
from ingressdoc.k8s.gateway.hostnames import listener_rank, request_host
from ingressdoc.k8s.gateway.listeners import Listener, listeners_of
from ingressdoc.k8s.gateway.matching import ROUTE_KINDS, SPEC, GatewaySemantics, Message
from ingressdoc.k8s.objects import condition, labels, name, namespace, spec, status
from ingressdoc.k8s.ports import container_ports, resolve_target_port, target_port_of
from ingressdoc.k8s.profiles import PROFILES, for_controller
from ingressdoc.k8s.selectors import selector_matches
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
TITLE = "Gateway and listener"
INPUTS = ("GatewayClass", "Gateway", "HTTPRoute")
# The GatewayClass controllers whose pods ingressdoc can find.
RECOGNISED = frozenset(c for p in PROFILES if p.pods for c in p.gateway_controllers)
_DEFAULT_PORT = {"http": 80, "https": 443}


@dataclass(frozen=True)
class GatewayClaim:
    """One Gateway's answer to the request, with what the later hops need."""

    gateway: Obj
    gateway_class: Obj | None
    controller: ControllerFacts
    semantics: GatewaySemantics
    ports: tuple[int, ...] | None  # listener ports the request arrives on; None: unknown
    decision: Decision

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef.of(self.gateway)

    @property
    def serves(self) -> bool:
        """A rule of an attached route matches (whatever it then answers)."""
        return self.decision.winner is not None


def semantics_of(controller_name: str | None) -> GatewaySemantics:
    """The Gateway API semantics of the profile whose pods implement the GatewayClass's
    controller; any other implementation is held to the spec."""
    return next((p.gateway for p in PROFILES if controller_name in p.gateway_controllers), SPEC)


def gateway_pods(snap: Snapshot, controller_name: str | None) -> list[Obj]:
    if not controller_name:
        return []
    return list(pods_by_controller(snap).get(controller_name, ()))


def listener_ports(snap: Snapshot, controller: str, pods: Sequence[Obj], port: int
                   ) -> tuple[int, ...]:
    """The request's port and the container ports the implementation's Services send it to
    (Traefik's listener port is its entryPoint's container port, 8000 behind Service port 80).
    Computed once per controller and port: `check` asks for every request."""
    return snap.memo(("listener-ports", controller, port),
                     lambda: _listener_ports(snap, pods, port), ("Service", "Pod"))


def _listener_ports(snap: Snapshot, pods: Sequence[Obj], port: int) -> tuple[int, ...]:
    out = [port]
    for svc in snap.services_selecting(pods):
        selector = spec(svc)["selector"]
        mine = [p for p in pods if namespace(p) == namespace(svc)
                and selector_matches(selector, labels(p))]
        for sp in spec(svc).get("ports") or []:
            if port in (sp.get("port"), sp.get("nodePort")):
                out += [t for p in mine if (t := resolve_target_port(p, target_port_of(sp)))]
    return tuple(dict.fromkeys(out))


def message_of(ctx: TraceContext) -> Message:
    req = ctx.request
    return Message(request_host(req.host), req.path, req.method, dict(req.headers),
                   dict(req.query))


def claims(ctx: TraceContext) -> list[GatewayClaim]:
    """Every Gateway that has a listener for the request or a route naming its host, the
    one that serves it best first (a matching rule, then the most specific listener)."""
    snap = ctx.snapshot
    if missing_inputs(snap, INPUTS)[0]:
        return []
    req, msg = ctx.request, message_of(ctx)
    port = req.port or _DEFAULT_PORT.get(req.scheme, 80)
    routes = routes_for_host(snap, msg.host)
    named = {(p.get("namespace") or namespace(r), p.get("name")) for r in routes
             for p in spec(r).get("parentRefs") or []}
    grants = snap.list("ReferenceGrant") if snap.loaded("ReferenceGrant") else None
    ns_labels = namespace_labels(snap) if snap.loaded("Namespace") else None
    out = []
    for gw in gateways_for_host(snap, msg.host, named):
        cls = snap.get("GatewayClass", None, str(spec(gw).get("gatewayClassName")))
        controller = spec(cls).get("controllerName") if cls else None
        pods = gateway_pods(snap, controller)
        # Without the implementation's pods the port its listeners see is unknown: any.
        ports = listener_ports(snap, str(controller), pods, port) if pods else None
        semantics = semantics_of(controller)
        d = decide(gw, routes, msg, req.scheme, ports, grants=grants,
                   service=_service_lookup(snap), namespace_labels=ns_labels,
                   semantics=semantics, extension=_extension_lookup(snap, semantics, pods))
        if d.listener is None and (namespace(gw), name(gw)) not in named:
            continue
        facts = ControllerFacts(name(cls) if cls else None, controller,
                                for_controller(controller), {}, tuple(pods), ())
        out.append(GatewayClaim(gw, cls, facts, semantics, ports, d))
    return sorted(out, key=lambda c: (not c.serves, c.decision.listener is None,
                                      [-x for x in listener_rank(
                                          c.decision.listener.hostname
                                          if c.decision.listener else None)],
                                      str(c.ref)))


def _route_index(snap: Snapshot) -> dict[str, list[Obj]]:
    """Routes by hostname as written (lower-cased); "" for routes without hostnames."""
    index: dict[str, list[Obj]] = {}
    for route in (r for kind in ROUTE_KINDS for r in snap.list(kind)):
        for key in {str(h).lower() for h in spec(route).get("hostnames") or [""]}:
            index.setdefault(key, []).append(route)
    return index


def _host_keys(host: str) -> list[str]:
    """The hostnames, as written, that can match `host`: itself, a wildcard over any of its
    parent domains (Gateway wildcards cover any number of labels), or none ("")."""
    labels = host.split(".")
    return [host, ""] + ["*." + ".".join(labels[i:]) for i in range(1, len(labels))]


def routes_for_host(snap: Snapshot, host: str) -> list[Obj]:
    """The routes that can serve `host` (see `_host_keys`). Indexed once per snapshot:
    `check` asks for every host."""
    index = snap.memo("route-hosts", lambda: _route_index(snap), ROUTE_KINDS)
    seen: dict[int, Obj] = {}
    for key in _host_keys(host):
        for route in index.get(key, ()):
            seen.setdefault(id(route), route)
    return list(seen.values())


def _gateway_index(gateways: Sequence[Obj]) -> dict[object, list[int]]:
    """Gateways' positions by listener hostname as written (lower-cased; "" for a listener
    without one) and by (namespace, name)."""
    index: dict[object, list[int]] = {}
    for pos, gw in enumerate(gateways):
        index.setdefault((namespace(gw), name(gw)), []).append(pos)
        for key in {(lst.hostname or "").lower() for lst in listeners_of(gw)}:
            index.setdefault(key, []).append(pos)
    return index


def gateways_for_host(snap: Snapshot, host: str, named: set[tuple[Any, Any]]) -> list[Obj]:
    """The Gateways, in the snapshot's order, that have a listener whose hostname can match
    `host` or that a route names (`named`: namespace and name): the only ones that can claim
    the request. Indexed once per snapshot, not a pass over every Gateway per request."""
    gateways = snap.list("Gateway")
    index = snap.memo("gateway-hosts", lambda: _gateway_index(gateways), ("Gateway",))
    keys: list[object] = [*_host_keys(host), *named]
    return [gateways[p] for p in sorted({p for key in keys for p in index.get(key, ())})]


def _service_lookup(snap: Snapshot) -> Callable[[str, str], Obj | None] | None:
    if not snap.loaded("Service"):
        return None
    return lambda ns, svc: snap.get("Service", ns, svc)


def _extension_lookup(snap: Snapshot, semantics: GatewaySemantics, pods: Sequence[Obj]
                      ) -> Callable[[str], Extension]:
    """Why an ExtensionRef does not resolve, as the implementation resolves them: only its
    kinds (any, for the spec), only with its switch on and in the namespaces that switch
    watches (else its router answers 500); a referent that does not exist fails the request,
    or drops the rule where the implementation then builds no router (Traefik). A kind the
    snapshot does not hold is not checked."""
    switch = semantics.extension_switch
    product = product_of(pods[0]) if pods and switch else None
    config = read_config(pods[0], product.name) if product is not None else None

    def in_namespace(ns: str) -> Extension:
        def why(ref: Mapping[str, Any]) -> Unresolved | None:
            group, kind = str(ref.get("group") or ""), str(ref.get("kind") or "")
            ref_name = str(ref.get("name") or "")
            if semantics.extension_kinds and (group, kind) not in semantics.extension_kinds:
                return Unresolved(f"the implementation does not support {group or 'core'}/"
                                  f"{kind} {ref_name}")
            if switch and config is not None:
                if not config.enabled(switch):
                    return Unresolved(f"{kind} {ns}/{ref_name} needs {switch}, which is not "
                                      "enabled")
                watched = config.listed(switch + ".namespaces")
                if watched and ns not in watched:
                    return Unresolved(f"{switch} does not watch namespace {ns}")
            if snap.loaded(kind) and snap.get(kind, ns, ref_name) is None:
                if semantics.missing_extension_drops_rule:
                    return Unresolved(f"{kind} {ns}/{ref_name} does not exist, so the rule's "
                                      "router is not built", drops_rule=True)
                return Unresolved(f"{kind} {ns}/{ref_name} does not exist")
            return None
        return why
    return in_namespace


def gateway_addresses(gw: Obj, port: int, scheme: str) -> tuple[EntryAddress, ...]:
    """`status.addresses`: what the implementation bound (spec.addresses is only a wish)."""
    return tuple(EntryAddress(str(a.get("value")), port, scheme, "Gateway status")
                 for a in status(gw).get("addresses") or [] if a.get("value"))


def check(ctx: TraceContext, claim: GatewayClaim, others: Sequence[GatewayClaim]) -> Hop:
    snap, gw, d = ctx.snapshot, claim.gateway, claim.decision
    ref = claim.ref
    found: list[Finding] = []
    notes: list[str] = []
    found += _class_findings(claim, snap.live)
    found += _status_findings(gw, ref)
    lst = d.listener
    for lname, reason in sorted(d.conflicted.items()):
        found.append(finding("IDC804", ref, f"listener {lname} is Conflicted ({reason})",
                             field=_listener_field(gw, lname)))
    if lst is None:
        req = ctx.request
        found.append(finding(
            "IDC801", ref, f"no listener of Gateway {ref.namespace}/{ref.name} takes "
            f"{req.scheme}{_ports_text(claim.ports)} for host "
            f"{request_host(req.host)} (listeners: " + ", ".join(
                f"{x.name} {x.protocol}:{x.port} {x.hostname or '<any host>'}"
                for x in listeners_of(gw)) + ")", field="spec.listeners"))
    else:
        found += _listener_findings(snap, claim, lst)
    if len(others) > 0:
        notes.append("other Gateways for this host: " + ", ".join(
            f"{o.ref.namespace}/{o.ref.name}" for o in others) + " (DNS decides which one "
            "a client reaches)")
    pods = claim.controller.pods
    ready = [pod_ready(p) for p in pods]
    summary = (f"Gateway {ref.namespace}/{ref.name} (class {claim.controller.class_name or '?'}"
               f" -> {claim.controller.controller or '<unknown controller>'})"
               + (f", listener {lst.name} ({lst.protocol}:{lst.port}"
                  f"{' ' + lst.hostname if lst.hostname else ''})" if lst else "")
               + (f"; {ready.count(True)}/{len(pods)} implementation pods ready"
                  if pods and None not in ready else ""))
    if not pods and claim.controller.controller and claim.controller.controller not in RECOGNISED:
        notes.append(f"pods of {claim.controller.controller} are not recognised: the entry, "
                     "and policy from the Gateway's pods, are not checked")
    objects = tuple(o for o in (ObjectRef.of(claim.gateway_class) if claim.gateway_class
                                else None, ref) if o is not None)
    return Hop(HopId.GATEWAY, TITLE, status_from(tuple(found)), summary, objects=objects,
               findings=tuple(found), note="; ".join(notes) or None)


def _ports_text(ports: Sequence[int] | None) -> str:
    return f" on port {'/'.join(map(str, ports))}" if ports else ""


def _listener_field(gw: Obj, lname: str) -> str:
    names = [str(raw.get("name")) for raw in spec(gw).get("listeners") or []]
    return f"spec.listeners[{names.index(lname)}]" if lname in names else "spec.listeners"


def _class_findings(claim: GatewayClaim, live: bool) -> list[Finding]:
    gw_ref, cls = claim.ref, claim.gateway_class
    class_name = str(spec(claim.gateway).get("gatewayClassName"))
    if cls is None:
        return [finding("IDC802", gw_ref, f"GatewayClass {class_name} does not exist",
                        field="spec.gatewayClassName")]
    accepted = condition(cls, "Accepted")
    if live and accepted is not None and accepted.get("status") != "True":
        return [finding("IDC802", ObjectRef.of(cls),
                        f"GatewayClass {class_name} is Accepted={accepted.get('status')} "
                        f"({accepted.get('reason')}): no controller took "
                        f"{spec(cls).get('controllerName')}", field="status.conditions")]
    if live and not claim.controller.pods and claim.controller.controller in RECOGNISED:
        return [finding("IDC802", ObjectRef.of(cls),
                        f"no running pod implements {claim.controller.controller}")]
    return []


def _status_findings(gw: Obj, ref: ObjectRef) -> list[Finding]:
    out = []
    for ctype in ("Accepted", "Programmed"):
        cond = condition(gw, ctype)
        if cond is not None and cond.get("status") == "False":
            out.append(finding("IDC803", ref, f"Gateway {ctype}=False ({cond.get('reason')}): "
                               f"{cond.get('message') or ''}".rstrip(": "),
                               field="status.conditions"))
    return out


def _listener_status(gw: Obj, lname: str) -> list[Mapping[str, Any]]:
    for entry in status(gw).get("listeners") or []:
        if entry.get("name") == lname:
            return list(entry.get("conditions") or [])
    return []


def _listener_findings(snap: Snapshot, claim: GatewayClaim, lst: Listener) -> list[Finding]:
    ref, field = claim.ref, lst.field
    out = []
    for cond in _listener_status(claim.gateway, lst.name):
        bad = (cond.get("type") in ("Accepted", "Programmed", "ResolvedRefs")
               and cond.get("status") == "False") or (
            cond.get("type") == "Conflicted" and cond.get("status") == "True")
        if bad:
            out.append(finding("IDC805", ref, f"listener {lst.name}: {cond.get('type')}="
                               f"{cond.get('status')} ({cond.get('reason')})", field=field))
    pods = claim.controller.pods
    if claim.semantics.listeners_on_pod_ports and pods and not any(
            p.get("containerPort") == lst.port for pod in pods for p in container_ports(pod)):
        out.append(finding("IDC806", ref, f"listener {lst.name} port {lst.port} is no "
                           f"{claim.controller.profile.title} container port (" + ", ".join(sorted({
                               str(p.get("containerPort")) for pod in pods
                               for p in container_ports(pod)})) + ")", field=f"{field}.port"))
    if lst.protocol == "HTTPS":
        out += _certificate_refs(snap, claim, lst)[0]
    return out


def _certificate_refs(snap: Snapshot, claim: GatewayClaim, lst: Listener
                      ) -> tuple[list[Finding], list[Obj]]:
    """The listener's certificateRefs: what keeps them from resolving (a ReferenceGrant
    across namespaces, a missing Secret), and the Secrets they resolve to."""
    ref = claim.ref
    if not lst.certificate_refs:
        return [finding("IDC805", ref, f"HTTPS listener {lst.name} has no certificateRefs",
                        field=f"{lst.field}.tls")], []
    out = []
    secrets = []
    for i, cert in enumerate(lst.certificate_refs):
        ns = str(cert.get("namespace") or lst.gateway_namespace)
        cname = str(cert.get("name"))
        where = f"{lst.field}.tls.certificateRefs[{i}]"
        if ns != lst.gateway_namespace and snap.loaded("ReferenceGrant") and not granted(
                snap.list("ReferenceGrant"), "Gateway", lst.gateway_namespace, "", "Secret",
                ns, cname):
            out.append(finding("IDC805", ref, f"certificate Secret {ns}/{cname} is in another "
                               "namespace and no ReferenceGrant permits it (RefNotPermitted)",
                               field=where))
        elif snap.loaded("Secret") and (secret := snap.get("Secret", ns, cname)) is not None:
            secrets.append(secret)
        elif snap.loaded("Secret"):
            out.append(finding("IDC805", ref, f"certificate Secret {ns}/{cname} not found "
                               "(InvalidCertificateRef)", field=where))
    return out, secrets


def tls_hop(ctx: TraceContext, claim: GatewayClaim) -> Hop | None:
    """The certificate the HTTPS listener serves for the host (SNI picks among its
    certificateRefs: the first that names the host, else the first), judged as an
    Ingress's TLS Secret is: it must name the host and be valid now. None for plain HTTP."""
    lst = claim.decision.listener
    if ctx.request.scheme != "https" or lst is None or lst.protocol != "HTTPS":
        return None
    secrets = _certificate_refs(ctx.snapshot, claim, lst)[1]
    if not secrets:
        return None
    host, now = request_host(ctx.request.host), datetime.now(timezone.utc)
    judged = [(s, secret_findings(s, host, now)) for s in secrets]
    secret, found = next(((s, f) for s, f in judged if not any(x.code == "IDC324" for x in f)),
                         judged[0])
    return Hop(HopId.TLS, TLS_TITLE, status_from(tuple(found)), f"listener {lst.name}: "
               f"secret {namespace(secret)}/{name(secret)} for {host}",
               objects=(claim.ref, ObjectRef.of(secret)), findings=tuple(found))
