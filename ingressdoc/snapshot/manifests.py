"""Build a snapshot from YAML/JSON manifests: files, directories, stdin, `kind: List`.

Workloads stand in for their pods through their pod templates, and the EndpointSlices the
control plane would create are derived from them; both are marked derived, so status a
manifest cannot know is reported as unknown, never as a failure. Hand-written Endpoints are
mirrored into EndpointSlices as the control plane does (their readiness is known), where the
manifests speak for EndpointSlices: where they hold pods, or without pods a selector
Service's missing slices would read as a failure. A saved snapshot is a
`kind: List` with a header and replays the kind statuses of the run that wrote it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ingressdoc.errors import ManifestError
from ingressdoc.k8s.endpoints import SERVICE_NAME_LABEL, derive_slices
from ingressdoc.k8s.mirroring import mirrored_slices, mirrors
from ingressdoc.k8s.objects import labels, name, namespace, spec
from ingressdoc.k8s.selectors import selector_matches
from ingressdoc.snapshot import KindStatus, Origin, Snapshot
from ingressdoc.snapshot.documents import decode, documents
from ingressdoc.snapshot.kinds import GATEWAY_KINDS, KINDS
from ingressdoc.snapshot.redact import redact_secret
from ingressdoc.snapshot.schema import type_problem

Obj = Mapping[str, Any]
HEADER_KEY = "ingressdocSnapshot"
SUFFIXES = (".yaml", ".yml", ".json")
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob")
# Kinds a manifest set speaks for even when it holds none of them: a missing Service is
# missing. Everything else is "not in the snapshot" unless at least one object is present.
CLOSED_WORLD = ("Ingress", "Service")
# Manifests holding any Gateway API object speak for the whole group: a Gateway without
# HTTPRoutes has none, it is not "not checked".
CLUSTER_SCOPED = frozenset({k for k, info in KINDS.items() if not info.namespaced})


def _item_nodes(node: yaml.Node) -> list[yaml.Node]:
    """A List's item nodes, so each item keeps its own origin."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "items" and isinstance(value, yaml.SequenceNode):
                return list(value.value)
    return []


def _read(path: str) -> Iterator[tuple[str, str]]:
    if path == "-":
        yield "<stdin>", decode(sys.stdin.buffer.read(), "<stdin>")
        return
    p = Path(path)
    if not p.exists():
        raise ManifestError(f"{path}: no such file or directory")
    files = sorted(f for f in p.rglob("*") if f.suffix in SUFFIXES) if p.is_dir() else [p]
    if p.is_dir() and not files:
        raise ManifestError(f"{path}: no .yaml, .yml or .json files")
    for f in files:
        try:
            data = f.read_bytes()
        except OSError as exc:
            raise ManifestError(f"{f}: cannot read: {exc.strerror or exc}") from None
        yield str(f), decode(data, str(f))


class ManifestSource:
    """Manifests hold everything they hold: a read plan changes nothing."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths

    def read(self, plan: Callable[[Snapshot], Sequence[object]] | None = None) -> Snapshot:
        return load(self.paths)


def load(paths: list[str]) -> Snapshot:
    snap = Snapshot(source="manifests " + ", ".join(paths))
    header: Mapping[str, Any] = {}
    for source, text in (doc for path in paths for doc in _read(path)):
        for doc, line, node in documents(text, source):
            item_nodes = _item_nodes(node)
            if doc is None:
                continue
            if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str):
                raise ManifestError(f"{source}:{line}: not a Kubernetes object (no kind)")
            if doc.get(HEADER_KEY):
                header = _header(doc[HEADER_KEY], f"{source}:{line}")
            if not doc["kind"].endswith("List"):
                _add(snap, doc, Origin(source, line, node))
                continue
            items = doc.get("items") or []
            if not isinstance(items, list):
                raise ManifestError(f"{source}:{line}: items of a {doc['kind']} must be a list")
            for i, obj in enumerate(items):
                item = item_nodes[i] if i < len(item_nodes) else None
                _add(snap, obj, Origin(source, item.start_mark.line + 1, item) if item
                     else Origin(source, line))
    if not header and not any(snap.objects.values()):
        raise ManifestError(f"no Kubernetes objects in {', '.join(paths)}")
    _apply_statuses(snap, header)
    _derive(snap)
    return snap


def _header(header: Any, where: str) -> Mapping[str, Any]:
    """A saved snapshot's header, refused unless every kind status is one it could write."""
    states = {s.value for s in KindStatus}
    if not isinstance(header, dict):
        raise ManifestError(f"{where}: {HEADER_KEY} must be a mapping")
    for key in ("kinds", "scopes"):
        value = header.get(key) or {}
        if not isinstance(value, dict) or not all(isinstance(v, str) and v in states
                                                  for v in value.values()):
            raise ManifestError(f"{where}: {HEADER_KEY}.{key} must map names to one of "
                                f"{', '.join(sorted(states))}")
    return header


