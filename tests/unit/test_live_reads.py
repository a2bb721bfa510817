"""The live source's reads run side by side, yet build the snapshot a one-by-one read would:
objects, kind statuses and the recorded reads in the plan's order, whichever answer comes
first."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fakeapi import FakeApi, serve

from ingressdoc.snapshot import ObjectRef
from ingressdoc.snapshot.kinds import KINDS
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
