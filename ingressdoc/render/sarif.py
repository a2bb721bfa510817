"""SARIF 2.1.0: rules from the finding catalog, one result per distinct finding, located at
the manifest file and line of the field it names (code-scanning uploads show them inline).

Code scanning rejects results without an artifact location, so an object read from a cluster
(or stdin) is located in a stable synthetic artifact, `kubernetes/NAMESPACE/KIND/NAME.yaml`,
the path `kubectl get -o yaml` output would be saved under in a GitOps repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ingressdoc import __version__
from ingressdoc.check.report import CheckReport
from ingressdoc.checks.catalog import Entry, entries
from ingressdoc.findings import Severity
from ingressdoc.snapshot import ObjectRef, Origin

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


def synthetic_path(ref: ObjectRef) -> str:
    return f"kubernetes/{ref.namespace or '_cluster'}/{ref.kind}/{ref.name}.yaml"


def _physical(origin: Origin | None, ref: ObjectRef) -> dict[str, Any]:
    path = artifact_path(origin) if origin else None
    if origin is None or path is None:
        return {"artifactLocation": {"uri": synthetic_path(ref)}, "region": {"startLine": 1}}
    return {"artifactLocation": {"uri": path}, "region": {"startLine": origin.line or 1}}


def _rule(entry: Entry) -> dict[str, Any]:
    full = f"{entry.why} {entry.details}".strip()
    return {
        "id": entry.code,
        "name": entry.name,
        "helpUri": entry.help_uri,
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
        origin = report.location(result, finding)
        location = {
            "physicalLocation": _physical(origin, finding.object),
            "logicalLocations": [{"fullyQualifiedName": str(finding.object), "kind": "resource"}],
        }
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
