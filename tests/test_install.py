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
