"""`fork_map` gives `[fn(item) for item in items]`, in order, whichever process mapped what."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ingressdoc import parallel
from ingressdoc.parallel import fork_map

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers even on a one-core machine, and for short lists."""
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    monkeypatch.setattr(parallel, "MIN_SHARE", 3)


def test_results_in_order_and_mapped_in_two_processes(tmp_path: Path) -> None:
    def both(i: int) -> tuple[int, int]:
        """Each item after the first waits (10 s at most) until two processes map items."""
        (tmp_path / str(os.getpid())).touch()
        deadline = time.monotonic() + 10
        while i and len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.001)
        return i * i, os.getpid()

    pids = fork_map(both, range(300))
    assert [v for v, _ in pids] == [i * i for i in range(300)]
    assert len({pid for _, pid in pids}) == 2
    assert pids[0][1] == os.getpid()  # the first item is mapped before any fork


def test_short_lists_and_one_core_stay_here(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {pid for pid in fork_map(lambda _: os.getpid(), range(5))} == {os.getpid()}
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    assert {pid for pid in fork_map(lambda _: os.getpid(), range(500))} == {os.getpid()}


def test_a_map_inside_a_map_runs_in_its_process() -> None:
    inner = fork_map(lambda i: {pid for pid in fork_map(lambda _: os.getpid(), range(50))}
                     | {os.getpid()}, range(200))
    assert all(len(pids) == 1 for pids in inner)


def test_what_a_worker_fails_is_redone_here() -> None:
    parent = os.getpid()

    def only_here(i: int) -> int:
        if os.getpid() != parent:
            os._exit(3)  # a worker dying outright
        return i

    assert fork_map(only_here, range(300)) == list(range(300))


@pytest.mark.parametrize("failing", [{250}, {50, 250}, {120, 121, 290}])
def test_the_first_error_surfaces_as_without_workers(failing: set[int]) -> None:
    def fails(i: int) -> int:
        if i in failing:
            raise ValueError(f"item {i}")
        return i

    with pytest.raises(ValueError, match=f"item {min(failing)}$"):
        fork_map(fails, range(300))
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # and no worker is left behind


def test_an_interrupt_stops_the_workers() -> None:
    def interrupted(i: int) -> int:
        if i == 150:
            raise KeyboardInterrupt
        return i

    with pytest.raises(KeyboardInterrupt):
        fork_map(interrupted, range(300))
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_unpicklable_results_are_mapped_here() -> None:
    out = fork_map(lambda i: (lambda: i), range(300))
    assert [f() for f in out] == list(range(300))


def test_progress_is_told_for_the_items_mapped_here() -> None:
    seen: list[tuple[int, str]] = []
    items = [str(i) for i in range(400)]
    fork_map(len, items, lambda index, item: seen.append((index, item)))
    assert seen and all(items[index] == item for index, item in seen)
    assert seen[0] == (0, "0")


def test_no_fork_to_be_had_maps_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> int:
        raise BlockingIOError("fork: Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    assert fork_map(lambda i: (i, os.getpid()), range(300)) == [
        (i, os.getpid()) for i in range(300)]
