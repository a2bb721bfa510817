"""Label selector semantics, shared by Services, NetworkPolicies and workload lookups.

Two shapes exist in the API: a Service's plain `selector` map and a `LabelSelector`
(`matchLabels` + `matchExpressions`). One function accepts both so no caller re-implements
either (an empty selector matches everything; a nil Service selector is handled by callers).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def _is_label_selector(selector: Mapping[str, Any]) -> bool:
    return "matchLabels" in selector or "matchExpressions" in selector


def equality_terms(selector: Mapping[str, Any]) -> Mapping[str, Any]:
    """The `key: value` terms of either shape (a Service map, or `matchLabels`): every match
    has these labels, so an index by label can narrow the candidates before matching."""
    return selector.get("matchLabels") or {} if _is_label_selector(selector) else selector


def _expression_matches(expr: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key = expr.get("key", "")
    op = expr.get("operator", "")
    values = expr.get("values") or []
    if op == "In":
        return key in labels and labels[key] in values
    if op == "NotIn":
        return key not in labels or labels[key] not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    # An unknown operator is rejected by the API server; treat it as matching nothing.
    return False


def selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """True when `labels` satisfy `selector` (a plain map or a LabelSelector)."""
    if _is_label_selector(selector):
        match_labels = selector.get("matchLabels") or {}
        exprs = selector.get("matchExpressions") or []
        return all(labels.get(k) == v for k, v in match_labels.items()) and all(
            _expression_matches(e, labels) for e in exprs
        )
    return all(labels.get(k) == v for k, v in selector.items())


def selector_mismatches(
    selector: Mapping[str, Any], labels: Mapping[str, str]
) -> list[str]:
    """Each term of `selector` that `labels` fail, in prose, for near-miss explanations."""
    out: list[str] = []
    for key, want in equality_terms(selector).items():
        if key not in labels:
            out.append(f"no label {key}")
        elif labels[key] != want:
            out.append(f"{key}={labels[key]} (want {want})")
    if _is_label_selector(selector):
        for expr in selector.get("matchExpressions") or []:
            if not _expression_matches(expr, labels):
                values = ",".join(expr.get("values") or [])
                have = labels.get(expr.get("key", ""), "<absent>")
                out.append(f"{expr.get('key')} {expr.get('operator')} [{values}] fails ({have})")
    return out


def describe_selector(selector: Mapping[str, Any]) -> str:
    """kubectl-style rendering: `app=web,tier in (a,b)`."""
    parts: list[str] = []
    parts.extend(f"{k}={v}" for k, v in equality_terms(selector).items())
    if _is_label_selector(selector):
        for e in selector.get("matchExpressions") or []:
            op = e.get("operator", "")
            if op in ("Exists", "DoesNotExist"):
                parts.append(("!" if op == "DoesNotExist" else "") + str(e.get("key")))
            else:
                vals = ",".join(e.get("values") or [])
                parts.append(f"{e.get('key')} {'in' if op == 'In' else 'notin'} ({vals})")
    return ",".join(parts) or "<everything>"


_SET_TERM = re.compile(r"^([^\s!=()]+)\s+(in|notin)\s+\(([^()]*)\)$")
_EQ_TERM = re.compile(r"^([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=(),]*)$")
_EXISTS_TERM = re.compile(r"^(!?)\s*([^\s!=()]+)$")


def parse_selector(text: str) -> dict[str, Any]:
    """A kubectl `-l` string as a LabelSelector, so typed selectors match like API ones.

    Raises ValueError naming the term it cannot read; an empty string selects everything.
    """
    match_labels: dict[str, str] = {}
    exprs: list[dict[str, Any]] = []
    for term in (t.strip() for t in re.split(r",(?![^()]*\))", text)):
        if not term:
            continue
        if m := _SET_TERM.match(term):
            values = [v.strip() for v in m.group(3).split(",") if v.strip()]
            exprs.append({"key": m.group(1), "operator": "In" if m.group(2) == "in" else "NotIn",
                          "values": values})
        elif m := _EQ_TERM.match(term):
            if m.group(2) == "!=":
                exprs.append({"key": m.group(1), "operator": "NotIn", "values": [m.group(3)]})
            else:
                match_labels[m.group(1)] = m.group(3)
        elif m := _EXISTS_TERM.match(term):
            exprs.append({"key": m.group(2),
                          "operator": "DoesNotExist" if m.group(1) else "Exists"})
        else:
            raise ValueError(f"cannot parse selector term {term!r}")
    return {"matchLabels": match_labels, "matchExpressions": exprs}
