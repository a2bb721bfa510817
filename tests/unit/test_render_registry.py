"""The render registry: every result type's renderers exist, and each format has one."""

from __future__ import annotations

import pytest

from ingressdoc.render import registry
from ingressdoc.render.registry import Format, Renderers

ALL = {"trace": registry.TRACE, "reach": registry.REACH, "check": registry.CHECK,
       "catalog": registry.CATALOG}


@pytest.mark.parametrize("renderers", ALL.values(), ids=list(ALL))
def test_every_renderer_resolves(renderers: Renderers[object]) -> None:
    for name in (renderers.table, renderers.document, *renderers.other.values()):
        module, function = name.split(":")
        assert callable(getattr(__import__(module, fromlist=[function]), function)), name


def test_every_format_is_written_by_some_result_type() -> None:
    assert {f for r in ALL.values() for f in r.formats} == set(Format)
