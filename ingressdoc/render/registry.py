"""Every output format, and for each result type the renderers it is written with.

One `Format` enum for the whole tool and one dispatch (`Renderers.render`): a new format is a
renderer module plus an entry here; a new result type (a comparison, say) is one more
`Renderers`. Every result has a table and a JSON/YAML document; `check` has CI formats too.
Renderers are named "module:function" and imported when used, so `--help` stays fast.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ingressdoc.check.report import CheckReport
    from ingressdoc.checks.catalog import Entry
    from ingressdoc.compare.run import CompareReport
    from ingressdoc.hops.model import TraceResult
    from ingressdoc.reach.model import ReachResult

R = TypeVar("R")


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    yaml = "yaml"
    junit = "junit"
    sarif = "sarif"
    github = "github"
    mermaid = "mermaid"
    dot = "dot"


@dataclass(frozen=True)
class Renderers(Generic[R]):
    """How one result type is written: `table` and `document` (the JSON/YAML contract) as
    "module:function", and any other text formats."""

    table: str
    document: str
    other: Mapping[Format, str] = field(default_factory=dict)

    @property
    def formats(self) -> tuple[Format, ...]:
        return (Format.table, Format.json, Format.yaml, *self.other)

    def render(self, result: R, fmt: Format) -> str:
        if fmt is Format.table:
            return str(_load(self.table)(result))
        if fmt in (Format.json, Format.yaml):
            return dump(_load(self.document)(result), fmt)
        return str(_load(self.other[fmt])(result))


def _load(name: str) -> Callable[[Any], Any]:
    module, function = name.split(":")
    loaded: Callable[[Any], Any] = getattr(import_module(module), function)
    return loaded


def dump(document: object, fmt: Format) -> str:
    if fmt is Format.json:
        from ingressdoc.render.jsontext import dumps_indented

        return dumps_indented(document, end="\n")
    import yaml

    from ingressdoc.render.jsontext import Each

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(Each, lambda dumper, each: dumper.represent_list(list(each)))
    return str(yaml.dump(document, Dumper=Dumper, sort_keys=False, default_flow_style=False))


TRACE: Renderers[TraceResult] = Renderers(
    "ingressdoc.render.table:render_trace", "ingressdoc.render.document:trace_document", {
        Format.mermaid: "ingressdoc.render.mermaid:render_trace_mermaid",
        Format.dot: "ingressdoc.render.dot:render_trace_dot",
    })
REACH: Renderers[ReachResult] = Renderers(
    "ingressdoc.render.reach:render_reach", "ingressdoc.render.reach:reach_document")
CHECK: Renderers[CheckReport] = Renderers(
    "ingressdoc.render.check:render_check", "ingressdoc.render.check:check_document", {
        Format.junit: "ingressdoc.render.junit:render_junit",
        Format.sarif: "ingressdoc.render.sarif:render_sarif",
        Format.github: "ingressdoc.render.github:render_github",
        Format.mermaid: "ingressdoc.render.mermaid:render_check_mermaid",
        Format.dot: "ingressdoc.render.dot:render_check_dot",
    })
COMPARE: Renderers[CompareReport] = Renderers(
    "ingressdoc.render.compare:render_table", "ingressdoc.render.compare:document",
    {Format.junit: "ingressdoc.render.compare:render_junit"})
CATALOG: Renderers[Sequence[Entry]] = Renderers(
    "ingressdoc.render.catalog:catalog_table", "ingressdoc.render.catalog:catalog_document")
