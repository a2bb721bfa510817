"""Confirm a reach verdict with real connections, and name where the cluster disagrees.

`reach --probe` repeats the connection from a probe pod that looks like the client to every
NetworkPolicy (`ingressdoc.probe.pod` runs it). Two checks, each `agnhost connect`:

- `pod`: straight to the destination pod the policy hops judged, on its pod port. It crosses
  only the client's egress and the destination's ingress policy, so it tests the policies.
- `name`: the name as the client writes it on the Service port, through the client's resolver
  settings, the Service and kube-proxy: the whole path, and so the live verdict. For a
  host/path TO that path is only the leg to the ingress controller's Service (`Dial.leg`):
  the live verdict covers that leg, and only that leg's hops predict the check.

This module only plans the checks and compares what came back with what the hops predicted;
each check's result is evidence on its hop, beside the object verdict, never replacing it.
A check that succeeds where objects say blocked is IDC722 when only NetworkPolicy hops said so
(the network plugin does not enforce them), IDC720 otherwise; one that fails where objects
say reachable is IDC720. Each code is raised once per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ingressdoc.checks.emit import finding
from ingressdoc.findings import Finding, Severity
from ingressdoc.hops.model import Evidence, Hop, HopId, HopStatus, Verdict, amend
from ingressdoc.k8s.objects import spec
from ingressdoc.reach.model import ReachResult
from ingressdoc.snapshot import ObjectRef

POLICY_HOPS = frozenset({HopId.DNS_EGRESS, HopId.EGRESS, HopId.INGRESS})
# agnhost connect's fixed prefixes for a failed attempt (test/images/agnhost/connect).
_FAILURES = ("TIMEOUT", "REFUSED", "DNS", "OTHER")
_PASSING = frozenset({HopStatus.OK, HopStatus.WARN})


@dataclass(frozen=True)
class ConnectCheck:
    """One `agnhost connect HOST:PORT`; its evidence goes on `hop`, its prediction comes from
    the hops it `crosses`, and `subject` is the object a failure is reported on."""

    check: Literal["pod", "name"]
    hop: HopId
    host: str
    port: int
    target: str
    crosses: tuple[HopId, ...]
    subject: ObjectRef

    def args(self, timeout: float) -> list[str]:
        return ["connect", f"{self.host}:{self.port}", f"--timeout={timeout:g}s"]


@dataclass(frozen=True)
class Unchecked:
    """A check that was not run, and why: shown as evidence so its absence is visible."""

    hop: HopId
    target: str
    reason: str


@dataclass(frozen=True)
class Plan:
    checks: tuple[ConnectCheck, ...]
    unchecked: tuple[Unchecked, ...] = ()


@dataclass(frozen=True)
class Observation:
    """A check's container as it ended: `exit_code` None when it did not (see `problem`)."""

    check: ConnectCheck
    exit_code: int | None
    log: str
    replay: str
    problem: str | None = None

    @property
    def connected(self) -> bool | None:
        """True or False as agnhost says; None when the run says nothing about the network
        (not run, bad arguments, an image without `connect`)."""
        if self.exit_code == 0:
            return True
        if self.exit_code is None:
            return None
        return False if self._first_line.startswith(_FAILURES) else None

    @property
    def outcome(self) -> str:
        if self.exit_code == 0:
            return "connected"
        if self.exit_code is None:
            return f"not checked: {self.problem or 'the container did not finish'}"
        said = self._first_line[:160] or f"exit {self.exit_code}, no output"
        return said if self.connected is False else f"inconclusive: {said}"

    @property
    def _first_line(self) -> str:
        return next((line.strip() for line in self.log.splitlines() if line.strip()), "")


