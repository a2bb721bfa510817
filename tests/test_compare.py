"""`ingressdoc compare` over Ingress/HTTPRoute pairs (tests/compare/<name>/: ingress.yaml,
routes.yaml, shared.yaml and expected.yaml with the exact set of `kind request` divergences,
each real for the controller the Ingress names: ingress-nginx unless the folder says)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from junitparser import Failure, JUnitXml
from typer.testing import CliRunner

from ingressdoc.cli import app
from ingressdoc.compare.requests import hosts_for, paths_for

PAIRS = Path(__file__).resolve().parent / "compare"
MIN_PAIRS = 10
runner = CliRunner()


def pair_dirs() -> list[Path]:
    return sorted(p for p in PAIRS.iterdir() if p.is_dir())


def invoke(d: Path, *extra: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["compare", "--ingress", str(d / "ingress.yaml"), "--routes",
                                 str(d / "routes.yaml"), "-f", str(d / "shared.yaml"), *extra])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("d", pair_dirs(), ids=lambda p: p.name)
def test_pair(d: Path) -> None:
    expected = yaml.safe_load((d / "expected.yaml").read_text(encoding="utf-8"))
    code, out, err = invoke(d, "-o", "json")
    doc = json.loads(out)
    got = sorted(f"{x['kind']} {c['request']}" for c in doc["divergences"]
                 for x in c["divergences"])
    assert got == sorted(expected["divergences"] or []), err
    assert doc["requests"] == expected["requests"]
    assert code == (1 if expected["divergences"] else 0)


def test_enough_pairs_and_most_diverge() -> None:
    dirs = pair_dirs()
    diverging = [d for d in dirs if yaml.safe_load(
        (d / "expected.yaml").read_text(encoding="utf-8"))["divergences"]]
    assert len(dirs) >= MIN_PAIRS and len(diverging) >= MIN_PAIRS


def test_junit_has_a_failure_per_divergent_request(tmp_path: Path) -> None:
    d = PAIRS / "ssl-redirect-dropped"
    code, out, _ = invoke(d, "-o", "junit")
    assert code == 1
    path = tmp_path / "compare.xml"
    path.write_text(out, encoding="utf-8")
    suite = next(iter(JUnitXml.fromfile(str(path))))
    failed = {case.name for case in suite if any(isinstance(r, Failure) for r in case.result)}
    expected = yaml.safe_load((d / "expected.yaml").read_text(encoding="utf-8"))
    assert failed == {line.split(" ", 1)[1] for line in expected["divergences"]}


def test_table_names_both_outcomes() -> None:
    code, out, _ = invoke(PAIRS / "ssl-redirect-dropped")
    assert code == 1
    assert "308 ->" in out and "shop/cart:80" in out
    assert "diverge" in out.splitlines()[-1]
    code, out, _ = invoke(PAIRS / "faithful-translation")
    assert code == 0 and "route the same" in out


def test_bad_input_is_one_line() -> None:
    result = runner.invoke(app, ["compare", "--ingress", "/nonexistent", "--routes",
                                 "/nonexistent", "-f", "/nonexistent"])
    assert result.exit_code == 3 and result.stderr.count("\n") == 1


def test_boundaries() -> None:
    assert hosts_for("*.example.com") == ["ingressdoc-check.example.com",
                                          "a.ingressdoc-check.example.com"]
    assert paths_for("/api", "Prefix") == ["/api", "/api/", "/api/ingressdoc-compare", "/apix",
                                           "/API"]
    assert paths_for("/v1(/|$)(.*)", "ImplementationSpecific") == ["/v1/"]


def test_a_live_side_gets_its_own_copy_with_the_other_side_removed() -> None:
    from ingressdoc.commands.compare import _side
    from ingressdoc.snapshot.manifests import load

    d = PAIRS / "faithful-translation"
    live = load([str(d / "ingress.yaml"), str(d / "routes.yaml"), str(d / "shared.yaml")])
    before = {k: len(v) for k, v in live.objects.items()}
    ing = _side("live", [], live, ("HTTPRoute", "GRPCRoute"))
    rts = _side(str(d / "routes.yaml"), [], live, ("Ingress",))
    assert ing.list("Ingress") and not ing.list("HTTPRoute")
    assert len(rts.list("HTTPRoute")) == 1 and not rts.list("Ingress")
    assert {k: len(v) for k, v in live.objects.items()} == before
