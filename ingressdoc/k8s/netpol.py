"""NetworkPolicy (`networking.k8s.io/v1`) evaluation for one connection, with prose reasons.

A connection is allowed when the source's egress policies AND the destination's ingress
policies allow it; each direction is judged on its own. Semantics, with their sources:

- Isolation is per direction: a pod is isolated for ingress (egress) once any policy in its
  namespace selects it with `Ingress` (`Egress`) among its policy types; otherwise all traffic
  in that direction is allowed. Policies are additive: any rule of any selecting policy admits.
- policyTypes defaulting (API defaulting, `SetDefaults_NetworkPolicy`): when absent, `Ingress`
  always, and `Egress` only when `spec.egress` has at least one rule (`egress: []` does not).
- Within a rule the peers are OR'ed, the ports are OR'ed and peers x ports is AND; an empty or
  missing `from`/`to` matches every peer, empty or missing `ports` every port.
- A peer with only podSelector covers the policy's own namespace; only namespaceSelector, every
  pod in the matching namespaces; both in one entry, pods matching both (AND). `{}` selects all.
  Every known namespace is assumed to carry `kubernetes.io/metadata.name=<name>` (set by the
  control plane since 1.21) even when `namespace_labels` omits it.
- ipBlock (with `except`) is matched against the peer's IP. The docs say it is meant for
  cluster-external addresses; the upstream conformance suite still expects a pod-IP ipBlock to
  work, so it admits, and the reason carries the caveat.
- Ports are matched on the pod port after the Service DNAT, never the Service port; a named
  port resolves on the destination pod by name and protocol, for ingress and egress rules
  alike. `endPort` makes an inclusive range; the protocol defaults to TCP.
- hostNetwork pods, in the most common implementation (k8s docs, "NetworkPolicy and
  hostNetwork pods"), are neither isolated by policies nor matched by pod/namespace selectors:
  their traffic is node traffic, which only an ipBlock with the node IP matches. Traffic from a
  pod's own node is always allowed to it (API reference for `spec.ingress`), which is why such
  a setup fails only for pods on other nodes.
- Loopback (a pod to itself) is left undefined, as the upstream conformance suite does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ingressdoc.k8s.ports import container_ports, is_number, resolve_target_port
from ingressdoc.k8s.selectors import describe_selector, selector_matches, selector_mismatches

Obj = Mapping[str, Any]
Direction = Literal["ingress", "egress"]
MissKey = Literal[
    "namespace-label",
    "pod-label",
    "peer-and-or",
    "port",
    "named-port",
    "service-port",
    "ipblock",
    "host-network",
    "protocol",
    "no-rules",
]

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
_PEER_FIELD: Mapping[Direction, str] = {"ingress": "from", "egress": "to"}
_POLICY_TYPE: Mapping[Direction, str] = {"ingress": "Ingress", "egress": "Egress"}
_ALL_PORTS = (1, 65535)


@dataclass(frozen=True)
class Endpoint:
    """One side of a connection.

    `namespace` is None for an address outside the cluster, including a node's own address
    (then set `node` to say which node). For a hostNetwork pod, `ip` is its node's IP.
    `pod` is the Pod object; on the destination it resolves named ports.
    """

    namespace: str | None
    labels: Mapping[str, str] = field(default_factory=dict)
    ip: str | None = None
    pod: Obj | None = None
    host_network: bool = False
    node: str | None = None
    shown: str | None = None  # how messages name it, where not by its pod (a template's pod)


@dataclass(frozen=True)
class RuleRef:
    policy_namespace: str
    policy_name: str
    direction: Direction
    rule_index: int | None  # None: the policy has no rules for this direction

    def __str__(self) -> str:
        rule = "" if self.rule_index is None else f"[{self.rule_index}]"
        return f"{self.policy_namespace}/{self.policy_name} {self.direction}{rule}"


@dataclass(frozen=True)
class Miss:
    """Why one rule of a selecting policy did not admit the connection.

    A rule can yield several misses: one per peer when no peer matched (`peer_index`) and one
    for the ports; a rule with a single miss is a near miss worth showing first.
    """

    rule: RuleRef
    key: MissKey
    reason: str
    peer_index: int | None = None


_MissMaker = Callable[[MissKey, str], Miss]


@dataclass(frozen=True)
class DirectionDecision:
    direction: Direction
    isolated: bool  # some policy selects the pod for this direction
    allowed: bool
    selecting: tuple[str, ...]  # "ns/name" of the policies selecting the pod for this direction
    admitted_by: RuleRef | None
    misses: tuple[Miss, ...]  # every rule that did not admit, even when another one did
    reason: str


@dataclass(frozen=True)
class Decision:
    allowed: bool  # egress of the source AND ingress of the destination
    egress: DirectionDecision
    ingress: DirectionDecision


@dataclass(frozen=True)
class _Connection:
    """What every rule is matched against, so helpers take one argument instead of six."""

    src: Endpoint
    dst: Endpoint
    port: int
    protocol: str
    service_port: int | None
    namespace_labels: Mapping[str, Mapping[str, str]]

    def peer(self, direction: Direction) -> Endpoint:
        return self.src if direction == "ingress" else self.dst

    def target(self, direction: Direction) -> Endpoint:
        return self.dst if direction == "ingress" else self.src

    def describe(self, direction: Direction) -> str:
        if direction == "ingress":
            return f"{self.protocol} {self.port} from {describe_endpoint(self.src)}"
        return f"{self.protocol} {self.port} to {describe_endpoint(self.dst)}"


def evaluate(
    policies: Sequence[Obj],
    namespace_labels: Mapping[str, Mapping[str, str]],
    src: Endpoint,
    dst: Endpoint,
    port: int,
    protocol: str = "TCP",
    service_port: int | None = None,
) -> Decision:
    """Judge one connection; `port` is the destination pod port, `service_port` the one dialled.

    `service_port` only sharpens explanations: a rule that allows it but not `port` is the
    classic "policy written for the Service port" mistake.
    """
    conn = _Connection(src, dst, port, protocol.upper(), service_port, namespace_labels)
    ordered = sorted(policies, key=_policy_id)
    egress = _decide(ordered, conn, "egress")
    ingress = _decide(ordered, conn, "ingress")
    return Decision(allowed=egress.allowed and ingress.allowed, egress=egress, ingress=ingress)


def ip_undecided(side: DirectionDecision, peer: Endpoint) -> bool:
    """A denial an ipBlock might lift: the peer's IP is unknown (a pod from a workload
    template carries none), so the ipBlock can neither admit nor refuse it."""
    return not side.allowed and peer.ip is None and any(m.key == "ipblock" for m in side.misses)


def undecided(decision: Decision, src: Endpoint, dst: Endpoint) -> bool:
    """Denied only by sides that an ipBlock on an unknown IP might admit."""
    denied = [(side, peer) for side, peer in ((decision.egress, dst), (decision.ingress, src))
              if not side.allowed]
    return bool(denied) and all(ip_undecided(side, peer) for side, peer in denied)


def policy_types(policy: Obj) -> frozenset[str]:
    """The effective policyTypes, defaulted exactly as the API server does."""
    spec = policy.get("spec") or {}
    declared = spec.get("policyTypes") or []
    if declared:
        return frozenset(str(t) for t in declared)
    return frozenset({"Ingress", "Egress"} if spec.get("egress") else {"Ingress"})


def namespace_labels_of(
    namespace_labels: Mapping[str, Mapping[str, str]], namespace: str
) -> dict[str, str]:
    """A namespace's labels including the immutable name label the control plane sets."""
    return {**namespace_labels.get(namespace, {}), NAMESPACE_NAME_LABEL: namespace}


