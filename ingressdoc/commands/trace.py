"""`ingressdoc trace HOST/PATH`: follow one request hop by hop over a snapshot, add live
evidence when the source is a cluster, render, and exit by the findings (`--fail-on`)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Optional

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
from ingressdoc.commands.completion import typer_values
from ingressdoc.errors import UsageError
from ingressdoc.hops.model import HopId
from ingressdoc.render.registry import TRACE, Format

if TYPE_CHECKING:
    from ingressdoc.hops.model import TraceResult


def _server_option(value: str | None) -> str | None:
    """ADDR[:PORT] options are checked before anything is read."""
    if value is not None:
        from ingressdoc.probe.dns import parse_server

        try:
            parse_server(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


def _dns_points_elsewhere(result: TraceResult, served_twice: bool = True) -> bool:
    """The host resolves to none of the traced entry's addresses (IDC102), and, with
    `served_twice`, another router also serves the request (IDC840)."""
    codes = {f.code for f in result.findings}
    return "IDC102" in codes and (not served_twice or "IDC840" in codes)


def trace(
    target: Annotated[str, typer.Argument(help="host/path or URL, e.g. shop.example.com/cart",
                                          metavar="HOST/PATH",
                                          autocompletion=typer_values("target"))],
    namespace: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--namespace", "-n", metavar="NAMESPACE", rich_help_panel="Source",
        help="The namespace whose Ingresses should serve the request: a warning on stderr "
        "when one in another namespace does.", autocompletion=typer_values("namespace"))] = None,
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
        "proxy to the Service and its pods (needs get on services/proxy and pods/proxy); send "
        "it to each candidate backend's pods through a port-forward to tell which one "
        "answered, and ask CoreDNS that way when its ClusterIP is not reachable (needs create "
        "on pods/portforward).",
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
            from ingressdoc.trace.outcome import refresh

            wanted = Wanted(not no_dns, probe, timeout, dns_server, cluster_dns)
            result = refresh(gather(result, snap, wanted, source.proxy_get, source.open_port))
            if _dns_points_elsewhere(result):
                # An Ingress and a Gateway route both serve the request, and the host
                # resolves to the entry of the one not traced: the DNS answer decides.
                kinds = ("Ingress",) if any(h.hop == HopId.GATEWAY for h in result.hops) else (
                    "HTTPRoute", "GRPCRoute")
                other = refresh(gather(run_trace(snap, request, ingress_class, kinds), snap,
                                       wanted, source.proxy_get, source.open_port))
                if not _dns_points_elsewhere(other, served_twice=False):
                    result = other
        sys.stdout.write(TRACE.render(result, output))
        _served_elsewhere(result, namespace)
        raise typer.Exit(exit_status(result.findings, fail_on))


def _served_elsewhere(result: TraceResult, namespace: str | None) -> None:
    """`trace -n NS`: say so when the Ingress that answers the request is not in NS, the
    usual surprise of a host claimed by another team's Ingress."""
    rule = next((h for h in result.hops if h.hop is HopId.RULE), None)
    served = [o for o in (rule.objects if rule else ()) if o.kind == "Ingress"]
    if namespace and served and all(o.namespace != namespace for o in served):
        typer.echo(f"ingressdoc: warning: the request is served by {served[0]}, "
                   f"not by an Ingress in namespace {namespace}", err=True)
