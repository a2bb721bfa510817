"""The Markdown job summary of `check` for GitHub Actions ($GITHUB_STEP_SUMMARY): the result,
one row per failing request with each code linked to its page, and the check as a Mermaid
graph, which GitHub renders in the summary. A large check draws only its failing requests
(at most GRAPH_LIMIT of them): the summary is for the eye, and GitHub caps its size."""

from __future__ import annotations

from dataclasses import replace

from ingressdoc.check.report import CheckReport
from ingressdoc.render.check import summary_line
from ingressdoc.render.mermaid import render_check_mermaid

GRAPH_LIMIT = 50


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def step_summary(report: CheckReport) -> str:
    verdict = "passed" if report.passed else "FAILED"
    lines = [f"## ingressdoc check: {verdict}", "", summary_line(report), ""]
    if report.failed:
        lines += ["| Ingress | request | finding | fix |", "| --- | --- | --- | --- |"]
        for result in report.failed:
            t = result.target
            for f in report.failures(result):
                lines.append(f"| {t.ingress.namespace}/{t.ingress.name} | {_cell(str(t.request))} "
                             f"| [{f.code}]({f.help_uri}) {_cell(f.message)} | {_cell(f.hint)} |")
        lines.append("")
    drawn = report.results if len(report.results) <= GRAPH_LIMIT else report.failed
    if drawn and len(drawn) <= GRAPH_LIMIT:
        graph = render_check_mermaid(replace(report, results=drawn))
        lines += ["```mermaid", graph.rstrip("\n"), "```", ""]
    return "\n".join(lines)
