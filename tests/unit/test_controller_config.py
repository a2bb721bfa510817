"""The controller configuration reader and the request rewrites, on their own."""

from __future__ import annotations

import pytest

from ingressdoc.k8s.controller_config import parse_flags, read_config, version_of
from ingressdoc.k8s.controller_settings import SETTINGS_BY_KEY, traefik_nginx_supports
from ingressdoc.k8s.profiles.traefik import STRICT_PREFIX, TRAEFIK
from ingressdoc.k8s.request_effects import nginx_rewrite, strip_prefix


@pytest.mark.parametrize(("image", "version"), [
    ("registry.k8s.io/ingress-nginx/controller:v1.12.1@sha256:abc", (1, 12, 1)),
    ("docker.io/traefik:v3.6.24", (3, 6, 24)),
    ("localhost:5000/traefik:3.7", (3, 7)),
    ("localhost/ingressdoc/traefik:ci", None),
    ("traefik", None),
])
def test_version_of(image: str, version: tuple[int, ...] | None) -> None:
    assert version_of(image) == version


def test_flags_forms_and_env_expansion() -> None:
    flags = parse_flags(["/nginx-ingress-controller", "--configmap=$(POD_NAMESPACE)/cm",
                         "--watch-namespace", "shop", "--enable-ssl-passthrough", "-v=2"],
                        {"POD_NAMESPACE": "ingress"}, fold_case=False)
    assert flags == {"configmap": "ingress/cm", "watch-namespace": "shop",
                     "enable-ssl-passthrough": "true", "v": "2"}


def test_traefik_flags_fold_case() -> None:
    flags = parse_flags(["--providers.kubernetesCRD.allowCrossNamespace=true"], {}, True)
    assert flags == {"providers.kubernetescrd.allowcrossnamespace": "true"}


def test_defaults_follow_the_version() -> None:
    risk = SETTINGS_BY_KEY[("ingress-nginx", "annotations-risk-level")]
    snippets = SETTINGS_BY_KEY[("ingress-nginx", "allow-snippet-annotations")]
    assert (risk.default((1, 11, 3)), risk.default((1, 12, 0)), risk.default(None)) == (
        "Critical", "High", "High")
    assert (snippets.default((1, 9, 6)), snippets.default((1, 10, 0))) == ("true", "false")


def test_traefik_nginx_support_by_version() -> None:
    ann = "nginx.ingress.kubernetes.io/rewrite-target"
    assert not traefik_nginx_supports(ann, (3, 6, 24))
    assert traefik_nginx_supports(ann, (3, 7, 9))
    assert not traefik_nginx_supports(ann, (3, 4, 0))
    assert not traefik_nginx_supports(ann, None)  # unknown: what every version reads


@pytest.mark.parametrize(("path", "target", "request_path", "received", "missing"), [
    ("/app(/|$)(.*)", "/$2", "/app/static/a.css", "/static/a.css", ()),
    ("/app(/|$)(.*)", "/$2", "/app", "/", ()),
    ("/app", "/", "/app/static/a.css", "/", ()),  # the whole URI is replaced
    ("/app/(.*)", "/$2", "/app/orders", "/", (2,)),
    ("/API/(.*)", "/v1/$1", "/api/x", "/v1/x", ()),  # case-insensitive
])
def test_nginx_rewrite(path: str, target: str, request_path: str, received: str,
                       missing: tuple[int, ...]) -> None:
    rewrite = nginx_rewrite(path, target, request_path)
    assert rewrite is not None
    assert (rewrite.path, rewrite.missing) == (received, missing)


def test_strip_prefix() -> None:
    assert strip_prefix(["/app"], "/app/orders") == "/orders"
    assert strip_prefix(["/app"], "/app") == "/"
    assert strip_prefix(["/api", "/app"], "/other") is None


def test_version_from_the_chart_label_when_the_tag_is_none() -> None:
    pod = {"metadata": {"name": "t", "namespace": "x",
                        "labels": {"app.kubernetes.io/version": "v3.7.9"}},
           "spec": {"containers": [{"image": "localhost/traefik:ci", "args": []}]}}
    config = read_config(pod, "traefik")
    assert config is not None and config.version == (3, 7, 9)


@pytest.mark.parametrize(("args", "env", "strict"), [
    ([], [], False),
    (["--providers.kubernetesIngress.strictPrefixMatching=true"], [], True),
    (["--providers.kubernetesingress.strictprefixmatching"], [], True),
    (["--providers.kubernetesingress.strictprefixmatching=false"], [], False),
    ([], [{"name": "TRAEFIK_PROVIDERS_KUBERNETESINGRESS_STRICTPREFIXMATCHING",
           "value": "true"}], True),
])
def test_traefik_strict_prefix_matching_is_read_from_the_pod(
        args: list[str], env: list[dict[str, str]], strict: bool) -> None:
    """Any spelling Traefik accepts (flags fold case, a bare flag is true, TRAEFIK_* env)
    switches its Prefix matching to whole path elements."""
    pod = {"metadata": {"name": "t", "namespace": "x"},
           "spec": {"containers": [{"image": "traefik:v3.6.12", "env": env,
                                    "args": ["--providers.kubernetesingress", *args]}]}}
    profile = TRAEFIK.configured(read_config(pod, "traefik"))
    assert profile.prefix_is_string_prefix is not strict
    assert (profile is STRICT_PREFIX) is strict
