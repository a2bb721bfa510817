"""Ingress host/path matching: the research vectors (YAML) plus near-miss and tie-break cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressdoc.k8s import ingress_match
from ingressdoc.k8s.ingress_match import MatchResult, host_matches
from ingressdoc.k8s.profiles import PROFILES, for_controller

VECTORS = Path(__file__).with_name("ingress_match_vectors.yaml")
TYPES = {"E": "Exact", "P": "Prefix", "IS": "ImplementationSpecific"}


def backend(service: str) -> dict[str, Any]:
    return {"service": {"name": service, "port": {"number": 80}}}


def ingress(
    name: str,
    rules: list[dict[str, Any]] | None = None,
    *,
    namespace: str = "default",
    created: str | None = "2024-01-01T00:00:00Z",
    annotations: dict[str, str] | None = None,
    default_backend: str | None = None,
) -> dict[str, Any]:
    """A manifest-shaped Ingress; rules use the vector file's compact path strings."""
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if created is not None:
        meta["creationTimestamp"] = created
    if annotations:
        meta["annotations"] = annotations
    spec: dict[str, Any] = {}
    if rules:
        spec["rules"] = [compact_rule(r) for r in rules]
    if default_backend:
        spec["defaultBackend"] = backend(default_backend)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}


def compact_rule(rule: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rule.get("host"):
        out["host"] = rule["host"]
    paths = []
    for text in rule.get("paths", []):
        path, kind, service = text.split()
        paths.append({"path": path, "pathType": TYPES[kind], "backend": backend(service)})
    out["http"] = {"paths": paths}
    return out


def match_request(
    ingresses: list[dict[str, Any]], host: str, path: str, profile: str = "spec"
) -> MatchResult:
    """Match under the profile of that name."""
    named = next(p for p in PROFILES if p.name == profile)
    return ingress_match.match_request(ingresses, host, path, named)


def winner_service(result: MatchResult) -> str | None:
    if result.winner is None:
        return None
    name: str = result.winner.backend["service"]["name"]
    return name


def near_miss_keys(result: MatchResult) -> list[str]:
    return [m.key for m in result.near_misses]


# ---------------------------------------------------------------- research vectors


def _vector_cases() -> list[Any]:
    cases: list[Any] = []
    for vector in yaml.safe_load(VECTORS.read_text())["vectors"]:
        if "skip" in vector:
            cases.append(pytest.param(None, None, None, id=vector["id"],
                                      marks=pytest.mark.skip(reason=vector["skip"])))
            continue
        manifests = [
            ingress(
                spec.get("name", f"ing{i}"),
                spec.get("rules"),
                namespace=spec.get("namespace", "default"),
                created=spec.get("created", f"2024-01-01T00:00:{i:02d}Z"),
                annotations=spec.get("annotations"),
                default_backend=spec.get("defaultBackend"),
            )
            for i, spec in enumerate(vector["ingresses"])
        ]
        for n, request in enumerate(vector["requests"]):
            expect = request["expect"]
            by_profile = expect if isinstance(expect, dict) else {"spec": expect}
            for profile, service in by_profile.items():
                case = {**request, "host": request.get("host", vector.get("host", "")),
                        "service": service}
                cases.append(pytest.param(manifests, case, profile,
                                          id=f"{vector['id']}-{n}-{profile}"))
    return cases


@pytest.mark.parametrize(("manifests", "case", "profile"), _vector_cases())
def test_vector(manifests: list[dict[str, Any]], case: dict[str, Any], profile: str) -> None:
    result = match_request(manifests, case["host"], case["path"], profile)
    assert winner_service(result) == case["service"], result
    assert result.via_default_backend == case.get("via_default", False)
    if "note" in case:  # a note, or the redirect the proxy answers with ("301 -> /abc/")
        said = [*result.notes, *([f"{result.redirect[0]} -> {result.redirect[1]}"]
                                 if result.redirect else [])]
        assert any(case["note"] in note for note in said), said
    if "near_miss" in case:
        assert case["near_miss"] in near_miss_keys(result), result.near_misses


def test_every_research_vector_is_present() -> None:
    ids = " ".join(v["id"] for v in yaml.safe_load(VECTORS.read_text())["vectors"])
    for prefix, count in (("K", 18), ("W", 3), ("C", 21), ("E", 9), ("N", 13), ("G", 20)):
        for number in range(1, count + 1):
            label = f"{prefix}{number:02d}"
            assert label in ids or _in_range(ids, prefix, number), label


def _in_range(ids: str, prefix: str, number: int) -> bool:
    for token in ids.split():
        if token.startswith(prefix) and "-" in token:
            low, high = token.split("-")
            if int(low[1:3]) <= number <= int(high[1:3]):
                return True
    return False


# ---------------------------------------------------------------- host semantics


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("", "anything.test", True),
        ("example.com", "EXAMPLE.com:443", True),
        ("example.com", "example.com.", True),
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "A.Example.COM", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "a.b.example.com", False),
        ("*.example.com", ".example.com", False),
        ("*.example.com", "aexample.com", False),
        ("example.com", "www.example.com", False),
    ],
)
def test_host_matches(pattern: str, host: str, expected: bool) -> None:
    assert host_matches(pattern, host) is expected


