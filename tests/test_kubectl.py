"""kubectl's conventions: KUBECONFIG lists merged by the client, -n and kubectl's resource
forms, -h and --version, -o as a format everywhere, and completion for `kubectl ingressdoc`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from ingressdoc import __version__
from ingressdoc.cli import app
from ingressdoc.reach.parse import ClientSpec, TargetSpec, parse_client, parse_target
from ingressdoc.snapshot.live import LiveSource

ROOT = Path(__file__).resolve().parents[1]
SHOP = str(ROOT / "examples" / "shop")
COMPLETE = Path(sys.executable).parent / "kubectl_complete-ingressdoc"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def write_kubeconfig(path: Path, context: str, server: str, namespace: str | None = None) -> Path:
    ns = f", namespace: {namespace}" if namespace else ""
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"current-context: {context}\n"
        f"clusters: [{{name: {context}-cluster, cluster: {{server: '{server}'}}}}]\n"
        f"users: [{{name: {context}-user, user: {{token: t}}}}]\n"
        f"contexts: [{{name: {context}, context: {{cluster: {context}-cluster, "
        f"user: {context}-user{ns}}}}}]\n")
    return path


@pytest.fixture
def two_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    first = write_kubeconfig(tmp_path / "first", "one", "http://127.0.0.1:1")
    second = write_kubeconfig(tmp_path / "second", "two", "http://127.0.0.1:9", "shop")
    monkeypatch.setenv("KUBECONFIG", f"{first}:{second}")
    return first, second


def test_kubeconfig_list_is_merged(two_files: tuple[Path, Path]) -> None:
    source = LiveSource.connect(None, "two", 1.0)
    assert (source.context, source.server, source.namespace) == ("two", "http://127.0.0.1:9",
                                                                 "shop")
    current = LiveSource.connect(None, None, 1.0)  # the first file's current-context wins
    assert (current.context, current.server) == ("one", "http://127.0.0.1:1")


def test_context_from_the_second_file(two_files: tuple[Path, Path]) -> None:
    code, _, err = run("trace", "x.example.com/", "--context", "two", "--request-timeout", "1",
                       "--no-dns")
    assert code == 4, err
    assert "cannot reach API server http://127.0.0.1:9" in err
    code, _, err = run("trace", "x.example.com/", "--context", "three", "--no-dns")
    assert code == 3 and "unknown context 'three' (available: one, two)" in err


def test_kubeconfig_list_skips_missing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    second = write_kubeconfig(tmp_path / "second", "two", "http://127.0.0.1:9")
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'gone'}:{second}")
    assert LiveSource.connect(None, None, 1.0).context == "two"
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'gone'}:{tmp_path / 'also-gone'}")
    code, _, err = run("trace", "x.example.com/", "--no-dns")
    assert code == 3 and "no file of KUBECONFIG=" in err


def test_help_and_version() -> None:
    assert run("-h")[1] == run("--help")[1]
    assert "trace [OPTIONS] {HOST/PATH}" in run("trace", "-h")[1]
    assert run("--version")[1] == run("version")[1] == f"{__version__}\n"


@pytest.mark.parametrize(("text", "expected"), [
    ("po/web-1", ClientSpec("po/web-1", "pod", "shop", "web-1")),
    ("pod/web-1", ClientSpec("pod/web-1", "pod", "shop", "web-1")),
    ("deploy/web", ClientSpec("deploy/web", "workload", "shop", "web", workload_kind="Deployment")),
    ("deployments/web", ClientSpec("deployments/web", "workload", "shop", "web",
                                   workload_kind="Deployment")),
    ("sts/db", ClientSpec("sts/db", "workload", "shop", "db", workload_kind="StatefulSet")),
    ("other/web-1", ClientSpec("other/web-1", "pod", "other", "web-1")),
])
def test_kubectl_resource_forms_for_from(text: str, expected: ClientSpec) -> None:
    assert parse_client(text, None, "shop") == expected


def test_kubectl_resource_forms_default_to_the_default_namespace() -> None:
    assert parse_client("deploy/web").namespace == "default"
    assert parse_target("svc/api").namespace == "default"


@pytest.mark.parametrize(("text", "expected"), [
    ("svc/cart", TargetSpec("svc/cart", "cart", "shop", None)),
    ("service/cart:http", TargetSpec("service/cart:http", "cart", "shop", "http")),
    ("payments/api:80", TargetSpec("payments/api:80", "api", "payments", 80)),
])
def test_kubectl_resource_forms_for_to(text: str, expected: TargetSpec) -> None:
    assert parse_target(text, None, "shop") == expected


def test_reach_namespace_defaults_from_and_to() -> None:
    short = run("reach", "-f", SHOP, "-n", "shop", "deploy/storefront", "svc/cart", "-o", "json")
    full = run("reach", "-f", SHOP, "shop/deployment/storefront", "shop/cart", "-o", "json")
    assert short[0] == full[0] == 1

    def outline(out: str) -> list[tuple[str, str, list[tuple[str, object]]]]:
        return [(h["hop"], h["status"], [(f["code"], f["object"]) for f in h["findings"]])
                for h in json.loads(out)["hops"]]

    assert outline(short[1]) == outline(full[1])
    assert json.loads(short[1])["verdict"] == json.loads(full[1])["verdict"] == "blocked"


def test_trace_namespace_warns_when_another_namespace_serves() -> None:
    code, _, err = run("trace", "shop.example.com/cart", "-f", SHOP, "-n", "shop")
    assert code == 1 and err == ""
    _, _, err = run("trace", "shop.example.com/cart", "-f", SHOP, "-n", "web")
    assert err == ("ingressdoc: warning: the request is served by Ingress shop/shop, "
                   "not by an Ingress in namespace web\n")


def test_snapshot_output_is_a_format(tmp_path: Path) -> None:
    code, out, _ = run("snapshot", "-f", SHOP, "-o", "json")
    assert code == 0 and json.loads(out)["kind"] == "List"
    saved = tmp_path / "snap.json"
    assert run("snapshot", "-f", SHOP, "-o", "json", "--output-file", str(saved))[0] == 0
    assert "IDC410" in run("trace", "shop.example.com/cart", "-f", str(saved))[1]
    code, _, err = run("snapshot", "-f", SHOP, "-o", "snap.yaml")
    assert code == 2 and "'snap.yaml' is not a format (yaml, json); write the snapshot to a file " \
        "with --output-file PATH" in err


# Completion


class _FakeAPI(BaseHTTPRequestHandler):
    """Just enough of an API server for completion: namespaces and Ingresses."""

    LISTS: ClassVar[dict[str, list[dict[str, Any]]]] = {
        "/api/v1/namespaces": [{"metadata": {"name": "shop"}}, {"metadata": {"name": "web"}}],
        "/apis/networking.k8s.io/v1/ingresses": [{
            "metadata": {"name": "shop", "namespace": "shop"},
            "spec": {"rules": [{"host": "shop.example.com",
                                "http": {"paths": [{"path": "/cart"}, {"path": "/api"}]}},
                               {"host": "*.example.com"}]}}],
    }

    def do_GET(self) -> None:
        items = self.LISTS.get(self.path.split("?")[0])
        body = json.dumps({"items": items or [], "metadata": {}}).encode()
        self.send_response(200 if items is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Path]:
    server = HTTPServer(("127.0.0.1", 0), _FakeAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    first = write_kubeconfig(tmp_path / "first", "kind-dev", f"http://127.0.0.1:{server.server_port}")
    second = write_kubeconfig(tmp_path / "second", "prod", "http://127.0.0.1:9")
    yield Path(f"{first}:{second}")
    server.shutdown()


def complete(*words: str, kubeconfig: Path | None = None) -> list[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    if kubeconfig:
        env["KUBECONFIG"] = str(kubeconfig)
    proc = subprocess.run([str(COMPLETE), *words], capture_output=True, text=True, env=env,
                          timeout=60, check=True)
    assert proc.stderr == ""
    return proc.stdout.splitlines()


def test_kubectl_complete_script_is_installed() -> None:
    assert COMPLETE.is_file()


def test_complete_subcommands_and_options() -> None:
    assert complete("") == ["check", "checks", "compare", "explain", "reach", "snapshot", "trace",
                            "version", ":4"]
    assert complete("tr") == ["trace", ":4"]
    assert {"--namespace", "--context", "--output", ":4"} <= set(complete("trace", "--"))
    assert complete("trace", "-o", "") == ["table", "json", "yaml", "mermaid", "dot", ":4"]
    assert complete("explain", "IDC41") == ["IDC410", "IDC411", "IDC412", ":4"]
    assert complete("snapshot", "-o", "") == ["yaml", "json", ":4"]
    assert complete("reach", "-o", "") == ["table", "json", "yaml", ":4"]
    assert complete("check", "--fail-on", "") == ["error", "warning", "info", "never", ":4"]
    assert complete("check", "-f", "") == [":0"]  # file names: the shell's own completion


def test_complete_contexts_namespaces_and_hosts(api: Path) -> None:
    assert complete("trace", "--context", "", kubeconfig=api) == ["kind-dev", "prod", ":4"]
    assert complete("check", "-n", "", kubeconfig=api) == ["shop", "web", ":4"]
    assert complete("trace", "shop", kubeconfig=api) == [
        "shop.example.com", "shop.example.com/api", "shop.example.com/cart", ":4"]
    assert complete("check", "--host", "", kubeconfig=api) == ["shop.example.com", ":4"]
    assert complete("reach", "", kubeconfig=api) == ["ingress-controller", "shop/", "web/", ":4"]


def test_complete_hosts_from_manifests_and_nothing_without_a_cluster() -> None:
    assert complete("trace", "-f", SHOP, "shop.example.com/c") == ["shop.example.com/cart", ":4"]
    assert complete("trace", "--context", "prod", "") == [":4"]


def typer_complete(line: str, env: dict[str, str] | None = None) -> list[str]:
    words = line.split(" ")
    proc = subprocess.run([str(COMPLETE.parent / "ingressdoc")], capture_output=True, text=True,
                          env={"_INGRESSDOC_COMPLETE": "complete_bash", "COMP_WORDS": line,
                               "COMP_CWORD": str(len(words) - 1), **(env or {})}, timeout=60)
    return proc.stdout.split()


def test_typer_completion_uses_the_same_values(api: Path) -> None:
    assert typer_complete("ingressdoc explain IDC41") == ["IDC410", "IDC411", "IDC412"]
    assert typer_complete("ingressdoc trace -o ") == ["table", "json", "yaml", "mermaid", "dot"]
    assert typer_complete("ingressdoc check --context ", {"KUBECONFIG": str(api)}) == [
        "kind-dev", "prod"]
    assert typer_complete(f"ingressdoc trace -f {SHOP} shop.example.com/c") == [
        "shop.example.com/cart"]


class _Throttling(BaseHTTPRequestHandler):
    """Answers 429 with Retry-After twice, as API Priority and Fairness does, then a list."""

    calls: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.calls.append(self.path)
        throttled = len(self.calls) <= 2
        body = b'{"kind":"Status"}' if throttled else b'{"items": [], "metadata": {}}'
        self.send_response(429 if throttled else 200)
        if throttled:
            self.send_header("Retry-After", "3")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_retry_after_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ingressdoc.snapshot.live as live

    server = HTTPServer(("127.0.0.1", 0), _Throttling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    slept: list[float] = []
    monkeypatch.setattr(live.time, "sleep", slept.append)
    try:
        cfg = write_kubeconfig(tmp_path / "config", "a", f"http://127.0.0.1:{server.server_port}")
        source = LiveSource.connect(str(cfg), None, 5.0)
        assert source.list_objects(live.Read("Namespace")) == []
    finally:
        server.shutdown()
    assert len(_Throttling.calls) == 3 and slept == [3.0, 3.0]


def test_kubectl_completes_the_plugin_through_the_script() -> None:
    """kubectl's own completion (`kubectl __complete`, what the shell calls) finds
    kubectl_complete-ingressdoc on the PATH and passes its answer on."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    env = {"PATH": f"{COMPLETE.parent}:{Path(kubectl).parent}", "HOME": "/nonexistent"}
    proc = subprocess.run([kubectl, "__complete", "ingressdoc", "trace", "-f", SHOP,
                           "shop.example.com/c"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.stdout.splitlines() == ["shop.example.com/cart", ":4"], proc.stderr
