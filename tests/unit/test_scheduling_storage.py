"""Scheduling and storage semantics the pods hop computes offline."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ingressdoc.k8s.scheduling import place, pod_requests, quantity, selects_node, untolerated
from ingressdoc.k8s.storage import claim_problem


def node(name: str, labels: dict[str, str] | None = None, taints: list[Any] | None = None,
         cpu: str = "4", memory: str = "8Gi") -> dict[str, Any]:
    return {"kind": "Node", "metadata": {"name": name, "labels": labels or {}},
            "spec": {"taints": taints or []},
            "status": {"allocatable": {"cpu": cpu, "memory": memory}}}


@pytest.mark.parametrize(("raw", "want"), [
    ("500m", Decimal("0.5")), ("2", Decimal(2)), ("1Gi", Decimal(2 ** 30)),
    ("1G", Decimal(10 ** 9)), ("1.5Mi", Decimal("1.5") * 2 ** 20), ("1e3", Decimal(1000)),
    ("12Qi", None), ("", None),
])
def test_quantity(raw: str, want: Decimal | None) -> None:
    assert quantity(raw) == want


def test_requests_take_the_larger_init_container_and_default_to_limits() -> None:
    spec = {"containers": [{"resources": {"requests": {"cpu": "250m"}}},
                           {"resources": {"limits": {"cpu": "250m", "memory": "1Gi"}}}],
            "initContainers": [{"resources": {"requests": {"cpu": "2"}}}]}
    assert pod_requests(spec) == {"cpu": Decimal(2), "memory": Decimal(2 ** 30)}


@pytest.mark.parametrize(("expr", "labels", "want"), [
    ({"key": "zone", "operator": "In", "values": ["a"]}, {"zone": "a"}, True),
    ({"key": "zone", "operator": "NotIn", "values": ["a"]}, {}, True),
    ({"key": "gpu", "operator": "Exists"}, {}, False),
    ({"key": "gpu", "operator": "DoesNotExist"}, {}, True),
    ({"key": "cores", "operator": "Gt", "values": ["8"]}, {"cores": "16"}, True),
    ({"key": "cores", "operator": "Lt", "values": ["8"]}, {"cores": "x"}, False),
])
def test_node_affinity_operators(expr: dict[str, Any], labels: dict[str, str],
                                 want: bool) -> None:
    spec = {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [expr]}]}}}}
    assert selects_node(spec, node("n", labels)) is want


def test_tolerations_match_key_value_effect_and_exists() -> None:
    taint = {"key": "dedicated", "value": "batch", "effect": "NoSchedule"}
    n = node("n", taints=[taint, {"key": "soft", "effect": "PreferNoSchedule"}])
    assert untolerated({}, n) == ["dedicated=batch:NoSchedule"]
    assert untolerated({"tolerations": [{"operator": "Exists"}]}, n) == []
    assert untolerated({"tolerations": [{"key": "dedicated", "value": "web"}]}, n)
    assert not untolerated({"tolerations": [{"key": "dedicated", "operator": "Exists",
                                             "effect": "NoSchedule"}]}, n)


def test_placement_names_the_filter_that_left_no_node() -> None:
    nodes = [node("a", {"pool": "web"}), node("b", {"pool": "web"}, cpu="1")]
    assert place({"nodeSelector": {"pool": "gpu"}}, nodes).reason == "selector"
    big = {"containers": [{"resources": {"requests": {"cpu": "6"}}}]}
    assert place(big, nodes).reason == "resources"
    fits = place({"containers": [{"resources": {"requests": {"cpu": "2"}}}]}, nodes)
    assert fits.reason is None and [n["metadata"]["name"] for n in fits.eligible] == ["a"]
    cordoned = [{**node("c"), "spec": {"unschedulable": True}}]
    assert place({}, cordoned).reason == "unschedulable"


def sc(name: str, default: bool = False, **extra: Any) -> dict[str, Any]:
    notes = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {"kind": "StorageClass", "metadata": {"name": name, "annotations": notes},
            "provisioner": "ebs.csi.aws.com", **extra}


CLAIM = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}


def test_claims_bind_to_a_default_class_or_a_fitting_volume() -> None:
    assert claim_problem(CLAIM, False, [], [sc("gp3", True)], None, True) is None
    problem = claim_problem(CLAIM, False, [], [sc("gp3")], None, True)
    assert problem is not None and "no StorageClass is marked default" in problem.message
    missing = claim_problem({**CLAIM, "storageClassName": "fast"}, False, [], [sc("gp3")],
                            None, True)
    assert missing is not None and "StorageClass fast does not exist" in missing.message
    pv = {"kind": "PersistentVolume", "metadata": {"name": "pv"},
          "spec": {"storageClassName": "fast", "accessModes": ["ReadWriteOnce"],
                   "capacity": {"storage": "10Gi"}}}
    assert claim_problem({**CLAIM, "storageClassName": "fast"}, False, [pv], [], None,
                         True) is None
    small = {**pv, "spec": {**pv["spec"], "capacity": {"storage": "1Gi"}}}
    assert claim_problem({**CLAIM, "storageClassName": "fast"}, False, [small], [], None,
                         True) is not None
    assert claim_problem(CLAIM, False, [], [], None, classes_known=False) is None


def test_a_volume_pinned_away_from_the_eligible_nodes_conflicts() -> None:
    pv = {"kind": "PersistentVolume", "metadata": {"name": "pv"},
          "spec": {"storageClassName": "local", "accessModes": ["ReadWriteOnce"],
                   "capacity": {"storage": "10Gi"},
                   "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                       {"key": "zone", "operator": "In", "values": ["c"]}]}]}}}}
    claim = {**CLAIM, "storageClassName": "local"}
    conflict = claim_problem(claim, False, [pv], [], [node("a", {"zone": "a"})], True)
    assert conflict is not None and conflict.kind == "node-conflict"
    assert claim_problem(claim, False, [pv], [], [node("c", {"zone": "c"})], True) is None
    # A bound claim keeps its volume, whose phase is Bound: it still pins the pod.
    bound_pv = {**pv, "status": {"phase": "Bound"}}
    bound = {**claim, "volumeName": "pv"}
    held = claim_problem(bound, True, [bound_pv], [], [node("a", {"zone": "a"})], True)
    assert held is not None and held.kind == "node-conflict" and "pv" in held.message
    assert claim_problem(bound, True, [bound_pv], [], [node("c", {"zone": "c"})], True) is None


def test_a_resource_no_node_lists_never_fits_and_unknown_sizes_always_do() -> None:
    gpu = {"containers": [{"resources": {"limits": {"nvidia.com/gpu": "1"}}}]}
    assert place(gpu, [node("a")]).reason == "resources"
    unsized = {"kind": "Node", "metadata": {"name": "m", "labels": {}}}
    assert place(gpu, [unsized]).reason is None
