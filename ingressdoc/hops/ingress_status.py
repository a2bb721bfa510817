"""The Ingress's status: where the controller that admitted it says it is reachable.

Controllers write `status.loadBalancer.ingress` for the Ingresses they serve. It is an
entry address for any controller, also one ingressdoc does not recognise or one outside the
cluster, and its absence, while Ingresses of the same class carry one, says that no
controller has admitted this Ingress.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.hops.controller import class_ingresses
from ingressdoc.hops.model import EntryAddress, Evidence, HopId, TraceResult, amend
from ingressdoc.k8s.ingress_class import resolve_class
from ingressdoc.k8s.objects import status
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
_PORTS = {"http": 80, "https": 443}
SETTLE_SECONDS = 60  # a controller publishes within seconds; an empty status before says little


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _route(snap: Snapshot, result: TraceResult) -> Obj | None:
    rule = next((h for h in result.hops if h.hop == HopId.RULE), None)
    ref = next((r for r in rule.objects if r.kind == "Ingress"), None) if rule else None
    return snap.get("Ingress", ref.namespace, ref.name) if ref is not None else None


def _published(ing: Obj) -> list[Obj]:
    return [e for e in (status(ing).get("loadBalancer") or {}).get("ingress") or []
            if e.get("ip") or e.get("hostname")]


def status_addresses(snap: Snapshot, result: TraceResult) -> tuple[EntryAddress, ...]:
    """The routing Ingress's status addresses, on the request's port (or the ports the
    status lists), for the request's scheme."""
    ing = _route(snap, result) if snap.live else None
    if ing is None:
        return ()
    scheme = result.request.scheme
    out: list[EntryAddress] = []
    for entry in _published(ing):
        address = str(entry.get("ip") or entry.get("hostname"))
        listed = [int(p["port"]) for p in entry.get("ports") or [] if p.get("port")]
        ports = [result.request.port] if result.request.port else listed or [_PORTS[scheme]]
        out.extend(EntryAddress(address, p, scheme, "Ingress status") for p in ports)
    return tuple(out)


def attach(snap: Snapshot, result: TraceResult, now: datetime | None = None) -> TraceResult:
    """Live snapshots only: the status as evidence on the controller hop; empty while other
    Ingresses of its class have one, an IDC280 warning, unless the Ingress is too new for a
    controller to have published yet."""
    ing = _route(snap, result) if snap.live else None
    if ing is None:
        return result
    created = _timestamp((ing.get("metadata") or {}).get("creationTimestamp"))
    age = ((now or datetime.now(timezone.utc)) - created).total_seconds() if created else None
    ref = ObjectRef.of(ing)
    published = _published(ing)
    shown = ", ".join(str(e.get("ip") or e.get("hostname")) for e in published)
    class_name = resolve_class(ing, snap.list("IngressClass")).class_name
    peers = [i for i in class_ingresses(snap, class_name) if ObjectRef.of(i) != ref
             and _published(i)] if class_name else []
    found = []
    if published:
        outcome = f"published at {shown}"
    elif age is not None and age < SETTLE_SECONDS:
        outcome = f"empty (created {age:.0f}s ago: the controller may not have published yet)"
    elif peers:
        outcome = "empty: no controller has admitted it"
        found.append(finding(
            "IDC280", ref,
            f"{ref} has no status address, while {len(peers)} other Ingress(es) of class "
            f"{class_name} have one (e.g. {ObjectRef.of(peers[0])}): the controller of the "
            "class has not admitted it", field="status.loadBalancer.ingress"))
    else:
        outcome = "empty (no Ingress of its class has one: the controller may not publish it)"
    evidence = Evidence("status", str(ref), outcome)
    hops = tuple(amend(h, (evidence,), found) if h.hop == HopId.CONTROLLER else h
                 for h in result.hops)
    return dataclasses.replace(result, hops=hops)