@pytest.mark.parametrize(
    ("controller", "profile"),
    [
        ("k8s.io/ingress-nginx", "ingress-nginx"),
        ("k8s.io/internal-ingress-nginx", "ingress-nginx"),
        ("traefik.io/ingress-controller", "traefik"),
        ("nginx.org/ingress-controller", "spec"),
        ("haproxy.org/ingress-controller/haproxy", "spec"),
        ("ingress.k8s.aws/alb", "aws-load-balancer-controller"),
        (None, "spec"),
    ],
)
def test_profile_for_controller(controller: str | None, profile: str) -> None:
    assert for_controller(controller).name == profile


# ---------------------------------------------------------------- near misses


def test_host_no_fallthrough_names_the_less_specific_rule() -> None:
    ings = [
        ingress("shop", [{"host": "shop.example.com", "paths": ["/api P API"]}]),
        ingress("wild", [{"host": "*.example.com", "paths": ["/cart P CART"]}]),
    ]
    result = match_request(ings, "shop.example.com", "/cart")
    assert result.host_class == "exact"
    assert result.winner is None
    miss = next(m for m in result.near_misses if m.key == "host-no-fallthrough")
    assert miss.candidate.host == "*.example.com"
    assert "shop.example.com matched the exact rule" in miss.reason
    assert "/cart" in miss.reason


def test_prefix_not_string_prefix_reason_names_both_paths() -> None:
    ings = [ingress("api", [{"host": "h", "paths": ["/api P API"]}])]
    (miss,) = match_request(ings, "h", "/apis").near_misses
    assert miss.key == "prefix-not-string-prefix"
    assert "Prefix /api (default/api) does not match /apis" in miss.reason
    assert "whole path elements" in miss.reason


def test_lost_precedence_explains_longer_path() -> None:
    ings = [ingress("a", [{"host": "h", "paths": ["/aaa P AAA", "/aaa/bbb P BBB"]}])]
    result = match_request(ings, "h", "/aaa/bbb/c")
    assert winner_service(result) == "BBB"
    (miss,) = result.near_misses
    assert miss.key == "lost-precedence"
    assert "2 path elements vs 1" in miss.reason


def test_lost_precedence_exact_over_prefix_at_equal_length() -> None:
    ings = [ingress("a", [{"host": "h", "paths": ["/foo/ P PF", "/foo E EX"]}])]
    result = match_request(ings, "h", "/foo")
    assert winner_service(result) == "EX"
    assert "Exact wins over Prefix at equal length" in result.near_misses[0].reason


def test_host_no_match_lists_similar_hosts_first() -> None:
    ings = [
        ingress("a", [{"host": "totally-different.io", "paths": ["/ P X"]}]),
        ingress("b", [{"host": "www.example.com", "paths": ["/ P WWW"]}]),
    ]
    result = match_request(ings, "example.com", "/")
    assert result.host_class is None and result.winner is None
    assert [m.candidate.host for m in result.near_misses] == ["www.example.com",
                                                              "totally-different.io"]
    # One leading label apart: a host rule at another depth, the likeliest intent.
    assert [m.key for m in result.near_misses] == ["wildcard-depth", "host-no-match"]


def test_host_no_match_is_not_reported_once_a_host_matched() -> None:
    ings = [
        ingress("a", [{"host": "h.test", "paths": ["/x P X"]}]),
        ingress("b", [{"host": "h.tests", "paths": ["/ P Y"]}]),
    ]
    assert "host-no-match" not in near_miss_keys(match_request(ings, "h.test", "/y"))


def test_wildcard_depth_for_a_rule_without_paths() -> None:
    ings = [ingress("a", [{"host": "*.example.com"}])]
    (miss,) = match_request(ings, "a.b.example.com", "/").near_misses
    assert miss.key == "wildcard-depth"
    assert miss.candidate.path is None
    assert "has 2 (a.b)" in miss.reason


def test_near_misses_are_capped_per_key() -> None:
    paths = [f"/p{i} P S{i}" for i in range(10)]
    result = match_request([ingress("a", [{"host": "h", "paths": paths}])], "h", "/zzz")
    assert near_miss_keys(result) == ["path-no-match"] * 3


