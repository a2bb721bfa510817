"""The command line: parse, pick a snapshot source, run the engine, render, exit.

Heavy modules are imported inside commands so `ingressdoc --help` stays fast.
"""

from __future__ import annotations

import enum
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ingressdoc.errors import ExitStatus, IngressdocError, UsageError

if TYPE_CHECKING:
    from ingressdoc.findings import Finding
    from ingressdoc.snapshot import Snapshot

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    help="Find out why a request to a Kubernetes service fails, hop by hop.",
)


class Output(str, enum.Enum):
    table = "table"
    json = "json"
    yaml = "yaml"


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


ManifestsOpt = Annotated[list[str], typer.Option(
    "--manifests", "-f", help="Read objects from YAML/JSON files, directories or '-' (stdin) "
    "instead of a cluster. Repeatable.", rich_help_panel="Source")]
KubeconfigOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer needs Optional
    "--kubeconfig", help="Path to the kubeconfig file.", rich_help_panel="Source")]
ContextOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--context", help="The kubeconfig context to use.", rich_help_panel="Source")]
TimeoutOpt = Annotated[float, typer.Option(
    "--request-timeout", help="Seconds per API request.", rich_help_panel="Source")]
OutputOpt = Annotated[Output, typer.Option("--output", "-o", help="Output format.")]
FailOnOpt = Annotated[FailOn, typer.Option(
    "--fail-on", help="Exit 1 when a finding is at or above this severity.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks for internal errors.")]


@contextmanager
def error_boundary(debug: bool) -> Iterator[None]:
    """The one place user errors become a one-line message and an exit status."""
    try:
        yield
    except IngressdocError as exc:
        typer.echo(f"ingressdoc: error: {exc.message}", err=True)
        raise typer.Exit(int(exc.exit_status)) from None
    except KeyboardInterrupt:
        raise typer.Exit(int(ExitStatus.INTERRUPTED)) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        if debug:
            traceback.print_exc()
        typer.echo(f"ingressdoc: internal error: {type(exc).__name__}: {exc} "
                   "(this is a bug; rerun with --debug and report it)", err=True)
        raise typer.Exit(int(ExitStatus.INTERNAL)) from None


def exit_status(findings: Iterator[Finding] | list[Finding] | tuple[Finding, ...],
                fail_on: FailOn) -> int:
    if fail_on is FailOn.never:
        return int(ExitStatus.OK)
    from ingressdoc.findings import Severity

    threshold = Severity(fail_on.value).rank
    return int(ExitStatus.FINDINGS if any(f.severity.rank >= threshold for f in findings)
               else ExitStatus.OK)


def dump(document: object, output: Output) -> str:
    if output is Output.json:
        import json

        return json.dumps(document, indent=2, default=str) + "\n"
    import yaml

    return str(yaml.safe_dump(document, sort_keys=False, default_flow_style=False))


def load_snapshot(
    manifests: list[str], kubeconfig: str | None, context: str | None, timeout: float,
    plan: Callable[[Snapshot], list[object]] | None = None,
) -> Snapshot:
    """Manifests when given; otherwise the live cluster, read as `plan` asks (None: all)."""
    if manifests:
        if kubeconfig or context:
            raise UsageError("--manifests cannot be combined with --kubeconfig/--context")
        from ingressdoc.snapshot import manifests as manifest_source

        return manifest_source.load(manifests)
    from ingressdoc.snapshot.live import LiveSource

    source = LiveSource.connect(kubeconfig, context, timeout)
    return source.read(plan)


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
