"""The live source's reads run side by side, yet build the snapshot a one-by-one read would:
objects, kind statuses and the recorded reads in the plan's order, whichever answer comes
first."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from fakeapi import FakeApi, serve

from ingressdoc.snapshot import ObjectRef, live
from ingressdoc.snapshot.kinds import KINDS, Read
from ingressdoc.snapshot.live import LiveSource

OBJECTS = [
    {"kind": kind, "metadata": {"name": f"{kind.lower()}-{i}", "namespace": "shop"}}
    for kind in ("Pod", "Service", "Ingress") for i in range(3)
]


class SlowFirst(FakeApi):
    """Answers the Pod list last, so a source adding answers as they come would misorder."""

    def answer(self, path: str) -> tuple[int, Any]:
        if path.endswith("/pods"):
            time.sleep(0.3)
        return super().answer(path)


def test_side_by_side_reads_build_the_snapshot_in_plan_order(tmp_path: Path) -> None:
    allowed = {("pods", "list"), ("services", "list"), ("ingresses", "list")}
    with serve(SlowFirst(OBJECTS, allowed), tmp_path) as kubeconfig:
        source = LiveSource.connect(kubeconfig, None, 5)
        snap = source.read()
    listed = [k for k, info in KINDS.items() if info.bulk and info.listed]
    assert [r.kind for r in source.stats.reads] == listed
    assert [ObjectRef.of(o).name for o in snap.all_objects()] == [
        o["metadata"]["name"] for o in sorted(OBJECTS, key=lambda o: listed.index(o["kind"]))]
    assert {k for k in listed if snap.loaded(k)} == {"Pod", "Service", "Ingress"}
    assert source.stats.requests == len(listed)


PODS = [{"kind": "Pod", "metadata": {"name": f"pod-{i}", "namespace": "shop"}}
        for i in range(7)]


class ItemsFirst(FakeApi):
    """Writes a page's items before its metadata: the continue token is not at the head."""

    def page(self, path: str, query: Mapping[str, str]) -> tuple[int, Any]:
        status, body = super().page(path, query)
        if isinstance(body, dict) and "items" in body:
            body = {"items": body["items"], "metadata": body["metadata"]}
        return status, body


class ExpiresOnce(FakeApi):
    """Answers the first ask for the second page with 410 Gone, as an expired token is."""

    expired = False

    def page(self, path: str, query: Mapping[str, str]) -> tuple[int, Any]:
        answer = super().page(path, query)
        if query.get("continue") == "3" and not self.expired:
            self.expired = True
            return 410, {"kind": "Status", "code": 410}
        return answer


@pytest.mark.parametrize("api", [FakeApi, ItemsFirst, ExpiresOnce])
def test_a_list_read_in_pages_holds_every_object_once_in_order(
        api: type[FakeApi], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "PAGE_SIZE", 3)
    fake = api(PODS, {("pods", "list")})
    with serve(fake, tmp_path) as kubeconfig:
        items = LiveSource.connect(kubeconfig, None, 5).list_objects(Read("Pod"))
    assert [i["metadata"]["name"] for i in items] == [f"pod-{i}" for i in range(7)]
    pages = len([r for r in fake.requests if r.resource == "pods"])
    assert pages == {FakeApi: 3, ItemsFirst: 3, ExpiresOnce: 5}[api]
