"""The outcome of one request: what the client gets back, as the controller in use decides.

The outcome is what a person reads first. It names what answers (a backend's pods, the
controller's own 404, its fallback certificate, a 5xx, nobody), the hop and the rule or object
that decided it, and the competing routes a live prober can compare the answer with.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class OutcomeKind(str, enum.Enum):
    SERVED = "served"  # a backend answers
    DEFAULT_BACKEND = "default-backend"  # the controller's own default backend: 404
    FALLBACK_CERTIFICATE = "fallback-certificate"  # TLS fails on the controller's own cert
    CERTIFICATE_REJECTED = "certificate-rejected"  # the served certificate fails verification
    REDIRECT = "redirect"
    UPSTREAM_ERROR = "upstream-error"  # 502/503/504 from the controller
    DROPPED = "dropped"  # the connection never reaches a proxy that answers
    NO_CONTROLLER = "no-controller"  # no controller picks the Ingress up
    UNKNOWN = "unknown"  # the hops that decide could not be checked


#: The finding parameter of an intent signal that names the route written for the request.
MEANT = "meant"
#: Kinds in which the request reaches a backend's pods.
REACHING = (OutcomeKind.SERVED, OutcomeKind.REDIRECT, OutcomeKind.UNKNOWN)


@dataclass(frozen=True)
class Competitor:
    """A route that could have answered and did not, and why: what a live prober compares
    the answer with, and what a person checks the intent against."""

    route: str  # e.g. "Ingress shop/old spec.rules[0].http.paths[0]"
    backend: str  # e.g. "Service shop/cart:80"
    why: str

    def as_dict(self) -> dict[str, str]:
        return {"route": self.route, "backend": self.backend, "why": self.why}


@dataclass(frozen=True)
class Outcome:
    """`backend` is what answers (a Service port, the controller), `reason` why, `hop` and
    `rule` where it was decided; `meant` names the route the user evidently wrote for this
    request when another one answers it."""

    kind: OutcomeKind
    reason: str
    hop: str
    backend: str | None = None
    status: str | None = None  # "404", "503", "502 or 504": as the controller answers
    rule: str | None = None
    code: str | None = None  # the finding that decided it
    meant: str | None = None
    competitors: tuple[Competitor, ...] = ()

    @property
    def intended(self) -> bool:
        """The request reaches a backend, and the one its rule names."""
        return self.kind in REACHING and self.meant is None

    def line(self) -> str:
        """The one line a person reads first."""
        head = {
            OutcomeKind.SERVED: f"served by {self.backend}",
            OutcomeKind.DEFAULT_BACKEND: f"{self.status or '404'} from {self.backend}",
            OutcomeKind.FALLBACK_CERTIFICATE: f"TLS fails: {self.backend} presents its "
                                              "fallback certificate",
            OutcomeKind.CERTIFICATE_REJECTED: "TLS fails: the served certificate is rejected",
            OutcomeKind.REDIRECT: f"redirect {self.status or ''}".rstrip() + f" from {self.backend}",
            OutcomeKind.UPSTREAM_ERROR: f"{self.status or '5xx'} from {self.backend}",
            OutcomeKind.DROPPED: "connection fails before any proxy answers",
            OutcomeKind.NO_CONTROLLER: "no controller picks this request up",
            OutcomeKind.UNKNOWN: "not determined",
        }[self.kind]
        where = f" via {self.rule}" if self.rule and self.kind is OutcomeKind.SERVED else ""
        text = f"{head}{where}: {self.reason}" if self.reason else f"{head}{where}"
        return text + (f" (meant: {self.meant})" if self.meant else "")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value, "hop": self.hop, "reason": self.reason}
        for key in ("backend", "status", "rule", "code", "meant"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.competitors:
            out["competitors"] = [c.as_dict() for c in self.competitors]
        return out
