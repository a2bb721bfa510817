"""Hostile and broken input: one line on stderr and an input or usage status, never an
internal error, and bounded in time and memory.

The fixed reproducers in tests/fixtures/hostile/ each broke a run once (a traceback, minutes
of CPU or gigabytes of memory); the property-based tests mutate a healthy example with a
fixed example budget and seed, so the unit tier stays fast and repeatable.
"""

from __future__ import annotations

import copy
import json
import resource
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from fakeapi import FakeApi, serve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ingressdoc.cli import app
from ingressdoc.hops import netpol
from ingressdoc.request import parse_request
from ingressdoc.snapshot.manifests import load
from ingressdoc.trace.engine import trace

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
SHOP = ROOT / "examples" / "shop" / "shop.yaml"
SHOP_DOCS: list[dict[str, Any]] = [d for d in yaml.safe_load_all(SHOP.read_text()) if d]
FIXED = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow])
runner = CliRunner()


def invoke(args: list[str], stdin: bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def assert_refused(code: int, err: str, allowed: tuple[int, ...] = (2, 3)) -> None:
    assert code in allowed, (code, err)
    assert "internal error" not in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) <= 2, err  # typer's usage hint is a second line


@pytest.mark.parametrize("path", sorted(HOSTILE.iterdir()), ids=lambda p: p.name)
def test_reproducer_is_refused_with_one_line(path: Path) -> None:
    started = time.perf_counter()
    code, out, err = invoke(["trace", "shop.example.com/", "-f", "-"], path.read_bytes())
    assert_refused(code, err, (3,))
    assert err.startswith("ingressdoc: error: <stdin>")
    assert out == ""
    assert time.perf_counter() - started < 10


