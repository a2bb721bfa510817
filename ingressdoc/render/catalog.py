"""Catalog pages: `ingressdoc explain`, `ingressdoc checks` and docs/findings.md share them."""

from __future__ import annotations

from collections.abc import Sequence

from tabulate import tabulate

from ingressdoc.checks.catalog import Entry
from ingressdoc.k8s import controller_settings as cs
from ingressdoc.k8s.profiles import PROFILES


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
    lines += ["", f"Docs: {entry.help_uri}"]
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
    return "\n".join(out + controller_model())


def _version(v: cs.Version) -> str:
    return "v" + ".".join(map(str, v))


def controller_model() -> list[str]:
    """The flags, ConfigMap keys and annotations each controller profile models (from
    ingressdoc/k8s/controller_settings.py): what the tool knows and where it read it."""
    out = ["# Controller configuration modelled", "",
           "Generated from the controller profiles (`ingressdoc/k8s/profiles/`, data in "
           "`ingressdoc/k8s/controller_settings.py`).", ""]
    for profile in (p for p in PROFILES if p.settings or p.annotations):
        out += [f"## {profile.title}", "", "| setting | where | default | effect | source |",
                "|---|---|---|---|---|"]
        for s in profile.settings:
            default = "; ".join(f"{v or '<empty>'} (from {_version(since)})"
                                if since != (0,) else (v or "<empty>")
                                for since, v in s.defaults)
            out.append(f"| `{s.key}` | {s.where} | {default} | {s.effect} | {s.source} |")
        out += ["", "| annotation | risk | effect | source |", "|---|---|---|---|"]
        out += [f"| `{a.name}` | {a.risk or '-'} | {a.effect} | {a.source} |"
                for a in profile.annotations]
        out.append("")
    out += ["## ingress-nginx annotations read by Traefik's ingress-nginx provider", "",
            "Any other `nginx.ingress.kubernetes.io/` annotation is ignored by that provider "
            "(IDC296).", ""]
    for since, names in cs.TRAEFIK_NGINX_SUPPORT:
        out += [f"- Traefik {_version(since)} and later: "
                + ", ".join(f"`{n}`" for n in sorted(names)), ""]
    out += ["## Load-balancer TLS termination (controller Service annotations)", ""]
    out += [f"- {cloud}: `{cert}`" + (f", ports from `{ports}`" if ports else "")
            for cert, ports, cloud in cs.LB_TLS_ANNOTATIONS]
    return [*out, ""]


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
