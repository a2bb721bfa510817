"""The controller profile registry: what a new profile module must get right to plug in."""

from __future__ import annotations

import pytest

from ingressdoc.k8s.controller_config import ControllerConfig
from ingressdoc.k8s.controller_settings import TRAEFIK as TRAEFIK_PRODUCT
from ingressdoc.k8s.controllers import RECOGNISED, label_selector
from ingressdoc.k8s.endpoints import EndpointState
from ingressdoc.k8s.profiles import PROFILES, SPEC, Profile, for_controller, ingress_nginx, traefik
from ingressdoc.k8s.profiles.ingress_nginx import INGRESS_NGINX
from ingressdoc.k8s.profiles.traefik import TRAEFIK


def test_names_are_unique_and_the_api_comes_last() -> None:
    assert len({p.name for p in PROFILES}) == len(PROFILES)
    assert PROFILES[-1] is SPEC


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_each_profile_claims_its_own_controllers(profile: Profile) -> None:
    for controller in profile.controllers:
        assert for_controller(controller) is profile
        assert for_controller(controller.upper()) is profile


def test_controllers_with_pods_are_recognised_and_listed_in_one_request() -> None:
    with_pods = [p for p in PROFILES if p.pods]
    assert {c for p in with_pods for c in p.controllers} == RECOGNISED
    assert label_selector() == "app.kubernetes.io/name in (ingress-nginx,traefik)"
    assert not any(p.runs_outside for p in with_pods)


def _traefik(version: tuple[int, ...] | None) -> ControllerConfig:
    return ControllerConfig(TRAEFIK_PRODUCT, "traefik", version, "kube-system/traefik", {}, {},
                            None)


def _endpoint(ready: bool | None, serving: bool | None, terminating: bool) -> EndpointState:
    return EndpointState("10.0.0.1", "p", None, ready is not False, serving is not False,
                         terminating, ready, serving)


# The conditions (ready, serving, terminating) as a slice states them.
_TERMINATING = (False, True, True)
_UNSET = (None, None, False)


@pytest.mark.parametrize(("profile", "served", "controller", "version", "conditions", "sent"), [
    (SPEC, SPEC, None, None, _TERMINATING, False),
    (SPEC, SPEC, None, None, _UNSET, True),
    (INGRESS_NGINX, INGRESS_NGINX, ingress_nginx.CONTROLLER, None, _TERMINATING, False),
    (TRAEFIK, TRAEFIK, traefik.CONTROLLER, (3, 6, 12), _TERMINATING, False),
    (TRAEFIK, TRAEFIK, traefik.CONTROLLER, None, _UNSET, True),
    (TRAEFIK, INGRESS_NGINX, ingress_nginx.CONTROLLER, (3, 6, 12), _TERMINATING, True),
    (TRAEFIK, INGRESS_NGINX, ingress_nginx.CONTROLLER, (3, 7, 4), _TERMINATING, True),
    (TRAEFIK, INGRESS_NGINX, ingress_nginx.CONTROLLER, (3, 7, 5), _TERMINATING, False),
    (TRAEFIK, INGRESS_NGINX, ingress_nginx.CONTROLLER, None, _TERMINATING, True),
    (TRAEFIK, TRAEFIK, traefik.GATEWAY_CONTROLLER, None, _UNSET, False),
    (TRAEFIK, TRAEFIK, traefik.GATEWAY_CONTROLLER, None, (True, True, False), True),
], ids=["spec-terminating", "spec-unset", "nginx-terminating", "traefik-terminating",
        "traefik-unset", "traefik-nginx-3.6.12", "traefik-nginx-3.7.4", "traefik-nginx-3.7.5",
        "traefik-nginx-unknown", "traefik-gateway-unset", "traefik-gateway-ready"])
def test_endpoint_admission_follows_the_controller_and_version(
        profile: Profile, served: Profile, controller: str | None,
        version: tuple[int, ...] | None, conditions: tuple[bool | None, bool | None, bool],
        sent: bool) -> None:
    admission = profile.admission_for(served, controller, _traefik(version))
    assert admission.receives(_endpoint(*conditions)) is sent
