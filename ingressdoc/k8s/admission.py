"""Whether the API server admits a workload's pods: LimitRange and ResourceQuota admission.

A workload's controller creates its pods through the API server, whose LimitRanger plugin
first fills in the namespace's default requests and limits and then rejects a container (or
pod) outside a LimitRange's min, max or limit/request ratio; the ResourceQuota plugin then
rejects a pod that a quota matching it (scopes, scopeSelector) constrains when a container
does not state requests or limits for a CPU or memory resource the quota holds, or when the
pod's usage would take the quota's used amount past its hard amount. The controller keeps
retrying (FailedCreate); no pod exists. Quantities, requests and the pod's total follow the
scheduler's reading (`scheduling.quantity`, `pod_requests`, `pod_limits`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ingressdoc.k8s.objects import name, spec, status
from ingressdoc.k8s.scheduling import pod_limits, pod_requests, quantity

Obj = Mapping[str, Any]
# Resources whose quota makes every container state a request or limit (the pod evaluator's
# backward-compatible validation set); others only count.
_MUST_SPECIFY = frozenset({"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu",
                           "limits.memory"})
_STANDARD = ("cpu", "memory", "ephemeral-storage")


@dataclass(frozen=True)
class Rejection:
    """Why admission refuses the pods: `source` is the LimitRange or ResourceQuota, `field`
    the pod spec's field to edit (relative to the pod spec), `fits` how many of the pods to
    create the quota still admits (0: none)."""

    kind: str  # "limit-range", "quota-requires", "quota-exceeded"
    source: str
    message: str
    field: str
    fits: int = 0


def _containers(pod_spec: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return ([("initContainers", c) for c in pod_spec.get("initContainers") or []]
            + [("containers", c) for c in pod_spec.get("containers") or []])


def _defaulted_item(item: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Container item's default limits and requests as the API server defaults the
    LimitRange: the limit defaults to max, the request to the default limit, then to min."""
    default = dict(item.get("default") or {})
    request = dict(item.get("defaultRequest") or {})
    for key, value in (item.get("max") or {}).items():
        default.setdefault(key, value)
    for key, value in default.items():
        request.setdefault(key, value)
    for key, value in (item.get("min") or {}).items():
        request.setdefault(key, value)
    return default, request


def admitted_spec(pod_spec: Mapping[str, Any], limit_ranges: Sequence[Obj]) -> dict[str, Any]:
    """The pod spec as the API server stores it: requests default to limits, then
    LimitRanger adds each Container item's defaults a container does not state."""
    defaults = [_defaulted_item(item) for lr in limit_ranges
                for item in spec(lr).get("limits") or [] if item.get("type") == "Container"]
    out = dict(pod_spec)
    for key in ("initContainers", "containers"):
        containers = []
        for c in pod_spec.get(key) or []:
            res = c.get("resources") or {}
            limits = dict(res.get("limits") or {})
            requests = {**limits, **(res.get("requests") or {})}
            for default, request in defaults:
                for k, v in default.items():
                    limits.setdefault(k, v)
                for k, v in request.items():
                    requests.setdefault(k, v)
            containers.append({**c, "resources": {**res, "limits": limits, "requests": requests}})
        if key in pod_spec:
            out[key] = containers
    return out


def _bound(kind: str, resource: str, bound: str, value: Any, *, at_least: bool) -> str | None:
    want, have = quantity(bound), quantity(value)
    if want is None or have is None:
        return None
    if (have < want) if at_least else (have > want):
        word = "minimum" if at_least else "maximum"
        return f"{word} {resource} usage per {kind} is {bound}, but {value} is set"
    return None