def describe_endpoint(ep: Endpoint) -> str:
    if ep.namespace is None and ep.pod is None:
        where = f"node {ep.node}" if ep.node else "address"
        return f"{where} {ep.ip or '<unknown IP>'}"
    meta = (ep.pod or {}).get("metadata") or {}
    pod_ns = ep.namespace or meta.get("namespace")  # a hostNetwork pod is off the pod network
    name = meta.get("name")
    anonymous = f"a pod in {pod_ns} ({_labels(ep.labels)})"
    who = ep.shown or (f"pod {pod_ns}/{name}" if name else anonymous)
    if ep.host_network:
        who += f" (hostNetwork, node IP {ep.ip or '<unknown>'})"
    return who


def _decide(policies: Sequence[Obj], conn: _Connection, direction: Direction) -> DirectionDecision:
    target = conn.target(direction)
    if target.namespace is None:
        return _open(direction, f"{describe_endpoint(target)} is outside the pod network")
    selecting = [p for p in policies if _selects(p, target, direction)]
    if target.host_network:
        names = ", ".join(_policy_id(p) for p in selecting)
        also = f" (policies matching its labels: {names})" if names else ""
        return _open(
            direction,
            f"{describe_endpoint(target)} shares its node's network; most network plugins do "
            f"not apply NetworkPolicy to it{also}",
        )
    if not selecting:
        return _open(
            direction,
            f"no NetworkPolicy selects {describe_endpoint(target)} for {direction}, "
            f"so all {direction} traffic is allowed",
        )
    return _isolated_verdict(selecting, conn, direction)


