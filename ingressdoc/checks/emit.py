"""Build findings from catalog codes so every check words its hint the same way."""

from __future__ import annotations

from typing import Any

from ingressdoc.checks.catalog import BY_CODE
from ingressdoc.findings import Finding
from ingressdoc.snapshot import ObjectRef


def finding(
    code: str,
    obj: ObjectRef,
    message: str,
    *,
    field: str | None = None,
    hint: str | None = None,
    **params: Any,
) -> Finding:
    """A finding for catalog `code`; `hint` overrides the catalog fix with a concrete one."""
    entry = BY_CODE[code]
    return Finding(
        code=entry.code,
        name=entry.name,
        severity=entry.severity,
        object=obj,
        message=message,
        hint=hint or entry.fix,
        field=field,
        params=params,
    )
