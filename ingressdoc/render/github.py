"""GitHub Actions workflow commands: each distinct finding becomes an annotation on the
manifest line (or on the run, for a live cluster), then one plain summary line.

Errors and warnings are always annotated; info findings only under --fail-on info, where they
fail the run and so must be visible.
"""

from __future__ import annotations

from ingressdoc.check.report import CheckReport
from ingressdoc.findings import Severity
from ingressdoc.render.check import summary_line
from ingressdoc.render.sarif import artifact_path

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: CheckReport) -> str:
    floor = (Severity.INFO if report.threshold is Severity.INFO else Severity.WARNING).rank
    lines = []
    for finding, result in report.located_findings():
        if finding.severity.rank < floor:
            continue
        props = []
        origin = report.location(result, finding)
        path = artifact_path(origin) if origin else None
        if origin and path:
            props += [f"file={_property(path)}", f"line={origin.line or 1}"]
        props.append(f"title={_property(f'{finding.code} {finding.name}')}")
        message = (f"{finding.object}: {finding.message} (request {result.target.request}). "
                   f"Fix: {finding.hint} Docs: {finding.help_uri}")
        lines.append(f"::{COMMANDS[finding.severity]} {','.join(props)}::{_data(message)}")
    lines.append(f"ingressdoc check: {'passed' if report.passed else 'FAILED'}: "
                 f"{summary_line(report)}")
    return "\n".join(lines) + "\n"