def limit_range_rejections(pod_spec: Mapping[str, Any], limit_ranges: Sequence[Obj]) -> list[Rejection]:
    """LimitRanger's validation of the admitted spec: Container items against each
    container's requests and limits, Pod items against the pod's totals."""
    out: list[Rejection] = []
    admitted = admitted_spec(pod_spec, limit_ranges)
    for lr in limit_ranges:
        source = f"LimitRange {name(lr)}"
        for item in spec(lr).get("limits") or []:
            if item.get("type") == "Container":
                for key, c in _containers(admitted):
                    res = c.get("resources") or {}
                    why = _item_problems("Container", item, res.get("requests") or {},
                                         res.get("limits") or {})
                    if why:
                        out.append(Rejection("limit-range", source, f"container {c.get('name')}: "
                                             + "; ".join(why),
                                             f"{key}[{c.get('name')}].resources"))
            elif item.get("type") == "Pod":
                why = _item_problems("Pod", item, _raw(pod_requests(admitted)),
                                     _raw(pod_limits(admitted)))
                if why:
                    out.append(Rejection("limit-range", source, "; ".join(why),
                                         "containers[].resources"))
    return out


def _item_problems(kind: str, item: Mapping[str, Any], requests: Mapping[str, Any],
                   limits: Mapping[str, Any]) -> list[str]:
    why: list[str] = []
    for resource, bound in (item.get("min") or {}).items():
        if resource not in requests:
            why.append(f"minimum {resource} usage per {kind} is {bound}. No request is specified")
        for value in (requests.get(resource), limits.get(resource)):
            problem = _bound(kind, resource, bound, value, at_least=True) if value is not None \
                else None
            if problem:
                why.append(problem)
                break
    for resource, bound in (item.get("max") or {}).items():
        if resource not in limits:
            why.append(f"maximum {resource} usage per {kind} is {bound}. No limit is specified")
        for value in (limits.get(resource), requests.get(resource)):
            problem = _bound(kind, resource, bound, value, at_least=False) if value is not None \
                else None
            if problem:
                why.append(problem)
                break
    for resource, ratio in (item.get("maxLimitRequestRatio") or {}).items():
        limit, request = quantity(limits.get(resource)), quantity(requests.get(resource))
        most = quantity(ratio)
        if limit is not None and request and most is not None and limit / request > most:
            why.append(f"{resource} max limit to request ratio per {kind} is {ratio}, but "
                       f"provided ratio is {_fmt(limit / request)}")
    return why


def _raw(amounts: Mapping[str, Decimal]) -> dict[str, str]:
    """Amounts as a manifest writes them, which is what the LimitRange checks read."""
    return {k: str(v) for k, v in amounts.items()}


def pod_usage(pod_spec: Mapping[str, Any]) -> dict[str, Decimal]:
    """What one pod counts against a quota: the pod itself, its requests (`cpu` and
    `requests.cpu` alike, extended resources and huge pages as `requests.<name>`), and its
    CPU, memory and ephemeral-storage limits."""
    usage = {"pods": Decimal(1), "count/pods": Decimal(1)}
    for key, value in pod_requests(pod_spec).items():
        usage[f"requests.{key}"] = value
        if key in _STANDARD:
            usage[key] = value
    for key, value in pod_limits(pod_spec).items():
        if key in _STANDARD:
            usage[f"limits.{key}"] = value
    return usage


def _best_effort(pod_spec: Mapping[str, Any]) -> bool:
    return not any(k in ("cpu", "memory") for _, c in _containers(pod_spec)
                   for part in ("requests", "limits")
                   for k in ((c.get("resources") or {}).get(part) or {}))


def _terminating(pod_spec: Mapping[str, Any]) -> bool:
    deadline = pod_spec.get("activeDeadlineSeconds")
    return isinstance(deadline, int) and deadline >= 0


def _cross_namespace(pod_spec: Mapping[str, Any]) -> bool:
    affinity = pod_spec.get("affinity") or {}
    for kind in ("podAffinity", "podAntiAffinity"):
        rules = affinity.get(kind) or {}
        terms = list(rules.get("requiredDuringSchedulingIgnoredDuringExecution") or []) + [
            t.get("podAffinityTerm") or {}
            for t in rules.get("preferredDuringSchedulingIgnoredDuringExecution") or []]
        if any(t.get("namespaces") or t.get("namespaceSelector") is not None for t in terms):
            return True
    return False


