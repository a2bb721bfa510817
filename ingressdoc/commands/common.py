"""What every command shares: options in kubectl's spelling, the error boundary, exit
statuses, the output option and the choice of snapshot source."""

from __future__ import annotations

import enum
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ingressdoc.commands.completion import typer_values
from ingressdoc.errors import ExitStatus, IngressdocError, UsageError
from ingressdoc.render.registry import Format, Renderers

if TYPE_CHECKING:
    from ingressdoc.findings import Finding
    from ingressdoc.snapshot import Snapshot, Source


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


ManifestsOpt = Annotated[list[str], typer.Option(
    "--manifests", "-f", help="Read objects from YAML/JSON files, directories or '-' (stdin) "
    "instead of a cluster. Repeatable.", metavar="PATH", rich_help_panel="Source")]
NamespaceOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer needs Optional
    "--namespace", "-n", metavar="NAMESPACE", rich_help_panel="Source",
    help="The default namespace of kubectl-style names (default: the context's namespace).",
    autocompletion=typer_values("namespace"))]
KubeconfigOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer needs Optional
    "--kubeconfig", help="Path to the kubeconfig file.", metavar="FILE",
    rich_help_panel="Source")]
ContextOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--context", help="The kubeconfig context to use.", metavar="NAME",
    rich_help_panel="Source", autocompletion=typer_values("context"))]
TimeoutOpt = Annotated[float, typer.Option(
    "--request-timeout", help="Seconds per API request.", metavar="SECONDS",
    rich_help_panel="Source")]
FailOnOpt = Annotated[FailOn, typer.Option(
    "--fail-on", help="Exit 1 when a finding is at or above this severity.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks for internal errors.")]


def output_option(renderers: Renderers[Any]) -> Any:
    """`--output` offering the formats a result type has (one `Format` enum for all)."""
    names = [f.value for f in renderers.formats]

    def parse(value: str | Format) -> Format:
        if isinstance(value, Format):
            return value
        if value not in names:
            raise typer.BadParameter(f"Value error, {value!r} is not one of "
                                     + ", ".join(repr(n) for n in names) + ".")
        return Format(value)

    return typer.Option("--output", "-o", help="Output format.", parser=parse,
                        metavar=f"<{'|'.join(names)}>",
                        autocompletion=lambda incomplete: [n for n in names
                                                           if n.startswith(incomplete)])


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


def exit_status(findings: Iterable[Finding], fail_on: FailOn) -> int:
    if fail_on is FailOn.never:
        return int(ExitStatus.OK)
    from ingressdoc.findings import Severity

    threshold = Severity(fail_on.value).rank
    return int(ExitStatus.FINDINGS if any(f.severity.rank >= threshold for f in findings)
               else ExitStatus.OK)


def open_source(
    manifests: list[str], kubeconfig: str | None, context: str | None, timeout: float,
) -> Source:
    """Manifests when given, otherwise the live cluster (connecting, not yet reading)."""
    if manifests:
        if kubeconfig or context:
            raise UsageError("--manifests cannot be combined with --kubeconfig/--context")
        from ingressdoc.snapshot.manifests import ManifestSource

        return ManifestSource(manifests)
    from ingressdoc.snapshot.live import LiveSource

    return LiveSource.connect(kubeconfig, context, timeout)


def default_namespace(namespace: str | None, source: Source) -> str | None:
    """-n, else the kubeconfig context's namespace, as kubectl resolves it."""
    from ingressdoc.snapshot.live import LiveSource

    return namespace or (source.namespace if isinstance(source, LiveSource) else None)


def load_snapshot(
    manifests: list[str], kubeconfig: str | None, context: str | None, timeout: float,
    plan: Callable[[Snapshot], Sequence[object]] | None = None,
) -> Snapshot:
    """Read a snapshot as `plan` asks (None: everything)."""
    return open_source(manifests, kubeconfig, context, timeout).read(plan)
