"""What the live source asks the API server for: never a LIST of Secrets or ConfigMaps, only
the TLS Secrets Ingresses name and the cluster DNS's ConfigMaps, by name; and without the
TLS reader role the same verdicts, with the TLS hop not checked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from certgen import make_cert
from fakeapi import FakeApi, serve
from typer.testing import CliRunner

from ingressdoc.cli import app
from ingressdoc.snapshot.kinds import KINDS
from ingressdoc.snapshot.manifests import load

ROOT = Path(__file__).resolve().parents[2]
HOST = "shop.example.com"
PAIR = make_cert(cn=HOST, sans=(HOST,))
READER = {(info.plural, "list") for info in KINDS.values() if info.listed}
TLS_READER = {("secrets", "get")}
DNS_CONFIG_READER = {("configmaps", "get")}
DNS_CONFIGMAPS = {"coredns", "node-local-dns", "nodelocaldns"}
runner = CliRunner()


def b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def cluster() -> list[Mapping[str, Any]]:
    """The shop example as a live cluster holds it, its Ingress serving TLS, plus Secrets
    and ConfigMaps nobody names."""
    objects: list[dict[str, Any]] = []
    for obj in load([str(ROOT / "examples" / "shop")]).all_objects():
        o = dict(obj)
        if o["kind"] == "Ingress":
            o["spec"] = {**o["spec"], "tls": [{"hosts": [HOST], "secretName": "shop-tls"}]}
        objects.append(o)
    objects += [
        {"kind": "Secret", "metadata": {"name": "shop-tls", "namespace": "shop"},
         "type": "kubernetes.io/tls",
         "data": {"tls.crt": b64(PAIR.cert_pem), "tls.key": b64(PAIR.key_pem)}},
        {"kind": "Secret", "metadata": {"name": "token", "namespace": "kube-system"},
         "data": {"token": b64(b"unrelated")}},
        {"kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": "kube-system"},
         "data": {"Corefile": ".:53 {\n  kubernetes cluster.local\n  forward . 1.1.1.1\n}\n"}},
        {"kind": "ConfigMap", "metadata": {"name": "app-config", "namespace": "shop"},
         "data": {"password": "unrelated"}},
    ]
    return objects


COMMANDS = [
    ["trace", f"https://{HOST}/cart/items", "--no-dns", "-o", "json"],
    ["trace", f"https://{HOST}/cart/items", "-o", "json", "--dns-server", "127.0.0.1:9"],
    ["check", "-A", "-o", "json"],
    ["reach", "shop/deployment/storefront", "shop/cart", "-o", "json"],
    ["snapshot"],
    ["snapshot", f"https://{HOST}/cart/items"],
]


def run(args: list[str], allowed: set[tuple[str, str]], tmp: Path
        ) -> tuple[int, str, FakeApi]:
    api = FakeApi(cluster(), allowed)
    with serve(api, tmp) as kubeconfig:
        result = runner.invoke(app, [*args, "--kubeconfig", kubeconfig, "--timeout", "0.5"]
                               if args[0] == "trace" else [*args, "--kubeconfig", kubeconfig])
    assert result.exit_code in (0, 1), (args, result.stderr)
    return result.exit_code, result.stdout, api


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_secrets_and_configmaps_are_read_by_name_only(args: list[str], tmp_path: Path) -> None:
    allowed = READER | TLS_READER | DNS_CONFIG_READER
    _, _, api = run(args, allowed, tmp_path)
    assert {(r.resource, r.verb) for r in api.requests} <= allowed
    secrets = {(r.namespace, r.name) for r in api.requests if r.resource == "secrets"}
    assert secrets <= {("shop", "shop-tls")}
    configmaps = {(r.namespace, r.name) for r in api.requests if r.resource == "configmaps"}
    assert configmaps <= {("kube-system", n) for n in DNS_CONFIGMAPS}


def tls_hop(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    return next(h for h in doc["hops"] if h["hop"] == "tls")


def test_without_the_tls_reader_the_verdict_holds_and_tls_is_not_checked(tmp_path: Path
                                                                        ) -> None:
    args = COMMANDS[0]
    code_all, out_all, _ = run(args, READER | TLS_READER | DNS_CONFIG_READER, tmp_path)
    code_reader, out_reader, api = run(args, READER, tmp_path)
    full, reader = json.loads(out_all), json.loads(out_reader)
    assert tls_hop(full)["status"] == "ok"
    assert tls_hop(reader)["status"] == "skipped"
    assert [f["code"] for f in tls_hop(reader)["findings"]] == ["IDC050"]
    assert tls_hop(reader)["summary"].startswith("secret shop-tls: not checked: cannot read "
                                                 "Secret")
    assert (code_reader, reader["verdict"]) == (code_all, full["verdict"])
    assert [h["status"] for h in reader["hops"] if h["hop"] != "tls"] == [
        h["status"] for h in full["hops"] if h["hop"] != "tls"]
    assert {(r.resource, r.verb) for r in api.requests if r.resource == "secrets"} == {
        ("secrets", "get")}


def test_check_without_the_tls_reader_gives_the_same_verdicts(tmp_path: Path) -> None:
    _, out_all, _ = run(COMMANDS[2], READER | TLS_READER | DNS_CONFIG_READER, tmp_path)
    _, out_reader, _ = run(COMMANDS[2], READER, tmp_path)

    def verdicts(text: str) -> list[tuple[str, str]]:
        return [(r["path"], r["verdict"]) for r in json.loads(text)["results"]]

    assert verdicts(out_reader) == verdicts(out_all)
