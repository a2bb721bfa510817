"""The client side: which pods FROM names, as the snapshot knows them.

A FROM that names nothing in a snapshot holding Pods is bad input (exit 3), said with what
does exist; a snapshot without Pods leaves the client unknown, never "not found".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.errors import RequestSyntaxError
from ingressdoc.hops.base import missing_inputs, not_checked
from ingressdoc.hops.model import Hop, HopId, HopStatus
from ingressdoc.k8s.controllers import controllers_of
from ingressdoc.k8s.endpoints import pod_ready
from ingressdoc.k8s.ingress_class import default_classes
from ingressdoc.k8s.objects import labels, meta, name, namespace, spec
from ingressdoc.k8s.profiles import PROFILES
from ingressdoc.k8s.selectors import describe_selector
from ingressdoc.reach.parse import CONTROLLER, ClientSpec, describe_client
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
TITLE = "Client"
# Pods are owned by a generated child of these kinds, named `<parent>-<suffix>`.
_GENERATED_CHILD = {"Deployment": "ReplicaSet", "CronJob": "Job"}


@dataclass(frozen=True)
class ClientFacts:
    namespace: str | None
    pods: tuple[Obj, ...]
    controller: bool  # the client is an ingress controller: its denials are IDC701

    def representatives(self) -> list[Obj]:
        """One pod per label set: policies select by labels, so replicas decide alike."""
        return representatives(self.pods)


def representatives(pods: Sequence[Obj]) -> list[Obj]:
    groups: dict[tuple[str | None, frozenset[tuple[str, str]], bool], Obj] = {}
    for pod in sorted(pods, key=lambda p: pod_ready(p) is not True):
        key = (namespace(pod), frozenset(labels(pod).items()), bool(spec(pod).get("hostNetwork")))
        groups.setdefault(key, pod)
    return list(groups.values())


def resolve(snapshot: Snapshot, client: ClientSpec) -> tuple[Hop, ClientFacts]:
    controller = client.kind == "ingress-controller"
    note, gaps = missing_inputs(snapshot, ("Pod",))
    if note:
        return (not_checked(HopId.CLIENT, TITLE, note, gaps),
                ClientFacts(client.namespace, (), controller))
    pods = _pods(snapshot, client)
    if not pods:
        raise RequestSyntaxError(_nothing_found(snapshot, client))
    ns = namespace(pods[0])
    derived = any(snapshot.is_derived(p) for p in pods)
    ready = sum(1 for p in pods if pod_ready(p))
    summary = f"{describe_client(client)}: {len(pods)} pods in {ns}" + (
        "" if derived else f", {ready} ready")
    hop = Hop(HopId.CLIENT, TITLE, HopStatus.OK, summary,
              objects=tuple(ObjectRef.of(p) for p in pods),
              note="pods from workload templates: labels known, status unknown"
              if derived else None)
    return hop, ClientFacts(ns, tuple(pods), controller)


def _pods(snapshot: Snapshot, client: ClientSpec) -> list[Obj]:
    if client.kind == "pod":
        pod = snapshot.get("Pod", client.namespace, str(client.name))
        return [pod] if pod is not None else []
    if client.kind == "selector":
        return list(snapshot.list("Pod", client.namespace, client.selector))
    if client.kind == "workload":
        return [p for p in snapshot.list("Pod", client.namespace)
                if _owned_by(p, str(client.workload_kind), str(client.name))]
    wanted = _controller_string(snapshot, client.name)
    return [p for p in snapshot.list("Pod")
            if controllers_of(p) and (wanted is None or wanted in controllers_of(p))]


def _owned_by(pod: Obj, kind: str, workload: str) -> bool:
    for owner in meta(pod).get("ownerReferences") or []:
        owner_kind, owner_name = owner.get("kind"), str(owner.get("name", ""))
        if owner_kind == kind and owner_name == workload:
            return True
        if owner_kind == _GENERATED_CHILD.get(kind) and owner_name.rsplit("-", 1)[0] == workload:
            return True
    return False


def _controller_string(snapshot: Snapshot, class_name: str | None) -> str | None:
    """The controller of the named class, else of the default class; None: any controller."""
    classes = snapshot.list("IngressClass")
    if class_name is not None:
        cls = next((c for c in classes if name(c) == class_name), None)
        if cls is None:
            have = ", ".join(sorted(name(c) for c in classes)) or "none in the snapshot"
            raise RequestSyntaxError(f"FROM {CONTROLLER}/{class_name}: no IngressClass "
                                     f"{class_name} (have: {have})")
        return str(spec(cls).get("controller") or "")
    defaults = default_classes(classes)
    return str(spec(defaults[0]).get("controller") or "") if len(defaults) == 1 else None



def _nothing_found(snapshot: Snapshot, client: ClientSpec) -> str:
    if client.kind == "ingress-controller":
        known = ", ".join(p.title for p in PROFILES if p.pods)
        return (f"FROM {client.text!r}: no pod of a known ingress controller ({known}) in "
                "the snapshot")
    ns_pods = snapshot.list("Pod", client.namespace)
    owners = sorted({f"{o.get('kind', '').lower()}/{o.get('name')}"
                     for p in ns_pods for o in meta(p).get("ownerReferences") or []})
    what = {"pod": "no such pod", "workload": f"no pod of {client.workload_kind} {client.name}",
            "selector": f"no pod matches {describe_selector(client.selector)}"}[client.kind]
    if owners:
        return (f"FROM {client.text!r}: {what} in namespace {client.namespace}; its pods belong "
                f"to {', '.join(owners)} (write FROM as {client.namespace}/KIND/NAME)")
    return f"FROM {client.text!r}: {what} in namespace {client.namespace} ({len(ns_pods)} pods)"
