"""The command line: parse, pick a snapshot source, run the engine, render, exit.

Heavy modules are imported inside commands so `ingressdoc --help` stays fast.
"""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from ingressdoc.commands.check import check
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
    open_source,
    seconds,
    write_file,
)
from ingressdoc.commands.reach import reach
from ingressdoc.errors import ExitStatus, UsageError

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
    help="Find out why a request to a Kubernetes service fails, hop by hop.",
)


def _server_option(value: str | None) -> str | None:
    """ADDR[:PORT] options are checked before anything is read."""
    if value is not None:
        from ingressdoc.probe.dns import parse_server

        try:
            parse_server(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


@app.command()
def trace(
    target: Annotated[str, typer.Argument(help="host/path or URL, e.g. shop.example.com/cart",
                                          metavar="HOST/PATH")],
    manifests: ManifestsOpt = [],  # noqa: B006 - typer reads the default
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    ingress_class: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--ingress-class", help="Trace through this IngressClass's controller.",
        metavar="CLASS")] = None,
    output: OutputOpt = Output.table,
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
    probe_allow: Annotated[list[str], typer.Option(
        "--probe-allow", help="Let --probe dial this loopback or link-local entry address "
        "(refused by default: a Service's status could point it at this machine or a cloud "
        "metadata service). Repeatable.", metavar="ADDR",
        rich_help_panel="Live evidence")] = [],  # noqa: B006 - typer reads the default
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds per DNS query and HTTP probe.", metavar="SECONDS",
        callback=seconds, rich_help_panel="Live evidence")] = 3.0,
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
        answer = None
        if isinstance(source, LiveSource) and not no_dns:
            from ingressdoc.probe.run import host_answer

            answer = host_answer(request.host, dns_server, timeout)
        result = run_trace(snap, request, ingress_class, answer)
        if probe and isinstance(source, LiveSource):
            from ingressdoc.hops.evidence import attach
            from ingressdoc.probe.run import backend_observations, entry_observations

            result = attach(result, entry_observations(result, timeout, probe_allow)
                            + backend_observations(result, source.proxy_get, snap))
        if isinstance(source, LiveSource) and not no_dns:
            from ingressdoc.probe.run import backend_name_evidence

            result = backend_name_evidence(result, snap, cluster_dns,
                                           source.open_port if probe else None, timeout)
        if output is Output.table:
            from ingressdoc.render.table import render_trace

            sys.stdout.write(render_trace(result))
        else:
            from ingressdoc.render.document import trace_document

            sys.stdout.write(dump(trace_document(result), output))
        raise typer.Exit(exit_status(result.findings, fail_on))


@app.command()
def snapshot(
    target: Annotated[Optional[str], typer.Argument(  # noqa: UP045
        help="Save only what tracing this host/path reads (default: everything).",
        metavar="[HOST/PATH]")] = None,
    out: Annotated[str, typer.Option("--output-file", "-o", help="File to write ('-': stdout).")]
    = "-",
    manifests: ManifestsOpt = [],  # noqa: B006
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    request_timeout: TimeoutOpt = 10.0,
    include_config: Annotated[bool, typer.Option(
        "--include-config", help="Keep ConfigMap values and literal container env values "
        "(by default only their keys are saved).")] = False,
    debug: DebugOpt = False,
) -> None:
    """Save the objects a trace reads for a bug report: Secrets reduced to metadata,
    ConfigMap and env values to their keys."""
    with error_boundary(debug):
        from ingressdoc.request import parse_request
        from ingressdoc.snapshot.saved import dump_snapshot
        from ingressdoc.trace.plan import everything, reads_for

        request = parse_request(target) if target else None
        snap = load_snapshot(
            manifests, kubeconfig, context, request_timeout,
            (lambda s: list(reads_for(s, request))) if request else everything)
        text = dump_snapshot(snap, include_config)
        if out == "-":
            sys.stdout.write(text)
        else:
            write_file(out, text)
            typer.echo(f"wrote {out}", err=True)


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A finding code or name, e.g. IDC401",
                                                metavar="CODE")]) -> None:
    """Print the page of one finding code."""
    from ingressdoc.checks.catalog import lookup
    from ingressdoc.render.catalog import page

    entry = lookup(code)
    if entry is None:
        typer.echo(f"ingressdoc: error: unknown finding code {code!r} (see `ingressdoc checks`)",
                   err=True)
        raise typer.Exit(int(ExitStatus.USAGE))
    sys.stdout.write(page(entry))


@app.command()
def checks(output: OutputOpt = Output.table) -> None:
    """List every finding code."""
    from ingressdoc.checks.catalog import entries
    from ingressdoc.render.catalog import catalog_table

    if output is Output.table:
        sys.stdout.write(catalog_table(entries()))
    else:
        sys.stdout.write(dump([{"code": e.code, "name": e.name, "hop": e.hop,
                                "severity": e.severity.value, "why": e.why, "fix": e.fix}
                               for e in entries()], output))


@app.command()
def version() -> None:
    """Print the version."""
    from ingressdoc import __version__

    typer.echo(__version__)


app.command()(reach)
app.command()(check)


def main() -> None:
    app()
