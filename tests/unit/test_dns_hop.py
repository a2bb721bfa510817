"""The DNS hop turns a resolver's answer into findings against the entry addresses."""

from __future__ import annotations

import pytest

from ingressdoc.hops.dns import check
from ingressdoc.hops.model import EntryAddress, HopStatus
from ingressdoc.probe.dns import DnsAnswer, Status
from ingressdoc.request import parse_request

REQ = parse_request("shop.example.com/cart")
LB_IP = EntryAddress("203.0.113.10", 80, "http", "LoadBalancer")
ELB = EntryAddress("a1b2-123.eu-west-1.elb.amazonaws.com", 80, "http", "LoadBalancer")


def answer(status: Status = "ok", addresses: tuple[str, ...] = (),
           cnames: tuple[str, ...] = ()) -> DnsAnswer:
    return DnsAnswer(name=REQ.host, status=status, addresses=addresses, cnames=cnames,
                     server=None, detail=f"{status} detail", source="dns")


@pytest.mark.parametrize(("ans", "entries", "codes"), [
    (answer(addresses=("203.0.113.10",)), [LB_IP], []),
    (answer("nxdomain"), [LB_IP], ["IDC101"]),
    (answer("timeout"), [LB_IP], ["IDC101"]),
    (answer(addresses=("198.51.100.7",)), [LB_IP], ["IDC102"]),
    (answer(addresses=("2001:db8::1",)), [], ["IDC103"]),
    (answer(addresses=("198.51.100.7",), cnames=(ELB.address + ".",)), [ELB], []),
    (answer(addresses=("198.51.100.7",)), [], []),
])
def test_dns_findings(ans: DnsAnswer, entries: list[EntryAddress], codes: list[str]) -> None:
    hop = check(REQ, ans, entries)
    assert [f.code for f in hop.findings] == codes
    assert hop.status is (HopStatus.FAIL if codes and codes != ["IDC103"] else
                          HopStatus.WARN if codes else HopStatus.OK)
    assert hop.evidence[0].replay and REQ.host in hop.evidence[0].replay
