"""`check` as a table (one line per request, then what failed) and as a JSON/YAML document."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from ingressdoc.check.report import CheckReport, EntryResult
from ingressdoc.hops.model import HopStatus, Verdict
from ingressdoc.render.document import trace_document
from ingressdoc.render.jsontext import Each
from ingressdoc.render.table import Style, findings_lines

SCHEMA_VERSION = "1"
_STATUS: dict[Verdict, HopStatus] = {
    Verdict.OK: HopStatus.OK, Verdict.WARN: HopStatus.WARN, Verdict.FAIL: HopStatus.FAIL}


def summary_line(report: CheckReport) -> str:
    s = report.summary
    policy = (f"{s.failed} failing at --fail-on {report.threshold.value}"
              if report.threshold else "--fail-on never")
    line = (f"{s.requests} requests: {s.ok} ok, {s.warn} warn, {s.fail} fail; {policy}; "
            f"findings: {s.errors} error, {s.warnings} warning, {s.infos} info")
    return line + (f"; {s.ignored} ignored" if s.ignored else "")


def _note(result: EntryResult) -> str:
    notable = sorted((f for f in result.findings if f.severity.rank > 1),
                     key=lambda f: -f.severity.rank)
    parts = []
    if notable:
        more = f" (+{len(notable) - 1} more)" if len(notable) > 1 else ""
        parts.append(f"{notable[0].code} {notable[0].name}{more}")
    if result.served_by:
        parts.append(f"served by {result.served_by}")
    return "; ".join(parts)


def render_check(report: CheckReport, style: Style | None = None) -> str:
    style = style or Style.for_terminal()
    lines = [style.bold("Check") + f"  (source: {report.source})", ""]
    if not report.results:
        return "\n".join([*lines, "No Ingress host/path in scope.", ""])
    rows = [(style.mark(_STATUS[r.verdict]), f"{r.target.ingress.namespace}/{r.target.ingress.name}",
             r.target.label, _note(r)) for r in report.results]
    lines += tabulate(rows, headers=("verdict", "ingress", "rule", "finding"),
                      tablefmt="plain").splitlines()
    for result in report.failed:
        t = result.target
        lines += ["", style.bold(f"{t.ingress.namespace}/{t.ingress.name} {t.label}")
                  + f"  request {t.request}"]
        lines += findings_lines(report.failures(result))
    verdict = "PASSED" if report.passed else "FAILED"
    lines += ["", style.bold(f"Result: {verdict}") + f"  {summary_line(report)}"]
    return "\n".join(lines) + "\n"


def check_document(report: CheckReport) -> dict[str, Any]:
    """The report's document; each result's part is built as it is written (`Each`)."""
    s = report.summary
    return {
        "schemaVersion": SCHEMA_VERSION,
        "source": report.source,
        "failOn": report.threshold.value if report.threshold else "never",
        "passed": report.passed,
        "summary": {"requests": s.requests, "ok": s.ok, "warn": s.warn, "fail": s.fail,
                    "failed": s.failed, "errors": s.errors, "warnings": s.warnings,
                    "infos": s.infos, "ignored": s.ignored},
        "results": Each(lambda r: _result(report, r), report.results),
    }


def _result(report: CheckReport, r: EntryResult) -> dict[str, Any]:
    """One result's part; built in whichever process writes it."""
    return {
        "ingress": r.target.ingress.as_dict(),
        "field": r.target.field,
        "host": r.target.host,
        "path": r.target.path,
        "pathType": r.target.path_type,
        "request": r.target.request.as_dict(),
        "verdict": r.verdict.value,
        "failed": bool(report.failures(r)),
        "servedBy": r.served_by,
        "findings": [f.as_dict() for f in r.findings],
        "ignored": [f.as_dict() for f in r.ignored],
        "trace": trace_document(r.trace),
    }
