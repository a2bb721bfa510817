"""Why a backend has no pods, or pods that can never become ready, and which object to edit.

Empty or unready endpoints are a consequence. The causes the objects prove: a workload scaled
to zero (and what the objects say set it: an HPA, a downscaler's annotation), and pods the
scheduler can never place (requests, node selection, taints, required anti-affinity with too
few nodes) or whose claims never bind. They are computed for pods from workload templates and
for live pods not yet scheduled, from the current objects rather than an old condition
message. A finding about a pod of a workload names the workload and the field in its template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import missing_inputs
from ingressdoc.k8s.events import FAILED_CREATE, last_seen, latest
from ingressdoc.k8s.objects import (
    annotations_of,
    condition,
    labels,
    name,
    namespace,
    spec,
    status,
)
from ingressdoc.k8s.scheduling import Placement, hostname_anti_affinity, place
from ingressdoc.k8s.selectors import describe_selector, selector_matches
from ingressdoc.k8s.storage import claim_problem
from ingressdoc.snapshot import ObjectRef, Snapshot

Obj = Mapping[str, Any]
WORKLOADS = ("Deployment", "StatefulSet", "ReplicaSet")
_SCALERS = ("downscaler", "keda.sh", "scale")  # annotation keys that speak of scaling
_PLACEMENT_CODES = {"unschedulable": "IDC632", "selector": "IDC632", "taints": "IDC633",
                    "resources": "IDC631"}
_PLACEMENT_FIELDS = {"unschedulable": "spec.unschedulable (nodes)", "selector": "nodeSelector",
                     "taints": "tolerations", "resources": "containers[].resources.requests"}


def template_subject(snap: Snapshot, pod: Obj) -> tuple[ObjectRef, str]:
    """What a finding about a pod names: the workload and the pod template's field path for
    a pod from a workload template (manifests), the pod itself otherwise."""
    if not snap.is_derived(pod):
        return ObjectRef.of(pod), "spec"
    ref, _, prefix = _workload(snap, pod)
    return ref, prefix


def _workload(snap: Snapshot, pod: Obj) -> tuple[ObjectRef, Obj | None, str]:
    """The object to edit for a pod, that object when known, and the pod spec's field path in
    it. A ReplicaSet named `<deployment>-<pod-template-hash>` belongs to that Deployment."""
    ns = namespace(pod)
    for owner in (pod.get("metadata") or {}).get("ownerReferences") or []:
        kind, owner_name = str(owner.get("kind")), str(owner.get("name"))
        suffix = "-" + labels(pod).get("pod-template-hash", "\0")
        if kind == "ReplicaSet" and owner_name.endswith(suffix):
            kind, owner_name = "Deployment", owner_name[: -len(suffix)]
        if kind in WORKLOADS:
            return (ObjectRef(kind, ns, owner_name), snap.get(kind, ns, owner_name),
                    "spec.template.spec")
    return ObjectRef.of(pod), pod, "spec"


def _gaps(snap: Snapshot, kinds: tuple[str, ...], ns: str | None) -> tuple[Finding, ...]:
    """Live: kinds the cause needs but may not be read are "not checked" (IDC002/IDC003)."""
    return missing_inputs(snap, kinds, ns)[1] if snap.live else ()


def _replicas(workload: Obj | None) -> int:
    value = spec(workload).get("replicas", 1) if workload is not None else 1
    return int(value) if isinstance(value, int) else 1


def no_pod_causes(snap: Snapshot, svc: Obj) -> list[Finding]:
    """Why the workloads whose template the Service selects have no pod: replicas 0
    (IDC630), or pods their controller fails to create (IDC637: quota, LimitRange,
    admission, as the workload's ReplicaFailure condition says)."""
    selector = spec(svc).get("selector") or {}
    out = list(_gaps(snap, ("Deployment", "StatefulSet"), namespace(svc)))
    for kind in WORKLOADS:
        for wl in snap.list(kind, namespace(svc)):
            tmpl_labels = labels(spec(wl).get("template") or {})
            if not tmpl_labels or not selector_matches(selector, tmpl_labels):
                continue
            ref = ObjectRef.of(wl)
            if _replicas(wl) == 0:
                out.append(finding("IDC630", ref, f"{ref} has spec.replicas 0, so the "
                                   f"Service's selector {describe_selector(selector)} finds no "
                                   "pod" + _who_scaled(snap, wl), field="spec.replicas"))
            else:
                out.extend(replica_failure(wl) or _failed_create(snap, wl))
    return out


def _failed_create(snap: Snapshot, wl: Obj) -> list[Finding]:
    """IDC637 from the newest FailedCreate Event of the workload or its ReplicaSets (named
    `<deployment>-<hash>`), for when no condition says it."""
    kind, wl_name = str(wl.get("kind")), name(wl)
    events = snap.list("Event", namespace(wl)) if snap.loaded("Event") else []
    event = latest(events, FAILED_CREATE, lambda o: (
        o.get("kind") == kind and o.get("name") == wl_name) or (
        kind == "Deployment" and o.get("kind") == "ReplicaSet"
        and str(o.get("name", "")).startswith(wl_name + "-")))
    if event is None:
        return []
    ref = ObjectRef.of(wl)
    return [finding("IDC637", ref, f"{ref} cannot create its pods: FailedCreate "
                    f"({last_seen(event)}): {event.get('message') or ''}".rstrip(": "),
                    field="spec.template")]


def replica_failure(wl: Obj) -> list[Finding]:
    failed = condition(wl, "ReplicaFailure")
    if failed is None or failed.get("status") != "True":
        return []
    ref = ObjectRef.of(wl)
    return [finding("IDC637", ref, f"{ref} cannot create its pods: "
                    f"{failed.get('reason') or 'ReplicaFailure'}: {failed.get('message') or ''}"
                    .rstrip(": "), field="status.conditions[ReplicaFailure]")]


def _who_scaled(snap: Snapshot, wl: Obj) -> str:
    notes = []
    for hpa in snap.list("HorizontalPodAutoscaler", namespace(wl)):
        target = spec(hpa).get("scaleTargetRef") or {}
        if (target.get("kind"), target.get("name")) == (wl.get("kind"), name(wl)):
            notes.append(f"HorizontalPodAutoscaler {name(hpa)} targets it, but an HPA does not "
                         "scale a target whose replicas is 0")
    scalers = sorted(f"{k}={v}" for k, v in annotations_of(wl).items()
                     if any(s in k.lower() for s in _SCALERS))
    if scalers:
        notes.append("scaling annotations: " + ", ".join(scalers))
    return "; " + "; ".join(notes) if notes else ""


def _unscheduled(snap: Snapshot, pod: Obj) -> bool:
    if snap.is_derived(pod):
        return True
    return status(pod).get("phase") == "Pending" and not spec(pod).get("nodeName")


def pending_causes(snap: Snapshot, pods: Sequence[Obj]) -> tuple[list[Finding], set[ObjectRef]]:
    """Findings for pods that can never start, one set per workload, and the pods explained."""
    nodes = list(snap.list("Node")) if snap.loaded("Node") else []
    found: list[Finding] = []
    explained: set[ObjectRef] = set()
    seen: dict[ObjectRef, list[Finding]] = {}
    for pod in pods:
        if not _unscheduled(snap, pod):
            continue
        ref, wl, prefix = _workload(snap, pod)
        if ref not in seen:
            failed = replica_failure(wl) if wl is not None and snap.is_derived(pod) else []
            seen[ref] = failed or _causes(snap, pod, ref, wl, prefix, nodes)
            found.extend(seen[ref])
        if any(f.severity.value == "error" for f in seen[ref]):
            explained.add(ObjectRef.of(pod))
    return found, explained


def _causes(snap: Snapshot, pod: Obj, ref: ObjectRef, wl: Obj | None, prefix: str,
            nodes: Sequence[Obj]) -> list[Finding]:
    pod_spec = spec(pod)
    placement = place(pod_spec, nodes) if nodes else None
    if placement is not None and placement.reason is not None:
        return [finding(_PLACEMENT_CODES[placement.reason], ref,
                        f"pods of {ref} can never be scheduled: {placement.detail}",
                        field=f"{prefix}.{_PLACEMENT_FIELDS[placement.reason]}")]
    out = _storage(snap, pod, ref, wl, prefix, placement)
    if not out and placement is not None and wl is not None and hostname_anti_affinity(
            pod_spec, labels(pod)) and _replicas(wl) > len(placement.eligible):
        stuck = _replicas(wl) - len(placement.eligible)
        out.append(finding("IDC634", ref, f"{_replicas(wl)} replicas require one node each "
                           f"(required podAntiAffinity on kubernetes.io/hostname) but only "
                           f"{len(placement.eligible)} nodes can take them: {stuck} stay Pending",
                           field=f"{prefix}.affinity.podAntiAffinity"))
    return out


def _storage(snap: Snapshot, pod: Obj, ref: ObjectRef, wl: Obj | None, prefix: str,
             placement: Placement | None) -> list[Finding]:
    ns = namespace(pod)
    templates = {str((t.get("metadata") or {}).get("name")): (i, t) for i, t in enumerate(
        spec(wl).get("volumeClaimTemplates") or [])} if wl is not None else {}
    eligible = placement.eligible if placement is not None else None
    volumes = snap.list("PersistentVolume") if snap.loaded("PersistentVolume") else []
    classes = snap.list("StorageClass") if snap.loaded("StorageClass") else []
    out: list[Finding] = []
    claims = [(j, str((v.get("persistentVolumeClaim") or {}).get("claimName")), False)
              for j, v in enumerate(spec(pod).get("volumes") or [])
              if v.get("persistentVolumeClaim")]
    claims += [(i, tname, True) for tname, (i, _) in templates.items()]
    if claims:
        out.extend(_gaps(snap, ("PersistentVolumeClaim", "StorageClass"), ns))
    for index, claim_name, from_template in claims:
        if from_template:
            claim_ref, claim_spec, bound = ref, spec(templates[claim_name][1]), False
            field = f"spec.volumeClaimTemplates[{index}].spec"
        else:
            pvc = snap.get("PersistentVolumeClaim", ns, claim_name)
            if pvc is None:
                if snap.loaded("PersistentVolumeClaim"):
                    out.append(finding("IDC635", ref, f"pods of {ref} mount "
                                       f"PersistentVolumeClaim {claim_name}, which does not "
                                       "exist: they stay Pending",
                                       field=f"{prefix}.volumes[{index}].persistentVolumeClaim",
                                       hint=f"Create PersistentVolumeClaim {claim_name}."))
                continue
            claim_ref, claim_spec = ObjectRef.of(pvc), spec(pvc)
            bound = status(pvc).get("phase") == "Bound"
            field = "spec.volumeName" if bound else "spec.storageClassName"
        problem = claim_problem(claim_spec, bound, volumes, classes, eligible,
                                snap.loaded("StorageClass"))
        if problem is not None:
            code = "IDC635" if problem.kind == "unbindable" else "IDC636"
            state = " cannot bind" if code == "IDC635" else ""
            out.append(finding(code, claim_ref, f"claim {claim_name} of {ref}{state}: "
                               f"{problem.message}; its pods stay Pending", field=field,
                               hint="Name an existing StorageClass (kubectl get storageclass), "
                               "or provide a volume that fits." if code == "IDC635" else None))
    return out
