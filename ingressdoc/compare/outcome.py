"""What one request gets from one side, in terms both sides share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """`kind`: forward (to `backends`), redirect, not-found (404), error (5xx the proxy
    answers itself) or unrouted (no entry takes the request: no listener, no controller).
    `backends` are `ns/name:port` with their share of traffic. `tls` is only set for https:
    `ok` (a certificate for the host), `fallback` (the controller's default certificate)
    or `none` (no TLS endpoint for the host)."""

    kind: str
    status: int | None = None
    backends: tuple[tuple[str, float], ...] = ()
    location: str | None = None
    upstream: str | None = None  # host+path the backend receives
    tls: str | None = None
    by: str = ""  # the object that decided
    lost: tuple[str, ...] = ()  # behaviour the other side has no equivalent for
    protocol: str | None = None  # what the proxy speaks to the backend, where known

    def text(self) -> str:
        if self.kind == "forward":
            shown = ", ".join(b if share == 1 else f"{b} ({share:.0%})" for b, share in
                              self.backends)
            return f"-> {shown}" + (f" as {self.upstream}" if self.upstream else "")
        if self.kind == "redirect":
            return f"{self.status} -> {self.location}"
        if self.kind == "error":
            return f"{self.status} (proxy error)"
        return "404" if self.kind == "not-found" else "unrouted"
