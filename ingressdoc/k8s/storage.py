"""Whether a pod's claims can bind, computed from claims, volumes and classes.

A claim binds to an Available PersistentVolume of its class whose access modes include the
claim's and whose capacity covers the request, or is provisioned by its StorageClass. A claim
without `storageClassName` takes the default class (annotation
`storageclass.kubernetes.io/is-default-class`) when one exists at its creation, else only
class-less volumes; `storageClassName: ""` asks for a class-less volume. A volume pinned by
`spec.nodeAffinity`, or a class limited by `allowedTopologies`, must match a node the pod can
run on; under `WaitForFirstConsumer` provisioning waits for that node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingressdoc.k8s.objects import annotations_of, labels, name, spec, status
from ingressdoc.k8s.scheduling import quantity, selects_node

Obj = Mapping[str, Any]
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


@dataclass(frozen=True)
class ClaimProblem:
    """`kind` is "unbindable" (the claim never binds) or "node-conflict" (it binds, or would,
    only where the pod cannot run)."""

    kind: str
    message: str


def _wanted_class(claim_spec: Mapping[str, Any], classes: Sequence[Obj]) -> str | None:
    if "storageClassName" in claim_spec and claim_spec["storageClassName"] is not None:
        return str(claim_spec["storageClassName"])
    default = [c for c in classes if annotations_of(c).get(DEFAULT_CLASS) == "true"]
    return name(default[-1]) if default else None  # the newest default wins; None: class-less


def _volume_fits(pv: Obj, claim_spec: Mapping[str, Any], cls: str | None) -> str | None:
    """Why a volume cannot take the claim, or None."""
    pv_class = spec(pv).get("storageClassName") or ""
    if pv_class != (cls or ""):
        return f"class {pv_class or '<none>'}"
    phase = status(pv).get("phase")
    if phase not in (None, "Available"):
        return f"phase {phase}"
    missing = set(claim_spec.get("accessModes") or []) - set(spec(pv).get("accessModes") or [])
    if missing:
        return f"access modes {', '.join(spec(pv).get('accessModes') or [])} lack " \
               f"{', '.join(sorted(missing))}"
    want = quantity(((claim_spec.get("resources") or {}).get("requests") or {}).get("storage", 0))
    capacity = (spec(pv).get("capacity") or {}).get("storage")
    have = quantity(capacity) if capacity is not None else None
    if want is not None and have is not None and have < want:
        return f"capacity {capacity} is below the request"
    return None


def _pinned_nodes(pv: Obj, nodes: Sequence[Obj]) -> list[Obj]:
    required = (spec(pv).get("nodeAffinity") or {}).get("required")
    if not required:
        return list(nodes)
    term_spec = {"affinity": {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": required}}}
    return [n for n in nodes if selects_node(term_spec, n)]


def _topology_nodes(cls: Obj, nodes: Sequence[Obj]) -> list[Obj]:
    topologies = cls.get("allowedTopologies") or []
    if not topologies:
        return list(nodes)
    return [n for n in nodes if any(
        all(labels(n).get(e.get("key")) in (e.get("values") or [])
            for e in t.get("matchLabelExpressions") or []) for t in topologies)]


def claim_problem(
    claim_spec: Mapping[str, Any], bound: bool, volumes: Sequence[Obj], classes: Sequence[Obj],
    eligible: Sequence[Obj] | None, classes_known: bool,
) -> ClaimProblem | None:
    """`eligible`: the nodes the pod can run on (None when nodes are unknown)."""
    cls_name = _wanted_class(claim_spec, classes)
    volume_name = claim_spec.get("volumeName")
    candidates = [v for v in volumes if not volume_name or name(v) == volume_name]
    fitting = [v for v in candidates if _volume_fits(v, claim_spec, cls_name) is None]
    if fitting or bound:
        # A bound claim keeps the volume it names (phase Bound, so it "fits" no new claim);
        # that volume's node affinity still decides where the pod may run.
        held = candidates if bound and volume_name else fitting
        pv = held[0] if held else None
        if pv is not None and eligible is not None and not _pinned_nodes(pv, eligible):
            return ClaimProblem("node-conflict", f"PersistentVolume {name(pv)} is pinned by "
                                "spec.nodeAffinity to nodes the pod cannot run on")
        return None
    if volume_name:
        why = next((_volume_fits(v, claim_spec, cls_name) for v in candidates), None)
        return ClaimProblem("unbindable", f"spec.volumeName {volume_name} "
                            + (f"does not fit: {why}" if why else "names no PersistentVolume"))
    if not classes_known:
        return None
    if cls_name is None:
        return ClaimProblem("unbindable", "no storageClassName, no StorageClass is marked "
                            "default and no class-less PersistentVolume fits")
    cls = next((c for c in classes if name(c) == cls_name), None)
    if cls is None:
        have = ", ".join(name(c) for c in classes) or "none"
        return ClaimProblem("unbindable", f"StorageClass {cls_name} does not exist (have: "
                            f"{have}) and no PersistentVolume of that class fits")
    if cls.get("provisioner") == "kubernetes.io/no-provisioner":
        return ClaimProblem("unbindable", f"StorageClass {cls_name} has no provisioner and no "
                            "PersistentVolume of that class fits")
    if eligible is not None and not _topology_nodes(cls, eligible):
        return ClaimProblem("node-conflict", f"StorageClass {cls_name} allowedTopologies "
                            "match none of the nodes the pod can run on")
    return None
