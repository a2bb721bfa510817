"""Which backend answered: fingerprints of HTTP answers and the match between them.

A status code cannot tell one backend from another: a catch-all, a duplicate Ingress that
won and the backend the user meant all answer 200. The body and the headers an application
sets can. The entry's answer is compared with the same request sent directly to each backend
that could have served it; no cooperation from the application is needed. Pure: the
requests are sent elsewhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

# Headers that change per request, per replica, or that a proxy sets or rewrites on the way:
# they say nothing about which application answered.
_VOLATILE = frozenset({
    "date", "age", "expires", "last-modified", "etag", "server", "via", "connection",
    "keep-alive", "transfer-encoding", "content-length", "strict-transport-security",
    "alt-svc", "x-real-ip", "server-timing", "x-runtime", "x-response-time", "report-to",
    "nel", "cf-ray", "x-powered-by-plesk", "x-cache", "x-served-by", "x-timer",
})
_VOLATILE_PATTERN = re.compile(
    r"^x-forwarded-|request[-_]?id|correlation[-_]?id|trace|span[-_]?id|^x-b3-|^x-envoy-"
    r"|^x-amz-cf-|^x-kong-|^x-upstream-")

MatchLevel = Literal["identical", "shape"]


@dataclass(frozen=True)
class Fingerprint:
    """What identifies an answer: `headers` keeps only stable ones (names lower-case, a
    Set-Cookie reduced to its cookie name), `location` only the redirect's path and query,
    since a proxy in front may change the scheme and authority."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body_length: int
    body_sha256: str
    location: str | None = None
    truncated: bool = False

    def describe(self) -> str:
        """One line for evidence: what a person compares by eye."""
        parts = [f"HTTP {self.status}"]
        if self.location is not None:
            parts.append(f"Location {self.location}")
        ctype = dict(self.headers).get("content-type")
        if ctype:
            parts.append(ctype)
        size = f"{self.body_length}{'+' if self.truncated else ''} bytes"
        parts.append(f"body {size} sha256:{self.body_sha256[:12]}")
        return ", ".join(parts)


def fingerprint(status: int, headers: Iterable[tuple[str, str]], body: bytes,
                truncated: bool = False) -> Fingerprint:
    """The fingerprint of one answer; `body` is what was read (decoded from chunks),
    `truncated` when the read stopped at its bound."""
    stable: dict[str, list[str]] = {}
    location = None
    for raw_name, value in headers:
        name = raw_name.strip().lower()
        if name == "location":
            location = _location(value)
        elif name == "set-cookie":
            stable.setdefault(name, []).append(value.split("=", 1)[0].strip())
        elif name not in _VOLATILE and not _VOLATILE_PATTERN.search(name):
            stable.setdefault(name, []).append(" ".join(value.split()))
    kept = tuple(sorted((n, ", ".join(sorted(set(v)))) for n, v in stable.items()))
    return Fingerprint(status, kept, len(body), hashlib.sha256(body).hexdigest(), location,
                       truncated)


def _location(value: str) -> str:
    parts = urlsplit(value.strip())
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def level(entry: Fingerprint, candidate: Fingerprint) -> MatchLevel | None:
    """How closely `candidate` explains `entry`: "identical" (same status, redirect, body
    and every stable header both carry), "shape" (the same but a body of the same length
    with other bytes: a page that changes per request), or no match.

    Only headers both answers carry are compared: a proxy adds headers of its own and may
    drop some of the application's. A proxy may set cookies of its own (session affinity), so
    the application's cookie names need only be among the entry's."""
    if entry.status != candidate.status or entry.location != candidate.location:
        return None
    mine, theirs = dict(entry.headers), dict(candidate.headers)
    cookies = mine.pop("set-cookie", ""), theirs.pop("set-cookie", "")
    if not set(cookies[1].split(", ")) <= set(cookies[0].split(", ")):
        return None
    if any(mine[n] != theirs[n] for n in mine.keys() & theirs.keys()):
        return None
    if (entry.body_sha256, entry.body_length) == (candidate.body_sha256, candidate.body_length):
        return "identical"
    return "shape" if entry.body_length == candidate.body_length else None


@dataclass(frozen=True)
class Sample:
    """The request sent directly to one pod of one candidate backend."""

    backend: str  # "namespace/service", as findings name it
    role: str  # why it is a candidate: "predicted", or the rule that names it
    target: str  # the pod and port asked
    fingerprint: Fingerprint | None
    error: str | None = None


@dataclass(frozen=True)
class Attribution:
    """`answered_by` set: the one backend whose pods answer like the entry did."""

    answered_by: str | None
    level: MatchLevel | None
    why: str
    matched: tuple[Sample, ...] = ()

    @property
    def attributed(self) -> bool:
        return self.answered_by is not None


def attribute(entry: Fingerprint, samples: Sequence[Sample]) -> Attribution:
    """The backend that gave the entry's answer, or why none can be named.

    The strongest level at which any sample matches decides. Two backends matching at that
    level cannot be told apart; a shape-only match names a backend as probable, never as
    proof."""
    answered = [s for s in samples if s.fingerprint is not None]
    if not answered:
        errors = "; ".join(f"{s.target}: {s.error}" for s in samples if s.error)
        return Attribution(None, None, "no candidate backend answered directly"
                           + (f" ({errors})" if errors else "") if samples
                           else "no candidate backend with pods to ask")
    levels: tuple[MatchLevel, ...] = ("identical", "shape")
    for wanted in levels:
        hits = [s for s in answered if s.fingerprint and level(entry, s.fingerprint) == wanted]
        backends = list(dict.fromkeys(s.backend for s in hits))
        if len(backends) == 1:
            how = ("same status, headers and body" if wanted == "identical"
                   else "same status, headers and body length; the body differs per request")
            return Attribution(backends[0], wanted, how, tuple(hits))
        if len(backends) > 1:
            return Attribution(None, wanted,
                               f"{' and '.join(backends)} answer "
                               f"{'identically' if wanted == 'identical' else 'alike'}",
                               tuple(hits))
    return Attribution(None, None, _no_match(entry, answered))


def _no_match(entry: Fingerprint, answered: Sequence[Sample]) -> str:
    statuses = sorted({s.fingerprint.status for s in answered if s.fingerprint})
    shown = ", ".join(str(s) for s in statuses)
    if entry.status >= 400 and entry.status not in statuses:
        return (f"no candidate backend answers HTTP {entry.status} (they answer {shown}): the "
                "controller or a backend outside the candidates gave it")
    return f"no candidate backend answers like the entry (candidates answer HTTP {shown})"
