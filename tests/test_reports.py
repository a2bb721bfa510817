"""Reports CI users read: SARIF and JUnit against their published schemas, links from every
code to its docs page, annotations on the offending field's line, the step summary, and the
Mermaid and DOT pictures checked by Mermaid's parser and rendered by Graphviz."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import jsonschema
import pytest
import xmlschema
import yaml
from test_scenarios import run_scenario, scenario_dirs
from typer.testing import CliRunner

from ingressdoc.checks.catalog import BY_CODE, entries
from ingressdoc.cli import app
from ingressdoc.snapshot.fieldlines import field_line

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "tests" / "schemas"
SHOP = str(ROOT / "examples" / "shop")
MIXED = str(ROOT / "tests" / "fixtures" / "check")
LIVE = str(ROOT / "tests" / "scenarios" / "endpoints-none-ready" / "manifests.yaml")
MERMAID = ROOT / "tests" / "mermaid"
IN_CI = os.environ.get("CI") == "true"


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def _tool_missing(what: str) -> None:
    """Outside CI a missing tool skips; CI installs it (cluster/setup.sh, make test)."""
    if IN_CI:
        pytest.fail(f"{what} is missing in CI")
    pytest.skip(f"{what} is not installed")


def _sarif(*args: str) -> dict[str, object]:
    code, out, _ = invoke("check", *args, "-o", "sarif")
    assert code == 1
    log = json.loads(out)
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    return dict(log)


@pytest.mark.parametrize("source", [SHOP, MIXED, LIVE], ids=["shop", "mixed", "live"])
def test_sarif_results_all_have_a_physical_location(source: str) -> None:
    (run,) = _sarif("-f", source)["runs"]  # type: ignore[misc]
    assert run["results"]
    for result in run["results"]:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] and physical["region"]["startLine"] >= 1
    assert all(rule["helpUri"].startswith("https://") for rule in run["tool"]["driver"]["rules"])


def test_sarif_live_objects_get_a_stable_synthetic_artifact() -> None:
    (run,) = _sarif("-f", LIVE)["runs"]  # type: ignore[misc]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert all(re.fullmatch(r"kubernetes/[^/]+/[A-Za-z]+/[^/]+\.yaml", uri) for uri in uris), uris
    (again,) = _sarif("-f", LIVE)["runs"]  # type: ignore[misc]
    assert again["results"] == run["results"]


def test_junit_is_valid_for_jenkins_schema() -> None:
    schema = xmlschema.XMLSchema(str(SCHEMAS / "jenkins-junit-10.xsd"))
    for source in (SHOP, MIXED, LIVE):
        _, out, _ = invoke("check", "-f", source, "-o", "junit")
        schema.validate(out)
        assert 'skipped' not in out.split("<testsuite ")[0]


def test_explain_links_to_the_docs_section() -> None:
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line[3:].lower()).replace(" ", "-")
        for line in (ROOT / "docs" / "findings.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    }
    for entry in entries():
        assert entry.help_uri.split("#")[1] in headings, entry.code
    code, out, _ = invoke("explain", "IDC410")
    assert code == 0
    assert out.splitlines()[-1] == f"Docs: {BY_CODE['IDC410'].help_uri}"


def test_every_report_links_codes_to_their_page() -> None:
    uri = BY_CODE["IDC410"].help_uri
    assert f"docs: {uri}" in invoke("trace", "shop.example.com/cart", "-f", SHOP)[1]
    assert json.loads(invoke("trace", "shop.example.com/cart", "-f", SHOP, "-o", "json")[1])[
        "rootCause"]["finding"]["docs"] == uri
    for fmt in ("table", "junit", "github", "json"):
        assert uri in invoke("check", "-f", SHOP, "-o", fmt)[1], fmt


def test_explain_names_the_hop_that_raises_each_code() -> None:
    raised: dict[str, set[str]] = defaultdict(set)
    for directory in scenario_dirs():
        for hop in run_scenario(directory).hops:
            for f in hop.findings:
                raised[f.code].add(hop.hop)
    assert len(raised) > 40
    wrong = {code: (BY_CODE[code].hop, sorted(hops)) for code, hops in raised.items()
             if BY_CODE[code].hop not in ("any", "probe") and hops != {BY_CODE[code].hop}}
    assert not wrong, wrong


SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations: {kubernetes.io/description: x}
spec:
  selector: {app: web}
  ports:
    - name: http
      port: 80
      targetPort: web
status:
  conditions:
    - type: Ready
"""
DEPLOYMENT = """\
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: app
          ports: [{name: http, containerPort: 8080}]
"""


