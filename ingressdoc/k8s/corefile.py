"""CoreDNS's Corefile, read as far as in-cluster name resolution needs: which server block
answers a name, the cluster domain of its `kubernetes` plugin, and where `forward` sends the
rest (stub zones are server blocks of their own, as kube-dns `stubDomains` become).

Pure: text in, facts out. A name is only called unresolvable when the block that serves it
holds nothing that could answer; any plugin this module does not model (hosts, file,
rewrite, ...) makes the answer "other", never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from ingressdoc.k8s.ports import is_number

DEFAULT_DOMAIN = "cluster.local"
DNS_PORT = 53
_TOKEN = re.compile(r'"[^"]*"|\{\$[^}]*\}|[{}]|[^\s{}"]+')
_NEWLINE = "\n"
_REVERSE_ZONES = ("in-addr.arpa", "ip6.arpa")
_FORWARDERS = ("forward", "proxy")  # `proxy` is forward's name before CoreDNS 1.5
# Plugins that never answer a query name themselves: everything else might.
_PASSIVE = frozenset({
    "acl", "any", "bind", "bufsize", "cache", "cancel", "debug", "dnssec", "errors", "header",
    "health", "import", "loadbalance", "log", "loop", "metadata", "minimal", "nsid",
    "prometheus", "ready", "reload", "root", "timeouts", "tls", "trace",
})

Outcome = Literal["cluster", "forward", "other", "unanswered", "refused"]


@dataclass(frozen=True)
class Directive:
    name: str
    args: tuple[str, ...]
    options: tuple[tuple[str, ...], ...] = ()  # the lines of its `{ }` block


@dataclass(frozen=True)
class ServerBlock:
    zones: tuple[str, ...]  # lower-case, no trailing dot; "." is the root
    port: int
    directives: tuple[Directive, ...]

    @property
    def label(self) -> str:
        return " ".join(f"{z}:{self.port}" for z in self.zones)

    def directive(self, name: str) -> Directive | None:
        return next((d for d in self.directives if d.name == name), None)

    @property
    def kubernetes_zones(self) -> tuple[str, ...]:
        """The kubernetes plugin's zones; without arguments it takes the block's zones."""
        plugin = self.directive("kubernetes")
        if plugin is None:
            return ()
        return tuple(_zone(z) for z in plugin.args) or self.zones

    @property
    def forward(self) -> Directive | None:
        return next((d for d in self.directives if d.name in _FORWARDERS), None)

    def serves(self, name: str) -> int | None:
        """The length of the longest zone of this block that contains `name`, if any."""
        lengths = [len(z) for z in self.zones if _within(name, z)]
        return max(lengths) if lengths else None


@dataclass(frozen=True)
class Lookup:
    """Who answers a name: the `kubernetes` plugin, a forward (and to where), a plugin not
    modelled here, nobody in the block that serves it, or no block at all (REFUSED)."""

    name: str
    outcome: Outcome
    block: ServerBlock | None = None
    targets: tuple[str, ...] = ()

    def describe(self) -> str:
        where = f"server block {self.block.label}" if self.block else ""
        return {
            "cluster": f"answered by the kubernetes plugin of {where}",
            "forward": f"forwarded to {' '.join(self.targets)} by {where}",
            "other": f"{where} has plugins that may answer it (not modelled)",
            "unanswered": f"{where} has no forward (and no stub zone) for {self.name}: "
                          "NXDOMAIN or SERVFAIL",
            "refused": f"no server block serves {self.name}: CoreDNS answers REFUSED",
        }[self.outcome]


@dataclass(frozen=True)
class Corefile:
    blocks: tuple[ServerBlock, ...]

    @property
    def resolver_blocks(self) -> tuple[ServerBlock, ...]:
        """Blocks pods reach through the kube-dns Service (port 53)."""
        return tuple(b for b in self.blocks if b.port == DNS_PORT)

    @property
    def cluster_domain(self) -> str | None:
        for block in self.resolver_blocks:
            for zone in block.kubernetes_zones:
                if zone != "." and not zone.endswith(_REVERSE_ZONES):
                    return zone
        return None

    @property
    def stub_zones(self) -> tuple[ServerBlock, ...]:
        """Blocks for a zone of their own that forward it somewhere."""
        return tuple(b for b in self.resolver_blocks
                     if "." not in b.zones and b.forward is not None)

    def lookup(self, name: str) -> Lookup:
        host = _zone(name)
        serving = [(n, b) for b in self.resolver_blocks if (n := b.serves(host)) is not None]
        if not serving:
            return Lookup(host, "refused")
        block = max(serving, key=lambda nb: nb[0])[1]
        if any(_within(host, z) for z in block.kubernetes_zones):
            return Lookup(host, "cluster", block)
        forward = block.forward
        if forward is not None and _forwards(forward, host):
            return Lookup(host, "forward", block, forward.args[1:])
        if any(d.name not in _PASSIVE and d.name != "kubernetes" and d.name not in _FORWARDERS
               for d in block.directives):
            return Lookup(host, "other", block)
        return Lookup(host, "unanswered", block)


def parse_corefile(text: str) -> Corefile:
    """Server blocks in order; snippets `(name) { }` are skipped, unbalanced input ends early."""
    tokens = list(_tokens(text))
    blocks: list[ServerBlock] = []
    i = 0
    while i < len(tokens):
        keys: list[str] = []
        while i < len(tokens) and tokens[i] != "{":
            if tokens[i] not in (_NEWLINE, "}"):
                keys.append(tokens[i].rstrip(","))
            i += 1
        if i == len(tokens):
            break  # keys without a block: not a server block
        body, i = _body(tokens, i + 1)
        if keys and not keys[0].startswith("("):
            blocks.extend(_server_blocks(keys, tuple(_directives(body))))
    return Corefile(tuple(blocks))


def _tokens(text: str) -> Iterator[str]:
    for line in text.splitlines():
        yield from _TOKEN.findall(line.split("#", 1)[0])
        yield _NEWLINE


def _body(tokens: list[str], start: int) -> tuple[list[str], int]:
    """The tokens up to the `}` matching an opened `{`, and the index after it."""
    depth, i = 1, start
    while i < len(tokens):
        if tokens[i] == "{":
            depth += 1
        elif tokens[i] == "}":
            depth -= 1
            if depth == 0:
                return tokens[start:i], i + 1
        i += 1
    return tokens[start:], i


def _directives(body: list[str]) -> Iterator[Directive]:
    i = 0
    while i < len(body):
        line: list[str] = []
        while i < len(body) and body[i] not in (_NEWLINE, "{"):
            line.append(body[i].strip('"'))
            i += 1
        options: tuple[tuple[str, ...], ...] = ()
        if i < len(body) and body[i] == "{":
            inner, i = _body(body, i + 1)
            options = tuple(_lines(inner))
        i += 1
        if line:
            yield Directive(line[0].lower(), tuple(line[1:]), options)


def _lines(tokens: list[str]) -> Iterator[tuple[str, ...]]:
    line: list[str] = []
    for tok in [*tokens, _NEWLINE]:
        if tok == _NEWLINE:
            if line:
                yield tuple(line)
            line = []
        elif tok not in ("{", "}"):
            line.append(tok.strip('"'))


def _server_blocks(keys: list[str], directives: tuple[Directive, ...]) -> Iterator[ServerBlock]:
    """One block per (port): `a.example b.example:53` share a port, `.:53 .:5353` do not."""
    by_port: dict[int, list[str]] = {}
    for key in keys:
        scheme, _, rest = key.rpartition("://")
        if scheme not in ("", "dns"):
            continue  # tls://, https://, grpc:// are other transports than the pods' resolver
        zone, _, digits = rest.rpartition(":") if ":" in rest else (rest, "", "")
        by_port.setdefault(int(digits) if is_number(digits) else DNS_PORT, []).append(_zone(zone))
    for port, zones in by_port.items():
        yield ServerBlock(tuple(zones), port, directives)


def _zone(name: str) -> str:
    value = name.strip().lower().rstrip(".")
    return value or "."


def _within(name: str, zone: str) -> bool:
    return zone == "." or name == zone or name.endswith("." + zone)


def _forwards(forward: Directive, name: str) -> bool:
    """`forward FROM TO...` handles names under FROM, except those its `except` lists."""
    if not forward.args or not _within(name, _zone(forward.args[0])):
        return False
    excepted = [_zone(z) for opt in forward.options if opt[0] == "except" for z in opt[1:]]
    return not any(_within(name, z) for z in excepted)
