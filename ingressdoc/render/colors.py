"""One palette for the graph formats: fill and stroke per hop status."""

from __future__ import annotations

from ingressdoc.hops.model import HopStatus

FILL = {
    HopStatus.OK: "#d4edda",
    HopStatus.WARN: "#fff3cd",
    HopStatus.FAIL: "#f8d7da",
    HopStatus.SKIPPED: "#e9ecef",
    HopStatus.UNKNOWN: "#d1ecf1",
}
STROKE = {
    HopStatus.OK: "#28a745",
    HopStatus.WARN: "#d39e00",
    HopStatus.FAIL: "#dc3545",
    HopStatus.SKIPPED: "#6c757d",
    HopStatus.UNKNOWN: "#17a2b8",
}
