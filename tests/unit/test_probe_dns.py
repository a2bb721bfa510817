from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from dnsserver import Zone, dns_server, silent_server

from ingressdoc.probe import dns as probe_dns
from ingressdoc.probe.dns import (
    DnsAnswer,
    DnsResolver,
    Resolver,
    StaticResolver,
    parse_server,
    resolve,
    resolve_over,
)

ZONE = Zone(
    records={
        "web.shop.svc.cluster.local": {"A": ["10.96.0.20"]},
        "dual.example.com": {"A": ["203.0.113.7"], "AAAA": ["2001:db8::7"]},
        "v6only.example.com": {"AAAA": ["2001:db8::6"]},
        "empty.example.com": {"TXT": ['"nothing"']},
        "app.example.com": {"CNAME": ["lb.cloud.example"]},
        "lb.cloud.example": {"CNAME": ["lb-1.cloud.example"]},
        "lb-1.cloud.example": {"A": ["198.51.100.1"]},
        "legacy.shop.svc.cluster.local": {"CNAME": ["gone.example.org"]},
    },
    servfail=frozenset({"broken.example.com"}),
)
FAST = 0.3


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with dns_server(ZONE) as bound:
        yield bound


def ask(name: str, port: int, *, tcp: bool = False, hosts_file: str | None = None) -> DnsAnswer:
    return resolve(name, server="127.0.0.1", port=port, tcp=tcp, timeout=FAST, hosts_file=hosts_file)


def test_a_record(port: int) -> None:
    answer = ask("web.shop.svc.cluster.local", port)
    assert answer.status == "ok"
    assert answer.addresses == ("10.96.0.20",)
    assert answer.cnames == ()
    assert answer.source == "dns"
    assert answer.server == f"127.0.0.1:{port}"
    assert "10.96.0.20" in answer.detail


def test_a_and_aaaa_are_both_returned(port: int) -> None:
    answer = ask("dual.example.com.", port)
    assert answer.name == "dual.example.com"
    assert answer.addresses == ("203.0.113.7", "2001:db8::7")


def test_aaaa_only(port: int) -> None:
    answer = ask("v6only.example.com", port)
    assert answer.status == "ok"
    assert answer.addresses == ("2001:db8::6",)


def test_cname_chain_is_recorded(port: int) -> None:
    answer = ask("app.example.com", port)
    assert answer.status == "ok"
    assert answer.cnames == ("lb.cloud.example", "lb-1.cloud.example")
    assert answer.addresses == ("198.51.100.1",)
    assert "via CNAME lb.cloud.example -> lb-1.cloud.example" in answer.detail


def test_nxdomain(port: int) -> None:
    answer = ask("web.other.svc.cluster.local", port)
    assert answer.status == "nxdomain"
    assert answer.addresses == ()
    assert "does not exist" in answer.detail


def test_cname_to_a_missing_target_names_the_target(port: int) -> None:
    answer = ask("legacy.shop.svc.cluster.local", port)
    assert answer.status == "nxdomain"
    assert answer.cnames == ("gone.example.org",)
    assert "gone.example.org does not exist" in answer.detail


def test_name_without_addresses_is_noanswer(port: int) -> None:
    answer = ask("empty.example.com", port)
    assert answer.status == "noanswer"
    assert "no A or AAAA record" in answer.detail


def test_servfail(port: int) -> None:
    answer = ask("broken.example.com", port)
    assert answer.status == "servfail"
    assert "SERVFAIL" in answer.detail


def test_tcp(port: int) -> None:
    answer = ask("app.example.com", port, tcp=True)
    assert answer.addresses == ("198.51.100.1",)
    assert ("app.example.com", "A") in ZONE.queries


def test_search_list_is_not_applied(port: int) -> None:
    ZONE.queries.clear()
    assert ask("web", port).status == "nxdomain"
    assert ZONE.queries == [("web", "A")]


def test_timeout_when_the_server_never_answers() -> None:
    with silent_server() as silent:
        answer = resolve("web", server="127.0.0.1", port=silent, timeout=FAST)
    assert answer.status == "timeout"
    assert answer.detail == f"no answer from 127.0.0.1:{silent} within {FAST}s"


def test_unreachable_server_is_an_error_not_a_dns_answer() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        unused = closed.getsockname()[1]
        answer = resolve("web", server="127.0.0.1", port=unused, tcp=True, timeout=FAST)
    assert answer.status == "error"
    assert answer.detail == f"cannot ask 127.0.0.1:{unused}: connection refused"


