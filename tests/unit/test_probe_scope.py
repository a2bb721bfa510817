"""Probes stay where they belong: no loopback or link-local entry address unless allowed, and
one deadline per probe and per run, however slowly a server answers."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingressdoc.hops.evidence import attach
from ingressdoc.hops.model import EntryAddress, TraceResult
from ingressdoc.probe.http import HttpProbe, probe
from ingressdoc.probe.run import MAX_ENTRY_PROBES, entry_observations
from ingressdoc.probe.scope import forbidden_kind, refusal
from ingressdoc.request import parse_request
from ingressdoc.snapshot.manifests import load
from ingressdoc.trace.engine import trace

SHOP = str(Path(__file__).resolve().parents[2] / "examples" / "shop")


@contextmanager
def server(reply: bytes, interval: float) -> Iterator[int]:
    """A TCP server that sends `reply` one byte every `interval` seconds per connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.recv(4096)
            for byte in reply:
                if stop.wait(interval):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


def entry_result(*addresses: tuple[str, int]) -> TraceResult:
    result = trace(load([SHOP]), parse_request("shop.example.com/api/catalog/items"))
    return dataclasses.replace(result, entry_addresses=tuple(
        EntryAddress(a, p, "http", "LoadBalancer") for a, p in addresses))


TRICKLE = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"x" * 40 + b"\r\n\r\n"


def test_a_trickling_server_cannot_hold_a_probe_past_its_timeout() -> None:
    with server(TRICKLE, 0.2) as port:
        started = time.monotonic()
        ev = probe(HttpProbe("http", "127.0.0.1", port, "h"), timeout=1.0)
    assert time.monotonic() - started < 1.6
    assert ev.status is None
    assert ev.error == "timed out after 1.0s"


def test_a_quick_server_still_answers() -> None:
    with server(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", 0.0) as port:
        ev = probe(HttpProbe("http", "127.0.0.1", port, "h"), timeout=2.0)
    assert ev.status == 204


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("0.0.0.0", "loopback"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("::ffff:169.254.169.254", "link-local"), ("::ffff:127.0.0.1", "loopback"),
    ("10.0.0.1", None), ("203.0.113.7", None), ("2001:db8::1", None),
])
def test_forbidden_kinds(address: str, kind: str | None) -> None:
    assert forbidden_kind(address) == kind


def test_a_name_is_judged_by_what_it_resolves_to() -> None:
    assert refusal("lb.example", ["169.254.169.254"], ()) == (
        "lb.example (169.254.169.254) is a link-local address; pass --probe-allow "
        "169.254.169.254 to probe it")
    assert refusal("lb.example", ["169.254.169.254"], ("lb.example",)) is None
    assert refusal("lb.example", ["10.1.2.3"], ()) is None


def test_metadata_and_loopback_addresses_are_not_dialled_and_say_so() -> None:
    with server(b"HTTP/1.1 200 OK\r\n\r\n", 0.0) as port:
        result = entry_result(("169.254.169.254", 80), ("127.0.0.1", port))
        seen = entry_observations(result, 1.0)
    assert [o.skipped is not None for o in seen] == [True, True]
    assert "169.254.169.254 is a link-local address; pass --probe-allow 169.254.169.254" in (
        seen[0].skipped or "")
    entry = next(h for h in attach(result, seen).hops if h.hop == "entry")
    assert all(e.outcome.startswith("not probed (") for e in entry.evidence)
    assert not [f for f in entry.findings if f.code == "IDC720"]


def test_an_allowed_loopback_address_is_probed() -> None:
    with server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0.0) as port:
        seen = entry_observations(entry_result(("127.0.0.1", port)), 1.0,
                                  allowed=["127.0.0.1"])
    assert [(o.skipped, o.status) for o in seen] == [(None, 200)]


def test_the_entry_probes_share_one_deadline() -> None:
    with server(TRICKLE, 0.2) as port:
        addresses = [("127.0.0.1", port)] * (MAX_ENTRY_PROBES + 2)
        started = time.monotonic()
        seen = entry_observations(entry_result(*addresses), 0.5, allowed=["127.0.0.1"])
    assert time.monotonic() - started < 0.5 * MAX_ENTRY_PROBES + 0.6
    assert len(seen) == MAX_ENTRY_PROBES
    assert all(o.status is None for o in seen)
