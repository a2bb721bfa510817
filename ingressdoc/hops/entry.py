"""Entry point: how traffic from outside reaches the controller pods."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import TraceContext, missing_inputs
from ingressdoc.hops.model import ControllerFacts, EntryAddress, Hop, HopId, HopStatus, status_from
from ingressdoc.k8s.endpoints import pod_ready
from ingressdoc.k8s.objects import annotations_of, labels, name, spec, status
from ingressdoc.k8s.ports import container_ports
from ingressdoc.k8s.profiles import PROFILES
from ingressdoc.snapshot import ObjectRef

Obj = Mapping[str, Any]
# Port names controllers' charts give each scheme (ingress-nginx, Traefik's web/websecure).
SCHEME_PORT_NAMES: Mapping[str, tuple[str, ...]] = {
    scheme: tuple(n for p in PROFILES for s, n in p.scheme_ports if s == scheme)
    for scheme in ("http", "https")}
INPUTS = ("Service", "Node")
TITLE = "Entry point"
NODEPORT_RANGE = range(30000, 32768)
KIND_LABEL = "ingress-ready"
# Annotations that make a cloud load balancer private to the VPC/VNet.
_INTERNAL = {
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    "alb.ingress.kubernetes.io/scheme": "internal",
    "networking.gke.io/load-balancer-type": "Internal",
    "cloud.google.com/load-balancer-type": "Internal",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
}


def check(ctx: TraceContext, controller: ControllerFacts) -> tuple[Hop, tuple[EntryAddress, ...]]:
    if not controller.pods:
        why = "not checked: no controller pods to find the entry point from"
        early = tuple(_internal_ingress(controller.routes_of("Ingress")))
        return Hop(HopId.ENTRY, TITLE, status_from(early, unknown=True), why, findings=early,
                   note=why), ()
    note, gaps = missing_inputs(ctx.snapshot, ("Service",))
    nodes = ctx.snapshot.list("Node")
    services = ctx.snapshot.services_selecting(controller.pods)
    found: list[Finding] = list(gaps) + _internal_ingress(controller.routes_of("Ingress"))
    found.extend(_kind_label(controller.pods, nodes, ctx.snapshot.loaded("Node")))
    addresses: list[EntryAddress] = []
    addresses.extend(_host_ports(controller.pods, nodes))
    for svc in services:
        f, a = _service_entry(svc, controller.pods, nodes)
        found.extend(f)
        addresses.extend(a)
    exposed = [s for s in services if spec(s).get("type") in ("LoadBalancer", "NodePort")]
    if not exposed and not _on_host_ports(controller.pods) and not note:
        found.append(finding(
            "IDC115", ObjectRef.of(controller.pods[0]),
            "controller pods have no LoadBalancer/NodePort Service, hostPort or hostNetwork",
        ))
    found.extend(_port_not_exposed(ctx.request.port, ctx.request.scheme, exposed,
                                   controller.pods))
    # A LoadBalancer Service without status (a manifest) has an address the cloud assigns.
    pending = [s for s in exposed if spec(s).get("type") == "LoadBalancer" and "status" not in s]
    summary = ", ".join(f"{a.address}:{a.port} ({a.via})" for a in addresses[:6]) or (
        f"{ObjectRef.of(pending[0])}: address not in the manifests" if pending
        else "no external address")
    objects = tuple(ObjectRef.of(s) for s in services)
    status = status_from(tuple(found))
    if (note or (pending and not addresses)) and status is HopStatus.OK:
        status = HopStatus.UNKNOWN
    return Hop(HopId.ENTRY, TITLE, status, summary, objects=objects, findings=tuple(found),
               note=note), tuple(addresses)


def _port_not_exposed(named: int | None, scheme: str, exposed: Sequence[Obj],
                      pods: Sequence[Obj]) -> list[Finding]:
    """IDC130: the request's port is none the controller is reachable on from outside: a
    LoadBalancer's ports, a node port, a hostPort or a hostNetwork container port. The
    scheme's default port is judged only behind a LoadBalancer Service: in front of node
    ports something outside the cluster maps it."""
    balancers = [s for s in exposed if spec(s).get("type") == "LoadBalancer"]
    if not exposed or (named is None and not balancers):
        return []
    port = named or (443 if scheme == "https" else 80)
    open_ports = {int(p["port"]) for s in exposed if spec(s).get("type") == "LoadBalancer"
                  for p in spec(s).get("ports") or [] if p.get("port")}
    open_ports |= {int(p["nodePort"]) for s in exposed for p in spec(s).get("ports") or []
                   if p.get("nodePort")}
    for pod in pods:
        open_ports |= {int(h) for cp in container_ports(pod)
                       if (h := node_port_of(pod, cp)) is not None}
    if port in open_ports:
        return []
    shown = ", ".join(map(str, sorted(open_ports))) or "none"
    return [finding("IDC130", ObjectRef.of(exposed[0]),
                    f"port {port} is not exposed: the controller is reachable from outside on "
                    f"{shown} ({', '.join(str(ObjectRef.of(s)) for s in exposed)})",
                    field="spec.ports")]


def node_addresses(node: Obj) -> set[str]:
    """Every address a client may use for a node (InternalIP, ExternalIP)."""
    return {str(a.get("address")) for a in status(node).get("addresses") or []
            if a.get("type") in ("InternalIP", "ExternalIP")}


def _node_addresses(nodes: Sequence[Obj]) -> list[str]:
    out: list[str] = []
    for node in nodes:
        addrs = status(node).get("addresses") or []
        preferred = [a for a in addrs if a.get("type") == "ExternalIP"] or [
            a for a in addrs if a.get("type") == "InternalIP"]
        out.extend(str(a.get("address")) for a in preferred[:1])
    return out


def _service_entry(
    svc: Obj, pods: Sequence[Obj], nodes: Sequence[Obj]
) -> tuple[list[Finding], list[EntryAddress]]:
    ref = ObjectRef.of(svc)
    s = spec(svc)
    kind = s.get("type") or "ClusterIP"
    found: list[Finding] = []
    addresses: list[EntryAddress] = []
    ports = s.get("ports") or []
    for p in ports:
        node_port = p.get("nodePort")
        if node_port is not None and int(node_port) not in NODEPORT_RANGE:
            found.append(finding("IDC116", ref, f"nodePort {node_port} is outside 30000-32767",
                                 field="spec.ports[].nodePort"))
    if kind == "LoadBalancer":
        ingress = (status(svc).get("loadBalancer") or {}).get("ingress") or []
        if not ingress and "status" in svc:  # no status: a manifest, the address is unknown
            found.append(finding("IDC110", ref, f"{ref} has no status.loadBalancer.ingress "
                                 "address (EXTERNAL-IP <pending>)",
                                 field="status.loadBalancer"))
        for lb in ingress:
            addr = lb.get("ip") or lb.get("hostname")
            addresses.extend(EntryAddress(str(addr), int(p["port"]), _scheme(p), "LoadBalancer")
                             for p in ports)
        internal = [f"{k}: {v}" for k, v in annotations_of(svc).items()
                    if _INTERNAL.get(k, "").lower() == str(v).lower()]
        if internal:
            found.append(finding("IDC114", ref, f"internal load balancer ({internal[0]})",
                                 field="metadata.annotations"))
    if kind in ("LoadBalancer", "NodePort"):
        for node_addr in _node_addresses(nodes):
            addresses.extend(EntryAddress(node_addr, int(p["nodePort"]), _scheme(p), "NodePort")
                             for p in ports if p.get("nodePort"))
        if kind == "NodePort":
            ports_text = ", ".join(f"{p.get('port')}->{p.get('nodePort')}" for p in ports)
            found.append(finding("IDC111", ref, f"{ref} is NodePort only ({ports_text})"))
        if s.get("externalTrafficPolicy") == "Local":
            found.extend(etp_local(svc, pods, nodes))
    return found, addresses


def _scheme(port: Mapping[str, Any]) -> str:
    return "https" if int(port.get("port", 0)) == 443 or port.get("name") in (
        SCHEME_PORT_NAMES["https"]) else "http"


_EXCLUDED = "node.kubernetes.io/exclude-from-external-load-balancers"
_CONTROL_PLANE = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")


def receives_traffic(node: Obj) -> bool:
    """A node the load balancer sends traffic to: not excluded by the service controller's
    label, and not a control-plane node that keeps workloads (and their traffic) off."""
    if _EXCLUDED in labels(node):
        return False
    return not any(t.get("key") in _CONTROL_PLANE and t.get("effect") in (
        "NoSchedule", "NoExecute") for t in spec(node).get("taints") or [])


def etp_local(svc: Obj, pods: Sequence[Obj], nodes: Sequence[Obj],
              answered: Collection[str] | None = None) -> list[Finding]:
    """IDC112 for the nodes that receive traffic and run no ready controller pod: those the
    load balancer uses, or, where the host's DNS answer names nodes (`answered`), those
    nodes alone: clients reach no other."""
    ready_nodes = {spec(p).get("nodeName") for p in pods if pod_ready(p)}
    if answered is None:
        node_names = [name(n) for n in nodes if receives_traffic(n)]
        which = "nodes that receive traffic"
    else:
        node_names, which = sorted(answered), "nodes the host resolves to"
    without = [n for n in node_names if n not in ready_nodes]
    if not node_names or not without:
        return []
    return [finding(
        "IDC112", ObjectRef.of(svc),
        f"externalTrafficPolicy Local: {len(without)} of {len(node_names)} {which} run no "
        f"ready controller pod ({', '.join(without[:3])})",
        field="spec.externalTrafficPolicy",
    )]


def _host_ports(pods: Sequence[Obj], nodes: Sequence[Obj]) -> list[EntryAddress]:
    out: list[EntryAddress] = []
    node_ips = {
        str((n.get("metadata") or {}).get("name")): _node_addresses([n]) for n in nodes
    }
    for pod in pods:
        host_ip = status(pod).get("hostIP")
        addrs = [host_ip] if host_ip else node_ips.get(str(spec(pod).get("nodeName")), [])
        for p in container_ports(pod):
            host_port = node_port_of(pod, p)
            if host_port in (80, 443):
                via = "hostNetwork" if spec(pod).get("hostNetwork") else "hostPort"
                out.extend(EntryAddress(str(a), int(host_port), "https" if host_port == 443
                                        else "http", via) for a in addrs)
    return list(dict.fromkeys(out))


def node_port_of(pod: Obj, container_port: Mapping[str, Any]) -> int | None:
    """The port of the node that reaches this container port: its hostPort, or the port
    itself in the host network; None when only the pod's own address serves it."""
    if container_port.get("hostPort"):
        return int(container_port["hostPort"])
    if spec(pod).get("hostNetwork") and container_port.get("containerPort"):
        return int(container_port["containerPort"])
    return None


