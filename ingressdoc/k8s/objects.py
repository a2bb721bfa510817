"""Small accessors over manifest dicts, so hops read fields the same way everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Obj = Mapping[str, Any]


def meta(obj: Obj) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def name(obj: Obj) -> str:
    return str(meta(obj).get("name", ""))


def namespace(obj: Obj) -> str | None:
    ns = meta(obj).get("namespace")
    return str(ns) if ns is not None else None


def labels(obj: Obj) -> Mapping[str, str]:
    return meta(obj).get("labels") or {}


def annotations_of(obj: Obj) -> Mapping[str, str]:
    return meta(obj).get("annotations") or {}


def is_true(value: Any) -> bool:
    """Annotations, flags and ConfigMap values are strings: "true" in any case turns a
    switch on; anything else, or no value, leaves it off."""
    return str(value).strip().lower() == "true"


def spec(obj: Obj) -> Mapping[str, Any]:
    return obj.get("spec") or {}


def status(obj: Obj) -> Mapping[str, Any]:
    return obj.get("status") or {}


def condition(obj: Obj, ctype: str) -> Mapping[str, Any] | None:
    for cond in status(obj).get("conditions") or []:
        if cond.get("type") == ctype:
            return dict(cond)
    return None
