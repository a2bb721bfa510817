"""Why a backend has no pods, or pods that can never become ready, and which object to edit.

Empty or unready endpoints are a consequence. The causes the objects prove: a workload scaled
to zero (and what the objects say set it: an HPA, a downscaler's annotation), pods the API
server never admits (LimitRange, ResourceQuota), a rollout whose strategy takes every pod down,
and pods the scheduler can never place (requests, node selection, taints, required
anti-affinity with too few nodes) or whose claims never bind. They are computed for pods from
workload templates and for live pods not yet scheduled, from the current objects rather than
an old condition message. A finding about a pod of a workload names the workload and the
field in its template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.base import missing_inputs
from ingressdoc.k8s.admission import (
    Rejection,
    admitted_spec,
    limit_range_rejections,
    quota_rejections,
)
from ingressdoc.k8s.endpoints import READY, EndpointAdmission, pod_endpoint
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
        return snap.ref(pod), "spec"
    ref, _, prefix = _workload(snap, pod)
    owners = (pod.get("metadata") or {}).get("ownerReferences") or []
    if ref.kind == "Pod" and owners:  # a DaemonSet, Job or CronJob template's pod
        kind = str(owners[0].get("kind"))
        return (ObjectRef(kind, namespace(pod), str(owners[0].get("name"))),
                "spec.jobTemplate.spec.template.spec" if kind == "CronJob"
                else "spec.template.spec")
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
    return snap.ref(pod), pod, "spec"


def _gaps(snap: Snapshot, kinds: tuple[str, ...], ns: str | None) -> tuple[Finding, ...]:
    """Live: kinds the cause needs but may not be read are "not checked" (IDC002/IDC003)."""
    return missing_inputs(snap, kinds, ns)[1] if snap.live else ()


def _replicas(workload: Obj | None) -> int:
    value = spec(workload).get("replicas", 1) if workload is not None else 1
    return int(value) if isinstance(value, int) else 1


def no_pod_causes(snap: Snapshot, svc: Obj) -> list[Finding]:
    """Why the workloads whose template the Service selects have no pod: replicas 0
    (IDC630), or pods their controller fails to create (IDC637: quota, LimitRange,
    admission, as the workload's ReplicaFailure condition or a FailedCreate event says;
    else IDC638-IDC641 as LimitRange and ResourceQuota admission decide it)."""
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
                out.extend(_cannot_create(snap, wl)
                           or admission_causes(snap, wl, spec(spec(wl).get("template") or {})))
    return out


def _creation_failure(snap: Snapshot, wl: Obj) -> tuple[str, str] | None:
    """Why the workload's controller fails to create pods, and the field that says so: its
    ReplicaFailure condition, else the newest FailedCreate Event of the workload or of its
    ReplicaSets (named `<deployment>-<hash>`)."""
    failed = condition(wl, "ReplicaFailure")
    if failed is not None and failed.get("status") == "True":
        return (f"{failed.get('reason') or 'ReplicaFailure'}: {failed.get('message') or ''}"
                .rstrip(": "), "status.conditions[ReplicaFailure]")
    kind, wl_name = str(wl.get("kind")), name(wl)
    events = snap.list("Event", namespace(wl)) if snap.loaded("Event") else []
    event = latest(events, FAILED_CREATE, lambda o: (
        o.get("kind") == kind and o.get("name") == wl_name) or (
        kind == "Deployment" and o.get("kind") == "ReplicaSet"
        and str(o.get("name", "")).startswith(wl_name + "-")))
    if event is None:
        return None
    return (f"FailedCreate ({last_seen(event)}): {event.get('message') or ''}".rstrip(": "),
            "spec.template")


def _cannot_create(snap: Snapshot, wl: Obj) -> list[Finding]:
    """IDC637: the controller creates none of the workload's pods, and says why."""
    failed = _creation_failure(snap, wl)
    if failed is None:
        return []
    ref = ObjectRef.of(wl)
    return [finding("IDC637", ref, f"{ref} cannot create its pods: {failed[0]}",
                    field=failed[1])]


