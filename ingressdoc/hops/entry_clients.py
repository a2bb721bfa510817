"""What live evidence says about the entry point's clients: where they are, and which nodes
they reach.

The objects alone cannot tell whether an internal load balancer matters (IDC114 is only
informational) or which nodes clients send traffic to. Live evidence can. A name that a
public resolver answers, or that resolves to public addresses, is meant for clients outside
the private network, who cannot reach an internal load balancer (IDC131); so is a request
that gets no answer from the internal load balancer from where ingressdoc runs (`--probe`).
A name that resolves to node addresses sends clients to those nodes alone, so
externalTrafficPolicy Local (IDC112) is judged on them.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.dns import HostAnswer
from ingressdoc.hops.entry import etp_local, node_addresses
from ingressdoc.hops.evidence import HttpObservation
from ingressdoc.hops.model import Hop, HopId, HopStatus, TraceResult, status_from
from ingressdoc.k8s.objects import name, spec
from ingressdoc.snapshot import Snapshot


def _global(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]") if address.count(":") == 1 or (
        address.startswith("[")) else address
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return False


def public_evidence(host: str, answer: HostAnswer) -> str | None:
    """Why the answer shows the name is for clients on the internet, if it does: a resolver
    with a public address answered it, or it resolves to public addresses."""
    if answer.status != "ok" or answer.source != "dns":
        return None
    public = [a for a in answer.addresses if _global(a)]
    if public:
        return f"{host} resolves to public addresses ({', '.join(public)})"
    if answer.server and _global(answer.server):
        return f"the public resolver {answer.server} answers {host}"
    return None


def attach(result: TraceResult, snap: Snapshot, answer: HostAnswer) -> TraceResult:
    """The entry hop judged again with the host's DNS answer."""
    entry = next((h for h in result.hops if h.hop == HopId.ENTRY), None)
    if entry is None or answer.status != "ok":
        return result
    host = result.request.host
    seen = {a.lower().rstrip(".") for a in (*answer.addresses, *answer.cnames)}
    nodes = snap.list("Node")
    at_nodes = {name(n) for n in nodes if node_addresses(n) & seen}
    balancers = {e.address.lower().rstrip(".") for e in result.entry_addresses
                 if e.via == "LoadBalancer"}
    pods = result.controller.pods if result.controller is not None else ()
    public = public_evidence(host, answer)
    found: list[Finding] = []
    for f in entry.findings:  # each IDC112 judged again, IDC131 beside each IDC114
        svc: Mapping[str, Any] | None = snap.get("Service", f.object.namespace, f.object.name)
        if f.code == "IDC112" and svc is not None and at_nodes and not balancers & seen:
            found.extend(etp_local(svc, pods, nodes, at_nodes))
            continue
        found.append(f)
        if f.code == "IDC114" and public is not None:
            found.append(_outside(f, f"{public}, so its clients are outside the private "
                                     "network"))
    return _replaced(result, entry, found)


def attach_probes(result: TraceResult, snap: Snapshot,
                  observations: Sequence[HttpObservation]) -> TraceResult:
    """IDC131 from `--probe`: every load balancer of the entry is internal, and none of
    them answers the request from where ingressdoc runs (no connection): this client is
    outside their network."""
    entry = next((h for h in result.hops if h.hop == HopId.ENTRY), None)
    if entry is None:
        return result
    internal = {f.object: f for f in entry.findings if f.code == "IDC114"}
    balancers = [ref for ref in entry.objects
                 if spec(snap.get(ref.kind, ref.namespace, ref.name) or {}).get("type")
                 == "LoadBalancer"]
    tried = [o for o in observations if o.hop == HopId.ENTRY and o.skipped is None
             and o.target.endswith("(LoadBalancer)")]
    if not balancers or not tried or any(ref not in internal for ref in balancers) or any(
            o.status is not None for o in tried):
        return result
    why = "; ".join(f"{o.target}: {o.error}" for o in tried)
    found = [*entry.findings, *(_outside(internal[ref], "from where ingressdoc runs the "
                                         f"request gets no answer ({why}), so this client is "
                                         "outside the private network") for ref in balancers)]
    return _replaced(result, entry, found)


def _outside(internal: Finding, evidence: str) -> Finding:
    return finding("IDC131", internal.object, f"{evidence}, but {internal.object} is an "
                   f"internal load balancer ({internal.message}): such clients cannot reach "
                   "it", field=internal.field)


def _replaced(result: TraceResult, entry: Hop, found: list[Finding]) -> TraceResult:
    if tuple(found) == entry.findings:
        return result
    return dataclasses.replace(result, hops=tuple(
        _with(h, tuple(found)) if h is entry else h for h in result.hops))


def _with(hop: Hop, found: tuple[Finding, ...]) -> Hop:
    status = status_from(found, unknown=hop.status is HopStatus.UNKNOWN)
    return dataclasses.replace(hop, findings=found, status=status)
