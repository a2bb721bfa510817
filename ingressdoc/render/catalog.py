"""Catalog pages: `ingressdoc explain`, `ingressdoc checks` and docs/findings.md share them."""

from __future__ import annotations

from collections.abc import Sequence

from tabulate import tabulate

from ingressdoc.checks.catalog import Entry


def page(entry: Entry) -> str:
    lines = [
        f"{entry.code} {entry.name}",
        "",
        f"Hop:      {entry.hop}",
        f"Severity: {entry.severity.value}",
        "",
        f"Why it breaks the request: {entry.why}",
        "",
        f"How to fix: {entry.fix}",
    ]
    if entry.details:
        lines += ["", entry.details]
    return "\n".join(lines) + "\n"


def catalog_table(entries: Sequence[Entry]) -> str:
    rows = [(e.code, e.name, e.hop, e.severity.value) for e in entries if not e.retired]
    return tabulate(rows, headers=("code", "name", "hop", "severity"), tablefmt="plain") + "\n"


def markdown(entries: Sequence[Entry]) -> str:
    out = ["# Finding codes", "",
           "Generated from `ingressdoc/checks/catalog.py` by `make docs`; do not edit.", ""]
    for e in entries:
        out += [f"## {e.code} `{e.name}`", "",
                f"- Hop: {e.hop}", f"- Severity: {e.severity.value}", "",
                f"**Why it breaks the request:** {e.why}", "", f"**How to fix:** {e.fix}", ""]
        if e.details:
            out += [e.details, ""]
    return "\n".join(out)
