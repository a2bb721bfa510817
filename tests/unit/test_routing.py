"""The engine asks routers in turn, and only those whose inputs the snapshot holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from ingressdoc.hops import routing
from ingressdoc.hops.base import TraceContext
from ingressdoc.hops.model import BackendRef, ControllerFacts, Hop, HopStatus
from ingressdoc.k8s.profiles import SPEC
from ingressdoc.request import parse_request
from ingressdoc.snapshot import ObjectRef
from ingressdoc.snapshot.manifests import load

CONTROLLER = ControllerFacts(None, None, SPEC, {}, (), ())


@dataclass(frozen=True)
class FakeRouter:
    hop: str
    title: str
    inputs: Sequence[str]
    routes: bool

    def route(self, ctx: TraceContext, controller: ControllerFacts) -> routing.RouteOutcome:
        hop = Hop(self.hop, self.title, HopStatus.OK if self.routes else HopStatus.FAIL, "x")
        if not self.routes:
            return routing.RouteOutcome(hop, None, None, None)
        ref = ObjectRef(self.title, "ns", "r")
        return routing.RouteOutcome(hop, ref, {}, BackendRef("ns", "svc", 80))


def _ctx(tmp_path: Path) -> TraceContext:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                                    "metadata": {"name": "i", "namespace": "ns"}, "spec": {}}))
    return TraceContext(load([str(path)]), parse_request("h/"))


def test_first_router_that_routes_answers(tmp_path: Path) -> None:
    routers = (FakeRouter("rule", "A", ("Ingress",), False),
               FakeRouter("route", "B", ("Ingress",), True))
    assert routing.route(_ctx(tmp_path), CONTROLLER, routers).hop.title == "B"


def test_without_a_route_the_first_router_reports_the_miss(tmp_path: Path) -> None:
    routers = (FakeRouter("rule", "A", ("Ingress",), False),
               FakeRouter("route", "B", ("Ingress",), False))
    assert routing.route(_ctx(tmp_path), CONTROLLER, routers).hop.title == "A"


def test_a_router_whose_inputs_are_missing_is_not_asked(tmp_path: Path) -> None:
    routers = (FakeRouter("route", "B", ("HTTPRoute",), True),)
    outcome = routing.route(_ctx(tmp_path), CONTROLLER, routers)
    assert outcome.route is None
    assert outcome.hop.status is HopStatus.SKIPPED
    assert "HTTPRoute" in (outcome.hop.note or "")
