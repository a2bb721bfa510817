"""`--wait`: re-check a freshly applied cluster until it passes or the time is up.

Rollouts, endpoints and load-balancer addresses converge over seconds to minutes, so one
failing check right after `kubectl apply` says little. Clock and sleep are parameters so the
loop is tested without waiting.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from ingressdoc.check.report import CheckReport
from ingressdoc.errors import UsageError

INTERVAL = 5.0
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)", re.ASCII)
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """Seconds from `90`, `90s`, `2m`, `1m30s` or `1h` (Go's duration spelling)."""
    value = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", value, re.ASCII):
        return float(value)
    parts = _PART.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise UsageError(f"invalid duration {text!r}: use e.g. 90s, 2m or 1m30s")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def wait_until_passing(
    attempt: Callable[[], CheckReport],
    timeout: float,
    on_retry: Callable[[CheckReport, float], None],
    *,
    interval: float = INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> CheckReport:
    """The first passing report, or the last one when time runs out."""
    deadline = clock() + timeout
    while True:
        report = attempt()
        left = deadline - clock()
        if report.passed or left <= 0:
            return report
        on_retry(report, left)
        sleep(min(interval, left))
