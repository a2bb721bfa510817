"""JUnit XML: one testsuite, one testcase per request (classname namespace/ingress), so CI
test reporters show each routed path as a test and its findings as the failure."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ingressdoc.check.report import CheckReport
from ingressdoc.render.check import summary_line
from ingressdoc.render.table import findings_lines

NAME = "ingressdoc check"


def render_junit(report: CheckReport) -> str:
    total = f"{sum(r.seconds for r in report.results):.3f}"
    counts = {"tests": str(len(report.results)), "failures": str(len(report.failed)),
              "errors": "0", "time": total}
    # `skipped` belongs to <testsuite> only: Jenkins' schema rejects it on <testsuites>.
    root = ET.Element("testsuites", {"name": NAME, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": NAME, **counts, "skipped": "0"})
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="source", value=report.source)
    for result in report.results:
        t = result.target
        case = ET.SubElement(suite, "testcase", classname=f"{t.ingress.namespace}/{t.ingress.name}",
                             name=t.label, time=f"{result.seconds:.3f}")
        failing = sorted(report.failures(result), key=lambda f: -f.severity.rank)
        if failing:
            first = failing[0]
            failure = ET.SubElement(case, "failure", type=first.code,
                                    message=f"{first.code} {first.name}: {first.message}")
            failure.text = "\n".join(findings_lines(failing, indent=""))
        out = [f"request: {t.request}", f"rule: {t.field}"]
        if result.served_by:
            out.append(f"served by: {result.served_by}")
        rest = [f for f in result.findings if f not in failing]
        out += findings_lines(rest, indent="")
        ET.SubElement(case, "system-out").text = "\n".join(out)
    ET.SubElement(suite, "system-out").text = summary_line(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