def _isolated_verdict(
    selecting: Sequence[Obj], conn: _Connection, direction: Direction
) -> DirectionDecision:
    target = conn.target(direction)
    admitted, misses = _judge_policies(selecting, conn, direction)
    ids = tuple(_policy_id(p) for p in selecting)
    selected = f"{describe_endpoint(target)} is selected for {direction} by {', '.join(ids)}"
    if admitted is not None:
        ref, peer = admitted
        reason = f"{selected}; {ref} admits {conn.describe(direction)}"
        if peer is not None and peer.get("ipBlock") is not None:
            reason += _pod_ipblock_caveat(conn.peer(direction))
        return DirectionDecision(direction, True, True, ids, ref, misses, reason)
    reason = f"{selected}, and no {direction} rule admits {conn.describe(direction)}"
    if direction == "ingress" and _from_own_node(conn.src, conn.dst):
        reason += (
            f"; it is still allowed because it comes from the pod's own node {conn.dst.node} "
            "(a pod always accepts its node's traffic), so it fails from other nodes"
        )
        return DirectionDecision(direction, True, True, ids, None, misses, reason)
    return DirectionDecision(direction, True, False, ids, None, misses, reason)


def _judge_policies(
    selecting: Sequence[Obj], conn: _Connection, direction: Direction
) -> tuple[tuple[RuleRef, Obj | None] | None, tuple[Miss, ...]]:
    """The first admitting rule (with the peer that matched) and every other rule's misses."""
    admitted: tuple[RuleRef, Obj | None] | None = None
    misses: list[Miss] = []
    for policy in selecting:
        rules = (policy.get("spec") or {}).get(direction) or []
        if not rules:
            misses.append(_no_rules_miss(policy, conn.target(direction), direction))
        for index, rule in enumerate(rules):
            ref = RuleRef(_namespace(policy), _name(policy), direction, index)
            matched_peer, rule_misses = _judge_rule(ref, rule or {}, conn)
            if not rule_misses and admitted is None:
                admitted = (ref, matched_peer)
            misses.extend(rule_misses)
    return admitted, tuple(misses)


def _open(direction: Direction, reason: str) -> DirectionDecision:
    return DirectionDecision(direction, False, True, (), None, (), reason)


def _selects(policy: Obj, ep: Endpoint, direction: Direction) -> bool:
    spec = policy.get("spec") or {}
    return (
        _namespace(policy) == ep.namespace
        and _POLICY_TYPE[direction] in policy_types(policy)
        and selector_matches(spec.get("podSelector") or {}, ep.labels)
    )


def _from_own_node(src: Endpoint, dst: Endpoint) -> bool:
    is_node_traffic = src.host_network or src.namespace is None
    return is_node_traffic and src.node is not None and src.node == dst.node


