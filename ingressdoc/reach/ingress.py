"""TO as host/path: the client reaches the ingress controller, and the trace goes on from there.

A pod that calls https://shop.example.com/api from inside the cluster gets, in the common
case, to the ingress controller, which routes the request as it routes one from outside. So
the walk is the client's pods and its lookups (DNS egress), the controller the trace picks
(its class and pods), the controller's Service on the request's port, the client's egress
and the controller pods' ingress policy on that port, then the trace's own hops from the
Ingress on, unchanged: rule, TLS, backend Service, endpoints, pods, and its
controller-to-backend NetworkPolicy hop.

Where the host's DNS records lead is outside cluster reasoning: the client is assumed to reach
the controller's Service, the entry the trace finds, and the entry hop says so. That hop
replaces the trace's, whose findings (a LoadBalancer without an address, NodePort only) are
about clients outside the cluster.

`--probe` can repeat only the client -> controller leg (the controller's own request to the
backend is not a probe pod's to make): the Service by its cluster name on the port chosen
here, and a ready controller pod straight on its pod port. `LEG` are the hops that leg
crosses, so the backend's hops never judge what the probe saw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingressdoc.hops import entry
from ingressdoc.hops.base import missing_inputs, not_checked
from ingressdoc.hops.cluster_dns import cluster_domain, is_external_name, resolve_alias
from ingressdoc.hops.model import BackendRef, ControllerFacts, Hop, HopId, HopStatus, TraceResult
from ingressdoc.k8s.endpoints import selected_pods
from ingressdoc.k8s.objects import name, namespace, spec
from ingressdoc.k8s.ports import container_ports, protocol_of, target_port_of
from ingressdoc.reach import client as clients
from ingressdoc.reach import policy
from ingressdoc.reach.model import Dial, Leg, ReachResult, assumed_for, dial
from ingressdoc.reach.parse import ClientSpec, TargetSpec, describe_client
from ingressdoc.request import Request
from ingressdoc.snapshot import ObjectRef, Snapshot
from ingressdoc.trace.engine import trace

Obj = Mapping[str, Any]
CONTROLLER = "controller"  # the destination pods' role in the policy hops
# A controller's Service that outside clients use is the one in-cluster clients dial by its
# public name too; the port named for the scheme beats, say, an admission webhook's 443.
_EXPOSED = {"LoadBalancer": 0, "NodePort": 1}
LEG = Leg("client -> controller", (HopId.CLIENT, HopId.DNS_EGRESS, HopId.ENTRY, HopId.EGRESS,
                                   HopId.INGRESS))


def reach_via_ingress(snapshot: Snapshot, source: ClientSpec, target: TargetSpec) -> ReachResult:
    if target.request is None:
        raise ValueError(f"TO {target.text!r} is not a host/path")
    request = target.request
    client_hop, client = clients.resolve(snapshot, source)
    routed = trace(snapshot, request)
    ctl = routed.controller
    if ctl is None:
        raise AssertionError("a trace always keeps its controller's facts")
    # The controller hop, or the Gateway hop when a Gateway's implementation serves the route.
    controller_hop = next(h for h in routed.hops if h.hop in (HopId.CONTROLLER, HopId.GATEWAY))
    after = [h for h in routed.hops if h.hop not in (HopId.ENTRY, controller_hop.hop)]
    dialling = None
    if ctl.pods:
        door = _door(snapshot, _hop(routed, HopId.ENTRY), ctl.pods, request)
        legs = (_entry_hop(snapshot, door, request),
                *policy.policy_hops(snapshot, client, door))
        dialling = _dial(client.representatives(), door, request)
    else:
        legs = _unreached(ctl)
    hops = (client_hop, policy.lookups(snapshot, client), controller_hop, *legs, *after)
    result = TraceResult(request, hops, snapshot.source, backend=routed.backend)
    return ReachResult(describe_client(source), target.text, result,
                       _assumed(snapshot, routed.backend), dialling)


def _dialled_port(request: Request) -> int:
    return request.port or (443 if request.scheme == "https" else 80)


def _hop(result: TraceResult, hop: HopId) -> Hop:
    return next(h for h in result.hops if h.hop == hop)


def _door(snapshot: Snapshot, entry_hop: Hop, pods: Sequence[Obj],
          request: Request) -> policy.Connection:
    """The controller's Service port the client dials, among those the trace's entry hop
    found; without one, the controller pods on the port itself (hostNetwork, hostPort)."""
    port = _dialled_port(request)
    services = [s for ref in entry_hop.objects if ref.kind == "Service"
                and (s := snapshot.get("Service", ref.namespace, ref.name)) is not None]
    doors = [(s, p) for s in services for p in spec(s).get("ports") or []
             if p.get("port") == port and protocol_of(p) == "TCP"]
    if not doors:
        return policy.Connection(None, {"port": port, "protocol": "TCP"}, tuple(pods),
                                 role=CONTROLLER)
    names = entry.SCHEME_PORT_NAMES.get(request.scheme, ())
    svc, svc_port = min(doors, key=lambda d: (_EXPOSED.get(str(spec(d[0]).get("type")), 2),
                                              d[1].get("name") not in names))
    return policy.Connection(svc, svc_port, tuple(selected_pods(svc, pods)), role=CONTROLLER)


def _dial(client_pods: Sequence[Obj], door: policy.Connection, request: Request) -> Dial | None:
    """The leg as a probe repeats it: `<svc>.<ns>`, which resolves from any namespace, where
    there is a Service; else the host as written, which the probe plan leaves unchecked."""
    svc = door.service
    written = request.host if svc is None else f"{name(svc)}.{namespace(svc)}"
    return dial(client_pods, written, door, via=HopId.ENTRY, leg=LEG)


def _unreached(ctl: ControllerFacts) -> tuple[Hop, Hop, Hop]:
    """Without controller pods there is nothing to dial nor to judge policies against: "not
    checked", never a denial (manifests often leave the controller out)."""
    why = ("not checked: no controller serves the host" if ctl.controller is None
           else f"not checked: no pod of controller {ctl.controller} in the snapshot")
    return (not_checked(HopId.ENTRY, entry.TITLE, why),
            not_checked(HopId.EGRESS, policy.EGRESS_TITLE, why),
            not_checked(HopId.INGRESS, policy.ingress_title(CONTROLLER), why))