def _on_host_ports(pods: Sequence[Obj]) -> bool:
    """Exposure is a property of the pod spec; node addresses only say where to reach it."""
    return any(spec(p).get("hostNetwork") or any(cp.get("hostPort") for cp in container_ports(p))
               for p in pods)


def _kind_label(pods: Sequence[Obj], nodes: Sequence[Obj], nodes_loaded: bool) -> list[Finding]:
    if not nodes_loaded:
        return []
    wanted = [p for p in pods if (spec(p).get("nodeSelector") or {}).get(KIND_LABEL) == "true"]
    if wanted and not any(labels(n).get(KIND_LABEL) == "true" for n in nodes):
        return [finding(
            "IDC113", ObjectRef.of(wanted[0]),
            f"controller pod selects nodes with {KIND_LABEL}=true; no node has that label",
            field="spec.nodeSelector",
        )]
    return []


def _internal_ingress(ingresses: Sequence[Obj]) -> list[Finding]:
    """Ingresses a cloud controller would put behind a private load balancer."""
    markers = [p.internal_annotation for p in PROFILES if p.internal_annotation]
    return [
        finding("IDC114", ObjectRef.of(i), f"{key} is {value}", field="metadata.annotations")
        for i in ingresses for key, value in markers
        if annotations_of(i).get(key) == value
    ]