def plan(result: ReachResult) -> Plan:
    """The checks a probe pod can make: by name where a Service is dialled, and straight to
    the first ready destination pod. A name check's prediction comes from the hops of its
    leg only, so a host/path's healthy controller leg is not judged by a broken backend."""
    dial = result.dial
    if dial is None:
        return Plan((), (Unchecked(HopId.INGRESS, result.target, "not checked: no client pod "
                                   "and Service port to repeat the connection with"),))
    if spec(dial.client_pod).get("hostNetwork"):
        return Plan((), (Unchecked(HopId.INGRESS, result.target, "not checked: the client uses "
                                   "the host network, which a probe pod cannot imitate"),))
    if dial.protocol != "TCP":
        return Plan((), (Unchecked(HopId.INGRESS, result.target,
                                   f"not checked: only TCP is probed, not {dial.protocol}"),))
    if dial.service is None:
        return Plan((), (Unchecked(dial.via, f"{dial.name}:{dial.port}", (
            f"not checked: no Service on port {dial.port} to dial by name, and which node "
            f"address {dial.name} leads to is outside the cluster")),))
    crosses = dial.leg.hops if dial.leg is not None else tuple(h.hop for h in result.hops)
    name = ConnectCheck("name", dial.via, dial.name, dial.port, f"{dial.name}:{dial.port}",
                        crosses, dial.service)
    if not dial.destinations:
        # A leg has no endpoints or pods hop to predict that its name finds no pod behind it.
        return Plan(() if dial.leg is not None else (name,), (Unchecked(
            HopId.INGRESS, "a destination pod",
            "not checked: no ready destination pod with an address"),))
    dest = dial.destinations[0]
    pod = ConnectCheck("pod", HopId.INGRESS, dest.ip, dest.port,
                       f"{dest.pod.namespace}/{dest.pod.name} {dest.ip}:{dest.port}",
                       (HopId.EGRESS, HopId.INGRESS), dest.pod)
    return Plan((pod, name))


def confirm(result: ReachResult, seen: Sequence[Observation],
            unchecked: Sequence[Unchecked] = ()) -> ReachResult:
    """`result` with each observation as evidence on its hop, divergences as findings, and
    the live verdict from the fullest check that ran (by name, else straight to the pod)."""
    evidence: dict[str, list[Evidence]] = {}
    found: dict[str, list[Finding]] = {}
    raised: set[str] = set()
    for u in unchecked:
        evidence.setdefault(u.hop, []).append(Evidence("connect", u.target, u.reason))
    for o in seen:
        predicted, because = _prediction(result, o.check)
        detail = f"objects: {predicted.connection}" + (f" ({because})" if because else "")
        evidence.setdefault(o.check.hop, []).append(
            Evidence("connect", o.check.target, o.outcome, detail=detail, replay=o.replay))
        diverged = _divergence(result, o, predicted)
        if diverged is not None and diverged[1].code not in raised:
            raised.add(diverged[1].code)
            found.setdefault(diverged[0], []).append(diverged[1])
    hops = tuple(amend(h, evidence.get(h.hop, ()), found.get(h.hop, ())) for h in result.hops)
    return replace(result, trace=replace(result.trace, hops=hops), live=_live(seen))


def _crossed(result: ReachResult, check: ConnectCheck) -> list[Hop]:
    return [h for h in result.hops if h.hop in check.crosses]


def _prediction(result: ReachResult, check: ConnectCheck) -> tuple[Verdict, str]:
    """What the hops on the check's path say, and the errors that say blocked."""
    hops = _crossed(result, check)
    failing = [h for h in hops if h.status is HopStatus.FAIL]
    if failing:
        codes = dict.fromkeys(f.code for h in failing for f in h.findings
                              if f.severity is Severity.ERROR)
        return Verdict.BLOCKED, ", ".join(codes)
    if all(h.status in _PASSING or h.hop in result.assumed for h in hops):
        return Verdict.REACHABLE, ""
    return Verdict.UNKNOWN, ""


def _divergence(result: ReachResult, o: Observation,
                predicted: Verdict) -> tuple[str, Finding] | None:
    """The hop and finding for a check that contradicts its prediction, if it does."""
    check = o.check
    if o.connected is True and predicted is Verdict.BLOCKED:
        failing = [h for h in _crossed(result, check) if h.status is HopStatus.FAIL]
        others = [h for h in failing if h.hop not in POLICY_HOPS]
        if others:
            return others[0].hop, finding(
                "IDC720", check.subject,
                f"{check.target} connected from a probe pod although the {others[0].title} "
                f"hop says the connection fails ({others[0].summary})")
        on = failing[-1]
        policies = dict.fromkeys(str(ref) for h in failing for ref in h.objects)
        return on.hop, finding(
            "IDC722", on.objects[0] if on.objects else check.subject,
            f"{check.target} connected from a probe pod with the client's labels, which "
            f"{', '.join(policies) or on.title} should have kept out: the network plugin does "
            "not enforce NetworkPolicy")
    if o.connected is False and predicted is Verdict.REACHABLE:
        return check.hop, finding(
            "IDC720", check.subject,
            f"{check.target} from a probe pod with the client's labels: {o.outcome}, although "
            f"every hop on its path passes")
    return None


def _live(seen: Sequence[Observation]) -> Verdict:
    ran = sorted(seen, key=lambda o: o.check.check != "name")
    if not ran or ran[0].connected is None:
        return Verdict.UNKNOWN
    return Verdict.REACHABLE if ran[0].connected else Verdict.BLOCKED