def _scope_matches(scope: str, operator: str, values: Sequence[Any],
                   pod_spec: Mapping[str, Any]) -> bool:
    if scope == "PriorityClass":
        pc = pod_spec.get("priorityClassName") or ""
        return {"In": pc in values, "NotIn": pc not in values, "Exists": bool(pc),
                "DoesNotExist": not pc}.get(operator, False)
    has = {"Terminating": _terminating(pod_spec),
           "NotTerminating": not _terminating(pod_spec),
           "BestEffort": _best_effort(pod_spec),
           "NotBestEffort": not _best_effort(pod_spec),
           "CrossNamespacePodAffinity": _cross_namespace(pod_spec)}.get(scope)
    if has is None:
        return False  # a scope of another kind (VolumeAttributesClass): not a pod's
    return has if operator in ("Exists", "In") else not has


def quota_matches(quota: Obj, pod_spec: Mapping[str, Any]) -> bool:
    """Every scope and scopeSelector expression of the quota holds for the pod."""
    s = spec(quota)
    terms = [(str(sc), "Exists", ()) for sc in s.get("scopes") or []] + [
        (str(e.get("scopeName")), str(e.get("operator")), tuple(e.get("values") or ()))
        for e in (s.get("scopeSelector") or {}).get("matchExpressions") or []]
    return all(_scope_matches(scope, op, values, pod_spec) for scope, op, values in terms)


def quota_rejections(pod_spec: Mapping[str, Any], quotas: Sequence[Obj], to_create: int
                     ) -> list[Rejection]:
    """For each quota that matches the pod: the resources its containers must state and do
    not, or else how many of `to_create` pods the quota still admits when fewer than all.
    `status.used` is what the namespace already uses (0 where the quota has no status)."""
    out: list[Rejection] = []
    usage = pod_usage(pod_spec)
    for quota in quotas:
        if not quota_matches(quota, pod_spec):
            continue
        source = f"ResourceQuota {name(quota)}"
        hard = {k: q for k, v in (spec(quota).get("hard") or {}).items()
                if (q := quantity(v)) is not None}
        required = _MUST_SPECIFY & set(hard)
        if required and not (pod_spec.get("resources") or {}):
            missing: dict[str, list[str]] = {}
            for _, c in _containers(pod_spec):
                res = c.get("resources") or {}
                stated = {k for k in res.get("requests") or {} if k in ("cpu", "memory")}
                stated |= {f"requests.{k}" for k in stated}
                stated |= {f"limits.{k}" for k in res.get("limits") or {}
                           if k in ("cpu", "memory")}
                for resource in sorted(required - stated):
                    missing.setdefault(resource, []).append(str(c.get("name")))
            if missing:
                out.append(Rejection("quota-requires", source, "must specify " + "; ".join(
                    f"{r} for: {','.join(names)}" for r, names in sorted(missing.items())),
                    "containers[].resources"))
                continue
        used = status(quota).get("used") or {}
        fits = to_create
        worst = ""
        for resource, limit in sorted(hard.items()):
            per_pod = usage.get(resource)
            if not per_pod:
                continue
            already = quantity(used.get(resource, 0)) or Decimal(0)
            room = max(int((limit - already) // per_pod), 0)
            if room < fits:
                fits, worst = room, (f"requested: {resource}={_fmt(per_pod)} per pod, used: "
                                     f"{resource}={used.get(resource, 0)}, limited: "
                                     f"{resource}={spec(quota)['hard'][resource]}")
        if fits < to_create:
            out.append(Rejection("quota-exceeded", source, f"exceeded quota: {worst}",
                                 "containers[].resources", fits))
    return out


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")
