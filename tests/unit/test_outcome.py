"""The outcome beyond what the scenario folders assert: live evidence refreshing it."""

from __future__ import annotations

from dataclasses import replace

from test_scenarios import SCENARIOS, run_scenario

from ingressdoc.checks.emit import finding
from ingressdoc.hops.model import Hop, HopId, HopStatus
from ingressdoc.hops.outcome import OutcomeKind
from ingressdoc.k8s.profiles.traefik import TRAEFIK
from ingressdoc.snapshot import ObjectRef
from ingressdoc.trace.effects import EFFECTS
from ingressdoc.trace.outcome import refresh


def test_a_host_that_does_not_resolve_drops_the_request_served_before() -> None:
    result = run_scenario(SCENARIOS / "healthy-http-live")
    assert result.outcome is not None and result.outcome.kind is OutcomeKind.SERVED
    f = finding("IDC101", ObjectRef("Request", None, "shop.example.com"),
                "shop.example.com does not resolve (NXDOMAIN)")
    dns = Hop(HopId.DNS, "DNS", HopStatus.FAIL, "NXDOMAIN", findings=(f,))
    after = refresh(replace(result, hops=(dns, *result.hops)))
    assert after.outcome is not None and after.outcome.kind is OutcomeKind.DROPPED
    assert after.outcome.code == "IDC101" and after.verdict.value == "fail"


def test_evidence_without_a_decisive_finding_keeps_the_outcome() -> None:
    result = run_scenario(SCENARIOS / "healthy-http-live")
    assert refresh(result) is result


def test_no_endpoints_is_a_503_on_ingress_nginx_and_a_404_on_traefik() -> None:
    nginx = run_scenario(SCENARIOS / "endpoints-none-ready").outcome
    assert nginx is not None and (nginx.kind, nginx.status) == (OutcomeKind.UPSTREAM_ERROR,
                                                                "503")
    # Traefik drops a router without endpoints (allowEmptyServices is false by default).
    assert EFFECTS["IDC501"].status_for(TRAEFIK.answers) == "404"


def test_a_template_pod_is_named_by_its_workload() -> None:
    """From manifests the pods are the workloads' templates: IDC701 says whose pods they are,
    as it names the workload as its object, never a made-up pod name."""
    result = run_scenario(SCENARIOS / "gateway-netpol-blocks-gateway-pods")
    (denied,) = [f for h in result.hops for f in h.findings if f.code == "IDC701"]
    assert str(denied.object) == "Deployment shop/cart"
    assert denied.message.startswith("a pod of Deployment shop/cart is selected for ingress")
    assert "from a pod of Deployment traefik/traefik" in denied.message
    assert "-deployment-pod" not in denied.message
