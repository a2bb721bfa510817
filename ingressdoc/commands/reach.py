"""`ingressdoc reach FROM TO`: can these pods connect to that Service, and if not, why.

Same snapshot sources, findings and output contract as `trace`; the exit status follows the
findings (`--fail-on`), so a blocked connection exits 1 and a reachable one 0.
"""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from ingressdoc.commands.common import (
    ContextOpt,
    DebugOpt,
    FailOn,
    FailOnOpt,
    KubeconfigOpt,
    ManifestsOpt,
    Output,
    OutputOpt,
    TimeoutOpt,
    dump,
    error_boundary,
    exit_status,
    load_snapshot,
)


def reach(
    source: Annotated[str, typer.Argument(
        metavar="FROM", help="Client pods: ns/pod, ns/KIND/name (deployment, statefulset, ...), "
        "ns with -l, or ingress-controller[/CLASS].")],
    target: Annotated[str, typer.Argument(
        metavar="TO", help="ns/service[:port], or a DNS name as the client writes it, e.g. "
        "payments-api.payments:8080.")],
    manifests: ManifestsOpt = [],  # noqa: B006 - typer reads the default
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    selector: Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer needs Optional
        "--selector", "-l", help="Pick the client pods of a namespace FROM by label.")] = None,
    port: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--port", min=1, max=65535, help="The port dialled (default: the Service's first).")]
    = None,
    output: OutputOpt = Output.table,
    fail_on: FailOnOpt = FailOn.error,
    request_timeout: TimeoutOpt = 10.0,
    debug: DebugOpt = False,
) -> None:
    """Check that pods can open a connection to a Service: name, DNS egress, endpoints, policy."""
    with error_boundary(debug):
        from ingressdoc.reach.engine import reach as run_reach
        from ingressdoc.reach.parse import parse_client, parse_target

        client = parse_client(source, selector)
        dest = parse_target(target, port)
        snap = load_snapshot(manifests, kubeconfig, context, request_timeout)
        result = run_reach(snap, client, dest)
        if output is Output.table:
            from ingressdoc.render.reach import render_reach

            sys.stdout.write(render_reach(result))
        else:
            from ingressdoc.render.reach import reach_document

            sys.stdout.write(dump(reach_document(result), output))
        raise typer.Exit(exit_status(result.findings, fail_on))
