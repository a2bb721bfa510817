"""Meta-tests of the finding catalog: well-formed entries, and every code raised by a scenario."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml
from test_scenarios import run_scenario, scenario_dirs

from ingressdoc.checks.catalog import BY_CODE, entries
from ingressdoc.findings import Severity
from ingressdoc.hops.model import HopId

# Codes no trace scenario can raise, each with the reason and where it is covered instead.
# Only codes that need a live probe, another command (reach, check) or a bug belong here.
EXEMPT: dict[str, str] = {
    # A bug in a hop: objects of the wrong shape are refused where they enter the snapshot.
    "IDC001": "a hop that raises: tests/unit/test_hostile_input.py",
    # DNS of the host: answers come from a resolver probe (--probe), never from objects.
    "IDC101": "live DNS evidence: tests/unit/test_dns_hop.py",
    "IDC102": "live DNS evidence: tests/unit/test_dns_hop.py",
    "IDC103": "live DNS evidence: tests/unit/test_dns_hop.py",
    # A path another rule shadows is only visible when every rule is checked: `check`.
    "IDC312": "check (a shadowed path): tests/test_check.py",
    # internalTrafficPolicy affects in-cluster clients dialling the ClusterIP (`reach`);
    # ingress controllers send to the endpoints directly.
    "IDC412": "reach (in-cluster client to a Service)",
    # In-cluster name resolution from a client namespace: `reach`.
    "IDC710": "reach (short name from another namespace)",
    "IDC711": "reach (cluster domain of a name)",
    "IDC713": "reach (name lookup in the cluster)",
    "IDC714": "reach (client DNS egress)",
    # Live evidence compared with the object verdicts, or client-side policy: probes and reach.
    "IDC720": "live HTTP evidence: tests/unit/test_evidence.py",
    "IDC721": "live HTTP evidence: tests/unit/test_evidence.py",
    "IDC280": "live Ingress status: tests/unit/test_ingress_status.py",
    "IDC131": "live DNS and probe evidence: tests/unit/test_entry_clients.py",
    "IDC780": "live attribution: tests/unit/test_attribution.py",
    "IDC781": "live HTTP evidence: tests/unit/test_evidence.py",
    "IDC782": "live served certificate: tests/unit/test_served_cert.py",
    "IDC783": "live served certificate: tests/unit/test_served_cert.py",
    "IDC784": "live served certificate: tests/unit/test_served_cert.py",
    "IDC722": "live connection despite a denying policy",
    "IDC723": "reach (client DNS egress over TCP)",
    "IDC724": "reach (policy denies an arbitrary client)",
    # NodeLocal DNSCache between a client and CoreDNS: which resolver the client asks.
    "IDC760": "reach (a client whose resolver is a cache that drops cluster names)",
    "IDC761": "reach (a cache that drops cluster names, used if the kubelet says so)",
    # The cluster DNS's answer for the backend Service, compared with its objects.
    "IDC725": "live cluster DNS evidence: tests/unit/test_service_dns.py",
    # An empty scope is a property of a `check` run, not of one request.
    "IDC850": "check (nothing in scope): tests/test_check.py",
    "IDC826": "check (a route match another route shadows): tests/test_check.py",
}
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CODE = re.compile(r"^IDC\d{3}$")


@cache
def raised_codes() -> frozenset[str]:
    return frozenset(f.code for d in scenario_dirs() for f in run_scenario(d).findings)


@cache
def expected_codes() -> frozenset[str]:
    out: set[str] = set()
    for d in scenario_dirs():
        exp = yaml.safe_load((d / "expected.yaml").read_text(encoding="utf-8"))
        out |= {str(f["code"]) for f in exp.get("findings") or []}
        out |= {str(c) for c in exp.get("info") or []}
    return frozenset(out)


def scenario_codes() -> list[str]:
    return [e.code for e in entries() if not e.retired and e.code not in EXEMPT]


@pytest.mark.parametrize("code", scenario_codes())
def test_every_code_is_raised_by_a_scenario(code: str) -> None:
    assert code in raised_codes(), f"no scenario raises {code} ({BY_CODE[code].name})"
    assert code in expected_codes(), f"{code} is raised but no expected.yaml names it"


def test_exemptions_are_current_codes_no_scenario_expects() -> None:
    assert set(EXEMPT) <= set(BY_CODE), sorted(set(EXEMPT) - set(BY_CODE))
    assert not set(EXEMPT) & expected_codes(), "an exempt code has a scenario: drop the exemption"


def test_codes_are_unique_and_well_formed() -> None:
    codes = [e.code for e in entries()]
    assert len(codes) == len(set(codes))
    assert all(CODE.match(c) for c in codes), [c for c in codes if not CODE.match(c)]


def test_names_are_unique_kebab_case() -> None:
    names = [e.name for e in entries()]
    assert len(names) == len(set(names))
    assert all(KEBAB.match(n) for n in names), [n for n in names if not KEBAB.match(n)]


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e.code)
def test_entry_texts(entry: object) -> None:
    from ingressdoc.checks.catalog import Entry

    assert isinstance(entry, Entry)
    assert entry.fix.rstrip().endswith("."), f"{entry.code} fix must end with a period"
    assert entry.why.rstrip().endswith("."), f"{entry.code} why must end with a period"
    assert isinstance(entry.severity, Severity)
    assert entry.severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    assert entry.hop


# Codes a hop other than their number's raises: the catalog names the hop that raises them
# (tests/test_reports.py checks that), and codes are never renumbered.
RAISED_NEXT_DOOR = {"IDC104": "rule", "IDC404": "cluster-dns", "IDC406": "rule",
                    "IDC410": "pods", "IDC411": "pods"}


def test_codes_sit_in_their_hop_range() -> None:
    """The number tells the hop: IDC1xx entry/DNS ... IDC7xx network and DNS, IDC8xx Gateway API."""
    ranges = {"0": {"any"}, "1": {"dns", "entry"}, "2": {"controller"},
              "3": {"rule", "tls"}, "4": {"service"}, "5": {"endpoints"}, "6": {"pods"},
              "7": {"netpol", "dns", "cluster-dns", "probe"},
              "8": {"gateway", "route", "backends", "any"}}
    wrong = [e.code for e in entries()
             if e.hop not in ranges[e.code[3]] and RAISED_NEXT_DOOR.get(e.code) != e.hop]
    assert not wrong, wrong


def test_every_code_in_the_source_is_in_the_catalog() -> None:
    """A finding is built from a code literal (`finding("IDC301", ...)`); a typo would only
    fail as a KeyError when that branch runs, so every literal is checked here."""
    package = Path(__file__).resolve().parent.parent / "ingressdoc"
    catalog = package / "checks" / "catalog.py"
    unknown = {
        f"{path.relative_to(package.parent)}: {code}"
        for path in package.rglob("*.py") if path != catalog
        for code in re.findall(r"\bIDC\d{3}\b", path.read_text(encoding="utf-8"))
        if code not in BY_CODE or BY_CODE[code].retired
    }
    assert not unknown, sorted(unknown)


def test_every_entry_names_a_hop() -> None:
    """`any`: a tool or input problem; `probe`: what only a live probe sees."""
    assert {e.hop for e in entries()} <= {h.value for h in HopId} | {"any", "probe"}