def _no_rules_miss(policy: Obj, target: Endpoint, direction: Direction) -> Miss:
    return Miss(
        RuleRef(_namespace(policy), _name(policy), direction, None),
        "no-rules",
        f"`{_name(policy)}` selects {describe_endpoint(target)} for {direction} and has no "
        f"{direction} rules, so it only isolates the pod (default deny)",
    )


def _judge_rule(ref: RuleRef, rule: Obj, conn: _Connection) -> tuple[Obj | None, list[Miss]]:
    """The peer that matched (None when the rule has no peers) and the rule's misses."""
    peers = rule.get(_PEER_FIELD[ref.direction]) or []
    matched: Obj | None = None
    peer_misses: list[Miss] = []
    for index, peer in enumerate(peers):
        miss = _peer_miss(ref, index, peer, conn)
        if miss is None:
            matched, peer_misses = peer, []
            break
        peer_misses.append(miss)
    port_miss = _port_miss(ref, rule.get("ports") or [], conn)
    return matched, peer_misses + ([port_miss] if port_miss else [])


def _peer_miss(ref: RuleRef, index: int, peer: Obj, conn: _Connection) -> Miss | None:
    ep = conn.peer(ref.direction)
    where = f"`{ref.policy_name}` {_rule_path(ref)}.{_PEER_FIELD[ref.direction]}[{index}]"

    def miss(key: MissKey, text: str) -> Miss:
        return Miss(ref, key, f"{where} {text}", index)

    if peer.get("ipBlock") is not None:
        text = _ipblock_mismatch(peer["ipBlock"], ep)
        return None if text is None else miss("ipblock", text)
    if ep.host_network:
        return miss(
            "host-network",
            f"selects pods by label, but {describe_endpoint(ep)} uses hostNetwork: its traffic "
            "carries the node IP, which podSelector and namespaceSelector do not match in most "
            "implementations; admit the node addresses with an ipBlock",
        )
    if ep.namespace is None:
        return miss(
            "ipblock",
            f"selects pods by label, and {describe_endpoint(ep)} is not a pod: "
            "only an ipBlock can admit it",
        )
    ns_selector = peer.get("namespaceSelector")
    if ns_selector is None:
        return _pod_only_miss(miss, peer.get("podSelector") or {}, ref.policy_namespace, ep)
    ns_labels = namespace_labels_of(conn.namespace_labels, ep.namespace)
    pod_selector = peer.get("podSelector")
    if pod_selector is not None and _is_everything(pod_selector):
        pod_selector = None  # `podSelector: {}` next to a namespaceSelector adds nothing
    return _namespace_peer_miss(miss, ns_selector, pod_selector, ref, ep, ns_labels)


def _pod_only_miss(
    miss: _MissMaker, pod_selector: Obj, policy_ns: str, ep: Endpoint
) -> Miss | None:
    labels_ok = selector_matches(pod_selector, ep.labels)
    if labels_ok and ep.namespace == policy_ns:
        return None
    pods = _selects_text(pod_selector, "pods")
    scope = f"selects {pods} in the policy's own namespace {policy_ns}"
    if labels_ok:
        return miss(
            "peer-and-or",
            f"has only a podSelector, so it {scope}; "
            f"{describe_endpoint(ep)} matches the labels but runs in namespace {ep.namespace}. "
            "To admit pods of another namespace, put a namespaceSelector in the same entry "
            "(no dash before podSelector)",
        )
    other_ns = "" if ep.namespace == policy_ns else f" is in namespace {ep.namespace} and"
    facts = _mismatch_prose(f"{describe_endpoint(ep)}{other_ns}", pod_selector, ep.labels)
    return miss("pod-label", f"{scope}; {facts}")