def test_implementation_specific_star_is_literal_on_ingress_nginx() -> None:
    ings = [ingress("gke", [{"host": "h", "paths": ["/* IS A"]}])]
    result = match_request(ings, "h", "/app", "ingress-nginx")
    assert result.winner is None
    assert near_miss_keys(result) == ["implementation-specific"]


def test_spec_notes_that_implementation_specific_is_controller_defined() -> None:
    ings = [ingress("a", [{"host": "h", "paths": ["/api IS A"]}])]
    result = match_request(ings, "h", "/api/v1")
    assert winner_service(result) == "A"
    assert any("controller defines" in note for note in result.notes)


# ---------------------------------------------------------------- ingress-nginx regex mode


def test_regex_mode_spreads_from_another_namespace() -> None:
    ings = [
        ingress("exact", [{"host": "h", "paths": ["/foo E A"]}], namespace="team-a"),
        ingress("regex", [{"host": "h", "paths": ["/bar.* IS B"]}], namespace="team-b",
                annotations={"nginx.ingress.kubernetes.io/use-regex": "true"},
                created="2024-02-01T00:00:00Z"),
    ]
    result = match_request(ings, "h", "/foo/anything", "ingress-nginx")
    assert winner_service(result) == "A"
    assert any("team-b/regex" in note and "~*" in note for note in result.notes)
    miss = next(m for m in result.near_misses if m.key == "regex-hostwide")
    assert miss.candidate.ingress_name == "exact"
    (regex_miss,) = [m for m in result.near_misses if m.candidate.ingress_name == "regex"]
    assert regex_miss.key == "path-no-match"
    assert 'as regex ~* "^/bar.*"' in regex_miss.reason


def test_regex_mode_reports_each_candidate_once_and_no_plain_mode_notes() -> None:
    ings = [
        ingress("ing1", [{"host": "h", "paths": ["/foo/bar IS svc1", "/foo/bar/ IS svc2"]}]),
        ingress("ing2", [{"host": "h", "paths": ["/foo/bar/(.+) IS svc3"]}],
                annotations={"nginx.ingress.kubernetes.io/rewrite-target": "/$1"},
                created="2024-02-01T00:00:00Z"),
    ]
    result = match_request(ings, "h", "/foo/bar/1", "ingress-nginx")
    assert winner_service(result) == "svc3"
    assert near_miss_keys(result) == ["regex-hostwide", "lost-precedence"]
    assert not any("string prefix" in note for note in result.notes)


def test_regex_mode_stays_on_its_own_host() -> None:
    ings = [
        ingress("exact", [{"host": "a.test", "paths": ["/foo E A"]}]),
        ingress("regex", [{"host": "b.test", "paths": ["/bar.* IS B"]}],
                annotations={"nginx.ingress.kubernetes.io/use-regex": "true"}),
    ]
    result = match_request(ings, "a.test", "/foobar", "ingress-nginx")
    assert result.winner is None
    assert result.notes == ()


def test_rewrite_target_equal_to_the_path_does_not_enable_regex_mode() -> None:
    ings = [ingress("a", [{"host": "h", "paths": ["/foo E A"]}],
                    annotations={"nginx.ingress.kubernetes.io/rewrite-target": "/foo"})]
    assert match_request(ings, "h", "/foobar", "ingress-nginx").winner is None


# ---------------------------------------------------------------- precedence ties


def test_tie_same_timestamp_falls_back_to_namespace_then_name() -> None:
    same = "2024-01-01T00:00:00Z"
    ings = [
        ingress("b", [{"host": "h", "paths": ["/v1 P FROM-B"]}], namespace="x", created=same),
        ingress("a", [{"host": "h", "paths": ["/v1 P FROM-X-A"]}], namespace="x", created=same),
        ingress("z", [{"host": "h", "paths": ["/v1 P FROM-W-Z"]}], namespace="w", created=same),
    ]
    for profile in ("spec", "ingress-nginx", "traefik"):
        result = match_request(ings, "h", "/v1", profile)
        assert winner_service(result) == "FROM-W-Z", profile
    result = match_request(ings, "h", "/v1")
    assert all("older Ingress wins" in m.reason for m in result.near_misses)


def test_missing_creation_timestamp_sorts_last() -> None:
    ings = [
        ingress("no-stamp", [{"host": "h", "paths": ["/ P NONE"]}], created=None),
        ingress("stamped", [{"host": "h", "paths": ["/ P STAMPED"]}],
                created="2030-01-01T00:00:00Z"),
    ]
    assert winner_service(match_request(ings, "h", "/")) == "STAMPED"


