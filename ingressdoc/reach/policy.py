"""NetworkPolicy on the client's path: DNS lookups first, then the connection itself.

Both go through the one engine (`ingressdoc.k8s.netpol`) with the trace hop's endpoint and
near-miss helpers. DNS needs UDP 53 for every lookup and TCP 53 for answers too large for
UDP, to the DNS pods (after the kube-dns Service's DNAT). The connection is judged on the pod
port, the Service port only sharpening the explanation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import missing_inputs, not_checked
from ingressdoc.hops.cluster_dns import (
    DNS_LABELS,
    DNS_NAMESPACE,
    dns_readiness,
    dns_service,
)
from ingressdoc.hops.model import Hop, HopId, HopStatus, amend, status_from
from ingressdoc.hops.netpol import endpoint_of, miss_findings, namespace_labels
from ingressdoc.k8s.endpoints import selected_pods
from ingressdoc.k8s.netpol import (
    Decision,
    Direction,
    DirectionDecision,
    Endpoint,
    RuleRef,
    evaluate,
    ip_undecided,
)
from ingressdoc.k8s.objects import name, namespace, spec
from ingressdoc.k8s.ports import resolve_target_port, target_port_of
from ingressdoc.reach.client import ClientFacts, representatives
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
DNS_TITLE = "DNS egress to kube-dns"  # the client's policies vs its lookups, not CoreDNS
NODELOCAL_TITLE = "DNS egress to NodeLocal"
EGRESS_TITLE = "Client egress policy"
INGRESS_TITLE = "Destination ingress policy"  # ingress_title("destination")
# Stands in for the DNS pods when the snapshot lacks them (the usual manifest case).
_PORT_KEYS = frozenset({"port", "protocol", "service-port", "named-port"})
_ASSUMED_DNS_POD: Obj = {
    "kind": "Pod",
    "metadata": {"namespace": DNS_NAMESPACE, "labels": dict(DNS_LABELS)},
    "spec": {"containers": [{"name": "coredns", "ports": [
        {"name": "dns", "containerPort": 53, "protocol": "UDP"},
        {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
    ]}]},
}


@dataclass(frozen=True)
class Connection:
    """What the client dials: a Service port, reaching `pods` on their resolved port. No
    Service: the pods are dialled on `port` themselves (an ingress controller on hostNetwork
    or a hostPort). `role` names the destination pods in hop titles and summaries."""

    service: Obj | None
    port: Mapping[str, Any]
    pods: tuple[Obj, ...]
    role: str = "destination"

    @property
    def headless(self) -> bool:
        """Headless names answer with pod IPs: no DNAT, the dialled port is the pod port."""
        return self.service is None or spec(self.service).get("clusterIP") == "None"

    @property
    def destination_namespace(self) -> str | None:
        where = self.service if self.service is not None else next(iter(self.pods), None)
        return None if where is None else namespace(where)

    @property
    def ingress_title(self) -> str:
        return ingress_title(self.role)

    def pod_port(self, pod: Obj) -> int | None:
        if self.headless:
            return int(self.port.get("port", 0))
        return resolve_target_port(pod, target_port_of(self.port), self.protocol)

    @property
    def protocol(self) -> str:
        return str(self.port.get("protocol") or "TCP")


def ingress_title(role: str) -> str:
    """The ingress hop's title: "Destination ingress policy" for a Service TO, "Controller
    ingress policy" for the controller a host/path goes through."""
    return f"{role.capitalize()} ingress policy"


def lookups(snapshot: Snapshot, client: ClientFacts, cache_ip: str | None = None) -> Hop:
    """The DNS egress hop with the cluster DNS's readiness (IDC712): a client's lookup needs
    both, whatever name it looks up. `cache_ip`: the client asks NodeLocal DNSCache there."""
    return amend(dns_egress(snapshot, client, cache_ip),
                 findings=dns_readiness(snapshot).findings)


