"""What the controller's own configuration does to the outcome once the route is known.

The outcome follows the hops; a few findings of the controller configuration decide it on
their own: the controller answers with a redirect itself (app-root, permanent-redirect), the
redirect to HTTPS comes back to it as plain HTTP forever (TLS ends at a load balancer), an
ALB has no HTTPS listener, or Traefik creates no route for an ExternalName backend it is not
allowed to use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ingressdoc.hops.model import Hop
from ingressdoc.hops.outcome import Outcome, OutcomeKind


def amend(outcome: Outcome, hops: Sequence[Hop], proxy: str) -> Outcome:
    found = {f.code: f for h in hops for f in h.findings}
    if "IDC391" in found:
        return dataclasses.replace(outcome, kind=OutcomeKind.REDIRECT, hop="tls",
                                   reason=found["IDC391"].message, backend=proxy,
                                   status="308 to the same URL, again (redirect loop)",
                                   code="IDC391")
    if "IDC396" in found:
        return dataclasses.replace(outcome, kind=OutcomeKind.DROPPED, hop="tls",
                                   reason=found["IDC396"].message, backend=None, status=None,
                                   code="IDC396")
    if "IDC394" in found and outcome.kind is OutcomeKind.SERVED:
        return dataclasses.replace(outcome, kind=OutcomeKind.REDIRECT, hop="rule",
                                   reason=found["IDC394"].message, backend=proxy,
                                   status=found["IDC394"].message.removeprefix("answered with "),
                                   code="IDC394")
    if "IDC399" in found and outcome.kind is OutcomeKind.SERVED:
        return dataclasses.replace(outcome, kind=OutcomeKind.DEFAULT_BACKEND, hop="rule",
                                   reason=found["IDC399"].message, backend=proxy, status="404",
                                   code="IDC399")
    return outcome
