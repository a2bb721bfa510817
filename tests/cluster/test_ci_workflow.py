"""docs/ci.md's workflow, as far as this machine allows: its install, apply and check steps
run against the test cluster, which stands in for the workflow's kind cluster with Traefik
serving class nginx (`make cluster-up` builds the same). Install is from this checkout
instead of the release tag; `-A` is narrowed to the test's namespace."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from cluster_harness import REPO_ROOT, Scenario, rewrite_images
from test_probe_and_check import broken_ingress
from test_trace_scenarios import app

FORMATS = ("table", "json", "yaml", "junit", "sarif", "github", "mermaid", "dot")


def workflow_steps() -> dict[str, dict[str, Any]]:
    text = (REPO_ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    block = re.search(r"## A complete GitHub Actions workflow.*?```yaml\n(.*?)```", text, re.S)
    assert block is not None
    workflow = yaml.safe_load(block.group(1))
    return {s["name"]: s for s in workflow["jobs"]["ingress"]["steps"] if "name" in s}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workflow's install step, pointed at this checkout."""
    install = workflow_steps()["Install ingressdoc"]["run"]
    assert re.fullmatch(r'pipx install "git\+\$\{\{ vars\.\w+ \}\}"', install.strip()), install
    venv = tmp_path_factory.mktemp("ci") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(REPO_ROOT)],
                   check=True, timeout=600)
    return venv / "bin" / "ingressdoc"


def check_argv(step: str, ingressdoc: Path, scenario: Scenario) -> list[str]:
    """The step's command with the scope and the cluster of this test."""
    words = shlex.split(step)
    assert words[:2] == ["ingressdoc", "check"] and "-A" in words, step
    words[words.index("-A")] = f"--namespace={scenario.namespace}"
    argv = [str(ingressdoc), *words[1:], "--kubeconfig", str(scenario.cluster.kubeconfig)]
    return argv + (["--context", scenario.cluster.context] if scenario.cluster.context else [])


def test_ci_workflow_steps(scenario: Scenario, installed: Path, tmp_path: Path) -> None:
    steps = workflow_steps()
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    docs = rewrite_images([d for d in yaml.safe_load_all(app(scenario)) if d],
                          scenario.cluster.image)
    (deploy / "app.yaml").write_text(yaml.safe_dump_all(docs))
    apply = shlex.split(steps["Apply the manifests"]["run"])
    assert apply == ["kubectl", "apply", "--recursive", "-f", "deploy/"]
    scenario.cluster.kubectl(*apply[1:-1], str(deploy), "-n", scenario.namespace)

    check = check_argv(steps["Check every Ingress"]["run"], installed, scenario)
    summary = tmp_path / "summary.md"
    proc = subprocess.run(check, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 0, proc.stderr
    report = ET.parse(tmp_path / "report.xml").getroot()
    assert report.tag == "testsuites" and report.get("failures") == "0"
    assert summary.read_text().startswith("## ingressdoc check: passed")

    scenario.apply(broken_ingress(f"b-{scenario.host}"))
    for fmt in FORMATS:
        argv = [a if a != "junit" else fmt for a in check if a not in ("--wait", "2m")]
        proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                              env={"PATH": "/usr/bin:/bin"})
        assert proc.returncode == 1, (fmt, proc.stderr)
        out = (tmp_path / "report.xml").read_text()
        assert "IDC401" in out, (fmt, out)
        if fmt in ("json", "sarif"):
            json.loads(out)