def _entry_hop(snapshot: Snapshot, door: policy.Connection, request: Request) -> Hop:
    note, gaps = missing_inputs(snapshot, ("Service",))
    if note:
        return not_checked(HopId.ENTRY, entry.TITLE, note, gaps)
    assumption = (f"assumed: the client reaches the controller this way; where {request.host} "
                  "resolves is outside the cluster, not checked (from outside: "
                  f"`ingressdoc trace {request}`)")
    port = int(door.port.get("port", 0))
    if door.service is not None:
        ref = ObjectRef.of(door.service)
        summary = (f"Service {ref.namespace}/{ref.name} "
                   f"({spec(door.service).get('type') or 'ClusterIP'}) port {port} -> "
                   f"targetPort {target_port_of(door.port)}")
        return Hop(HopId.ENTRY, entry.TITLE, HopStatus.OK, summary, objects=(ref,), note=assumption)
    if _on_host(door.pods, port):
        return Hop(HopId.ENTRY, entry.TITLE, HopStatus.OK,
                   f"controller pods on the node's port {port} (hostNetwork or hostPort)",
                   note=assumption)
    where = namespace(door.pods[0])
    note = (f"not checked: no Service in {where} selects the controller pods on port {port}, "
            "and they take no host port: how the client reaches them is unknown")
    return Hop(HopId.ENTRY, entry.TITLE, HopStatus.UNKNOWN, note, note=note)


def _on_host(pods: Sequence[Obj], port: int) -> bool:
    return any(entry.node_port_of(p, cp) == port for p in pods for cp in container_ports(p))


def _assumed(snapshot: Snapshot, backend: BackendRef | None) -> tuple[HopId, ...]:
    """As for a Service TO, about the backend the rule sends to (through its aliases)."""
    svc = None if backend is None else snapshot.get("Service", backend.namespace,
                                                     backend.service)
    if svc is not None and is_external_name(svc):
        svc = resolve_alias(snapshot, svc, cluster_domain(snapshot)).service
    return () if svc is None else assumed_for(snapshot, svc)

