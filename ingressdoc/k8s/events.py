"""Events the controllers and the scheduler leave about objects: the latest one that matters.

An Event names its object in `involvedObject` and repeats (`count`, `lastTimestamp`, or
`series.lastObservedTime` for events.k8s.io-style ones): the newest occurrence wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

Obj = Mapping[str, Any]
FAILED_SCHEDULING = "FailedScheduling"
FAILED_CREATE = "FailedCreate"


def last_seen(event: Obj) -> str:
    series = event.get("series") or {}
    return str(series.get("lastObservedTime") or event.get("lastTimestamp")
               or event.get("eventTime") or (event.get("metadata") or {}).get(
                   "creationTimestamp") or "")


def latest(events: Iterable[Obj], reason: str,
           about: Callable[[Mapping[str, Any]], bool]) -> Obj | None:
    """The newest Event with REASON whose involvedObject satisfies ABOUT."""
    found = [e for e in events
             if e.get("reason") == reason and about(e.get("involvedObject") or {})]
    return max(found, key=last_seen) if found else None
