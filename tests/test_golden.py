"""Golden output of the table and JSON renderers for three traces.

Run `pytest tests/test_golden.py --update-golden` after an intended output change and review
the diff of tests/golden/ like any other change.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from test_scenarios import REPO, SCENARIOS, run_scenario

from ingressdoc.hops.model import TraceResult
from ingressdoc.render.document import trace_document
from ingressdoc.render.table import Style, render_trace
from ingressdoc.request import parse_request
from ingressdoc.snapshot.manifests import load
from ingressdoc.trace.engine import trace

GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLE = REPO / "examples" / "shop"


def _example_shop() -> TraceResult:
    """The bundled demo (`make demo`), loaded from examples/ itself."""
    snapshot = load([str(EXAMPLE)])
    snapshot.source = snapshot.source.replace(str(REPO) + "/", "")
    snapshot.origins = {ref: replace(origin, source=origin.source.replace(str(REPO) + "/", ""))
                        for ref, origin in snapshot.origins.items()}
    return trace(snapshot, parse_request("shop.example.com/cart/items"))


CASES = {
    "healthy-http-live": lambda: run_scenario(SCENARIOS / "healthy-http-live"),
    "examples-shop": _example_shop,
    "netpol-namespace-name-label": lambda: run_scenario(SCENARIOS / "netpol-namespace-name-label"),
}


def _outputs(result: TraceResult) -> dict[str, str]:
    return {
        "table.txt": render_trace(result, Style(color=False, unicode=True)),
        "json": json.dumps(trace_document(result), indent=2, ensure_ascii=False) + "\n",
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, update_golden: bool) -> None:
    result = CASES[name]()
    assert str(REPO) not in result.source, "the source must be a stable relative path"
    for suffix, text in _outputs(result).items():
        assert str(REPO) not in text, "file names in the output must be stable relative paths"
        path = GOLDEN / f"{name}.{suffix}"
        if update_golden:
            GOLDEN.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            continue
        assert path.exists(), f"{path} missing: run pytest {__file__} --update-golden"
        assert text == path.read_text(encoding="utf-8"), (
            f"{path.name} differs from the renderer's output; if intended, rerun with "
            "--update-golden and review the diff"
        )


def test_example_scenario_tracks_the_bundled_example() -> None:
    """tests/scenarios/targetport-name-unresolved is examples/shop verbatim."""
    scenario = SCENARIOS / "targetport-name-unresolved" / "manifests.yaml"
    assert scenario.read_text() == (EXAMPLE / "shop.yaml").read_text()
