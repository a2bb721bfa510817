"""Offline profile of `check -A -o json` over the synthetic cluster of `scale.py`.

Builds the objects of `scale.objects(N)` into a live-like snapshot in this process (no API
server, so no decoding floor and no noise from it), then times each stage of a `check -A`
(building the snapshot, tracing every target, rendering the JSON report) and one `trace`.
With `--profile`, the stage to look at runs under cProfile and its top functions are printed
(and everything runs in this one process, so that the profile sees every call; without it,
`check` and the report use every core, and "CPU" counts this process's share only).
`--base FILE` merges a saved snapshot (`ingressdoc snapshot -o json`) of a real cluster, so
the traces meet its controllers, cluster DNS and Gateway implementation.

Usage: python benchmarks/profile_check.py [--pods 10000] [--base FILE] [--write FILE]
                                          [--profile snapshot|check|render|trace]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from scale import objects

from ingressdoc import parallel
from ingressdoc.check.ignore import IgnorePolicy
from ingressdoc.check.run import run_check
from ingressdoc.check.scope import Scope
from ingressdoc.findings import Severity
from ingressdoc.render.registry import CHECK, TRACE, Format
from ingressdoc.request import parse_request
from ingressdoc.snapshot import KindStatus, Origin, Snapshot, collector_paused
from ingressdoc.snapshot.kinds import KINDS
from ingressdoc.trace.engine import trace

T = TypeVar("T")
HOST = "app-0.bench-0.bench.example.com/"


def snapshot(n_pods: int, base: Path | None) -> Snapshot:
    """What the live source reads: every listed kind, each object as the API serves it."""
    snap = Snapshot(source="cluster (context bench)", live=True)
    origin = Origin("cluster bench")
    statuses = {k: KindStatus.LOADED.value for k, info in KINDS.items()
                if info.listed and info.bulk}
    items: list[dict[str, Any]] = []
    if base is not None:
        doc = json.loads(base.read_text())
        statuses.update(doc.get("ingressdocSnapshot", {}).get("kinds", {}))
        items = doc["items"]
    with collector_paused():
        for obj in [*items, *objects(n_pods)]:
            snap.add(obj, origin)
    for kind, status in statuses.items():
        snap.mark(kind, KindStatus(status))
    return snap


def timed(label: str, work: Callable[[], T], profile: bool) -> T:
    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    out = work()
    if profiler is not None:
        profiler.disable()
    print(f"{label}: {time.perf_counter() - started:.2f} s "
          f"(CPU {time.process_time() - cpu:.2f} s)", file=sys.stderr)
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--base", type=Path, help="a saved snapshot to merge (JSON)")
    parser.add_argument("--profile", choices=("snapshot", "check", "render", "trace"))
    parser.add_argument("--write", type=Path, help="write the JSON report here (to compare "
                        "the output of two versions)")
    args = parser.parse_args()
    if args.profile:
        parallel.MAX_PROCESSES = 1
    snap = timed("snapshot", lambda: snapshot(args.pods, args.base),
                 args.profile == "snapshot")
    report = timed("check -A", lambda: run_check(snap, Scope(None, None, None), IgnorePolicy.parse(
        []), Severity.ERROR), args.profile == "check")
    text = timed("render json", lambda: CHECK.render(report, Format.json),
                 args.profile == "render")
    if args.write:
        args.write.write_text(text)
    result = timed("trace", lambda: trace(snap, parse_request(HOST)), args.profile == "trace")
    print(f"{len(report.results)} targets, {len(text) / 2**20:.1f} MiB of JSON; trace: "
          f"{len(TRACE.render(result, Format.json))} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
