"""What each decisive finding does to the request, as each controller answers it.

Error findings decide an outcome, and warnings whose effect is marked likely (telling
evidence that is not certain) when no error does; the table says which outcome and which status the
controller in use returns. Sources: ingress-nginx answers 503 for a location whose upstream
has no endpoints or no Service (a location with an empty backend returns 503) and 404 from
its default backend when no rule matches. Traefik's Kubernetes Ingress provider drops a
router whose Service is missing or has no endpoints (`allowEmptyServices` defaults to false),
so the request gets Traefik's 404 (503 with `allowEmptyServices`, which keeps the router
with an empty load balancer); a Gateway API route's backend without ready endpoints gets 503
(the spec's SHOULD; Traefik's Gateway provider keeps it as an empty load balancer). An
ExternalName the proxy cannot resolve fails the
upstream (502, or 503 where the controller resolves it into an empty upstream). A dial
that times out (a policy that drops packets) is a 504, a refused one (a policy that
rejects) a 502, for both proxies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter

from ingressdoc.hops.outcome import OutcomeKind
from ingressdoc.k8s.profiles.base import Answers


@dataclass(frozen=True)
class Effect:
    kind: OutcomeKind
    status: str | None = None  # the same for every controller
    https_only: bool = False
    likely: bool = False  # a warning decides too: telling evidence, though not certain
    # Where controllers differ: the status of the one that answers (its profile's `Answers`).
    answered: Callable[[Answers], str | None] | None = None

    def status_for(self, answers: Answers) -> str | None:
        return self.answered(answers) if self.answered is not None else self.status


_DROP = Effect(OutcomeKind.DROPPED)
_NONE = Effect(OutcomeKind.NO_CONTROLLER)
_NO_RULE = Effect(OutcomeKind.DEFAULT_BACKEND, "404")
_FALLBACK = Effect(OutcomeKind.FALLBACK_CERTIFICATE, https_only=True)
_REJECTED = Effect(OutcomeKind.CERTIFICATE_REJECTED, https_only=True)
_EMPTY = Effect(OutcomeKind.UPSTREAM_ERROR, answered=attrgetter("empty_upstream"))
_MISSING = Effect(OutcomeKind.UPSTREAM_ERROR, answered=attrgetter("missing_service"))
_DIAL = Effect(OutcomeKind.UPSTREAM_ERROR, "502 or 504")

EFFECTS: Mapping[str, Effect] = {
    **dict.fromkeys(("IDC101", "IDC102", "IDC110", "IDC113", "IDC116", "IDC130", "IDC202"),
                    _DROP),
    **dict.fromkeys(("IDC201", "IDC203", "IDC204", "IDC230"), _NONE),
    **dict.fromkeys(("IDC301", "IDC302", "IDC303"), _NO_RULE),
    **dict.fromkeys(("IDC320", "IDC321", "IDC322", "IDC323", "IDC328", "IDC335", "IDC336"),
                    _FALLBACK),
    **dict.fromkeys(("IDC324", "IDC325", "IDC326"), _REJECTED),
    **dict.fromkeys(("IDC340",), _NO_RULE),
    **dict.fromkeys(("IDC401", "IDC402"), _MISSING),
    **dict.fromkeys(("IDC410", "IDC501", "IDC504", "IDC505", "IDC601",
                     "IDC608", "IDC630", "IDC631", "IDC632", "IDC633", "IDC634", "IDC635",
                     "IDC636", "IDC637", "IDC638", "IDC639", "IDC640", "IDC642"), _EMPTY),
    **dict.fromkeys(("IDC404", "IDC710", "IDC711", "IDC712", "IDC713", "IDC730"),
                    Effect(OutcomeKind.UPSTREAM_ERROR, "502 or 503")),
    **dict.fromkeys(("IDC701", "IDC706"), _DIAL),
    **dict.fromkeys(("IDC430", "IDC432"), Effect(OutcomeKind.UPSTREAM_ERROR, "502")),
    "IDC431": Effect(OutcomeKind.UPSTREAM_ERROR, "400 (from the backend)"),
    "IDC433": _DROP,
    # A numeric targetPort none of the pod's declared ports is: the app most likely listens
    # on those it declares, so the connection is refused.
    "IDC411": Effect(OutcomeKind.UPSTREAM_ERROR, "likely 502 (connection refused)",
                     likely=True),
    # Gateway API: no listener or no attached rule is the Gateway's 404; a class nobody runs
    # programs nothing; an unusable rule or backendRef is the Gateway's own 500 for its share.
    **dict.fromkeys(("IDC801", "IDC804", "IDC806", "IDC810", "IDC811", "IDC812", "IDC818",
                     "IDC871", "IDC872"), _NO_RULE),
    "IDC802": _NONE,
    **dict.fromkeys(("IDC803", "IDC805"), _DROP),
    **dict.fromkeys(("IDC817", "IDC820", "IDC821", "IDC822", "IDC823", "IDC870"),
                    Effect(OutcomeKind.UPSTREAM_ERROR, "500")),
    "IDC825": Effect(OutcomeKind.UPSTREAM_ERROR, "5xx (TLS to the backend fails)"),
}
#: Per-pod errors that decide nothing alone (other pods may serve) but explain an empty
#: upstream that the endpoints hop found.
EXPLAINS_EMPTY = frozenset({"IDC603", "IDC604", "IDC605", "IDC606"})
EMPTY = _EMPTY