def dns_egress(snapshot: Snapshot, client: ClientFacts, cache_ip: str | None = None) -> Hop:
    """The client's policies against its lookups: to the DNS pods, or, where the client asks
    NodeLocal DNSCache, to the cache's address on its node, which only an ipBlock (or no
    egress policy) admits: pod and namespace selectors never match it."""
    title = NODELOCAL_TITLE if cache_ip else DNS_TITLE
    note, gaps = missing_inputs(snapshot, ("NetworkPolicy",))
    if note:
        return not_checked(HopId.DNS_EGRESS, title, note, gaps)
    if not client.pods:
        return _unknown_client(HopId.DNS_EGRESS, title, snapshot, client.namespace)
    servers, assumed = ([], False) if cache_ip else _dns_pods(snapshot)
    targets = ([(Endpoint(None, ip=cache_ip), {"UDP": 53, "TCP": 53}, None)] if cache_ip else
               [(endpoint_of(d), _dns_ports(snapshot, d), d) for d in representatives(servers)])
    found: list[Finding] = []
    blocked: set[str] = set()
    for src in client.representatives():
        for dst, ports, pod in targets:
            denied, findings = _dns_findings(snapshot, src, dst, ports, pod)
            blocked.update(denied)
            found.extend(findings)
    found = _dedupe(found)
    where = (f"NodeLocal DNSCache {cache_ip} on the client's node" if cache_ip else
             f"{DNS_NAMESPACE} pods with k8s-app=kube-dns"
             + (" (assumed: not in the snapshot)" if assumed else ""))
    summary = (f"{' and '.join(sorted(blocked, reverse=True))} 53 to {where} blocked" if blocked
               else f"UDP and TCP 53 to {where} allowed")
    return Hop(HopId.DNS_EGRESS, title, status_from(tuple(found)), summary,
               objects=() if assumed else tuple(ObjectRef.of(p) for p in servers),
               findings=tuple(found))


def _dns_ports(snapshot: Snapshot, pod: Obj) -> dict[str, int]:
    return {protocol: resolve_target_port(pod, _dns_target(snapshot, protocol), protocol) or 53
            for protocol in ("UDP", "TCP")}


def _dns_findings(snapshot: Snapshot, src: Obj, dst: Endpoint, ports: Mapping[str, int],
                  pod: Obj | None) -> tuple[list[str], list[Finding]]:
    """IDC714 when lookups fail (UDP), IDC723 when only the TCP fallback does. `pod`: the
    DNS pod behind `dst`, None for NodeLocal DNSCache's address."""
    policies = snapshot.list("NetworkPolicy")
    ns_labels = namespace_labels(snapshot)
    decisions = {protocol: (port, evaluate(policies, ns_labels, endpoint_of(src), dst, port,
                                           protocol))
                 for protocol, port in ports.items()}
    denied = [p for p, (_, d) in decisions.items() if not d.allowed]
    if not denied:
        return [], []
    _, decision = decisions[denied[0]]
    side = decision.egress if not decision.egress.allowed else decision.ingress
    over = " and ".join(f"{p} {decisions[p][0]}" for p in denied)
    if pod is None:
        subject, to = ObjectRef.of(src), f"NodeLocal DNSCache at {dst.ip}"
        hint: str | None = f"Allow egress to ipBlock {dst.ip}/32 (NodeLocal DNSCache) on {over}."
    else:
        own = side is decision.egress
        subject, to = (ObjectRef.of(src) if own else ObjectRef.of(pod)), "the DNS pods"
        hint = None if own else f"Allow ingress to the DNS pods on {over} from every namespace."
    f = finding("IDC714" if "UDP" in denied else "IDC723", subject,
                f"DNS over {over} from {_pod_id(src)} to {to}: {side.reason}", hint=hint)
    return denied, [f, *miss_findings(_near_misses(decision), str(namespace(src)))]


def policy_hops(snapshot: Snapshot, client: ClientFacts, conn: Connection) -> tuple[Hop, Hop]:
    """The client's egress hop and the destination's ingress hop, from the same decisions."""
    note, gaps = missing_inputs(snapshot, ("NetworkPolicy",))
    if note:
        return (not_checked(HopId.EGRESS, EGRESS_TITLE, note, gaps),
                not_checked(HopId.INGRESS, conn.ingress_title, note))
    if not client.pods:
        return (_unknown_client(HopId.EGRESS, EGRESS_TITLE, snapshot, client.namespace),
                _unknown_client(HopId.INGRESS, conn.ingress_title, snapshot,
                                conn.destination_namespace))
    if not conn.pods:
        skipped = f"not checked: no {conn.role} pods"
        return (not_checked(HopId.EGRESS, EGRESS_TITLE, skipped),
                not_checked(HopId.INGRESS, conn.ingress_title, skipped))
    policies = snapshot.list("NetworkPolicy")
    ns_labels = namespace_labels(snapshot)
    decisions: list[tuple[Obj, Obj, int, Decision]] = []
    for src in client.representatives():
        for dst in representatives(conn.pods):
            port = conn.pod_port(dst)
            if port is not None:
                decisions.append((src, dst, port, evaluate(
                    policies, ns_labels, endpoint_of(src), endpoint_of(dst), port, conn.protocol,
                    service_port=None if conn.headless else int(conn.port.get("port", 0)))))
    return (_direction_hop("egress", decisions, client, conn),
            _direction_hop("ingress", decisions, client, conn))


