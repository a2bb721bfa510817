"""The command line: the app, and its small commands (snapshot, explain, checks, version).

`trace`, `reach` and `check` live in `ingressdoc.commands`, one module each: parse, pick a
snapshot source, run the engine, render through `render.registry`, exit. Heavy modules are
imported inside commands so `ingressdoc --help` stays fast.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
from typing import Annotated, NoReturn, Optional

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
    write_file,
)
from ingressdoc.commands.compare import compare
from ingressdoc.commands.completion import typer_values
from ingressdoc.commands.reach import reach
from ingressdoc.commands.trace import trace
from ingressdoc.errors import ExitStatus
from ingressdoc.render.registry import CATALOG, Format

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Find out why a request to a Kubernetes service fails, hop by hop.",
)


def _version(value: bool) -> None:
    if value:
        from ingressdoc import __version__

        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Find out why a request to a Kubernetes service fails, hop by hop."""


app.command()(trace)


def _snapshot_format(value: str) -> str:
    """-o is a format, as everywhere; say where the file name goes for the old spelling."""
    from ingressdoc.snapshot.saved import FORMATS

    if value not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not a format ({', '.join(FORMATS)}); "
                                 "write the snapshot to a file with --output-file PATH")
    return value


@app.command()
def snapshot(
    target: Annotated[Optional[str], typer.Argument(  # noqa: UP045
        help="Save only what tracing this host/path reads (default: everything).",
        metavar="[HOST/PATH]")] = None,
    output: Annotated[str, typer.Option(
        "--output", "-o", help="Output format: yaml or json.", callback=_snapshot_format,
        autocompletion=typer_values("output"))] = "yaml",
    out: Annotated[str, typer.Option("--output-file", metavar="PATH",
                                     help="File to write ('-': stdout).")] = "-",
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
        text = dump_snapshot(snap, include_config, as_json=output == "json")
        if out == "-":
            sys.stdout.write(text)
        else:
            write_file(out, text)
            typer.echo(f"wrote {out}", err=True)


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A finding code or name, e.g. IDC401",
                                                metavar="CODE",
                                                autocompletion=typer_values("code"))]) -> None:
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
app.command()(compare)


def main() -> None:
    """The console script: one command, then the process ends. It leaves without freeing
    what the command built: a `check` of a large cluster holds a few hundred MB of small
    objects, and freeing them one by one took longer than writing its report, for memory the
    OS takes back at once. The exit handlers still run (the Kubernetes client's removes the
    credentials it wrote to temporary files). The cyclic collector stays off: it would only
    walk, once more, the objects the command keeps to its end (see `collector_paused`), and
    the little cyclic garbage a command makes goes with the process."""
    gc.disable()
    try:
        app()
    except SystemExit as done:
        _leave(done.code)  # here: past this block the command's objects would be freed
    except BrokenPipeError:  # the reader left (`| head`): nothing to tell it
        _leave(1)
    except OSError as exc:  # what a command could not write: a full disk, a closed stream
        _leave(_unwritten(exc))
    _leave(0)


def _unwritten(exc: OSError | ValueError) -> str:
    """The one line for output that could not be written, wherever the failure shows."""
    strerror = exc.strerror if isinstance(exc, OSError) else None
    return f"ingressdoc: error: cannot write the output: {strerror or exc}"


def _leave(status: object) -> NoReturn:
    """`sys.exit(status)` without the interpreter's teardown: exit handlers, then the output
    flushed; output that cannot be written fails the run (120, as Python's own exit does)."""
    if status is not None and not isinstance(status, int):
        print(status, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left (`| head`): nothing to tell it
        status = status or 120
    except (OSError, ValueError) as exc:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(_unwritten(exc) + "\n")
        status = status or 120
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(status or 0)


def kubectl_complete() -> None:
    """The `kubectl_complete-ingressdoc` script: kubectl's plugin completion protocol."""
    from ingressdoc.commands.completion import kubectl_complete as complete

    sys.stdout.write(complete(app, sys.argv[1:]))