def short_of_replicas(snap: Snapshot, pods: Sequence[Obj]) -> list[Finding]:
    """IDC643: a workload has some pods, fewer than its replicas, and its controller says
    it fails to create the rest (live)."""
    out: list[Finding] = []
    mine: dict[ObjectRef, tuple[Obj, int]] = {}
    for pod in pods:
        if snap.is_derived(pod) or _terminating(pod):
            continue
        ref, wl, _ = _workload(snap, pod)
        if wl is not None:
            mine[ref] = (wl, mine.get(ref, (wl, 0))[1] + 1)
    for ref, (wl, have) in mine.items():
        failed = _creation_failure(snap, wl) if have < _replicas(wl) else None
        if failed is not None:
            out.append(finding("IDC643", ref, f"{ref} has {have} of its {_replicas(wl)} "
                               f"replicas: its controller fails to create the rest: {failed[0]}",
                               field=failed[1]))
    return out


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


def _terminating(pod: Obj) -> bool:
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def _scaled(value: Any, replicas: int, round_up: bool) -> int | None:
    """An int-or-percent field of a rollout strategy, as the controller scales it."""
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%") or not text[:-1].isdigit():
        return None
    share = int(text[:-1]) * replicas
    return -(-share // 100) if round_up else share // 100


def _all_down(wl: Obj) -> tuple[str, str] | None:
    """Whether the workload's update strategy lets a rollout take every pod down before
    new ones are Ready, and the field that says so. Deployment: Recreate, or RollingUpdate
    whose maxUnavailable (25% by default, rounded down; 1 where maxSurge is 0 too) covers
    every replica. StatefulSet: RollingUpdate replaces one pod at a time, deleting it first,
    so a single replica is always down while it updates."""
    replicas = _replicas(wl)
    if wl.get("kind") == "StatefulSet":
        strategy = spec(wl).get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") == "RollingUpdate" and replicas == 1:
            return ("a StatefulSet of 1 replica deletes its pod before it creates the updated "
                    "one", "spec.updateStrategy")
        return None
    if wl.get("kind") != "Deployment":
        return None
    strategy = spec(wl).get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return ("its strategy Recreate stops every old pod before it creates the new ones",
                "spec.strategy.type")
    rolling = strategy.get("rollingUpdate") or {}
    unavailable = _scaled(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
    surge = _scaled(rolling.get("maxSurge", "25%"), replicas, round_up=True)
    if unavailable == 0 and surge == 0:
        unavailable = 1
    if unavailable is not None and unavailable >= replicas:
        return (f"its RollingUpdate maxUnavailable {rolling.get('maxUnavailable')} lets all "
                f"{replicas} replicas go at once", "spec.strategy.rollingUpdate.maxUnavailable")
    return None


def rollout_causes(snap: Snapshot, pods: Sequence[Obj],
                   admission: EndpointAdmission = READY) -> list[Finding]:
    """IDC642: no selected pod receives requests from the controller (`admission`) while
    staying, some are terminating, and their workload's update strategy lets a rollout take
    every pod down: the rollout is why the Service has no ready endpoint; or the workload was
    scaled to 0 (IDC630). Where the controller still sends requests to the terminating pods
    that serve, the request is served until they stop (IDC645)."""
    if any(snap.is_derived(p) for p in pods) or any(
            admission.receives(pod_endpoint(p)) and not _terminating(p) for p in pods):
        return []
    out: list[Finding] = []
    for ref, wl in {ref: wl for p in pods if _terminating(p)
                    for ref, wl, _ in [_workload(snap, p)] if wl is not None}.items():
        mine = [p for p in pods if _workload(snap, p)[0] == ref]
        going = sum(1 for p in mine if _terminating(p))
        sent = sum(1 for p in mine if _terminating(p) and admission.receives(pod_endpoint(p)))
        why = ((f"{ref} has spec.replicas 0", "spec.replicas") if _replicas(wl) == 0
               else _all_down(wl))
        if why is not None and sent:
            out.append(finding("IDC645", ref, f"{going} of the {len(mine)} pods of {ref} are "
                               f"terminating and none is Ready: {why[0]}; the controller "
                               f"still sends requests to the {sent} that serve "
                               f"({admission.note or admission.what}), until they stop",
                               field=why[1]))
        elif _replicas(wl) == 0:
            out.append(finding("IDC630", ref, f"{ref} has spec.replicas 0: {going} of its pods "
                               "are terminating and none replaces them" + _who_scaled(snap, wl),
                               field="spec.replicas"))
        elif why is not None:
            out.append(finding("IDC642", ref, f"{going} of the {len(mine)} pods of {ref} are "
                               f"terminating and none is Ready: {why[0]}, so the Service has no "
                               "ready endpoint until the new pods are Ready", field=why[1]))
    return out


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
            failed = (_cannot_create(snap, wl) or admission_causes(snap, wl, spec(pod))
                      ) if wl is not None and snap.is_derived(pod) else []
            seen[ref] = failed if _errors(failed) else [
                *failed, *_causes(snap, pod, ref, wl, prefix, nodes)]
            found.extend(seen[ref])
        if _errors(seen[ref]):
            explained.add(ObjectRef.of(pod))
    return found, explained


def _errors(found: Sequence[Finding]) -> bool:
    return any(f.severity.value == "error" for f in found)


_ADMISSION_CODES = {"limit-range": "IDC638", "quota-requires": "IDC639"}


def admission_causes(snap: Snapshot, wl: Obj, pod_spec: Mapping[str, Any]) -> list[Finding]:
    """What LimitRange and ResourceQuota admission make of the pods the workload's
    controller still has to create (spec.replicas less status.replicas, the pods it has):
    none admitted (IDC638, IDC639, IDC640), or fewer than it needs (IDC641)."""
    ns = namespace(wl)
    existing = status(wl).get("replicas")
    have = existing if isinstance(existing, int) else 0
    to_create = _replicas(wl) - have
    if to_create <= 0:
        return []
    out = list(_gaps(snap, ("LimitRange", "ResourceQuota"), ns))
    ranges = snap.list("LimitRange", ns) if snap.loaded("LimitRange") else []
    quotas = snap.list("ResourceQuota", ns) if snap.loaded("ResourceQuota") else []
    rejections = limit_range_rejections(pod_spec, ranges) or quota_rejections(
        admitted_spec(pod_spec, ranges), quotas, to_create)
    ref = ObjectRef.of(wl)
    for r in rejections:
        out.append(finding(_rejection_code(r, have), ref, _rejection_message(ref, r, to_create,
                                                                             have),
                           field=f"spec.template.spec.{r.field}",
                           hint=_rejection_hint(r)))
    return out


def _rejection_code(r: Rejection, have: int) -> str:
    if r.kind in _ADMISSION_CODES:
        return _ADMISSION_CODES[r.kind]
    return "IDC640" if r.fits == 0 and have == 0 else "IDC641"


def _rejection_message(ref: ObjectRef, r: Rejection, to_create: int, have: int) -> str:
    if r.kind == "quota-exceeded" and (r.fits or have):
        return (f"{r.source} admits {r.fits} more of the {to_create} pods {ref} still has to "
                f"create ({have + r.fits} of {have + to_create} replicas): {r.message}")
    return f"{r.source} rejects the pods of {ref}, so none is created: {r.message}"


def _rejection_hint(r: Rejection) -> str:
    if r.kind == "limit-range":
        return (f"Bring the template's requests and limits within {r.source}, or change it "
                "(kubectl describe limitrange).")
    if r.kind == "quota-requires":
        return (f"State these requests and limits on every container of the template, or give "
                f"the namespace a LimitRange with defaults; {r.source} requires them.")
    return (f"Raise {r.source}'s hard limit, lower the template's requests or replicas, or free "
            "what other pods in the namespace use (kubectl describe resourcequota).")


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
