"""Shared pytest configuration for the test suite."""

from __future__ import annotations

import pytest

# ---------------------------------------------------------------------------------------
# Golden files (tests/test_golden.py): `pytest --update-golden` rewrites tests/golden/*
# from the current renderers instead of comparing against them.
# ---------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", default=False,
        help="rewrite tests/golden/* from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))

# --------------------------------------------------------------------- end: golden files
