"""The read plan asks for everything a trace reads, in the style of istio's analyzer input
checks: every scenario gives the same findings on its full snapshot and on the snapshot a
live trace would read, cut down to the LISTs `trace.plan.reads_for` asks for. A hop that
reads a kind, a namespace or a label the plan forgot fails here, not on a user's cluster.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_scenarios import scenario_dirs

from ingressdoc.k8s.selectors import parse_selector
from ingressdoc.request import Request, parse_request
from ingressdoc.snapshot import KindStatus, ObjectRef, Snapshot
from ingressdoc.snapshot.kinds import Read
from ingressdoc.snapshot.manifests import load
from ingressdoc.trace.engine import trace
from ingressdoc.trace.plan import reads_for


def planned(full: Snapshot, request: Request) -> Snapshot:
    """What the live source reads: `reads_for` until it asks for nothing new, each LIST
    answered from `full` as the API would answer it."""
    out = Snapshot(source=full.source, live=full.live, meta=dict(full.meta))
    done: set[Read] = set()
    while todo := [r for r in dict.fromkeys(reads_for(out, request)) if r not in done]:
        for read in todo:
            done.add(read)
            _list(full, read, out)
    return out


def _list(full: Snapshot, read: Read, out: Snapshot) -> None:
    """A kind the full snapshot could not list stays so, cluster-wide or in one scope."""
    status = full.status(read.kind, read.namespace)
    if status is not KindStatus.LOADED:
        if (read.kind, read.namespace) in full.scope_failures:
            out.mark_scope(read.kind, read.namespace, status)
        elif not out.loaded(read.kind):
            out.mark(read.kind, status)
        return
    out.mark(read.kind, KindStatus.LOADED)
    labels = parse_selector(read.label_selector) if read.label_selector else None
    for obj in full.list(read.kind, read.namespace, labels):
        ref = ObjectRef.of(obj)
        if read.field_selector and not _fields_match(obj, read.field_selector):
            continue
        if out.get(ref.kind, ref.namespace, ref.name) is None:
            out.add(obj, full.origin_of(obj), derived=full.is_derived(obj))


def _fields_match(obj: dict[str, object], selector: str) -> bool:
    """A field selector as the API applies it: `a.b=value` terms, all of which must hold."""
    for term in selector.split(","):
        path, _, want = term.partition("=")
        node: object = obj
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if str(node if node is not None else "") != want:
            return False
    return True


def _findings(snapshot: Snapshot, case: dict[str, object]) -> list[tuple[str, str, str]]:
    result = trace(snapshot, parse_request(str(case["request"])),
                   case.get("ingressClass"))  # type: ignore[arg-type]
    return sorted((f.code, str(f.object), f.message) for f in result.findings)


@pytest.mark.parametrize("directory", scenario_dirs(), ids=lambda p: p.name)
def test_plan_reads_what_the_trace_needs(directory: Path) -> None:
    case = yaml.safe_load((directory / "case.yaml").read_text(encoding="utf-8"))
    full = load([str(directory / "manifests.yaml")])
    cut = planned(full, parse_request(str(case["request"])))
    assert _findings(cut, case) == _findings(full, case)