def _shape_error(obj: Any) -> str | None:
    """What makes `obj` an object the API server would not accept, if anything."""
    if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str) or not obj["kind"]:
        return "object without kind"
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        return f"{obj['kind']} without metadata.name"
    problem = type_problem(obj)
    return f"{obj['kind']} {meta['name']}: {problem}" if problem else None


def _add(snap: Snapshot, obj: Any, origin: Origin) -> None:
    problem = _shape_error(obj)
    if problem:
        raise ManifestError(f"{origin}: {problem}")
    if obj["kind"] not in CLUSTER_SCOPED:
        obj["metadata"].setdefault("namespace", "default")
    snap.add(redact_secret(obj) if obj["kind"] == "Secret" else obj, origin)


def _apply_statuses(snap: Snapshot, header: Mapping[str, Any]) -> None:
    for kind, state in (header.get("kinds") or {}).items():
        snap.mark(kind, KindStatus(state))
    for scope, state in (header.get("scopes") or {}).items():
        kind, _, ns = str(scope).partition("@")
        snap.mark_scope(kind, None if ns == "*" else ns, KindStatus(state))
    if header:
        snap.source = f"snapshot of {header.get('source', 'unknown')}"
        snap.live = bool(header.get("live"))
        return
    for kind in CLOSED_WORLD:
        snap.mark(kind, KindStatus.LOADED)
    if any(snap.list(kind) for kind in GATEWAY_KINDS):
        for kind in GATEWAY_KINDS:
            snap.mark(kind, KindStatus.LOADED)


def _template(workload: Obj) -> Mapping[str, Any]:
    if workload.get("kind") == "CronJob":
        return spec(spec(workload).get("jobTemplate") or {}).get("template") or {}
    return spec(workload).get("template") or {}


def _derive(snap: Snapshot) -> None:
    """Pods from workload templates, EndpointSlices mirrored from hand-written Endpoints and
    derived from Services, as the control plane would."""
    workloads = [w for kind in WORKLOADS for w in snap.list(kind)]
    for wl in workloads:
        if spec(wl).get("replicas") == 0:
            continue  # scaled to zero: the control plane creates no pod
        owned_by = (wl.get("metadata") or {}).get("ownerReferences") or []
        tmpl = _template(wl)
        tmpl_labels = labels(tmpl)
        if owned_by or any(selector_matches(tmpl_labels, labels(p)) and tmpl_labels
                           for p in snap.list("Pod", namespace(wl)) if not snap.is_derived(p)):
            continue
        pod = {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": f"{name(wl)}-{str(wl['kind']).lower()}-pod",
                "namespace": namespace(wl),
                "labels": dict(tmpl_labels),
                "ownerReferences": [{"kind": wl["kind"], "name": name(wl)}],
            },
            "spec": dict(spec(tmpl)),
        }
        snap.add(pod, snap.origin_of(wl), derived=True)
    if snap.list("Pod") or workloads:  # workloads speak for their pods, even for none
        snap.mark("Pod", KindStatus.LOADED)
    if not snap.loaded("Pod") or snap.live:
        return
    snap.mark("EndpointSlice", KindStatus.LOADED)
    named = {(namespace(s), labels(s).get(SERVICE_NAME_LABEL)) for s in snap.list("EndpointSlice")}
    for eps in snap.list("Endpoints"):
        key = (namespace(eps), name(eps))
        if key not in named and mirrors(eps, snap.get("Service", *key)):
            for mirrored in mirrored_slices(eps):  # readiness is the Endpoints' own: not derived
                snap.add(mirrored, snap.origin_of(eps))
            named.add(key)
    for svc in snap.list("Service"):
        if spec(svc).get("selector") and (namespace(svc), name(svc)) not in named:
            for derived in derive_slices(svc, snap.selected_pods(svc)):
                snap.add(derived, snap.origin_of(svc), derived=True)
