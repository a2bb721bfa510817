"""DNS of the request host: does the name lead clients to the entry point?

This hop turns live evidence into findings; the answer is gathered by a prober. Without
evidence (manifests, `--no-dns`) the hop is left out, since nothing about objects can say
what public DNS answers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding
from ingressdoc.hops.model import EntryAddress, Evidence, Hop, HopId, TraceResult, status_from
from ingressdoc.request import Request
from ingressdoc.snapshot import ObjectRef

TITLE = "DNS of the host"


class HostAnswer(Protocol):
    """What a resolver said about the host (ingressdoc.probe.dns.DnsAnswer fits)."""

    @property
    def status(self) -> str: ...
    @property
    def addresses(self) -> tuple[str, ...]: ...
    @property
    def cnames(self) -> tuple[str, ...]: ...
    @property
    def detail(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def server(self) -> str | None: ...


def check(request: Request, answer: HostAnswer, entries: Sequence[EntryAddress]) -> Hop:
    """Entry addresses may be IPs or load-balancer host names (AWS ELB): a CNAME to the
    load balancer's name points at the entry as much as its A record does."""
    ref = ObjectRef("Host", None, request.host)
    evidence = Evidence(
        "dns", request.host, answer.status,
        detail=" -> ".join([*answer.cnames, ", ".join(answer.addresses)]).strip(" ->")
        or answer.detail,
        replay=f"dig +short {request.host} A {request.host} AAAA",
        data={"source": answer.source},
    )
    found: list[Finding] = []
    if answer.status != "ok" or not answer.addresses:
        found.append(finding("IDC101", ref, f"{request.host}: {answer.detail or answer.status}"))
    else:
        if all(":" in a for a in answer.addresses):
            found.append(finding("IDC103", ref, f"{request.host} has only AAAA records "
                                 f"({', '.join(answer.addresses)})"))
        known = {e.address.lower().rstrip(".") for e in entries}
        seen = {a.lower().rstrip(".") for a in (*answer.addresses, *answer.cnames)}
        if known and not known & seen:
            found.append(finding(
                "IDC102", ref,
                f"{request.host} resolves to {', '.join(answer.addresses)}; the entry point "
                f"is at {', '.join(sorted(known))}",
            ))
    via = f" via CNAME {' -> '.join(answer.cnames)}" if answer.cnames else ""
    summary = (f"{request.host} -> {', '.join(answer.addresses)}{via} ({answer.source})"
               if answer.addresses else f"{request.host}: {answer.status}")
    return Hop(HopId.DNS, TITLE, status_from(tuple(found)), summary, findings=tuple(found),
               evidence=(evidence,))


def attach(result: TraceResult, answer: HostAnswer) -> TraceResult:
    """The host's DNS hop in front of the object trace: the request meets it first."""
    hop = check(result.request, answer, result.entry_addresses)
    return dataclasses.replace(result, hops=(hop, *result.hops))
