"""Findings: what a check says about one object, with a stable code from the catalog."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ingressdoc.snapshot import ObjectRef

# The generated page of every finding code (docs/findings.md).
DOCS_URL = "https://github.com/ingressdoc/ingressdoc/blob/main/docs/findings.md"


def help_uri(code: str, name: str) -> str:
    """A code's section of the docs page: GitHub's anchor for its heading "IDC401 `name`",
    stable because codes and names are never reused."""
    return f"{DOCS_URL}#{code.lower()}-{name}"


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True)
class Finding:
    """One problem (or notable fact) about one object.

    `message` names the failing field and values in prose; `hint` says what to change.
    Codes are fields, never parsed back out of text.
    """

    code: str
    name: str
    severity: Severity
    object: ObjectRef
    message: str
    hint: str
    field: str | None = None
    origin: str | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def help_uri(self) -> str:
        """The code's section in the docs, for every report to link to."""
        return help_uri(self.code, self.name)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "object": self.object.as_dict(),
            "message": self.message,
            "hint": self.hint,
            "docs": self.help_uri,
        }
        if self.field:
            out["field"] = self.field
        if self.origin:
            out["origin"] = self.origin
        return out
