"""The Ingress API itself: the API reference and the examples table on the Ingress concept page.

Used for every controller ingressdoc has no profile for. ImplementationSpecific is treated as
Prefix, with a note that the controller decides.
"""

from __future__ import annotations

import re
from typing import Any

from ingressdoc.k8s.ingress_match import RoutePath, element_prefix, elements
from ingressdoc.k8s.profiles.base import Answers, Profile


class Spec(Profile):
    name = "spec"
    title = "the Ingress API"
    implementation_specific = (
        "read as Prefix it misses, but ImplementationSpecific is controller-defined "
        "(ingress-nginx: string prefix, or regex with use-regex; Traefik: string prefix)"
    )
    # A proxy answers a route whose upstream is empty or missing with 503.
    answers = Answers(missing_service="503", empty_upstream="503")

    def request_notes(self, raw_path: str) -> list[str]:
        if re.search(r"//|/\.\.?(/|$)|%", raw_path):
            return [
                f"request path {raw_path} contains //, dot segments or %-escapes: the API "
                "leaves their handling to the controller (ingress-nginx and Traefik normalise "
                "them)"
            ]
        return []

    def key(self, p: RoutePath, path: str) -> tuple[Any, ...] | None:
        """Longest match counted in path elements (trailing slash ignored), Exact first on a tie.

        Elements, not characters: only then do `Exact /foo` and `Prefix /foo/`, which both
        match `/foo`, tie, and the docs' "Exact is preferred" decides.
        """
        hit = path == p.path if p.kind == "Exact" else element_prefix(p.path, path)
        if not hit:
            return None
        return (-len(elements(p.path)), 0 if p.kind == "Exact" else 1, *p.order)

    def lost_reason(self, loser: RoutePath, winner: RoutePath, path: str) -> str:
        lose, win = loser.describe(), winner.describe()
        won, lost = len(elements(winner.path)), len(elements(loser.path))
        if won != lost:
            return (f"{lose} also matches {path}, but {win} is longer ({won} path elements "
                    f"vs {lost})")
        if winner.kind == "Exact":
            return f"{lose} also matches {path}, but Exact wins over Prefix at equal length ({win})"
        return f"{lose} ties with {win}; the older Ingress (then the earlier path) wins"

    def winner_notes(self, best: RoutePath, path: str) -> list[str]:
        if best.kind == "ImplementationSpecific":
            return [
                f"{best.describe()} is ImplementationSpecific: matched here as Prefix, but the "
                "controller defines its meaning"
            ]
        return []


SPEC = Spec()
