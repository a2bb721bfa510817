"""The controller profile registry: what a new profile module must get right to plug in."""

from __future__ import annotations

import pytest

from ingressdoc.k8s.controllers import RECOGNISED, label_selector
from ingressdoc.k8s.profiles import PROFILES, SPEC, Profile, for_controller


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
