"""`ingressdoc trace HOST/PATH`: follow one request hop by hop over a snapshot, add live
evidence when the source is a cluster, render, and exit by the findings (`--fail-on`)."""

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
    TimeoutOpt,
    error_boundary,
    exit_status,
    open_source,
    output_option,
)
from ingressdoc.errors import UsageError
from ingressdoc.render.registry import TRACE, Format


def _server_option(value: str | None) -> str | None:
    """ADDR[:PORT] options are checked before anything is read."""
    if value is not None:
        from ingressdoc.probe.dns import parse_server

        try:
            parse_server(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


def trace(
    target: Annotated[str, typer.Argument(help="host/path or URL, e.g. shop.example.com/cart",
                                          metavar="HOST/PATH")],
    manifests: ManifestsOpt = [],  # noqa: B006 - typer reads the default
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    ingress_class: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--ingress-class", help="Trace through this IngressClass's controller.",
        metavar="CLASS")] = None,
    output: Annotated[Format, output_option(TRACE)] = Format.table,
    fail_on: FailOnOpt = FailOn.error,
    request_timeout: TimeoutOpt = 10.0,
    no_dns: Annotated[bool, typer.Option(
        "--no-dns", help="Do not resolve the host nor ask the cluster DNS about the backend "
        "Service (live traces do both by default).", rich_help_panel="Live evidence")] = False,
    dns_server: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--dns-server", help="Resolve the host with this server.", metavar="ADDR[:PORT]",
        callback=_server_option, rich_help_panel="Live evidence")] = None,
    cluster_dns: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--cluster-dns", help="Ask this server for the backend Service's in-cluster name "
        "(default: the kube-dns ClusterIP; with --probe, a port-forward to CoreDNS when the "
        "ClusterIP is not reachable).", metavar="ADDR[:PORT]", callback=_server_option,
        rich_help_panel="Live evidence")] = None,
    probe: Annotated[bool, typer.Option(
        "--probe", help="Send the request to the entry point, and through the API server's "
        "proxy to the Service and its pods (needs get on services/proxy and pods/proxy); ask "
        "CoreDNS through a port-forward "
        "when its ClusterIP is not reachable (needs create on pods/portforward).",
        rich_help_panel="Live evidence")] = False,
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds per DNS query and HTTP probe.", metavar="SECONDS",
        rich_help_panel="Live evidence")] = 3.0,
    debug: DebugOpt = False,
) -> None:
    """Trace a request hop by hop and say which hop breaks, why, and how to fix it."""
    with error_boundary(debug):
        from ingressdoc.request import parse_request
        from ingressdoc.snapshot.live import LiveSource
        from ingressdoc.trace.engine import trace as run_trace
        from ingressdoc.trace.plan import reads_for

        request = parse_request(target)
        if probe and manifests:
            raise UsageError("--probe needs a live cluster, not --manifests")
        if cluster_dns and no_dns:
            raise UsageError("--cluster-dns cannot be combined with --no-dns")
        source = open_source(manifests, kubeconfig, context, request_timeout)
        snap = source.read(lambda s: list(reads_for(s, request, cluster_dns=not no_dns)))
        result = run_trace(snap, request, ingress_class)
        if isinstance(source, LiveSource):
            from ingressdoc.probe.run import Wanted, gather

            wanted = Wanted(not no_dns, probe, timeout, dns_server, cluster_dns)
            result = gather(result, snap, wanted, source.proxy_get, source.open_port)
        sys.stdout.write(TRACE.render(result, output))
        raise typer.Exit(exit_status(result.findings, fail_on))
