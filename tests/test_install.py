"""Installing like a tool: the version comes from the git tag, the console scripts kubectl
looks for exist, and `make krew` fills the krew manifest template with a checksummed archive."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

import ingressdoc

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_version_comes_from_the_package_metadata() -> None:
    from importlib.metadata import version

    assert ingressdoc.__version__ == version("ingressdoc") != "0.0.0"


@pytest.mark.parametrize("script", ["ingressdoc", "kubectl-ingressdoc",
                                    "kubectl_complete-ingressdoc"])
def test_console_scripts_are_installed(script: str) -> None:
    assert (BIN / script).is_file()


def test_make_krew_writes_a_manifest_for_its_archive(tmp_path: Path) -> None:
    proc = subprocess.run(["make", "-s", "krew", "REPOSITORY=https://example.com/o/ingressdoc"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    manifest = yaml.safe_load((ROOT / "dist" / "ingressdoc.yaml").read_text())
    assert manifest["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2"
    assert manifest["kind"] == "Plugin" and manifest["metadata"]["name"] == "ingressdoc"
    spec = manifest["spec"]
    (platform,) = spec["platforms"]
    archive = ROOT / "dist" / platform["uri"].rsplit("/", 1)[1]
    assert archive.name == f"kubectl-ingressdoc-{spec['version']}.tar.gz"
    assert f"/releases/download/{spec['version']}/" in platform["uri"]
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == platform["sha256"]
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == ["LICENSE", "kubectl-ingressdoc"]
        launcher = tar.extractfile("kubectl-ingressdoc")
        assert launcher is not None
        text = launcher.read().decode()
    assert platform["bin"] == "kubectl-ingressdoc" and "@" + "VERSION@" not in text
    assert "git+https://example.com/o/ingressdoc@v" in text
    script = tmp_path / "kubectl-ingressdoc"
    script.write_text(text)
    subprocess.run(["sh", "-n", str(script)], check=True)


def _workflow() -> dict[str, dict[str, object]]:
    import re

    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    block = re.search(r"## A complete GitHub Actions workflow.*?```yaml\n(.*?)```", text, re.S)
    assert block is not None
    steps = yaml.safe_load(block.group(1))["jobs"]["ingress"]["steps"]
    return {str(s.get("name", s.get("uses"))): s for s in steps}


def test_ci_workflow_works_as_written() -> None:
    """docs/ci.md: the kind config is written by the workflow, the controller is Traefik from
    its Helm chart serving class nginx, its pod exists before `kubectl wait`, and ingressdoc
    comes from the repository. (tests/cluster/test_ci_workflow.py runs the later steps.)"""
    steps = _workflow()
    names = list(steps)
    kind_config = str(steps["Write the kind config"]["run"])
    config = yaml.safe_load(kind_config.split("<<'EOF'\n", 1)[1].split("\nEOF", 1)[0])
    assert config["kind"] == "Cluster" and config["nodes"][0]["extraPortMappings"]
    assert steps["Create a kind cluster"]["with"]["config"] == "kind.yaml"  # type: ignore[index]
    assert names.index("Write the kind config") < names.index("Create a kind cluster")
    traefik = str(steps["Install Traefik"]["run"])
    assert "helm install traefik traefik/traefik" in traefik
    assert "providers.kubernetesIngressNginx.enabled=true" in traefik
    assert "controller: k8s.io/ingress-nginx" in traefik and "ingress-nginx/" not in traefik
    assert traefik.index("get pods") < traefik.index("kubectl -n traefik wait")
    # No release tag exists: the install step names the repository through a variable.
    assert steps["Install ingressdoc"]["run"] == (
        'pipx install "git+${{ vars.INGRESSDOC_REPOSITORY }}"')
    assert "--output-file report.xml" in str(steps["Check every Ingress"]["run"])


def test_make_demo_says_its_failure_is_expected() -> None:
    proc = subprocess.run(["make", "-s", "demo"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and "Error" not in proc.stderr
    assert "the demo finds the broken hop, as intended" in proc.stdout
