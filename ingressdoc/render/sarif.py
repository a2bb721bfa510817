"""SARIF 2.1.0: rules from the finding catalog, one result per distinct finding, located at
the manifest file and line of the object it names (code-scanning uploads show them inline)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ingressdoc import __version__
from ingressdoc.check.report import CheckReport
from ingressdoc.checks.catalog import Entry, entries
from ingressdoc.findings import Severity
from ingressdoc.snapshot import Origin

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_path(origin: Origin) -> str | None:
    """A path relative to the working directory (the repository root in CI) when possible."""
    if origin.source.startswith("<"):
        return None
    path = Path(origin.source)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_uri()


def _rule(entry: Entry) -> dict[str, Any]:
    full = f"{entry.why} {entry.details}".strip()
    return {
        "id": entry.code,
        "name": entry.name,
        "shortDescription": {"text": entry.why},
        "fullDescription": {"text": full},
        "help": {"text": f"{entry.why}\nHow to fix: {entry.fix}",
                 "markdown": f"{entry.why}\n\n**How to fix:** {entry.fix}"},
        "defaultConfiguration": {"level": LEVELS[entry.severity]},
        "properties": {"hop": entry.hop},
    }


def sarif_log(report: CheckReport) -> dict[str, Any]:
    rules = [e for e in entries() if not e.retired]
    index = {e.code: i for i, e in enumerate(rules)}
    results = []
    for finding, result in report.located_findings():
        location: dict[str, Any] = {"logicalLocations": [
            {"fullyQualifiedName": str(finding.object), "kind": "resource"}]}
        origin = report.location(result, finding)
        uri = artifact_path(origin) if origin else None
        if origin and uri:
            location["physicalLocation"] = {"artifactLocation": {"uri": uri},
                                            "region": {"startLine": origin.line or 1}}
        results.append({
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": LEVELS[finding.severity],
            "message": {"text": f"{finding.object}: {finding.message}. Fix: {finding.hint}"},
            "locations": [location],
            "properties": {"request": str(result.target.request),
                           "rule": f"{result.target.ingress} {result.target.field}"},
        })
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ingressdoc", "version": __version__,
                                "rules": [_rule(e) for e in rules]}},
            "results": results,
            "properties": {"source": report.source},
        }],
    }


def render_sarif(report: CheckReport) -> str:
    return json.dumps(sarif_log(report), indent=2) + "\n"