def _namespace_peer_miss(
    miss: _MissMaker,
    ns_selector: Obj,
    pod_selector: Obj | None,
    ref: RuleRef,
    ep: Endpoint,
    ns_labels: Mapping[str, str],
) -> Miss | None:
    namespace = str(ep.namespace)
    ns_ok = selector_matches(ns_selector, ns_labels)
    pod_ok = pod_selector is None or selector_matches(pod_selector, ep.labels)
    if ns_ok and pod_ok:
        return None
    ns_facts = _mismatch_prose(f"namespace {namespace}", ns_selector, ns_labels)
    keys = {*(ns_selector.get("matchLabels") or {}),
            *(str(e.get("key")) for e in ns_selector.get("matchExpressions") or [])}
    if set(ns_labels) - keys:  # labels the mismatch did not already name
        ns_facts += f"; it has {_labels(ns_labels)}"
    ns_facts += _name_hint(ns_selector, namespace)
    if pod_selector is None:
        return miss(
            "namespace-label", f"selects {_selects_text(ns_selector, 'namespaces')}; {ns_facts}"
        )
    both = (
        f"is one entry with both namespaceSelector and podSelector, so it admits only "
        f"{_selects_text(pod_selector, 'pods')} in {_selects_text(ns_selector, 'namespaces')} (AND)"
    )
    pod_desc = describe_endpoint(ep)
    if ns_ok:
        pod_facts = _mismatch_prose(pod_desc, pod_selector, ep.labels)
        return miss(
            "peer-and-or",
            f"{both}; namespace {namespace} matches, but {pod_facts}. As two entries "
            "(`- namespaceSelector` and `- podSelector`) the namespaceSelector alone would "
            "admit it",
        )
    if pod_ok and namespace == ref.policy_namespace:
        return miss(
            "peer-and-or",
            f"{both}; {pod_desc} matches the podSelector, but {ns_facts}. As two entries the "
            "podSelector alone would admit it (it covers the policy's own namespace)",
        )
    pod_part = (
        f"{pod_desc} matches the podSelector, but {ns_facts}"
        if pod_ok
        else f"{_mismatch_prose(pod_desc, pod_selector, ep.labels)}; {ns_facts}"
    )
    return miss("namespace-label", f"{both}; {pod_part}")


def _name_hint(ns_selector: Obj, namespace: str) -> str:
    """Point at the name label when the selector clearly meant this namespace by name."""
    plain = ns_selector.get("matchLabels") or {}
    if "matchLabels" not in ns_selector and "matchExpressions" not in ns_selector:
        plain = ns_selector
    meant = any(k != NAMESPACE_NAME_LABEL and v == namespace for k, v in plain.items())
    return f"; select it by name with {NAMESPACE_NAME_LABEL}={namespace}" if meant else ""


def _ipblock_mismatch(block: Obj, ep: Endpoint) -> str | None:
    """None when `ep` is inside the block, else prose saying why not."""
    cidr = str(block.get("cidr", ""))
    if ep.ip is None:
        return f"allows ipBlock {cidr}, and the IP of {describe_endpoint(ep)} is unknown"
    try:
        address = ipaddress.ip_address(ep.ip)
        network = ipaddress.ip_network(cidr, strict=False)
        excepts = [ipaddress.ip_network(str(e), strict=False) for e in block.get("except") or []]
    except ValueError as err:
        return f"allows ipBlock {cidr}, which cannot be matched: {err}"
    caveat = _pod_ipblock_caveat(ep)
    if address not in network:
        return f"allows ipBlock {cidr}; {describe_endpoint(ep)} has IP {address}{caveat}"
    excluded = next((e for e in excepts if address in e), None)
    if excluded is None:
        return None
    return (
        f"allows ipBlock {cidr}, but {describe_endpoint(ep)} has IP {address}, which its "
        f"except {excluded} removes{caveat}"
    )


def _pod_ipblock_caveat(ep: Endpoint) -> str:
    if ep.namespace is None or ep.host_network:
        return ""
    return (
        "; ipBlock is meant for cluster-external addresses: pod IPs change when pods are "
        "recreated, and whether pod traffic is matched by ipBlock is implementation-defined, "
        "so select pods with podSelector/namespaceSelector"
    )