def test_alias_bomb_stays_within_time_and_memory() -> None:
    """In a child process, so its peak memory is measured alone."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ingressdoc", "trace", "h/", "-f",
         str(HOSTILE / "alias-bomb-pathtype.yaml")],
        capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 3, proc.stderr
    assert time.perf_counter() - started < 10
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kb < 300 * 1024 or peak_kb == before, peak_kb


@pytest.mark.parametrize("args", [
    ["trace", "h/", "--request-timeout", "0"],
    ["trace", "h/", "--request-timeout", "-1"],
    ["trace", "h/", "--request-timeout", "nan"],
    ["trace", "h/", "--request-timeout", "inf"],
    ["trace", "h/", "--timeout", "nan"],
    ["check", "--request-timeout", "0"],
    ["reach", "a/b", "c/d", "--timeout", "nan"],
    ["snapshot", "--request-timeout", "-0.5"],
], ids=" ".join)
def test_time_limits_must_be_positive_and_finite(args: list[str]) -> None:
    code, _, err = invoke(args)
    assert code == 2
    assert "Invalid value for '--" in err


NESTED = b"a: " + b"[" * 500 + b"]" * 500 + b"\n"


@pytest.mark.parametrize("text", [b"{{{ not yaml\n\t:", b"- 1\n- 2\n", b"clusters: 5\n",
                                  b"just a string", b"\xff\xfe", NESTED])
def test_a_kubeconfig_that_is_not_one_is_an_input_error(tmp_path: Path, text: bytes) -> None:
    config = tmp_path / "config"
    config.write_bytes(text)
    code, _, err = invoke(["trace", "h/", "--kubeconfig", str(config)])
    assert_refused(code, err, (3,))
    assert "cannot load kubeconfig" in err


@pytest.mark.parametrize("text", [NESTED, (HOSTILE / "alias-bomb-pathtype.yaml").read_bytes(),
                                  b"a: 1\n---\nb: 2\n", b"\xff"])
def test_a_broken_check_configuration_is_an_input_error(
        text: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".ingressdoc.yaml").write_bytes(text)
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke(["check", "-f", str(SHOP)])
    assert_refused(code, err, (3,))
    assert ".ingressdoc.yaml" in err


@pytest.mark.parametrize("target", ["shop/cart:²", "cart.shop:²", "shop.example.com:²/x",
                                    "shop/cart:١٢"])
def test_non_ascii_digits_are_not_ports(target: str) -> None:
    code, _, err = invoke(["reach", "shop/frontend", target, "-f", str(SHOP)])
    assert_refused(code, err, (3,))


def test_snapshot_to_an_unwritable_path_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke(["snapshot", "-f", str(SHOP), "--output-file",
                           str(tmp_path / "no" / "x")])
    assert_refused(code, err, (2,))
    assert "cannot write" in err


def test_a_raising_leaf_hop_is_an_internal_error_finding(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """IDC001: what remains when a hop has a bug, now that typed input cannot cause one."""
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(netpol, "check", broken)
    result = trace(load([str(SHOP)]), parse_request("shop.example.com/cart/items"))
    hop = next(h for h in result.hops if h.hop == "netpol")
    assert [f.code for f in hop.findings] == ["IDC001"]
    assert "RuntimeError: boom" in hop.findings[0].message


# ------------------------------------------------------------------ property-based fuzzing

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=True)
    | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                  max_size=3),
    max_leaves=6)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, Mapping):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_shop(draw: st.DrawFn) -> str:
    """The shop example with a few fields replaced by values of any type."""
    docs = copy.deepcopy(SHOP_DOCS)
    for _ in range(draw(st.integers(1, 3))):
        doc = draw(st.sampled_from(docs))
        path = draw(st.sampled_from(_paths(doc)))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = draw(VALUES)
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}, default=str)


COMMANDS = [
    ["trace", "shop.example.com/cart/items", "-o", "json"],
    ["check", "-o", "json"],
    ["reach", "shop/frontend", "shop/cart"],
]


@FIXED
@given(text=mutated_shop(), command=st.sampled_from(COMMANDS))
def test_fields_of_any_type_never_crash(text: str, command: list[str]) -> None:
    code, _, err = invoke([*command, "-f", "-"], text.encode())
    assert code in (0, 1, 3), (code, err)
    assert "internal error" not in err, err


@FIXED
@given(data=st.data())
def test_damaged_text_never_crashes(data: st.DataObject) -> None:
    text = SHOP.read_bytes()
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 20))
    noise = data.draw(st.binary(max_size=12))
    code, _, err = invoke(["trace", "shop.example.com/cart/items", "-f", "-"],
                          text[:at] + noise + text[at + cut:])
    assert code in (0, 1, 3), (code, err)
    assert "internal error" not in err, err


class _BrokenApi(FakeApi):
    def __init__(self, body: object) -> None:
        super().__init__([], set())
        self.body = body

    def answer(self, path: str) -> tuple[int, Any]:
        return 200, self.body


@pytest.mark.parametrize("body", ["a JSON string", [1, 2], {"items": [1, 2]},
                                  {"items": "x"}])
def test_an_api_server_answering_garbage_is_a_cluster_error(body: object,
                                                            tmp_path: Path) -> None:
    with serve(_BrokenApi(body), tmp_path) as kubeconfig:
        code, _, err = invoke(["check", "-A", "--kubeconfig", kubeconfig])
    assert_refused(code, err, (4,))


@FIXED
@given(header=st.dictionaries(st.sampled_from(["kinds", "scopes", "source", "live",
                                               "createdAt", "context"]), VALUES, max_size=4)
       | VALUES)
def test_a_saved_snapshot_header_of_any_shape_never_crashes(header: Any) -> None:
    doc = {"apiVersion": "v1", "kind": "List", "ingressdocSnapshot": header,
           "items": SHOP_DOCS}
    code, _, err = invoke(["trace", "shop.example.com/cart/items", "-f", "-"],
                          json.dumps(doc, default=str).encode())
    assert code in (0, 1, 3), (code, err)
    assert "internal error" not in err, err
