"""The command line: parse, pick a snapshot source, run the engine, render, exit.

Heavy modules are imported inside commands so `ingressdoc --help` stays fast.
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
from ingressdoc.errors import ExitStatus

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    help="Find out why a request to a Kubernetes service fails, hop by hop.",
)


@app.command()
def trace(
    target: Annotated[str, typer.Argument(help="host/path or URL, e.g. shop.example.com/cart")],
    manifests: ManifestsOpt = [],  # noqa: B006 - typer reads the default
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    ingress_class: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--ingress-class", help="Trace through this IngressClass's controller.")] = None,
    output: OutputOpt = Output.table,
    fail_on: FailOnOpt = FailOn.error,
    request_timeout: TimeoutOpt = 10.0,
    debug: DebugOpt = False,
) -> None:
    """Trace a request hop by hop and say which hop breaks, why, and how to fix it."""
    with error_boundary(debug):
        from ingressdoc.request import parse_request
        from ingressdoc.trace.engine import trace as run_trace
        from ingressdoc.trace.plan import reads_for

        request = parse_request(target)
        snap = load_snapshot(manifests, kubeconfig, context, request_timeout,
                             lambda s: list(reads_for(s, request)))
        result = run_trace(snap, request, ingress_class)
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
        help="Save only what tracing this host/path reads (default: everything).")] = None,
    out: Annotated[str, typer.Option("--output-file", "-o", help="File to write ('-': stdout).")]
    = "-",
    manifests: ManifestsOpt = [],  # noqa: B006
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    request_timeout: TimeoutOpt = 10.0,
    debug: DebugOpt = False,
) -> None:
    """Save the objects a trace reads (Secrets reduced to metadata) for a bug report."""
    with error_boundary(debug):
        from ingressdoc.request import parse_request
        from ingressdoc.snapshot.saved import dump_snapshot
        from ingressdoc.trace.plan import reads_for

        request = parse_request(target) if target else None
        snap = load_snapshot(
            manifests, kubeconfig, context, request_timeout,
            (lambda s: list(reads_for(s, request))) if request else None)
        text = dump_snapshot(snap)
        if out == "-":
            sys.stdout.write(text)
        else:
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(text)
            typer.echo(f"wrote {out}", err=True)


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A finding code or name, e.g. IDC401")],
            ) -> None:
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


def main() -> None:
    app()