def test_paths_merge_across_ingresses_and_namespaces() -> None:
    ings = [
        ingress("web", [{"host": "h", "paths": ["/ P WEB"]}], namespace="front"),
        ingress("api", [{"host": "h", "paths": ["/api P API"]}], namespace="back",
                created="2025-01-01T00:00:00Z"),
    ]
    result = match_request(ings, "h", "/api/x")
    assert winner_service(result) == "API"
    assert result.winner is not None and result.winner.ingress_namespace == "back"


def test_traefik_equal_priority_is_flagged() -> None:
    ings = [
        ingress("a", [{"host": "h", "paths": ["/v1 P A"]}]),
        ingress("b", [{"host": "h", "paths": ["/v1 P B"]}], created="2025-01-01T00:00:00Z"),
    ]
    result = match_request(ings, "h", "/v1", "traefik")
    assert winner_service(result) == "A"
    assert any("equal Traefik priority" in note for note in result.notes)


def test_traefik_router_priority_annotation_overrides_rule_length() -> None:
    ings = [
        ingress("long", [{"host": "h", "paths": ["/api/v1 P LONG"]}]),
        ingress("boost", [{"host": "h", "paths": ["/ P BOOST"]}],
                annotations={"traefik.ingress.kubernetes.io/router.priority": "1000"}),
    ]
    assert winner_service(match_request(ings, "h", "/api/v1", "traefik")) == "BOOST"


# ---------------------------------------------------------------- default backends


def _default_backend_setup() -> list[dict[str, Any]]:
    return [
        ingress("with-rules", [{"host": "a.test", "paths": ["/x P X"]}], default_backend="OWN",
                created="2024-01-01T00:00:00Z"),
        ingress("rules-only", [{"host": "b.test", "paths": ["/x P X"]}],
                created="2024-01-02T00:00:00Z"),
        ingress("catch-all", default_backend="CATCH-ALL", created="2024-01-03T00:00:00Z"),
    ]


@pytest.mark.parametrize(
    ("profile", "host", "expected"),
    [
        ("spec", "a.test", "OWN"),  # the owning Ingress's defaultBackend
        ("spec", "b.test", None),  # its owner has none
        ("spec", "c.test", "OWN"),  # no host matched: oldest defaultBackend
        ("ingress-nginx", "a.test", "OWN"),  # server introduced by with-rules
        ("ingress-nginx", "b.test", None),
        ("ingress-nginx", "c.test", "CATCH-ALL"),  # catch-all needs an Ingress without rules
        ("traefik", "a.test", "CATCH-ALL"),  # only rule-less Ingresses' defaultBackend counts
        ("traefik", "c.test", "CATCH-ALL"),
    ],
)
def test_default_backend_selection(profile: str, host: str, expected: str | None) -> None:
    result = match_request(_default_backend_setup(), host, "/unmatched", profile)
    assert winner_service(result) == expected
    assert result.via_default_backend == (expected is not None)
    if expected is not None:
        assert result.winner is not None and result.winner.rule_index is None


def test_traefik_notes_ignored_default_backend() -> None:
    ings = [ingress("a", [{"host": "a.test", "paths": ["/x P X"]}], default_backend="OWN")]
    result = match_request(ings, "a.test", "/y", "traefik")
    assert result.winner is None
    assert any("ignores spec.defaultBackend" in note for note in result.notes)


# ---------------------------------------------------------------- request normalisation


def test_nginx_normalises_before_matching_and_says_so() -> None:
    ings = [ingress("a", [{"host": "h", "paths": ["/admin P ADMIN", "/ P WEB"]}])]
    result = match_request(ings, "h", "//public/..%2Fadmin/./x", "ingress-nginx")
    assert result.request_path == "/admin/x"
    assert winner_service(result) == "ADMIN"
    assert "normalises the request path" in result.notes[0]


def test_spec_matches_the_raw_path_and_warns() -> None:
    ings = [ingress("a", [{"host": "h", "paths": ["/admin P ADMIN", "/ P WEB"]}])]
    result = match_request(ings, "h", "//public/..%2Fadmin/./x")
    assert result.request_path == "//public/..%2Fadmin/./x"
    assert winner_service(result) == "WEB"
    assert any("leaves their handling to the controller" in note for note in result.notes)


def test_traefik_decodes_only_unreserved_escapes() -> None:
    ings = [ingress("a", [{"host": "h", "paths": ["/api P API"]}])]
    result = match_request(ings, "h", "/%61pi/a%2fb", "traefik")
    assert result.request_path == "/api/a%2Fb"
    assert winner_service(result) == "API"


def test_request_host_is_normalised() -> None:
    result = match_request([], "Shop.Example.COM.:8443", "/")
    assert result.request_host == "shop.example.com"
    assert result.winner is None and result.host_class is None
