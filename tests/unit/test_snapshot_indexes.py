"""The snapshot's indexes answer exactly what a scan answers: label lookups, a Service's
EndpointSlices, `with_only` views, and the collector pause around bulk work."""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pytest

from ingressdoc.k8s.endpoints import slices_of
from ingressdoc.k8s.selectors import selector_matches
from ingressdoc.snapshot import Snapshot, collector_paused

Obj = Mapping[str, Any]


def pod(name: str, ns: str | None, labels: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": labels}
    if ns is not None:
        meta["namespace"] = ns
    return {"kind": "Pod", "metadata": meta}


def slice_for(name: str, ns: str, service: Any) -> dict[str, Any]:
    return {"kind": "EndpointSlice",
            "metadata": {"name": name, "namespace": ns,
                         "labels": {"kubernetes.io/service-name": service}}}


def snapshot(objs: Sequence[Obj]) -> Snapshot:
    snap = Snapshot()
    for obj in objs:
        snap.add(obj)
    return snap


PODS = [
    pod("a1", "shop", {"app": "a", "tier": "web"}),
    pod("b1", "shop", {"app": "b", "tier": "web"}),
    pod("a2", "shop", {"app": "a", "tier": "db"}),
    pod("n1", "shop", {"app": "1"}),
    pod("int", "shop", {"app": 1}),
    pod("none", "shop", {}),
    pod("a3", "other", {"app": "a", "tier": "web"}),
    pod("a4", "shop", {"app": "a", "tier": "web"}),
]

SELECTORS: list[Mapping[str, Any]] = [
    {},
    {"app": "a"},
    {"app": "a", "tier": "web"},
    {"tier": "web", "app": "b"},
    {"app": "zzz"},
    {"app": "1"},
    {"app": 1},
    {"app": None},
    {"matchLabels": {"app": "a"}},
    {"matchLabels": {"app": "a"}, "matchExpressions": [
        {"key": "tier", "operator": "NotIn", "values": ["db"]}]},
    {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
    {"matchLabels": {}, "matchExpressions": []},
    {"matchLabels": None},
]


def scan(objs: Sequence[Obj], selector: Mapping[str, Any]) -> list[Obj]:
    return [o for o in objs if selector_matches(selector, o["metadata"].get("labels") or {})]


@pytest.mark.parametrize("selector", SELECTORS, ids=str)
@pytest.mark.parametrize("ns", ["shop", "other", "missing", None])
def test_label_lookups_equal_a_scan_in_order(selector: Mapping[str, Any], ns: str | None) -> None:
    snap = snapshot(PODS)
    in_scope = [p for p in PODS if ns is None or p["metadata"].get("namespace") == ns]
    assert snap.list("Pod", ns, selector) == scan(in_scope, selector)
    assert snap.list("Pod", ns, selector) == scan(in_scope, selector)  # from the index


def test_objects_added_later_are_found() -> None:
    snap = snapshot(PODS[:2])
    assert [p["metadata"]["name"] for p in snap.list("Pod", "shop", {"app": "a"})] == ["a1"]
    snap.add(PODS[2])
    assert [p["metadata"]["name"] for p in snap.list("Pod", "shop", {"app": "a"})] == ["a1", "a2"]


def test_labels_that_are_no_mapping_fail_as_a_scan_does() -> None:
    snap = snapshot([pod("ok", "shop", {"app": "a"}), pod("bad", "shop", "app=a")])
    with pytest.raises(AttributeError):
        snap.list("Pod", "shop", {"app": "a"})
    assert snap.list("Pod", "shop", {}) == snap.list("Pod", "shop")


def test_a_selector_over_no_objects_is_never_read() -> None:
    assert snapshot([]).list("Pod", "shop", ["not", "a", "selector"]) == []  # type: ignore[arg-type]


def test_service_slices_equal_a_scan() -> None:
    slices = [slice_for("web-1", "shop", "web"), slice_for("api-1", "shop", "api"),
              slice_for("web-2", "shop", "web"), slice_for("web-x", "other", "web"),
              slice_for("num", "shop", 7)]
    snap = snapshot(slices)
    for ns, svc_name in (("shop", "web"), ("shop", "api"), ("other", "web"), ("shop", "7"),
                         ("shop", "none")):
        service = {"kind": "Service", "metadata": {"name": svc_name, "namespace": ns}}
        assert snap.service_slices(service) == slices_of(service, slices)


def service(name: str, ns: str, selector: Any) -> dict[str, Any]:
    return {"kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": selector}}


SERVICES = [
    service("a", "shop", {"app": "a"}),
    service("web", "shop", {"tier": "web"}),
    service("a-db", "shop", {"app": "a", "tier": "db"}),
    service("none", "shop", None),
    service("empty", "shop", {}),
    service("int", "shop", {"app": 1}),
    service("mixed", "shop", {"app": "a", "tier": 2}),
    service("a-other", "other", {"app": "a"}),
    service("b", "shop", {"app": "b"}),
]


@pytest.mark.parametrize("chosen", [[p] for p in PODS] + [PODS, PODS[::-1], []],
                         ids=lambda pods: ",".join(p["metadata"]["name"] for p in pods))
@pytest.mark.parametrize("services", [SERVICES, [s for s in SERVICES if s["metadata"]["name"]
                                                 not in ("int", "mixed")]],
                         ids=["invalid-selectors", "string-selectors"])
def test_services_selecting_equal_a_scan_in_order(chosen: list[Obj],
                                                  services: list[Obj]) -> None:
    snap = snapshot([*PODS, *services])
    expected = [s for s in services if s["spec"]["selector"] and any(
        p["metadata"].get("namespace") == s["metadata"]["namespace"]
        and selector_matches(s["spec"]["selector"], p["metadata"]["labels"]) for p in chosen)]
    assert snap.services_selecting(chosen) == expected
    assert snap.services_selecting(chosen) == expected  # from the index


def test_with_only_answers_as_a_rebuilt_snapshot() -> None:
    ingresses = [{"kind": "Ingress", "metadata": {"name": n, "namespace": "shop"}}
                 for n in ("a", "b", "a")]
    snap = snapshot([*PODS, *ingresses])
    snap.memo("pods", lambda: len(snap.list("Pod")), ("Pod",))
    snap.memo("ingresses", lambda: len(snap.list("Ingress")), ("Ingress",))
    snap.memo("undeclared", lambda: 0)
    snap.list("Pod", "shop", {"app": "a"})
    mine = [i for i in snap.list("Ingress", "shop") if i["metadata"]["name"] == "b"]

    alone = snap.with_only("Ingress", mine)
    rebuilt = replace(snap, objects={**snap.objects, "Ingress": mine})
    for kind in ("Ingress", "Pod"):
        for ns in ("shop", "other", None):
            assert alone.list(kind, ns) == rebuilt.list(kind, ns)
            assert alone.list(kind, ns, {"app": "a"}) == rebuilt.list(kind, ns, {"app": "a"})
    for name in ("a", "b"):
        assert alone.get("Ingress", "shop", name) is rebuilt.get("Ingress", "shop", name)
    assert alone.get("Pod", "shop", "a1") is snap.get("Pod", "shop", "a1")
    assert alone.memo("pods", lambda: -1) == len(PODS)  # kept: it reads no Ingress
    assert alone.memo("ingresses", lambda: -1) == -1  # recomputed
    assert alone.memo("undeclared", lambda: -1) == -1  # recomputed: reads unknown


def test_with_only_leaves_the_snapshot_alone() -> None:
    snap = snapshot(PODS)
    before = {ns: snap.list("Pod", ns) for ns in ("shop", "other")}
    alone = snap.with_only("Pod", [PODS[0]])
    alone.add(pod("new", "shop", {"app": "a"}))
    assert {ns: snap.list("Pod", ns) for ns in ("shop", "other")} == before
    assert snap.get("Pod", "shop", "new") is None
    assert [p["metadata"]["name"] for p in alone.list("Pod", "shop")] == ["a1", "new"]


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_paused_restores_the_collector(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), collector_paused():
            raise RuntimeError("boom")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
