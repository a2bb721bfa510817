"""`ingressdoc compare`: route the same requests through a set of Ingresses and a set of
Gateway API routes and exit 1 when any request's outcome differs: a migration gate.

Each side comes from manifests or from the live cluster (`live`); the objects both sides
use (Services, pods, Gateways, IngressClasses) from `-f` or, without it, the cluster.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from ingressdoc.commands.common import (
    ContextOpt,
    DebugOpt,
    KubeconfigOpt,
    TimeoutOpt,
    error_boundary,
    output_option,
)
from ingressdoc.errors import UsageError
from ingressdoc.render.registry import COMPARE, Format

if TYPE_CHECKING:
    from ingressdoc.snapshot import Snapshot

LIVE = "live"
# The kinds that belong to one side only: each side sees its own routing objects.
_INGRESS_KINDS = ("Ingress",)
_ROUTE_KINDS = ("HTTPRoute", "GRPCRoute")


def _side(own: str, shared: list[str], live: Snapshot | None, drop: tuple[str, ...]
          ) -> Snapshot:
    """One side's world: its own objects and the shared ones (from -f, else the cluster),
    without the other side's routing objects."""
    from ingressdoc.snapshot import ObjectRef, Snapshot
    from ingressdoc.snapshot.manifests import load

    if live is None:
        snap = load([own, *shared])
    else:
        paths = ([] if own == LIVE else [own]) + (shared if own == LIVE else [])
        mine = [o for p in paths for o in load([p]).all_objects()]
        replaced = {ObjectRef.of(o) for o in mine}  # a manifest stands for its live version
        snap = Snapshot({k: [o for o in v if ObjectRef.of(o) not in replaced]
                         for k, v in live.objects.items()}, dict(live.statuses),
                        dict(live.scope_failures), dict(live.origins), set(live.derived),
                        live.source, live.live, dict(live.meta))
        for obj in mine:
            snap.add(obj)
    for kind in drop:
        snap = snap.with_only(kind, [])
    return snap


def compare(
    ingress: Annotated[str, typer.Option(
        "--ingress", metavar="SRC", help="The Ingress side: manifests (file, directory, '-') "
        "or 'live'.")],
    routes: Annotated[str, typer.Option(
        "--routes", metavar="SRC", help="The Gateway API side (HTTPRoutes/GRPCRoutes, and "
        "Gateways if not shared): manifests or 'live'.")],
    shared: Annotated[list[str], typer.Option(
        "--manifests", "-f", metavar="PATH", help="Objects both sides use (Services, pods, "
        "IngressClasses, Gateways). Repeatable; without it they come from the cluster.")] = [],  # noqa: B006
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    request_timeout: TimeoutOpt = 10.0,
    output: Annotated[Format, output_option(COMPARE)] = Format.table,
    debug: DebugOpt = False,
) -> None:
    """Send every host/path boundary request of both sides through both, and fail (exit 1)
    when any request's outcome differs."""
    with error_boundary(debug):
        from ingressdoc.commands.common import load_snapshot
        from ingressdoc.compare.run import compare as run

        if "-" in (ingress, routes) and shared.count("-"):
            raise UsageError("only one of --ingress, --routes and -f can read stdin")
        needs_cluster = LIVE in (ingress, routes) or not shared
        live = load_snapshot([], kubeconfig, context, request_timeout) if needs_cluster else None
        if live is None and (kubeconfig or context):
            raise UsageError("--kubeconfig/--context need a 'live' side or no -f")
        ing = _side(ingress, shared, live if ingress == LIVE or not shared else None,
                    _ROUTE_KINDS)
        rts = _side(routes, shared, live if routes == LIVE or not shared else None,
                    _INGRESS_KINDS)
        report = run(ing, rts)
        sys.stdout.write(COMPARE.render(report, output))
        raise typer.Exit(1 if report.divergent else 0)