def _direction_hop(direction: Direction, decisions: Sequence[tuple[Obj, Obj, int, Decision]],
                   client: ClientFacts, conn: Connection) -> Hop:
    title = EGRESS_TITLE if direction == "egress" else conn.ingress_title
    if not decisions:
        note = f"not checked: the Service's target port names no port of the {conn.role} pods"
        return Hop(HopId(direction), title, HopStatus.SKIPPED, note, note=note)
    found: list[Finding] = []
    denied: list[DirectionDecision] = []
    unknown: list[str] = []
    for src, dst, port, decision in decisions:
        side = _side(decision, direction)
        if side.allowed:
            continue
        if ip_undecided(side, endpoint_of(dst if direction == "egress" else src)):
            unknown.append(next(m.reason for m in side.misses if m.key == "ipblock"))
            continue
        denied.append(side)
        found.append(_denial(direction, src, dst, port, conn, side, client.controller))
        found.extend(miss_findings(_near_misses(decision, direction), str(namespace(dst))))
    found = _dedupe(found)
    pairs = len(decisions)
    port = decisions[0][2]
    who = "client pods" if direction == "egress" else f"{conn.role} pods"
    summary = (f"{pairs - len(denied) - len(unknown)}/{pairs} (client, {conn.role}) pairs "
               f"allowed on {conn.protocol} {port} ({who}' policies)"
               + (f", {len(unknown)} unknown (an ipBlock needs the pod IP, which manifests do "
                  "not carry)" if unknown else ""))
    reason = (denied[0].reason if denied else unknown[0] if unknown
              else _side(decisions[0][3], direction).reason)
    selecting = sorted({p for _, _, _, d in decisions for p in _side(d, direction).selecting})
    return Hop(HopId(direction), title, status_from(tuple(found), unknown=bool(unknown)), summary,
               objects=tuple(ObjectRef("NetworkPolicy", *p.split("/", 1)) for p in selecting),
               findings=tuple(found), note=reason)


def _denial(direction: Direction, src: Obj, dst: Obj, port: int, conn: Connection,
            side: DirectionDecision, controller: bool) -> Finding:
    if direction == "egress":
        via = f" ({name(conn.service)})" if conn.service is not None else ""
        return finding("IDC706", ObjectRef.of(src),
                       f"egress of {_pod_id(src)} to {_pod_id(dst)}{via} "
                       f"on {conn.protocol} {port}: {side.reason}",
                       field="spec.egress")
    code = "IDC701" if controller else "IDC724"
    return finding(code, ObjectRef.of(dst),
                   f"ingress to {_pod_id(dst)} on {conn.protocol} {port} from {_pod_id(src)}: "
                   f"{side.reason}", field="spec.ingress")


def _side(decision: Decision, direction: Direction) -> DirectionDecision:
    return decision.egress if direction == "egress" else decision.ingress


def _near_misses(decision: Decision, direction: Direction | None = None) -> Decision:
    """The decision keeping only misses that explain this traffic: one direction when given,
    and no rule that misses on both peer and port, since that rule is about other traffic."""
    def keep(side: DirectionDecision) -> DirectionDecision:
        if direction is not None and side.direction != direction:
            return replace(side, misses=())
        keys: dict[RuleRef, set[str]] = {}
        for miss in side.misses:
            keys.setdefault(miss.rule, set()).add(miss.key)
        unrelated = {rule for rule, k in keys.items() if k & _PORT_KEYS and k - _PORT_KEYS}
        return replace(side, misses=tuple(m for m in side.misses if m.rule not in unrelated))

    return replace(decision, egress=keep(decision.egress), ingress=keep(decision.ingress))


def _unknown_client(hop: HopId, title: str, snapshot: Snapshot, ns: str | None) -> Hop:
    """Without the client's labels a policy can only be judged when none could apply."""
    if ns is not None and not snapshot.list("NetworkPolicy", ns):
        return Hop(hop, title, HopStatus.OK, f"no NetworkPolicy in namespace {ns}")
    note = "not checked: client pods unknown, cannot judge the policies"
    return Hop(hop, title, HopStatus.UNKNOWN, note, note=note)


def _dns_pods(snapshot: Snapshot) -> tuple[list[Obj], bool]:
    svc = dns_service(snapshot)
    pods = (selected_pods(svc, snapshot.list("Pod", DNS_NAMESPACE)) if svc is not None
            else list(snapshot.list("Pod", DNS_NAMESPACE, DNS_LABELS)))
    return (pods, False) if pods else ([_ASSUMED_DNS_POD], True)


def _dns_target(snapshot: Snapshot, protocol: str) -> int | str:
    svc = dns_service(snapshot)
    for port in spec(svc or {}).get("ports") or []:
        if port.get("port") == 53 and str(port.get("protocol") or "TCP") == protocol:
            return target_port_of(port)
    return 53


def _pod_id(pod: Obj) -> str:
    return f"{namespace(pod)}/{name(pod) or '<DNS pod>'}"


def _dedupe(found: list[Finding]) -> list[Finding]:
    return list({(f.code, f.message): f for f in found}.values())