@pytest.mark.parametrize(("text", "field", "line"), [
    (SERVICE, "spec.ports[0].targetPort", 11),
    (SERVICE, "spec.ports[http].targetPort", 11),
    (SERVICE, "spec.ports[].port", 10),
    (SERVICE, "status.conditions[Ready]", 14),
    (SERVICE, "spec.selector", 7),
    (SERVICE, "spec.ports[9].targetPort", 8),  # the deepest part present
    (SERVICE, "metadata.annotations.kubernetes.io/description", 5),
    (DEPLOYMENT, "spec.containers[app].ports", 7),  # a pod from the workload's template
    (SERVICE, "nothing.here", None),
])
def test_field_lines(text: str, field: str, line: int | None) -> None:
    assert field_line(yaml.compose(text), field) == line


def test_github_annotation_points_at_the_offending_field() -> None:
    _, out, _ = invoke("check", "-f", SHOP, "-o", "github")
    (annotation,) = [line for line in out.splitlines() if line.startswith("::error")]
    line = int(re.search(r",line=(\d+),", annotation).group(1))  # type: ignore[union-attr]
    manifest = (ROOT / "examples" / "shop" / "shop.yaml").read_text().splitlines()
    assert "ports: [{name: web, containerPort: 8080}]" in manifest[line - 1]
    _, out, _ = invoke("check", "-f", MIXED, "-o", "github", "--fail-on", "warning")
    mixed = (ROOT / "tests" / "fixtures" / "check" / "mixed.yaml").read_text().splitlines()
    lines = {m.group(2): int(m.group(1)) for m in re.finditer(r",line=(\d+),title=(IDC\d+)", out)}
    assert mixed[lines["IDC206"] - 1].strip() == "kubernetes.io/ingress.class: nginx"
    assert "backend: {service: {name: " in mixed[lines["IDC401"] - 1]


def test_check_writes_the_step_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    code, _, _ = invoke("check", "-f", SHOP, "-o", "junit",
                        env={"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text()
    assert code == 1 and text.startswith("earlier step\n## ingressdoc check: FAILED")
    assert f"[IDC410]({BY_CODE['IDC410'].help_uri})" in text and "```mermaid" in text
    invoke("check", "-f", SHOP, env={"GITHUB_STEP_SUMMARY": ""})


GRAPHS = [("trace", "shop.example.com/cart", "-f", SHOP), ("trace", "shop.example.com/", "-f", SHOP),
          ("check", "-f", SHOP), ("check", "-f", MIXED), ("check", "-f", LIVE)]


@pytest.mark.parametrize("args", GRAPHS, ids=lambda a: f"{a[0]}-{Path(a[-1]).name}")
def test_dot_renders_with_graphviz(args: tuple[str, ...]) -> None:
    dot = shutil.which("dot")
    if dot is None:
        _tool_missing("Graphviz (dot)")
    _, out, _ = invoke(*args, "-o", "dot")
    svg = subprocess.run([str(dot), "-Tsvg"], input=out, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    if "FAIL" in invoke(*args)[1] or "BROKEN" in invoke(*args)[1]:
        assert 'stroke="#dc3545"' in svg  # the broken edge is red


def test_trace_graph_marks_the_failing_edge() -> None:
    _, out, _ = invoke("trace", "shop.example.com/cart", "-f", SHOP, "-o", "mermaid")
    ids = dict(re.findall(r"^\s+(n\d+)\[\"(\w[\w ]*):", out, re.M))
    (marked,) = [line.split() for line in out.splitlines() if "==>" in line]
    assert marked[1] == '==>|"IDC410"|' and ids[marked[2]] == "Pods"
    _, out, _ = invoke("trace", "shop.example.com/cart", "-f", SHOP, "-o", "dot")
    assert 'label="IDC410", penwidth=3' in out


@pytest.mark.parametrize("args", GRAPHS, ids=lambda a: f"{a[0]}-{Path(a[-1]).name}")
def test_mermaid_is_accepted_by_mermaids_parser(args: tuple[str, ...]) -> None:
    node = shutil.which("node")
    if node is None or not (MERMAID / "node_modules" / "mermaid").is_dir():
        _tool_missing("Mermaid's parser (make mermaid-parser)")
    _, out, _ = invoke(*args, "-o", "mermaid")
    proc = subprocess.run([str(node), str(MERMAID / "parse.mjs")], input=out,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "flowchart-v2"
