"""The command line: the app, and its small commands (snapshot, explain, checks, version).

`trace`, `reach` and `check` live in `ingressdoc.commands`, one module each: parse, pick a
snapshot source, run the engine, render through `render.registry`, exit. Heavy modules are
imported inside commands so `ingressdoc --help` stays fast.
"""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from ingressdoc.commands.check import check
from ingressdoc.commands.common import (
    ContextOpt,
    DebugOpt,
    KubeconfigOpt,
    ManifestsOpt,
    TimeoutOpt,
    error_boundary,
    load_snapshot,
    output_option,
)
from ingressdoc.commands.reach import reach
from ingressdoc.commands.trace import trace
from ingressdoc.errors import ExitStatus
from ingressdoc.render.registry import CATALOG, Format

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
    help="Find out why a request to a Kubernetes service fails, hop by hop.",
)
app.command()(trace)


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
def checks(output: Annotated[Format, output_option(CATALOG)] = Format.table) -> None:
    """List every finding code."""
    from ingressdoc.checks.catalog import entries

    sys.stdout.write(CATALOG.render(entries(), output))


@app.command()
def version() -> None:
    """Print the version."""
    from ingressdoc import __version__

    typer.echo(__version__)


app.command()(reach)
app.command()(check)


def main() -> None:
    app()
