"""`ingressdoc check` over manifests: targets, scope, ignore policy, verdicts, exit codes, and
every output format parsed back by a real consumer (SARIF schema, JUnit parser)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from junitparser import Failure, JUnitXml
from typer.testing import CliRunner

from ingressdoc.check.config import ConfigError, load_config
from ingressdoc.check.ignore import IgnorePolicy, IgnoreRule
from ingressdoc.check.regex_sample import sample
from ingressdoc.check.report import CheckReport
from ingressdoc.check.run import run_check
from ingressdoc.check.scope import Scope
from ingressdoc.check.targets import SYNTHETIC_HOST, request_host, request_path, targets
from ingressdoc.check.wait import parse_duration, wait_until_passing
from ingressdoc.cli import app
from ingressdoc.commands.check import _Progress
from ingressdoc.errors import UsageError
from ingressdoc.findings import Severity
from ingressdoc.k8s.profiles.ingress_nginx import INGRESS_NGINX, USE_REGEX, nginx_regex
from ingressdoc.k8s.profiles.traefik import PATH_MATCHER, TRAEFIK
from ingressdoc.k8s.selectors import parse_selector
from ingressdoc.snapshot import manifests

ROOT = Path(__file__).resolve().parents[1]
SHOP = str(ROOT / "examples" / "shop")
MIXED = str(ROOT / "tests" / "fixtures" / "check")
runner = CliRunner()


def report(path: str, scope: Scope | None = None, ignore: tuple[str, ...] = (),
           threshold: Severity | None = Severity.ERROR) -> CheckReport:
    return run_check(manifests.load([path]), scope or Scope(), IgnorePolicy.parse(ignore),
                     threshold)


def by_label(rep: CheckReport) -> dict[str, str]:
    return {f"{r.target.ingress.namespace}/{r.target.ingress.name} {r.target.label}": r.verdict
            for r in rep.results}


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------- targets and scope


@pytest.mark.parametrize(("pattern", "literal"), [
    ("/v1(/|$)(.*)", "/v1/"),
    ("/users/[0-9]+", "/users/0"),
    ("/(?<id>[a-z]+)/edit", "/a/edit"),
    ("/v[12]/(foo|bar)+", "/v1/foo"),
    ("/a{2}\\.b?", "/aa."),
    ("/x(?=y)", None),
    ("/(a|b", None),
])
def test_regex_sample(pattern: str, literal: str | None) -> None:
    assert sample(pattern) == literal


def test_request_path_falls_back_to_the_path_as_written() -> None:
    def regex(path: str) -> Callable[[str], bool]:
        return lambda request: nginx_regex(path).match(request) is not None

    assert request_path("/v1(/|$)(.*)", regex("/v1(/|$)(.*)")) == "/v1/"
    assert request_path("/v1(/|$)(.*)", None) == "/v1(/|$)(.*)"
    assert request_path("/x(?=y)", regex("/x(?=y)")) == "/x(?=y)"
    assert request_path(None, None) == "/"


def _regex_ingress(annotations: dict[str, str], path_type: str) -> dict[str, Any]:
    return {"kind": "Ingress", "metadata": {"name": "r", "namespace": "n",
                                            "annotations": annotations},
            "spec": {"rules": [{"host": "r.example.com", "http": {"paths": [
                {"path": "/v1(/|$)(.*)", "pathType": path_type, "backend": {}}]}}]}}


def test_regex_paths_follow_the_class_controller() -> None:
    """ingress-nginx's regex mode is its own: under Traefik use-regex means nothing, and a
    Traefik PathRegexp path is a regex there alone."""
    nginx_mode = _regex_ingress({USE_REGEX: "true"}, "ImplementationSpecific")
    assert [t.request.path for t in targets(nginx_mode, "nginx", INGRESS_NGINX)] == ["/v1/"]
    assert [t.request.path for t in targets(nginx_mode, "traefik", TRAEFIK)] == [
        "/v1(/|$)(.*)"]
    path_regexp = _regex_ingress({PATH_MATCHER: "PathRegexp"}, "ImplementationSpecific")
    assert [t.request.path for t in targets(path_regexp, "traefik", TRAEFIK)] == ["/v1/"]
    assert [t.request.path for t in targets(path_regexp, "nginx", INGRESS_NGINX)] == [
        "/v1(/|$)(.*)"]
    prefix = _regex_ingress({PATH_MATCHER: "PathRegexp"}, "Prefix")
    assert [t.request.path for t in targets(prefix, "traefik", TRAEFIK)] == ["/v1(/|$)(.*)"]


def test_request_hosts() -> None:
    assert request_host("Shop.Example.com") == "shop.example.com"
    assert request_host("*.apps.example.com") == "ingressdoc-check.apps.example.com"
    assert request_host(None) == SYNTHETIC_HOST


def test_targets_cover_rules_default_backend_and_tls() -> None:
    ing = {"kind": "Ingress", "metadata": {"name": "a", "namespace": "n"}, "spec": {
        "tls": [{"hosts": ["a.example.com"], "secretName": "a-tls"}],
        "defaultBackend": {"service": {"name": "s", "port": {"number": 80}}},
        "rules": [{"host": "a.example.com", "http": {"paths": [
            {"path": "/x", "pathType": "Exact", "backend": {}},
            {"path": "/x", "pathType": "Exact", "backend": {}}]}}]}}
    got = list(targets(ing, "nginx"))
    assert [(t.field, str(t.request)) for t in got] == [
        ("spec.rules[0].http.paths[0]", "https://a.example.com/x"),
        ("spec.defaultBackend", "https://a.example.com/ingressdoc-check-default-backend"),
    ]
    assert {t.ingress_class for t in got} == {"nginx"}


# ---------------------------------------------------------------- the report


def test_shop_report_fails_exactly_the_broken_path() -> None:
    rep = report(SHOP)
    assert by_label(rep) == {
        "shop/shop shop.example.com/ (Prefix)": "ok",
        "shop/shop shop.example.com/cart (Prefix)": "fail",
        "shop/shop shop.example.com/api/catalog (Prefix)": "ok",
    }
    (failed,) = rep.failed
    assert [f.code for f in rep.failures(failed)] == ["IDC410"]
    assert (rep.summary.requests, rep.summary.failed, rep.summary.errors) == (3, 1, 1)


def test_mixed_fixture_enumerates_every_rule_kind() -> None:
    rep = report(MIXED)
    requests = {r.target.label: str(r.target.request) for r in rep.results}
    assert requests["*.apps.example.com/status (Exact)"] == (
        "http://ingressdoc-check.apps.example.com/status")
    assert requests["<any host>/any (Prefix)"] == f"http://{SYNTHETIC_HOST}/any"
    assert requests["api.example.com/v1(/|$)(.*) (ImplementationSpecific)"] == (
        "http://api.example.com/v1/")
    default = next(r for r in rep.results if r.target.path is None)
    assert default.served_by == "web/web web.example.com/ (Prefix)"
    assert sorted(k for k, v in by_label(rep).items() if v == "fail") == [
        "ops/ops ops.example.com/metrics (Prefix)",
        "web/api api.example.com/users/[0-9]+ (ImplementationSpecific)",
    ]
    assert by_label(rep)["web/legacy legacy.example.com/ (Prefix)"] == "warn"


SHADOW = """
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: pay-v2, namespace: shop, creationTimestamp: "2025-01-01T00:00:00Z"}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /pay, pathType: Prefix, backend: {service: {name: pay, port: {number: 80}}}}
      - {path: /cart, pathType: Exact, backend: {service: {name: pay, port: {number: 80}}}}
      - {path: /help, pathType: Exact, backend: {service: {name: pay, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: legacy, namespace: shop, creationTimestamp: "2025-06-01T00:00:00Z"}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /pay, pathType: Prefix, backend: {service: {name: pay, port: {number: 80}}}}
      - {path: /cart, pathType: Prefix, backend: {service: {name: cart, port: {number: 80}}}}
      - {path: /help, pathType: Prefix, backend: {service: {name: pay, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: pay, namespace: shop}
spec: {selector: {app: pay}, ports: [{port: 80}]}
"""


def test_a_shadowed_path_warns_when_never_served_or_its_backend_is_broken(
        tmp_path: Path) -> None:
    path = tmp_path / "shadow.yaml"
    path.write_text(SHADOW, encoding="utf-8")
    rep = report(str(path))
    results = {f"{r.target.ingress.name} {r.target.label}": r for r in rep.results}
    assert {k: r.verdict for k, r in results.items()} == {
        "pay-v2 shop.example.com/pay (Prefix)": "ok",
        "pay-v2 shop.example.com/cart (Exact)": "ok",
        "pay-v2 shop.example.com/help (Exact)": "ok",
        "legacy shop.example.com/pay (Prefix)": "warn",  # a duplicate: never served
        "legacy shop.example.com/cart (Prefix)": "warn",  # shadowed, and cart is missing
        "legacy shop.example.com/help (Prefix)": "ok",  # shadowed on /help only, healthy
    }
    never = results["legacy shop.example.com/pay (Prefix)"]
    assert never.served_by == "shop/pay-v2 shop.example.com/pay (Prefix)"
    (f,) = [f for f in never.findings if f.severity is not Severity.INFO]
    assert (f.code, str(f.object), f.field) == (
        "IDC312", "Ingress shop/legacy", "spec.rules[0].http.paths[0]")
    assert "never served" in f.message
    (f,) = [f for f in results["legacy shop.example.com/cart (Prefix)"].findings
            if f.severity is not Severity.INFO]
    assert f.code == "IDC312"
    assert "its own backend is broken: IDC401 service cart not found" in f.message
    assert results["legacy shop.example.com/help (Prefix)"].served_by is not None
    assert rep.passed  # warnings only


def test_scope_by_namespace_selector_and_host() -> None:
    assert {r.target.ingress.namespace for r in report(MIXED, Scope("ops")).results} == {"ops"}
    team = report(MIXED, Scope(selector=parse_selector("team=web")))
    assert {r.target.ingress.name for r in team.results} == {"web", "api"}
    hosts = report(MIXED, Scope(host="*.example.com"))
    assert SYNTHETIC_HOST not in {r.target.request.host for r in hosts.results}
    assert len(hosts.results) == len(report(MIXED).results) - 1


def test_ignore_suppresses_and_is_counted() -> None:
    rep = report(SHOP, ignore=("targetport-*=shop/shop",))
    assert rep.passed
    assert rep.summary.ignored == 1
    assert report(SHOP, ignore=("IDC410=other/*",)).failed


@pytest.mark.parametrize("text", ["IDC999", "IDC410=", "=shop/x", "no-such-name"])
def test_ignore_rejects_unknown_codes(text: str) -> None:
    with pytest.raises(UsageError):
        IgnoreRule.parse(text)


def test_fail_on_threshold() -> None:
    assert len(report(MIXED, Scope("web"), threshold=Severity.ERROR).failed) == 1
    assert len(report(MIXED, Scope("web"), threshold=Severity.WARNING).failed) == 2
    assert report(MIXED, threshold=None).passed


def test_wait_retries_until_passing() -> None:
    failing, passing = report(SHOP), report(SHOP, ignore=("IDC410",))
    answers = iter([failing, failing, passing])
    now = [0.0]
    retries: list[float] = []
    got = wait_until_passing(lambda: next(answers), 60, lambda _r, left: retries.append(left),
                             clock=lambda: now[0],
                             sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert got is passing
    assert retries == [60.0, 55.0]


def test_wait_gives_up_with_the_last_report() -> None:
    failing = report(SHOP)
    now = [0.0]
    got = wait_until_passing(lambda: failing, 12, lambda _r, _left: None,
                             clock=lambda: now[0],
                             sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert got is failing
    assert now[0] == 12


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("2m", 120),
                                                ("1m30s", 90), ("1h", 3600)])
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "2x", "m", "1m 30s"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text)


# ---------------------------------------------------------------- the command


def test_exit_codes() -> None:
    assert invoke("-f", SHOP)[0] == 1
    assert invoke("-f", SHOP, "--ignore", "IDC410")[0] == 0
    assert invoke("-f", SHOP, "--fail-on", "never")[0] == 0
    assert invoke("-f", MIXED, "-n", "web")[0] == 1
    assert invoke("-f", MIXED, "-n", "web", "--ignore", "IDC401=web/api")[0] == 0
    assert invoke("-f", MIXED, "-n", "web", "--ignore", "IDC401=web/api",
                  "--fail-on", "warning")[0] == 1
    assert invoke("-f", MIXED, "-l", "team=ops")[0] == 1
    assert invoke("-f", MIXED, "-l", "team=web", "--host", "web.*")[0] == 0
    assert invoke("-f", SHOP, "-l", "team=(web")[0] == 2
    assert invoke("-f", SHOP, "-n", "shop", "-A")[0] == 2
    assert invoke("-f", SHOP, "--wait", "2m")[0] == 2
    assert invoke("-f", SHOP, "--ignore", "IDC999")[0] == 2
    assert invoke("-f", SHOP, "-o", "nope")[0] == 2
    assert invoke("-f", "/nonexistent/manifests")[0] == 3


def test_stderr_is_silent_unless_something_was_ignored() -> None:
    code, out, err = invoke("-f", SHOP)
    assert (code, err) == (1, "")
    assert "shop.example.com/cart (Prefix)" in out and "IDC410" in out
    code, out, err = invoke("-f", SHOP, "--ignore", "IDC410")
    assert (code, err) == (0, "1 findings ignored\n")
    assert "PASSED" in out


def test_junit_failures_are_exactly_the_broken_paths(tmp_path: Path) -> None:
    target = tmp_path / "report.xml"
    code, out, _ = invoke("-f", MIXED, "-o", "junit", "--output-file", str(target))
    assert (code, out) == (1, "")
    suites = JUnitXml.fromfile(str(target))
    cases = [case for suite in suites for case in suite]
    assert len(cases) == 8
    failed = {(c.classname, c.name): c.result for c in cases if c.result}
    assert set(failed) == {("ops/ops", "ops.example.com/metrics (Prefix)"),
                           ("web/api", "api.example.com/users/[0-9]+ (ImplementationSpecific)")}
    for results in failed.values():
        (failure,) = results
        assert isinstance(failure, Failure)
        assert failure.type == "IDC401"
        assert "fix: Create the Service" in (failure.text or "")


def _sarif_schema() -> dict[str, object]:
    """The OASIS SARIF 2.1.0 schema (errata 01), vendored from the specification's repository."""
    text = (ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def test_sarif_is_valid_and_points_at_manifest_lines() -> None:
    code, out, _ = invoke("-f", SHOP, "-o", "sarif")
    assert code == 1
    log = json.loads(out)
    schema = _sarif_schema()
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    (result,) = run["results"]
    assert result["ruleId"] == "IDC410" and result["level"] == "error"
    assert rules[result["ruleIndex"]]["id"] == "IDC410"
    assert "How to fix" in rules[result["ruleIndex"]]["help"]["text"]
    physical = result["locations"][0]["physicalLocation"]
    uri, line = physical["artifactLocation"]["uri"], physical["region"]["startLine"]
    assert uri.endswith("examples/shop/shop.yaml")
    manifest = (ROOT / "examples" / "shop" / "shop.yaml").read_text().splitlines()
    assert "ports: [{name: web, containerPort: 8080}]" in manifest[line - 1]
    assert rules[result["ruleIndex"]]["helpUri"].endswith("#idc410-targetport-name-unresolved")


def test_github_annotations() -> None:
    code, out, _ = invoke("-f", MIXED, "-o", "github", "--fail-on", "warning")
    assert code == 1
    lines = out.splitlines()
    assert sum(line.startswith("::error file=") for line in lines) == 2
    assert sum(line.startswith("::warning file=") for line in lines) == 1
    assert lines[-1].startswith("ingressdoc check: FAILED")


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_documents(fmt: str) -> None:
    code, out, _ = invoke("-f", SHOP, "-o", fmt)
    doc = json.loads(out) if fmt == "json" else yaml.safe_load(out)
    assert code == 1 and doc["passed"] is False
    assert [r["verdict"] for r in doc["results"]] == ["ok", "fail", "ok"]
    assert doc["results"][1]["trace"]["rootCause"]["finding"]["code"] == "IDC410"


def test_config_file_is_found_upwards_and_flags_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".ingressdoc.yaml").write_text(
        "fail-on: warning\nnamespace: web\nignore: ['IDC401=web/api']\n")
    nested = tmp_path / "deploy" / "charts"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    code, out, err = invoke("-f", MIXED)
    assert code == 1 and "ops/ops" not in out and err == "1 findings ignored\n"
    assert invoke("-f", MIXED, "--fail-on", "error")[0] == 0
    assert invoke("-f", MIXED, "-n", "ops", "--fail-on", "error")[0] == 1


@pytest.mark.parametrize("text", ["fail-on: sometimes\n", "colour: red\n", "- a\n",
                                  "ignore: {a: b}\n", "all-namespaces: yes please\n"])
def test_bad_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / ".ingressdoc.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        load_config(path)
    monkeypatch.chdir(tmp_path)
    assert invoke("-f", SHOP)[0] == 3


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal() -> None:
    target = report(SHOP).results[0].target
    quiet, tty = io.StringIO(), _Terminal()
    for stream in (quiet, tty):
        progress = _Progress(stream)
        progress.step(0, 3, target)
        progress.clear()
    assert quiet.getvalue() == ""
    assert "checking 1/3 shop.example.com/ (Prefix)" in tty.getvalue()


# ---------------------------------------------------------------- Gateway API routes

GATEWAY = ROOT / "tests" / "scenarios"


def test_routes_are_checked_per_hostname_and_match(tmp_path: Path) -> None:
    objs = list(yaml.safe_load_all(
        (GATEWAY / "gateway-healthy-traefik" / "manifests.yaml").read_text(encoding="utf-8")))
    route = next(o for o in objs if o["kind"] == "HTTPRoute")
    route["spec"]["hostnames"] = ["shop.example.com", "*.shop.example.org"]
    route["spec"]["rules"] = [
        {"matches": [{"path": {"type": "PathPrefix", "value": "/cart"}}],
         "backendRefs": [{"name": "cart", "port": 80}]},
        {"matches": [{"path": {"type": "Exact", "value": "/beta"},
                      "headers": [{"name": "x-beta", "value": "1"}]}],
         "backendRefs": [{"name": "cart-beta", "port": 80}]},
    ]
    path = tmp_path / "routes.yaml"
    path.write_text(yaml.safe_dump_all(objs), encoding="utf-8")
    rep = report(str(path))
    assert by_label(rep) == {
        "shop/cart shop.example.com/cart (PathPrefix)": "ok",
        "shop/cart shop.example.com/beta (Exact + header x-beta)": "fail",
        "shop/cart *.shop.example.org/cart (PathPrefix)": "ok",
        "shop/cart *.shop.example.org/beta (Exact + header x-beta)": "fail",
    }
    beta = next(r for r in rep.results if r.target.label.startswith("shop.example.com/beta"))
    assert beta.target.request.headers == (("x-beta", "1"),)
    assert {f.code for f in beta.findings} == {"IDC821"}
    org = next(r for r in rep.results if r.target.label == "*.shop.example.org/cart (PathPrefix)")
    assert org.target.request.host == "ingressdoc-check.shop.example.org"


def test_route_wildcard_is_checked_as_the_listener_narrows_it(tmp_path: Path) -> None:
    # A route's *.example.com on a listener for shop.example.com serves shop.example.com
    # there: that is the host checked, not a sample no listener takes.
    objs = list(yaml.safe_load_all(
        (GATEWAY / "gateway-healthy-traefik" / "manifests.yaml").read_text(encoding="utf-8")))
    gw = next(o for o in objs if o["kind"] == "Gateway")
    gw["spec"]["listeners"][0]["hostname"] = "shop.example.com"
    route = next(o for o in objs if o["kind"] == "HTTPRoute")
    route["spec"]["hostnames"] = ["*.example.com"]
    path = tmp_path / "routes.yaml"
    path.write_text(yaml.safe_dump_all(objs), encoding="utf-8")
    assert by_label(report(str(path))) == {"shop/cart shop.example.com/cart (PathPrefix)": "ok"}


def test_an_empty_scope_fails_unless_allowed() -> None:
    code, _, err = invoke("-f", SHOP, "-n", "nowhere")
    assert code == 1 and "IDC850" in err and "error" in err
    code, _, err = invoke("-f", SHOP, "-n", "nowhere", "--allow-empty")
    assert code == 0 and "IDC850" in err and "warning" in err
    healthy = str(GATEWAY / "gateway-healthy-traefik" / "manifests.yaml")
    assert invoke("-f", healthy)[0] == 0
    assert invoke("-f", str(GATEWAY / "gateway-backend-not-found" / "manifests.yaml"))[0] == 1


@pytest.mark.parametrize(("scenario", "codes"), [
    ("gateway-healthy-spec-implementation",
     {"cart": {"IDC814"}, "cart-v2": {"IDC814", "IDC826"}}),
    # Traefik ranks the two the same and may answer with either: a tie, not a shadow.
    ("gateway-healthy-traefik",
     {"cart": {"IDC814", "IDC819"}, "cart-v2": {"IDC814", "IDC819"}}),
])
def test_a_route_match_another_route_shadows_warns(
        tmp_path: Path, scenario: str, codes: dict[str, set[str]]) -> None:
    objs = list(yaml.safe_load_all(
        (GATEWAY / scenario / "manifests.yaml").read_text(encoding="utf-8")))
    route = next(o for o in objs if o["kind"] == "HTTPRoute")
    copy = yaml.safe_load(yaml.safe_dump(route))
    copy["metadata"].update(name="cart-v2", creationTimestamp="2025-06-01T00:00:00Z")
    path = tmp_path / "routes.yaml"
    path.write_text(yaml.safe_dump_all([*objs, copy]), encoding="utf-8")
    rep = report(str(path), threshold=Severity.WARNING)
    by_route = {r.target.ingress.name: r for r in rep.results}
    assert by_route["cart"].served_by is None
    assert by_route["cart-v2"].served_by == "HTTPRoute shop/cart rules[0].matches[0]"
    assert {name: {f.code for f in r.findings} for name, r in by_route.items()} == codes


def test_a_canary_path_is_not_a_shadowed_path() -> None:
    """An ingress-nginx canary shares its primary's host and path on purpose: no IDC312."""
    rep = report(str(ROOT / "tests" / "scenarios" / "nginx-canary-weight" / "manifests.yaml"))
    assert set(by_label(rep).values()) == {"ok"}
    assert not [f for r in rep.results for f in r.findings if f.code == "IDC312"]
