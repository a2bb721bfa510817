"""`compare` reports: a table of the requests whose outcome differs, a JSON/YAML document,
and JUnit XML with one testcase per request (a divergence is its failure)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from tabulate import tabulate

from ingressdoc.compare.outcome import Outcome
from ingressdoc.compare.run import CompareReport, Comparison

NAME = "ingressdoc compare"


def summary_line(report: CompareReport) -> str:
    n, total = len(report.divergent), len(report.comparisons)
    return (f"{n} of {total} requests diverge" if n else
            f"all {total} requests route the same") + (
        f" (Ingress: {report.ingress_source}; routes: {report.routes_source})")


def render_table(report: CompareReport) -> str:
    rows = [(str(c.request), ", ".join(k for k, _ in c.divergences), c.ingress.text(),
             c.gateway.text(), "; ".join(w for _, w in c.divergences))
            for c in report.divergent]
    body = tabulate(rows, headers=("request", "divergence", "Ingress", "Gateway", "why"),
                    tablefmt="plain", maxcolwidths=[48, 16, 34, 34, 44]) if rows else ""
    return (body + "\n\n" if body else "") + summary_line(report) + "\n"


def _outcome(o: Outcome) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": o.kind}
    for key in ("status", "location", "upstream", "tls"):
        if getattr(o, key) is not None:
            out[key] = getattr(o, key)
    if o.backends:
        out["backends"] = [{"backend": b, "share": round(s, 4)} for b, s in o.backends]
    if o.by:
        out["by"] = o.by
    if o.lost:
        out["noEquivalent"] = list(o.lost)
    return out


def _comparison(c: Comparison) -> dict[str, Any]:
    return {"request": str(c.request), "divergences": [{"kind": k, "why": w}
                                                       for k, w in c.divergences],
            "ingress": _outcome(c.ingress), "gateway": _outcome(c.gateway)}


def document(report: CompareReport) -> dict[str, Any]:
    return {"ingressSource": report.ingress_source, "routesSource": report.routes_source,
            "requests": len(report.comparisons), "divergent": len(report.divergent),
            "divergences": [_comparison(c) for c in report.divergent]}


def render_junit(report: CompareReport) -> str:
    counts = {"tests": str(len(report.comparisons)), "failures": str(len(report.divergent)),
              "errors": "0", "skipped": "0"}
    root = ET.Element("testsuites", {"name": NAME, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": NAME, **counts})
    for c in report.comparisons:
        case = ET.SubElement(suite, "testcase", classname=c.request.host, name=str(c.request))
        if c.diverges:
            kind, why = c.divergences[0]
            failure = ET.SubElement(case, "failure", type=kind, message=f"{kind}: {why}")
            failure.text = "\n".join(f"{k}: {w}" for k, w in c.divergences)
        ET.SubElement(case, "system-out").text = (f"Ingress: {c.ingress.text()}\n"
                                                  f"Gateway: {c.gateway.text()}")
    ET.SubElement(suite, "system-out").text = summary_line(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