def _port_miss(ref: RuleRef, entries: Sequence[Obj], conn: _Connection) -> Miss | None:
    if not entries:
        return None
    pod = conn.dst.pod
    spans = [(_protocol(e), _entry_span(e, pod)) for e in entries]

    def hits(port: int, protocol: str | None) -> bool:
        return any(
            span is not None and span[0] <= port <= span[1] and protocol in (None, proto)
            for proto, span in spans
        )

    if hits(conn.port, conn.protocol):
        return None
    allowed = ", ".join(_describe_port(e, pod) for e in entries)
    where = f"`{ref.policy_name}` {_rule_path(ref)}.ports allows {allowed}"
    sp = conn.service_port
    if sp is not None and sp != conn.port and hits(sp, conn.protocol):
        return Miss(
            ref,
            "service-port",
            f"{where}: {sp} is the Service port, but NetworkPolicy sees the connection after "
            f"the Service's DNAT, on pod port {conn.port}; allow {conn.protocol} {conn.port} "
            "or the container port's name",
        )
    if hits(conn.port, None):
        return Miss(ref, "protocol", f"{where}; the connection is {conn.protocol} {conn.port}")
    unnamed = [str(e.get("port")) for e in entries if isinstance(e.get("port"), str)
               and not is_number(str(e.get("port"))) and _entry_span(e, pod) is None]
    if pod is not None and len(unnamed) == len(entries):  # the rule admits no port at all
        declared = ", ".join(f"{p.get('name')}={p.get('containerPort')}/{p.get('protocol') or 'TCP'}"
                             for p in container_ports(pod) if p.get("name")) or "none named"
        return Miss(ref, "named-port", f"{where}: no container of {describe_endpoint(conn.dst)} "
                    f"declares a port named {', '.join(unnamed)} (its named ports: {declared}), "
                    f"so the rule admits no port; the connection goes to {conn.protocol} "
                    f"{conn.port}")
    return Miss(ref, "port", f"{where}; the connection goes to {conn.protocol} {conn.port}")


def _entry_span(entry: Obj, pod: Obj | None) -> tuple[int, int] | None:
    """The inclusive port range an entry allows on `pod`; None for an unresolvable name."""
    port = entry.get("port")
    if port is None:
        return _ALL_PORTS
    if isinstance(port, str) and not is_number(port):
        resolved = None if pod is None else resolve_target_port(pod, port, _protocol(entry))
        return None if resolved is None else (resolved, resolved)
    low = int(port)
    return (low, int(entry.get("endPort") or low))


def _describe_port(entry: Obj, pod: Obj | None) -> str:
    proto, port = _protocol(entry), entry.get("port")
    if port is None:
        return f"all {proto} ports"
    if isinstance(port, str) and not is_number(port):
        span = _entry_span(entry, pod)
        found = f"= {span[0]} on this pod" if span else "no such port on this pod"
        return f"{proto} {port} ({found})"
    end = entry.get("endPort")
    return f"{proto} {port}-{end}" if end else f"{proto} {port}"


def _rule_path(ref: RuleRef) -> str:
    return f"{ref.direction}[{ref.rule_index}]"


def _protocol(entry: Obj) -> str:
    return str(entry.get("protocol") or "TCP").upper()


def _mismatch_prose(subject: str, selector: Obj, labels: Mapping[str, str]) -> str:
    facts = selector_mismatches(selector, labels)
    plain = [f for f in facts if f.startswith("no label ") or " (want " in f]
    exprs = [f for f in facts if f not in plain]
    parts = ([f"has {', '.join(plain)}"] if plain else []) + exprs
    return f"{subject} {' and '.join(parts)}"


def _is_everything(selector: Obj) -> bool:
    return describe_selector(selector) == "<everything>"


def _selects_text(selector: Obj, noun: str) -> str:
    if _is_everything(selector):
        return f"all {noun}"
    return f"{noun} with {describe_selector(selector)}"


def _labels(labels: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "no labels"


def _namespace(policy: Obj) -> str:
    return str((policy.get("metadata") or {}).get("namespace") or "default")


def _name(policy: Obj) -> str:
    return str((policy.get("metadata") or {}).get("name") or "<unnamed>")


def _policy_id(policy: Obj) -> str:
    return f"{_namespace(policy)}/{_name(policy)}"
