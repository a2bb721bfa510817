"""LimitRange and ResourceQuota admission of a workload's pods, computed offline."""

from __future__ import annotations

from typing import Any

import pytest

from ingressdoc.k8s.admission import (
    admitted_spec,
    limit_range_rejections,
    quota_matches,
    quota_rejections,
)


def pod(*resources: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"containers": [{"name": f"c{i}", "resources": r} for i, r in enumerate(resources)],
            **extra}


def quota(hard: dict[str, str], used: dict[str, str] | None = None,
          **scopes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "ResourceQuota", "metadata": {"name": "q"},
                           "spec": {"hard": hard, **scopes}}
    if used is not None:
        out["status"] = {"hard": hard, "used": used}
    return out


def limit_range(*items: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "LimitRange", "metadata": {"name": "lr"}, "spec": {"limits": list(items)}}


def test_limit_range_defaults_fill_what_containers_do_not_state() -> None:
    """The API server defaults the item (limit from max, request from the limit, then min)
    and LimitRanger adds to each container what it lacks; requests default to limits."""
    lr = limit_range({"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}})
    spec = admitted_spec(pod({}, {"limits": {"memory": "1Gi"}}), [lr])
    first, second = (c["resources"] for c in spec["containers"])
    assert first == {"limits": {"cpu": "2"}, "requests": {"cpu": "2", "memory": "64Mi"}}
    assert second == {"limits": {"memory": "1Gi", "cpu": "2"},
                      "requests": {"memory": "1Gi", "cpu": "2"}}


@pytest.mark.parametrize(("item", "resources", "why"), [
    ({"type": "Container", "max": {"cpu": "1"}}, {"limits": {"cpu": "2"}},
     "maximum cpu usage per Container is 1, but 2 is set"),
    ({"type": "Container", "min": {"cpu": "500m"}}, {"requests": {"cpu": "100m"}},
     "minimum cpu usage per Container is 500m, but 100m is set"),
    ({"type": "Container", "maxLimitRequestRatio": {"cpu": "2"}},
     {"requests": {"cpu": "100m"}, "limits": {"cpu": "1"}},
     "cpu max limit to request ratio per Container is 2, but provided ratio is 10"),
    ({"type": "Pod", "max": {"memory": "1Gi"}}, {"limits": {"memory": "2Gi"}},
     "maximum memory usage per Pod is 1Gi, but 2147483648 is set"),
])
def test_limit_range_rejections(item: dict[str, Any], resources: dict[str, Any],
                                why: str) -> None:
    found = limit_range_rejections(pod(resources), [limit_range(item)])
    assert [r.source for r in found] == ["LimitRange lr"]
    assert why in found[0].message


def test_limit_range_within_bounds_admits() -> None:
    lr = limit_range({"type": "Container", "max": {"cpu": "1"}, "min": {"cpu": "100m"}})
    assert limit_range_rejections(pod({"requests": {"cpu": "200m"}, "limits": {"cpu": "1"}}),
                                  [lr]) == []


def test_quota_on_cpu_requires_every_container_to_state_it() -> None:
    q = quota({"requests.cpu": "10", "limits.memory": "4Gi", "requests.storage": "1Ti"})
    found = quota_rejections(pod({"requests": {"cpu": "1"}}, {}), [q], 1)
    assert [(r.kind, r.message) for r in found] == [
        ("quota-requires", "must specify limits.memory for: c0,c1; requests.cpu for: c1")]
    # A quota on storage alone, or pod-level resources, require nothing of the containers.
    assert quota_rejections(pod({}), [quota({"requests.storage": "1Ti"})], 1) == []
    assert quota_rejections(pod({}, resources={"requests": {"cpu": "1"}}),
                            [quota({"requests.cpu": "10"})], 1) == []


@pytest.mark.parametrize(("hard", "used", "to_create", "fits"), [
    ({"requests.cpu": "10"}, {"requests.cpu": "9"}, 2, 0),
    ({"requests.cpu": "10"}, {"requests.cpu": "6"}, 3, 2),
    ({"requests.cpu": "10"}, {"requests.cpu": "6"}, 2, None),
    ({"pods": "3"}, {"pods": "2"}, 2, 1),
    ({"count/pods": "3"}, None, 4, 3),  # no status: nothing used yet
    ({"limits.cpu": "3"}, {"limits.cpu": "0"}, 2, 1),
    ({"requests.nvidia.com/gpu": "1"}, {}, 2, None),  # the pod asks for no GPU
])
def test_quota_room(hard: dict[str, str], used: dict[str, str] | None, to_create: int,
                    fits: int | None) -> None:
    spec = pod({"requests": {"cpu": "2"}, "limits": {"cpu": "2"}})
    found = quota_rejections(spec, [quota(hard, used)], to_create)
    assert [r.fits for r in found] == ([] if fits is None else [fits])


@pytest.mark.parametrize(("scopes", "spec", "want"), [
    ({"scopes": ["NotTerminating"]}, pod({}), True),
    ({"scopes": ["Terminating"]}, pod({}), False),
    ({"scopes": ["Terminating"]}, pod({}, activeDeadlineSeconds=60), True),
    ({"scopes": ["BestEffort"]}, pod({}), True),
    ({"scopes": ["BestEffort"]}, pod({"requests": {"memory": "1Gi"}}), False),
    ({"scopes": ["NotBestEffort"]}, pod({"limits": {"cpu": "1"}}), True),
    ({"scopeSelector": {"matchExpressions": [
        {"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]}},
     pod({}, priorityClassName="high"), True),
    ({"scopeSelector": {"matchExpressions": [
        {"scopeName": "PriorityClass", "operator": "NotIn", "values": ["high"]}]}},
     pod({}, priorityClassName="high"), False),
    ({"scopeSelector": {"matchExpressions": [
        {"scopeName": "PriorityClass", "operator": "DoesNotExist"}]}}, pod({}), True),
    ({"scopes": ["CrossNamespacePodAffinity"]}, pod({}, affinity={"podAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "zone", "namespaceSelector": {}}]}}), True),
])
def test_quota_scopes(scopes: dict[str, Any], spec: dict[str, Any], want: bool) -> None:
    assert quota_matches(quota({"pods": "1"}, **scopes), spec) is want
