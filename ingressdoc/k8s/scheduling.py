"""Where the scheduler can place a pod, computed from the objects alone.

The filters of kube-scheduler that the objects decide: node unschedulable, nodeSelector and
required node affinity (terms ORed, expressions ANDed), NoSchedule/NoExecute taints without a
matching toleration, and resource requests against allocatable. A pod's request is the sum of
its containers' requests, or the largest init container's when larger (init containers run
one at a time), plus pod overhead. Nodes are filtered in that order, so the reason a pod fits
none names the filter that removed the last nodes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ingressdoc.k8s.objects import labels, name, spec, status
from ingressdoc.k8s.selectors import selector_matches

Obj = Mapping[str, Any]
_SUFFIX = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9, "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15, "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40, "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")
_HARD = ("NoSchedule", "NoExecute")


def quantity(value: Any) -> Decimal | None:
    """A Kubernetes resource quantity (`500m`, `1Gi`, `2`), or None when unparsable."""
    m = _QUANTITY.match(str(value).strip())
    if not m or m.group(2) not in _SUFFIX:
        return None
    try:
        return Decimal(m.group(1)) * _SUFFIX[m.group(2)]
    except InvalidOperation:
        return None


def pod_requests(pod_spec: Mapping[str, Any]) -> dict[str, Decimal]:
    """What the scheduler and quotas count as the pod's requests; a container's requests
    default to its limits when only limits are set, and overhead adds to every resource."""
    return _pod_total(pod_spec, lambda res: {**(res.get("limits") or {}),
                                             **(res.get("requests") or {})}, True)


def pod_limits(pod_spec: Mapping[str, Any]) -> dict[str, Decimal]:
    """The pod's limits; overhead adds only to a resource that has a limit, since an
    unlimited resource stays unlimited."""
    return _pod_total(pod_spec, lambda res: res.get("limits") or {}, False)


def _pod_total(pod_spec: Mapping[str, Any],
               amounts: Callable[[Mapping[str, Any]], Mapping[str, Any]],
               overhead_everywhere: bool) -> dict[str, Decimal]:
    """The containers' sum, or the largest init container's when larger (init containers run
    one at a time, before the others), plus the pod's overhead."""
    def total(containers: Sequence[Mapping[str, Any]]) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for c in containers:
            for key, raw in amounts(c.get("resources") or {}).items():
                q = quantity(raw)
                if q is not None:
                    out[key] = out.get(key, Decimal(0)) + q
        return out

    app = total(pod_spec.get("containers") or [])
    for init in pod_spec.get("initContainers") or []:
        for key, q in total([init]).items():
            app[key] = max(app.get(key, Decimal(0)), q)
    for key, raw in (pod_spec.get("overhead") or {}).items():
        extra = quantity(raw)
        if extra is not None and (overhead_everywhere or key in app):
            app[key] = app.get(key, Decimal(0)) + extra
    return app


def _expression(expr: Mapping[str, Any], node_labels: Mapping[str, str]) -> bool:
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
    present = key in node_labels
    value = node_labels.get(str(key))
    if op == "In":
        return present and value in values
    if op == "NotIn":
        return not present or value not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt") and present and values:
        try:
            have, want = int(str(value)), int(str(values[0]))
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def selects_node(pod_spec: Mapping[str, Any], node: Obj) -> bool:
    """nodeSelector and requiredDuringSchedulingIgnoredDuringExecution node affinity."""
    node_labels = labels(node)
    if any(node_labels.get(k) != v for k, v in (pod_spec.get("nodeSelector") or {}).items()):
        return False
    required = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms") or []
    if not terms:
        return True
    return any(all(_expression(e, node_labels) for e in term.get("matchExpressions") or [])
               and all(e.get("key") == "metadata.name" and _expression(
                   e, {"metadata.name": name(node)}) for e in term.get("matchFields") or [])
               for term in terms)


def _tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
        return False
    if not toleration.get("key"):
        return toleration.get("operator") == "Exists"
    if toleration.get("key") != taint.get("key"):
        return False
    if toleration.get("operator") == "Exists":
        return True
    return str(toleration.get("value") or "") == str(taint.get("value") or "")


def untolerated(pod_spec: Mapping[str, Any], node: Obj) -> list[str]:
    tolerations = pod_spec.get("tolerations") or []
    return [f"{t.get('key')}{'=' + str(t['value']) if t.get('value') else ''}:{t.get('effect')}"
            for t in spec(node).get("taints") or [] if t.get("effect") in _HARD
            and not any(_tolerates(tol, t) for tol in tolerations)]


def short_of(requests: Mapping[str, Decimal], node: Obj) -> list[str]:
    """Resources the node's allocatable cannot cover, in prose."""
    alloc = status(node).get("allocatable") or status(node).get("capacity") or {}
    if not alloc:
        return []  # a node without status (a manifest): its size is unknown
    out = []
    for key, want in sorted(requests.items()):
        # A resource the node does not list (a GPU, hugepages) is one it has none of.
        have = quantity(alloc[key]) if key in alloc else Decimal(0)
        if have is not None and want > have:
            out.append(f"{key} {_show(want, key)} > {_show(have, key)}")
    return out


def _show(q: Decimal, key: str) -> str:
    if key == "cpu":
        return f"{q.normalize():f}" if q >= 1 else f"{int(q * 1000)}m"
    if key in ("memory", "ephemeral-storage") and q >= 2 ** 20:
        return f"{(q / 2 ** 20).quantize(Decimal(1))}Mi"
    return f"{q.normalize():f}"


@dataclass(frozen=True)
class Placement:
    """Which nodes pass each filter; `reason` names the filter that left none, with detail."""

    eligible: tuple[Obj, ...]
    reason: str | None  # "unschedulable" | "selector" | "taints" | "resources"
    detail: str = ""


def place(pod_spec: Mapping[str, Any], nodes: Sequence[Obj]) -> Placement:
    left = [n for n in nodes if not spec(n).get("unschedulable")]
    if nodes and not left:
        return Placement((), "unschedulable", f"all {len(nodes)} nodes are cordoned")
    selected = [n for n in left if selects_node(pod_spec, n)]
    if not selected:
        return Placement((), "selector", f"none of {len(left)} schedulable nodes carries the "
                         "labels nodeSelector/required nodeAffinity ask for")
    tolerated = [n for n in selected if not untolerated(pod_spec, n)]
    if not tolerated:
        taints = sorted({t for n in selected for t in untolerated(pod_spec, n)})
        return Placement((), "taints", f"every selected node has a taint the pod does not "
                         f"tolerate ({', '.join(taints)})")
    requests = pod_requests(pod_spec)
    fitting = [n for n in tolerated if not short_of(requests, n)]
    if not fitting:
        worst = "; ".join(f"{name(n)}: {', '.join(short_of(requests, n))}" for n in tolerated[:3])
        return Placement((), "resources", f"requests exceed the allocatable of every node "
                         f"that passes the other filters ({worst})")
    return Placement(tuple(fitting), None)


def hostname_anti_affinity(pod_spec: Mapping[str, Any], pod_labels: Mapping[str, str]) -> bool:
    """Required pod anti-affinity against its own replicas per node (topology hostname)."""
    terms = (((pod_spec.get("affinity") or {}).get("podAntiAffinity") or {})
             .get("requiredDuringSchedulingIgnoredDuringExecution") or [])
    return any(t.get("topologyKey") == "kubernetes.io/hostname"
               and selector_matches(t.get("labelSelector") or {}, pod_labels) for t in terms)
