"""The CLI contract: exit statuses, one-line errors on bad input, stdout carries results only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ingressdoc.cli import app
from ingressdoc.request import parse_request

ROOT = Path(__file__).resolve().parent.parent
SHOP = str(ROOT / "examples" / "shop")
runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_demo_finds_the_broken_cart_port() -> None:
    code, out, _ = run("trace", "shop.example.com/cart/items", "--manifests", SHOP)
    assert code == 1
    assert "IDC410" in out
    assert "Root cause (Pods)" in out


def test_healthy_path_exits_zero() -> None:
    code, out, _ = run("trace", "https://shop.example.com/api/catalog/items", "-f", SHOP, "-o",
                       "json")
    doc = json.loads(out)
    assert doc["request"] == {"scheme": "https", "host": "shop.example.com", "port": None,
                              "path": "/api/catalog/items"}
    assert {h["hop"] for h in doc["hops"]} >= {"controller", "rule", "service", "pods"}
    assert code == (1 if doc["verdict"] == "fail" else 0)


def test_fail_on_never_exits_zero() -> None:
    assert run("trace", "shop.example.com/cart", "-f", SHOP, "--fail-on", "never")[0] == 0


def test_yaml_output_is_the_json_document() -> None:
    import yaml

    _, out_json, _ = run("trace", "shop.example.com/cart", "-f", SHOP, "-o", "json")
    _, out_yaml, _ = run("trace", "shop.example.com/cart", "-f", SHOP, "-o", "yaml")
    assert yaml.safe_load(out_yaml) == json.loads(out_json)


@pytest.mark.parametrize("target", ["", "bad host/x", "*.example.com/", "ftp://x.example.com/",
                                    "http://x.example.com:99999/", "x..example.com/",
                                    "http://[::1"])
def test_malformed_requests_exit_3_with_one_line(target: str) -> None:
    code, out, err = run("trace", target, "-f", SHOP)
    assert code == 3, err
    assert out == ""
    assert err.startswith("ingressdoc: error: ") and err.count("\n") == 1


@pytest.mark.parametrize("text", [
    "a: [b\n", "- just\n- a list\n", "kind: Service\n", "{not json", "kind: 5\n",
    "kind: Service\nmetadata: x\n", "kind: Service\nmetadata: {name: s, labels: [a]}\n",
    "kind: Pod\nmetadata: {name: p}\nspec: [1]\n", "kind: List\nitems: {a: 1}\n",
])
def test_broken_manifests_exit_3(text: str) -> None:
    code, _, err = run("trace", "x.example.com/", "-f", "-", stdin=text)
    assert code == 3, err
    assert err.startswith("ingressdoc: error: <stdin>")
    assert "Traceback" not in err


def test_null_annotations_and_portless_containers_are_tolerated() -> None:
    doc = ("kind: Service\nmetadata: {name: web, annotations: null}\n"
           "spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}\n---\n"
           "kind: Pod\nmetadata: {name: web-1, labels: {app: web}}\n"
           "spec: {containers: [{name: c, ports: [{name: http}]}]}\n")
    code, out, err = run("trace", "x.example.com/", "-f", "-", stdin=doc)
    assert code == 1 and "IDC301" in out, err


def test_hex_host_names_are_names_and_ipv6_literals_are_addresses() -> None:
    out = run("trace", "cafe/", "-f", SHOP, "-o", "json")[1]
    assert "IDC104" not in out
    out = run("trace", "http://[2001:db8::1]/x", "-f", SHOP, "-o", "json")[1]
    assert "IDC104" in out


def test_the_query_string_is_part_of_the_request() -> None:
    # HTTPRoute queryParams matches see it, and a redirect's Location keeps it.
    req = parse_request("https://shop.example.com/search?animal=whale&empty=")
    assert (req.path, req.query) == ("/search", (("animal", "whale"), ("empty", "")))
    assert str(req) == "https://shop.example.com/search?animal=whale&empty="


def test_missing_manifest_path_exits_3() -> None:
    code, _, err = run("trace", "x.example.com/", "-f", "/nonexistent/dir")
    assert code == 3
    assert "no such file" in err


def test_empty_snapshot_is_bad_input() -> None:
    code, out, err = run("trace", "x.example.com/", "-f", "-", stdin="---\n# nothing\n")
    assert code == 3 and out == ""
    assert err == "ingressdoc: error: no Kubernetes objects in -\n"


def test_unknown_kinds_are_ignored() -> None:
    doc = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    code, out, _ = run("trace", "x.example.com/", "-f", "-", stdin=doc)
    assert code == 1 and "IDC301" in out


def test_unknown_kubeconfig_exits_3(tmp_path: Path) -> None:
    code, _, err = run("trace", "x.example.com/", "--kubeconfig", str(tmp_path / "nope"))
    assert code == 3
    assert "does not exist" in err


def kubeconfig(tmp_path: Path, server: str) -> Path:
    """A kubeconfig with one context `a` pointing at `server`."""
    cfg = tmp_path / "config"
    cfg.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
        f"clusters: [{{name: c, cluster: {{server: '{server}'}}}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: a, context: {cluster: c, user: u}}]\n")
    return cfg


def test_unknown_context_lists_the_known_ones(tmp_path: Path) -> None:
    cfg = kubeconfig(tmp_path, "https://127.0.0.1:1")
    code, _, err = run("trace", "x.example.com/", "--kubeconfig", str(cfg), "--context", "zzz")
    assert code == 3
    assert "unknown context 'zzz' (available: a)" in err


def test_unreachable_api_server_exits_4(tmp_path: Path) -> None:
    cfg = kubeconfig(tmp_path, "http://127.0.0.1:9")
    code, _, err = run("trace", "x.example.com/", "--kubeconfig", str(cfg),
                       "--request-timeout", "2")
    assert code == 4
    assert "cannot reach API server http://127.0.0.1:9" in err


def test_manifests_and_context_are_exclusive() -> None:
    assert run("trace", "x.example.com/", "-f", SHOP, "--context", "a")[0] == 2


@pytest.mark.parametrize("args", [
    ("--cluster-dns", "coredns.local"),
    ("--dns-server", "10.0.0.1:99999"),
    ("--cluster-dns", "10.96.0.10", "--no-dns"),
])
def test_dns_server_options_are_checked_first(args: tuple[str, ...]) -> None:
    code, out, err = run("trace", "x.example.com/", "-f", SHOP, *args)
    assert code == 2 and out == ""
    assert "--cluster-dns" in err or "--dns-server" in err


def test_explain_prints_a_page_and_rejects_unknown_codes() -> None:
    code, out, _ = run("explain", "IDC410")
    assert code == 0 and "targetport-name-unresolved" in out and "How to fix" in out
    assert run("explain", "targetport-name-unresolved")[1] == out
    assert run("explain", "IDC999")[0] == 2


def test_checks_lists_every_code() -> None:
    from ingressdoc.checks.catalog import entries

    out = run("checks")[1]
    assert all(e.code in out for e in entries() if not e.retired)


def test_snapshot_round_trip_keeps_findings_and_hides_keys(tmp_path: Path) -> None:
    saved = tmp_path / "snap.yaml"
    assert run("snapshot", "-f", SHOP, "--output-file", str(saved))[0] == 0
    before = run("trace", "shop.example.com/cart", "-f", SHOP, "-o", "json")[1]
    after = run("trace", "shop.example.com/cart", "-f", str(saved), "-o", "json")[1]
    def strip(node: Any) -> Any:
        """Without the source and the file:line origins, which name the file read."""
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("source", "origin")}
        return [strip(v) for v in node] if isinstance(node, list) else node

    assert strip(json.loads(before)) == strip(json.loads(after))


def test_module_entry_point_and_kubectl_plugin_name() -> None:
    out = subprocess.run([sys.executable, "-m", "ingressdoc", "version"], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip()
    bindir = Path(sys.executable).parent
    assert (bindir / "kubectl-ingressdoc").exists()
