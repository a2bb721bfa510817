"""Where a probe may go, and for how long.

Probe targets come from the cluster's objects, and anyone who may write a Service's status
chooses its `status.loadBalancer` address. Dialled blindly, 127.0.0.1 reaches the machine
ingressdoc runs on and 169.254.169.254 a cloud's metadata service, with a Host header and a
path the objects chose too. So loopback and link-local addresses (whatever a name resolves
to, and IPv4 inside IPv6) are refused unless the user allows them by name or address; a
name is resolved once and the probe dials the address that was checked.
"""

from __future__ import annotations

import ipaddress
import math
import socket
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field


@dataclass
class Deadline:
    """One budget for several steps: each gets what is left, none can extend it."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def left(self) -> float:
        return max(0.0, self.started + self.seconds - time.monotonic())


def addresses_of(address: str, port: int, timeout: float) -> list[str]:
    """The addresses `address` stands for, within `timeout` (the system resolver has no
    timeout of its own, so it runs on a thread that is abandoned when time is up)."""
    try:
        return [str(ipaddress.ip_address(address))]
    except ValueError:
        pass
    found: list[str] = []
    failure: list[OSError] = []

    def work() -> None:
        try:
            infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)
            found.extend(dict.fromkeys(str(info[4][0]) for info in infos))
        except OSError as exc:
            failure.append(exc)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(timeout if math.isfinite(timeout) else None)
    if worker.is_alive():
        raise TimeoutError
    if failure:
        raise failure[0]
    return found


def forbidden_kind(address: str) -> str | None:
    """"loopback" or "link-local" for an address a probe must not dial unasked."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_unspecified:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    return None


def refusal(name: str, addresses: Collection[str], allowed: Collection[str]) -> str | None:
    """Why a probe to `name` (resolved to `addresses`) is withheld, or None to send it."""
    if name in allowed:
        return None
    for address in addresses:
        kind = forbidden_kind(address)
        if kind is not None and address not in allowed:
            shown = address if address == name else f"{name} ({address})"
            return (f"{shown} is a {kind} address; pass --probe-allow {address} "
                    "to probe it")
    return None
