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


def catalog_document(entries: Sequence[Entry]) -> list[dict[str, str]]:
    return [{"code": e.code, "name": e.name, "hop": e.hop, "severity": e.severity.value,
             "why": e.why, "fix": e.fix} for e in entries]


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


def _main(argv: list[str]) -> int:
    """`python -m ingressdoc.render.catalog [--check] FILE`: write or verify the docs page."""
    from ingressdoc.checks.catalog import entries

    check = "--check" in argv
    path = next(a for a in argv if not a.startswith("--"))
    text = markdown(entries())
    if check:
        try:
            with open(path, encoding="utf-8") as fh:
                current = fh.read()
        except FileNotFoundError:
            current = ""
        if current != text:
            print(f"{path} is out of date with the catalog: run `make docs`")
            return 1
        return 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
