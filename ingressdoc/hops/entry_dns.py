"""What the host's DNS answer says about the entry point: who the clients are, and which
nodes they reach.

The objects alone cannot tell whether an internal load balancer matters (IDC114 is only
informational) or which nodes clients send traffic to. The host's DNS answer can: a name
that a public resolver answers, or that resolves to public addresses, is meant for clients
outside the private network, who cannot reach an internal load balancer (IDC131); and a name
that resolves to node addresses sends clients to those nodes alone, so externalTrafficPolicy
Local (IDC112) is judged on them.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.dns import HostAnswer
from ingressdoc.hops.entry import etp_local, node_addresses
from ingressdoc.hops.model import Hop, HopId, HopStatus, TraceResult, status_from
from ingressdoc.k8s.objects import name
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
    for f in entry.findings:
        svc: Mapping[str, Any] | None = snap.get("Service", f.object.namespace, f.object.name)
        if f.code == "IDC112" and svc is not None and at_nodes and not balancers & seen:
            found.extend(etp_local(svc, pods, nodes, at_nodes))
            continue
        found.append(f)
        if f.code == "IDC114" and public is not None:
            found.append(finding("IDC131", f.object, f"{public}, so its clients are outside "
                                 f"the private network, but {f.object} is an internal load "
                                 f"balancer ({f.message}): they cannot reach it",
                                 field=f.field))
    if tuple(found) == entry.findings:
        return result
    return dataclasses.replace(result, hops=tuple(
        _with(h, tuple(found)) if h is entry else h for h in result.hops))


def _with(hop: Hop, found: tuple[Finding, ...]) -> Hop:
    status = status_from(found, unknown=hop.status is HopStatus.UNKNOWN)
    return dataclasses.replace(hop, findings=found, status=status)
