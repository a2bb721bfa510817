"""`ingressdoc check`: trace every routed host/path in scope; the CI smoke test.

Settings come from the command line, then `.ingressdoc.yaml` (found upwards from the working
directory), then built-in defaults; `--ignore` adds to the file's list instead of replacing it,
so a one-off suppression does not drop the repository's policy. Without `-n`/`-A` the scope is
the kubeconfig context's namespace when it names one, otherwise every namespace (manifests:
every namespace). stderr stays silent unless something is worth saying: a progress line on a
TTY, the `--wait` progress the user asked for, and the ignored count.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional, TextIO

import typer

from ingressdoc.commands.common import (
    ContextOpt,
    DebugOpt,
    FailOn,
    KubeconfigOpt,
    ManifestsOpt,
    TimeoutOpt,
    error_boundary,
    exit_status,
    open_source,
    output_option,
    write_file,
)
from ingressdoc.commands.completion import typer_values
from ingressdoc.errors import UsageError
from ingressdoc.render.registry import CHECK, Format

if TYPE_CHECKING:
    from ingressdoc.check.report import CheckReport
    from ingressdoc.check.targets import Target
    from ingressdoc.snapshot import Snapshot


class _Progress:
    """One self-overwriting status line on stderr, only when a person is watching it."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()

    def show(self, text: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\033[K{text[:100]}")
            self.stream.flush()

    def step(self, index: int, total: int, target: Target) -> None:
        self.show(f"checking {index + 1}/{total} {target.label}")

    def clear(self) -> None:
        self.show("")


def _waiting(report: CheckReport, left: float) -> None:
    codes = sorted({f.code for r in report.failed for f in report.failures(r)})
    typer.echo(f"waiting: {len(report.failed)} of {len(report.results)} requests failing "
               f"({', '.join(codes)}); {left:.0f}s left", err=True)


def check(
    namespace: Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer needs Optional
        "--namespace", "-n", metavar="NAMESPACE",
        help="Check Ingresses and Gateway routes in this namespace.",
        rich_help_panel="Scope", autocompletion=typer_values("namespace"))] = None,
    all_namespaces: Annotated[bool, typer.Option(
        "--all-namespaces", "-A", help="Check Ingresses and Gateway routes in every namespace.",
        rich_help_panel="Scope")] = False,
    selector: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--selector", "-l", metavar="SELECTOR",
        help="Only Ingresses and routes matching this label selector (kubectl syntax).",
        rich_help_panel="Scope")] = None,
    host: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--host", metavar="GLOB", help="Only requests to hosts matching this glob, e.g. '*.example.com'.",
        rich_help_panel="Scope", autocompletion=typer_values("host"))] = None,
    manifests: ManifestsOpt = [],  # noqa: B006 - typer reads the default
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    request_timeout: TimeoutOpt = 10.0,
    output: Annotated[Format, output_option(CHECK)] = Format.table,
    output_file: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--output-file", metavar="PATH", help="Write the report to this file instead of stdout.")] = None,
    fail_on: Annotated[Optional[FailOn], typer.Option(  # noqa: UP045
        "--fail-on", help="Exit 1 when a finding is at or above this severity "
        "[default: error, or fail-on in .ingressdoc.yaml].", show_default=False)] = None,
    ignore: Annotated[list[str], typer.Option(
        "--ignore", metavar="CODE[=NS/NAME]",
        help="Ignore a finding: CODE or CODE=namespace/name; codes or names, "
        "wildcards allowed. Repeatable; adds to .ingressdoc.yaml's list.")] = [],  # noqa: B006
    wait: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--wait", metavar="DURATION", help="Re-check until everything passes or this much time is up, "
        "e.g. 2m or 90s (live cluster only).")] = None,
    allow_empty: Annotated[bool, typer.Option(
        "--allow-empty", help="Pass when nothing is in scope (no Ingress and no "
        "HTTPRoute/GRPCRoute); without it an empty scope fails (IDC850).",
        rich_help_panel="Scope")] = False,
    debug: DebugOpt = False,
) -> None:
    """Trace every host/path of every Ingress and every hostname/match of every
    HTTPRoute/GRPCRoute in scope, and fail when any is broken."""
    with error_boundary(debug):
        from ingressdoc.check.config import CheckConfig, find_config, load_config
        from ingressdoc.check.ignore import IgnorePolicy
        from ingressdoc.check.run import run_check
        from ingressdoc.check.scope import Scope
        from ingressdoc.check.wait import parse_duration, wait_until_passing
        from ingressdoc.findings import Severity
        from ingressdoc.k8s.selectors import parse_selector
        from ingressdoc.snapshot import collector_paused
        from ingressdoc.snapshot.live import LiveSource
        from ingressdoc.trace.plan import everything

        if namespace and all_namespaces:
            raise UsageError("--namespace and --all-namespaces exclude each other")
        if wait is not None and manifests:
            raise UsageError("--wait needs a live cluster: manifests do not change while waiting")
        timeout = parse_duration(wait) if wait is not None else None
        found = find_config(Path.cwd())
        cfg = load_config(found) if found else CheckConfig()
        policy = IgnorePolicy.parse([*cfg.ignore, *ignore])
        fail_on = fail_on or FailOn(cfg.fail_on or "error")
        threshold = None if fail_on is FailOn.never else Severity(fail_on.value)
        labels = selector or cfg.selector
        try:
            label_selector = parse_selector(labels) if labels else None
        except ValueError as exc:
            raise UsageError(f"invalid --selector {labels!r}: {exc}") from None
        source = open_source(manifests, kubeconfig, context, request_timeout)
        if namespace or all_namespaces:
            scope_ns = namespace
        elif cfg.namespace or cfg.all_namespaces:
            scope_ns = cfg.namespace
        else:
            scope_ns = source.namespace if isinstance(source, LiveSource) else None
        scope = Scope(scope_ns, label_selector, host or cfg.host)
        progress = _Progress(sys.stderr)
        # The snapshot read last is held to the end, to be freed with the process (see
        # `cli.main`), not object by object between tracing and writing the report.
        held: list[Snapshot] = []

        def attempt() -> CheckReport:
            progress.show("reading the snapshot")
            try:
                held[:] = [source.read(everything)]
                return run_check(held[0], scope, policy, threshold, progress.step)
            finally:
                progress.clear()

        # One bulk pass over one snapshot, from reading to writing the report: with the
        # collector on between the steps, each would start by walking every object read
        # (see `collector_paused`).
        with collector_paused():
            report = (attempt() if timeout is None
                      else wait_until_passing(attempt, timeout, _waiting))
            if timeout is not None and not report.passed:
                typer.echo(f"gave up waiting after {wait}", err=True)
            _write(CHECK.render(report, output), output_file)
            _step_summary(report)
            if not report.results:
                typer.echo(_EMPTY.format("warning" if allow_empty else "error"), err=True)
                if not allow_empty:
                    raise typer.Exit(1)
            ignored = report.summary.ignored
            if ignored:
                typer.echo(f"{ignored} findings ignored", err=True)
            raise typer.Exit(exit_status(report.findings, fail_on))


_EMPTY = ("ingressdoc: {}: IDC850 nothing to check: no Ingress and no HTTPRoute/GRPCRoute in "
          "scope (fix --namespace/--selector/--host/--context, or pass --allow-empty)")


def _step_summary(report: CheckReport) -> None:
    """GitHub Actions shows what a step appends to $GITHUB_STEP_SUMMARY on the run's page."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    from ingressdoc.render.summary import step_summary

    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(step_summary(report))
    except OSError as exc:
        typer.echo(f"ingressdoc: warning: cannot write the step summary {path}: "
                   f"{exc.strerror or exc}", err=True)


def _write(text: str, output_file: str | None) -> None:
    if output_file is None:
        # In slices: a report of tens of megabytes is not encoded into a second copy whole.
        for start in range(0, len(text), _SLICE):
            sys.stdout.write(text[start:start + _SLICE])
        return
    write_file(output_file, text)


_SLICE = 1 << 20
