"""The ignore policy: `CODE` or `CODE=namespace/name`, with fnmatch wildcards on both sides.

The code side matches catalog codes or names (`IDC5*`, `pods-*`), case-insensitively, and must
name at least one catalog entry, so a typo fails loudly instead of ignoring nothing. The
target side matches the finding's object or the Ingress being checked, written `namespace/name`
(a cluster-scoped object is just `name`), so `IDC601=shop/*` silences a finding whether it is
about a Pod or about the Ingress that routes to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from ingressdoc.checks.catalog import entries
from ingressdoc.errors import UsageError
from ingressdoc.findings import Finding
from ingressdoc.snapshot import ObjectRef


def _qualified(ref: ObjectRef) -> str:
    return f"{ref.namespace}/{ref.name}" if ref.namespace else ref.name


@dataclass(frozen=True)
class IgnoreRule:
    code: str
    target: str | None = None

    @classmethod
    def parse(cls, text: str) -> IgnoreRule:
        code, sep, target = (part.strip() for part in text.partition("="))
        if not code or (sep and not target):
            raise UsageError(f"invalid --ignore {text!r}: expected CODE or CODE=namespace/name")
        rule = cls(code.lower(), target or None)
        if not any(rule.matches_code(e.code, e.name) for e in entries()):
            raise UsageError(f"--ignore {text!r}: {code!r} matches no finding code or name "
                             "(see `ingressdoc checks`)")
        return rule

    def matches_code(self, code: str, name: str) -> bool:
        return fnmatchcase(code.lower(), self.code) or fnmatchcase(name.lower(), self.code)

    def matches(self, finding: Finding, ingress: ObjectRef) -> bool:
        if not self.matches_code(finding.code, finding.name):
            return False
        return self.target is None or any(
            fnmatchcase(_qualified(ref), self.target) for ref in (finding.object, ingress))


@dataclass(frozen=True)
class IgnorePolicy:
    rules: tuple[IgnoreRule, ...] = ()

    @classmethod
    def parse(cls, texts: Iterable[str]) -> IgnorePolicy:
        return cls(tuple(IgnoreRule.parse(t) for t in texts))

    def split(
        self, findings: Iterable[Finding], ingress: ObjectRef
    ) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
        """(kept, ignored)."""
        kept: list[Finding] = []
        ignored: list[Finding] = []
        for f in findings:
            (ignored if any(r.matches(f, ingress) for r in self.rules) else kept).append(f)
        return tuple(kept), tuple(ignored)
