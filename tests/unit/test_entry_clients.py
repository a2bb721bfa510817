"""Live evidence judges the entry again: an internal load balancer matters when the clients
are on the internet or the request gets no answer from here (IDC131), and
externalTrafficPolicy Local counts only the nodes the host's DNS answer sends clients to
(IDC112)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingressdoc.hops.dns import attach as dns_attach
from ingressdoc.hops.entry_clients import attach, attach_probes, public_evidence
from ingressdoc.hops.evidence import HttpObservation
from ingressdoc.hops.evidence import attach as evidence_attach
from ingressdoc.hops.model import HopId, HopStatus, TraceResult
from ingressdoc.probe.dns import DnsAnswer, Source
from ingressdoc.request import parse_request
from ingressdoc.snapshot.manifests import load
from ingressdoc.trace.engine import trace

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
HOST = "shop.example.com"
INTERNAL_ELB = "internal-a1b2c3-ingress-nginx-4f5e6d.elb.eu-west-1.amazonaws.com"


def answer(*addresses: str, server: str | None = "10.0.0.2",
           cnames: tuple[str, ...] = (INTERNAL_ELB,), source: Source = "dns") -> DnsAnswer:
    return DnsAnswer(name=HOST, status="ok", addresses=addresses, cnames=cnames, server=server,
                     source=source)


def traced(scenario: str, ans: DnsAnswer) -> TraceResult:
    snap = load([str(SCENARIOS / scenario / "manifests.yaml")])
    result = trace(snap, parse_request(f"{HOST}/cart"))
    return attach(dns_attach(result, ans), snap, ans)


def entry_codes(result: TraceResult) -> list[str]:
    return [f.code for h in result.hops if h.hop == "entry" for f in h.findings]


@pytest.mark.parametrize(("ans", "public"), [
    (answer("10.0.1.5", server="8.8.8.8"), True),
    (answer("52.18.0.10"), True),
    (answer("10.0.1.5"), False),  # a private resolver, private addresses
    (answer("10.0.1.5", server="127.0.0.53"), False),
    (answer("52.18.0.10", server=None, source="hosts-file"), False),
])
def test_internal_load_balancer_warns_only_on_public_evidence(ans: DnsAnswer,
                                                               public: bool) -> None:
    result = traced("internal-load-balancer", ans)
    assert ("IDC131" in entry_codes(result)) is public
    assert "IDC114" in entry_codes(result)
    entry = next(h for h in result.hops if h.hop == "entry")
    assert entry.status is (HopStatus.WARN if public else HopStatus.OK)
    assert result.verdict == ("warn" if public else "ok")


def test_public_evidence_names_the_resolver_or_the_addresses() -> None:
    assert public_evidence(HOST, answer("10.0.1.5", server="[2001:4860:4860::8888]:53")) == (
        "the public resolver [2001:4860:4860::8888]:53 answers shop.example.com")
    assert public_evidence(HOST, answer("52.18.0.10", "10.0.1.5")) == (
        "shop.example.com resolves to public addresses (52.18.0.10)")


@pytest.mark.parametrize(("addresses", "message"), [
    (("10.0.0.11",), None),  # only worker-1, which runs the controller
    (("10.0.0.11", "10.0.0.12"), "1 of 2 nodes the host resolves to run no ready controller "
                                 "pod (worker-2)"),
    (("203.0.113.10",), "2 of 3 nodes that receive traffic run no ready controller pod "
                        "(worker-2, worker-3)"),  # the load balancer's address
])
def test_etp_local_counts_the_nodes_in_the_answer(addresses: tuple[str, ...],
                                                  message: str | None) -> None:
    result = traced("etp-local-nodes-without-controller", answer(*addresses, cnames=()))
    found = [f.message for h in result.hops if h.hop == "entry" for f in h.findings
             if f.code == "IDC112"]
    assert found == ([f"externalTrafficPolicy Local: {message}"] if message else [])


def probed(*observations: HttpObservation) -> TraceResult:
    """The internal-load-balancer scenario with entry probes folded in as `--probe` does."""
    snap = load([str(SCENARIOS / "internal-load-balancer" / "manifests.yaml")])
    result = trace(snap, parse_request(f"{HOST}/cart"))
    return evidence_attach(attach_probes(result, snap, observations), observations)


def entry_probe(status: int | None, target: str = f"{INTERNAL_ELB}:80 (LoadBalancer)",
                skipped: str | None = None) -> HttpObservation:
    return HttpObservation(HopId.ENTRY, target, status, None if status else "timed out after 3s",
                           "curl ...", skipped=skipped)


def test_an_internal_load_balancer_that_does_not_answer_here_puts_the_client_outside() -> None:
    result = probed(entry_probe(None))
    (outside,) = [f for f in result.findings if f.code == "IDC131"]
    assert "gets no answer" in outside.message and "timed out" in outside.message
    assert "IDC720" not in {f.code for f in result.findings}  # IDC131 explains the probe
    assert result.verdict == "warn"


@pytest.mark.parametrize("seen", [
    entry_probe(200),  # answered from here: the client is inside
    entry_probe(None, skipped="the probes' 6s are used up"),
    entry_probe(None, target="10.0.0.11:30080 (NodePort)"),  # not the load balancer
])
def test_no_outside_evidence(seen: HttpObservation) -> None:
    result = probed(seen)
    assert "IDC131" not in {f.code for f in result.findings}