@pytest.mark.parametrize(
    ("name", "server", "detail"),
    [("a..b", "127.0.0.1", "not a valid DNS name"), ("web", "dns.example", "no usable resolver")],
)
def test_bad_input_is_an_error_answer(name: str, server: str, detail: str) -> None:
    answer = resolve(name, server=server, timeout=FAST)
    assert answer.status == "error"
    assert answer.detail.startswith(detail)


def test_over_streams_one_per_query(port: int) -> None:
    opened: list[socket.socket] = []

    def open_stream() -> socket.socket:
        opened.append(socket.create_connection(("127.0.0.1", port)))
        return opened[-1]

    answer = resolve_over("dual.example.com", open_stream, "pod x", timeout=FAST)
    assert (answer.status, answer.addresses) == ("ok", ("203.0.113.7", "2001:db8::7"))
    assert answer.server == "pod x"
    assert len(opened) == 2 and all(s.fileno() == -1 for s in opened)  # closed after use


def test_over_streams_failures_are_errors_not_answers() -> None:
    def refused() -> socket.socket:
        raise ConnectionError("port-forward forbidden")

    answer = resolve_over("web", refused, "pod x", timeout=FAST)
    assert (answer.status, answer.detail) == ("error", "cannot ask pod x: port-forward forbidden")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def hang_up() -> socket.socket:
            stream = socket.create_connection(listener.getsockname())
            listener.accept()[0].close()
            return stream

        answer = resolve_over("web", hang_up, "pod x", timeout=FAST)
    assert answer.detail == "cannot ask pod x: the connection closed without an answer"


@pytest.mark.parametrize(("text", "parsed"), [
    ("10.96.0.10", ("10.96.0.10", 53)),
    ("127.0.0.1:5353", ("127.0.0.1", 5353)),
    ("fd00::10", ("fd00::10", 53)),
    ("[fd00::10]:5353", ("fd00::10", 5353)),
])
def test_parse_server(text: str, parsed: tuple[str, int]) -> None:
    assert parse_server(text) == parsed


@pytest.mark.parametrize("text", ["dns.example", "10.0.0.1:0", "10.0.0.1:x", "[fd00::10]:"
                                  "70000", ""])
def test_parse_server_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not an IP address"):
        parse_server(text)


def test_standard_port_is_not_shown() -> None:
    resolver = probe_dns._make_resolver("10.96.0.10", 53, FAST)
    assert probe_dns._server_label(resolver) == "10.96.0.10"


@pytest.fixture
def hosts(tmp_path: Path) -> str:
    path = tmp_path / "hosts"
    path.write_text(
        "127.0.0.1 localhost\n"
        "# 10.0.0.9 app.example.com\n"
        "192.0.2.10 App.Example.com app  # the staging LB\n"
        "2001:db8::10 app.example.com\n"
        "not-an-ip app.example.com\n"
    )
    return str(path)


def test_hosts_file_wins_without_explicit_server(hosts: str) -> None:
    answer = resolve("app.example.com", hosts_file=hosts, timeout=FAST)
    assert answer.source == "hosts-file"
    assert answer.status == "ok"
    assert answer.addresses == ("192.0.2.10", "2001:db8::10")
    assert answer.server is None
    assert hosts in answer.detail


def test_explicit_server_ignores_hosts_file(hosts: str, port: int) -> None:
    answer = ask("app.example.com", port, hosts_file=hosts)
    assert answer.source == "dns"
    assert answer.addresses == ("198.51.100.1",)


def test_name_missing_from_hosts_file_goes_to_dns(
    hosts: str, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = probe_dns._make_resolver

    def system_is_test_server(server: str | None, _port: int, timeout: float) -> object:
        assert server is None
        return real("127.0.0.1", port, timeout)

    monkeypatch.setattr(probe_dns, "_make_resolver", system_is_test_server)
    answer = resolve("dual.example.com", hosts_file=hosts, timeout=FAST)
    assert answer.source == "dns"
    assert answer.addresses == ("203.0.113.7", "2001:db8::7")


def test_unreadable_hosts_file_lists_nothing(tmp_path: Path) -> None:
    assert probe_dns.hosts_file_addresses(str(tmp_path / "missing"), "app") == ()


def test_resolver_objects_share_one_protocol(port: int) -> None:
    live: Resolver = DnsResolver(server="127.0.0.1", port=port, timeout=FAST)
    known = DnsAnswer(name="web", status="ok", addresses=("10.0.0.1",))
    fake: Resolver = StaticResolver({"web": known})
    assert live("dual.example.com").addresses == ("203.0.113.7", "2001:db8::7")
    assert fake("WEB.") is known
    assert fake("other").status == "nxdomain"
