"""Human output: one section per hop with a mark, the route table, indented why/fix lines."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from tabulate import tabulate

from ingressdoc.findings import Finding
from ingressdoc.hops.model import Hop, HopStatus, TraceResult, Verdict

_MARKS = {
    HopStatus.OK: ("✔", "ok", "32"),
    HopStatus.WARN: ("!", "warn", "33"),
    HopStatus.FAIL: ("✘", "FAIL", "31"),
    HopStatus.SKIPPED: ("-", "skip", "90"),
    HopStatus.UNKNOWN: ("?", "unknown", "36"),
}


def use_color(stream: object | None = None) -> bool:
    stream = stream if stream is not None else sys.stdout
    return (not os.environ.get("NO_COLOR") and hasattr(stream, "isatty")
            and bool(stream.isatty()))


def _unicode() -> bool:
    return (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"


class Style:
    def __init__(self, color: bool, unicode: bool) -> None:
        self.color = color
        self.unicode = unicode

    @classmethod
    def for_terminal(cls) -> Style:
        """Colour only on a TTY without NO_COLOR; marks only where stdout speaks UTF-8."""
        return cls(use_color(), _unicode())

    def mark(self, status: HopStatus) -> str:
        symbol, word, code = _MARKS[status]
        text = f"{symbol} {word}" if self.unicode else word
        return f"\033[{code}m{text:<9}\033[0m" if self.color else f"{text:<9}"

    def bold(self, text: str) -> str:
        return f"\033[1m{text}\033[0m" if self.color else text


def findings_lines(findings: Iterable[Finding], indent: str = "    ") -> list[str]:
    lines = []
    for f in findings:
        lines.append(f"{indent}{f.severity.value:<7} {f.code} {f.name}  {f.object}"
                     + (f"  ({f.origin})" if f.origin else ""))
        lines.append(f"{indent}        why: {f.message}")
        lines.append(f"{indent}        fix: {f.hint}")
        lines.append(f"{indent}        docs: {f.help_uri}")
    return lines


_VERDICT = {Verdict.OK: "OK", Verdict.WARN: "OK with warnings", Verdict.FAIL: "BROKEN"}


def hop_lines(hop: Hop, style: Style) -> list[str]:
    """One hop: its mark and summary, route rows, note, evidence with replay, findings."""
    lines = [f"{style.mark(hop.status)} {hop.title:<28} {hop.summary}"]
    for rows in (hop.rows, hop.settings):
        if rows:
            table = tabulate([dict(r) for r in rows], headers="keys", tablefmt="plain")
            lines.extend("    " + row for row in table.splitlines())
    if hop.note and hop.note != hop.summary:
        lines.append(f"    note: {hop.note}")
    for e in hop.evidence:
        lines.append(f"    {e.kind} {e.target}: {e.outcome}" + (f" ({e.detail})"
                                                                if e.detail else ""))
        if e.replay:
            lines.append(f"        replay: {e.replay}")
    lines.extend(findings_lines(hop.findings))
    return lines


def root_cause_lines(result: TraceResult) -> list[str]:
    root, cause = result.root_cause, result.root_finding
    if root is None:
        return []
    lines = [f"Root cause ({root.title}): "
             + (f"{cause.code} {cause.message}" if cause else root.summary)]
    if cause:
        lines.append(f"Fix: {cause.hint}")
    return lines


def render_trace(result: TraceResult, style: Style | None = None) -> str:
    style = style or Style.for_terminal()
    lines = [style.bold(f"Trace {result.request}") + f"  (source: {result.source})", ""]
    for hop in result.hops:
        lines.extend(hop_lines(hop, style))
    fix = result.after_fix
    if fix is not None and fix.hops:
        lines += ["", style.bold(f"After fixing {fix.cause}") + f", the route meant: {fix.route}"]
        for hop in fix.hops:
            lines.extend(hop_lines(hop, style))
    lines.append("")
    if result.outcome is not None:
        lines.append(style.bold("Outcome: ") + result.outcome.line())
    lines.append(style.bold(f"Verdict: {_VERDICT[result.verdict]}"))
    lines.extend(root_cause_lines(result))
    return "\n".join(lines) + "\n"
