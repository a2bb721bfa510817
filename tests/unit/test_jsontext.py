"""The indented JSON writer gives the bytes `json.dumps(indent=2, default=str)` gives."""

from __future__ import annotations

import enum
import json
from collections import OrderedDict
from types import MappingProxyType
from typing import Any

import pytest

from ingressdoc.render.jsontext import Each, dumps_indented
from ingressdoc.render.registry import Format, dump


class Colour(str, enum.Enum):
    red = "red"


class Level(enum.IntEnum):
    high = 3


class Opaque:
    def __str__(self) -> str:
        return "opaque \u00e9"


DOCUMENTS: list[Any] = [
    None, True, False, 0, -7, 2**70, 1.5, 1e16, -0.0, float("nan"), float("inf"),
    float("-inf"), "", "plain", "quote \" backslash \\ newline \n tab \t", "caf\u00e9 \u2603 \U0001f600",
    [], {}, (), [[]], [{}], {"a": []}, {"a": {}},
    {"z": 1, "a": [1, "two", None, {"k": (3, 4)}], "nested": {"deep": {"deeper": [True, False]}}},
    {7: "int key", 2.5: "float key", True: "bool key", False: "false key", None: "none key",
     "s": "str key"},
    {Colour.red: Colour.red, "level": Level.high},
    OrderedDict([("b", 1), ("a", 2)]),
    {"proxy": MappingProxyType({"x": 1}), "object": Opaque(), "set": {1}},
    [1, [2, [3, [4, []]]], {"a": {"b": {"c": {}}}}],
]


@pytest.mark.parametrize("document", DOCUMENTS, ids=repr)
def test_same_text_as_json_dumps(document: Any) -> None:
    assert dumps_indented(document) == json.dumps(document, indent=2, default=str)


def test_keys_json_refuses_are_refused() -> None:
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None"):
        dumps_indented({(1, 2): "tuple key"})


@pytest.mark.parametrize("count", [0, 1, 500])
def test_each_writes_the_list_it_stands_for(count: int) -> None:
    items = list(range(count))
    element = lambda i: {"n": i, "s": [str(i)], "e": {}}  # noqa: E731
    document = {"head": 1, "results": Each(element, items), "tail": []}
    plain = {"head": 1, "results": [element(i) for i in items], "tail": []}
    assert dumps_indented(document) == json.dumps(plain, indent=2)
    assert dump(document, Format.yaml) == dump(plain, Format.yaml)
