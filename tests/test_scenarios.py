"""Table-driven scenarios: one folder per setup under tests/scenarios/.

Each folder holds `manifests.yaml` (the snapshot: plain manifests, or a saved live snapshot
with an `ingressdocSnapshot` header), `case.yaml` (the request, optional `ingressClass`,
`live: true` for live snapshots) and `expected.yaml`:

    verdict: ok | warn | fail
    outcome: {kind: served}   # what the request gets: kind, and status where the proxy answers
    findings:   # the EXACT set of (code, object) pairs at severity error or warning
      - {code: IDC410, object: "Pod shop/cart-deployment-pod"}
    info: [IDC311]   # info codes that must be present (a subset)
    hops: {pods: fail}   # optional hop statuses to assert
    afterFix:   # optional: the exact (code, object) set of the nearest miss's own walk
      - {code: IDC401, object: "Ingress shop/shop"}

A failure prints what is missing, what is unexpected and the full trace.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressdoc.findings import Severity
from ingressdoc.hops.model import TraceResult
from ingressdoc.request import parse_request
from ingressdoc.snapshot.manifests import load
from ingressdoc.trace.engine import trace

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
REPO = SCENARIOS.parent.parent
MIN_SCENARIOS = 45


def scenario_dirs() -> list[Path]:
    return sorted(p for p in SCENARIOS.iterdir() if p.is_dir())


def _yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: expected a mapping"
    return data


def run_scenario(directory: Path) -> TraceResult:
    """Trace the scenario's request over its snapshot, with a stable (relative) source."""
    case = _yaml(directory / "case.yaml")
    snapshot = load([str(directory / "manifests.yaml")])
    snapshot.source = snapshot.source.replace(str(REPO) + "/", "")
    assert snapshot.live is bool(case.get("live", False)), (
        f"{directory.name}: case.yaml live={case.get('live', False)} but the snapshot says "
        f"live={snapshot.live} (live snapshots need an ingressdocSnapshot header)"
    )
    return trace(snapshot, parse_request(str(case["request"])), case.get("ingressClass"))


def _pairs(result: TraceResult) -> set[tuple[str, str]]:
    return {
        (f.code, str(f.object))
        for f in result.findings
        if f.severity in (Severity.ERROR, Severity.WARNING)
    }


def _describe(result: TraceResult) -> Iterator[str]:
    yield f"verdict: {result.verdict}"
    for hop in result.hops:
        yield f"  {hop.hop:<11} {hop.status.value:<8} {hop.summary}"
        for f in hop.findings:
            yield f"      {f.severity.value:<7} {f.code} {f.object}: {f.message}"


@pytest.mark.parametrize("directory", scenario_dirs(), ids=lambda p: p.name)
def test_scenario(directory: Path) -> None:
    expected = _yaml(directory / "expected.yaml")
    result = run_scenario(directory)

    want = {(str(f["code"]), str(f["object"])) for f in expected.get("findings") or []}
    got = _pairs(result)
    problems: list[str] = []
    if want != got:
        problems += [f"missing:    {c} {o}" for c, o in sorted(want - got)]
        problems += [f"unexpected: {c} {o}" for c, o in sorted(got - want)]
    info_got = {f.code for f in result.findings if f.severity is Severity.INFO}
    problems += [f"missing info: {c}" for c in sorted(set(expected.get("info") or []) - info_got)]
    outcome = result.outcome
    assert outcome is not None, "every trace ends in an outcome"
    want_outcome = expected["outcome"]
    got_outcome = {"kind": outcome.kind.value,
                   **({"status": outcome.status} if outcome.status else {})}
    if got_outcome != want_outcome:
        problems.append(f"outcome: want {want_outcome}, got {got_outcome} ({outcome.line()})")
    if result.verdict != expected["verdict"]:
        problems.append(f"verdict: want {expected['verdict']}, got {result.verdict}")
    if "afterFix" in expected:
        fix = result.after_fix
        want_next = {(str(f["code"]), str(f["object"])) for f in expected["afterFix"] or []}
        got_next = {(f.code, str(f.object)) for f in (fix.findings if fix else ())
                    if f.severity in (Severity.ERROR, Severity.WARNING)}
        if fix is None or want_next != got_next:
            problems.append(f"afterFix: want {sorted(want_next)}, got "
                            f"{sorted(got_next) if fix else 'no walk of a nearest miss'}")
    statuses = {h.hop: h.status.value for h in result.hops}
    for hop, status in (expected.get("hops") or {}).items():
        if statuses.get(hop) != status:
            problems.append(f"hop {hop}: want {status}, got {statuses.get(hop, '<absent>')}")
    if problems:
        pytest.fail(f"scenario {directory.name}:\n  " + "\n  ".join(problems)
                    + "\n\ntrace:\n" + "\n".join(_describe(result)), pytrace=False)


def test_enough_scenarios() -> None:
    assert len(scenario_dirs()) >= MIN_SCENARIOS


@pytest.mark.parametrize("directory", scenario_dirs(), ids=lambda p: p.name)
def test_scenario_layout(directory: Path) -> None:
    assert {p.name for p in directory.iterdir()} == {
        "manifests.yaml", "case.yaml", "expected.yaml"}
    case = _yaml(directory / "case.yaml")
    assert set(case) <= {"request", "ingressClass", "live"}, sorted(case)
    expected = _yaml(directory / "expected.yaml")
    assert set(expected) <= {"verdict", "outcome", "findings", "info", "hops",
                             "afterFix"}, sorted(expected)
    assert expected["verdict"] in ("ok", "warn", "fail")
    assert "outcome" in expected, "every scenario asserts the outcome, not only its codes"
    if expected["verdict"] == "ok":
        assert not expected.get("findings"), "a healthy scenario raises no error or warning"


@pytest.mark.parametrize("directory", scenario_dirs(), ids=lambda p: p.name)
def test_no_false_ok(directory: Path) -> None:
    """A request that reaches no pod, or another backend than the rule written for it,
    never ends OK; and a scenario with an error never predicts that the request is served
    without saying so in its outcome."""
    result = run_scenario(directory)
    outcome = result.outcome
    assert outcome is not None
    if not outcome.intended:
        assert result.verdict != "ok", f"{outcome.line()} yet the verdict is OK"
    if outcome.kind.value not in ("served", "redirect", "unknown"):
        assert result.verdict == "fail", f"{outcome.line()} must be a failure"
    broken = any(f.severity is Severity.ERROR for f in result.findings)
    if broken:
        assert result.verdict == "fail"
    if result.verdict == "ok":
        assert outcome.kind.value in ("served", "redirect") and outcome.meant is None
