"""Map a function over a long list on every core the process may use, by forking.

Why fork: the workers inherit what the function reads (a snapshot of a large cluster is
hundreds of megabytes of parsed objects) without copying or pickling it; only the results
travel back, pickled, so they are copies (no identity with the inherited objects), and
whatever a worker caches is lost with it. The function must be pure: no output, no shared
connection. Where there is no fork, one usable core, another thread running (a forked
child could inherit a held lock), or too little work to pay for a process, the map runs
here, one item after the other. A worker that fails, for any reason, has every chunk it took
redone here, in order, so an error surfaces as it would without workers.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Generic, NoReturn, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items per process a fork and the pickling of results cost more than the
# work they share out.
MIN_SHARE = 200
MAX_PROCESSES = 32
# Items are handed out in chunks, each to whichever process asks first, so that a slower
# process (one busy copying the pages it writes to, or sharing its core) takes fewer.
CHUNKS_PER_PROCESS = 32
_TOKEN = struct.Struct("<I")
# Every chunk number is written to the pipe before any is read: they must fit in the 4 KiB a
# pipe is guaranteed to buffer, or the write would wait for a reader that never comes.
assert MAX_PROCESSES * CHUNKS_PER_PROCESS * _TOKEN.size <= 4096
_mapping = False


def usable_cores() -> int:
    """The cores this process may run on, within its cgroup's CPU quota (a container's
    `--cpus`, a pod's CPU limit): more processes than that only wait for their turn."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max", encoding="ascii") as fh:
            quota, period = fh.read().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass  # no cgroup v2 quota to read: the affinity stands
    return cores


def fork_map(fn: Callable[[T], R], items: Sequence[T],
             on_item: Callable[[int, T], None] | None = None) -> list[R]:
    """`[fn(item) for item in items]`, in order; `on_item(index, item)` is called before
    each item this process maps (a progress line)."""
    global _mapping
    shares = len(items) // MIN_SHARE
    processes = min(usable_cores(), MAX_PROCESSES, shares) if shares > 1 and hasattr(
        os, "fork") else 1
    if processes < 2 or _mapping or threading.active_count() > 1:
        return _mapped(fn, items, range(len(items)), on_item)
    _mapping = True  # a map inside a map (or in a worker) has no core to spare
    try:
        return _forked(fn, items, on_item, processes)
    finally:
        _mapping = False


def _forked(fn: Callable[[T], R], items: Sequence[T],
            on_item: Callable[[int, T], None] | None, processes: int) -> list[R]:
    # The first item is mapped before any fork, so that whatever it builds lazily and keeps
    # (the indexes of a snapshot) is built once, and inherited.
    out = _mapped(fn, items, range(1), on_item)
    size = -(-(len(items) - 1) // (processes * CHUNKS_PER_PROCESS))
    chunks = [range(start, min(start + size, len(items))) for start in range(1, len(items), size)]
    done: dict[int, list[R]] = {}
    with _Tokens(len(chunks)) as tokens:
        workers: list[_Worker[T, R]] = []
        try:
            for _ in range(processes - 1):
                if not _Worker.start(tokens, fn, items, chunks, workers):
                    break  # no process or temporary file to be had: the others share the work
            tokens.seal()
            for chunk in tokens:
                try:
                    done[chunk] = _mapped(fn, items, chunks[chunk], on_item)
                except Exception:  # raised again below, where the items' order decides
                    break
            for worker in workers:
                done.update(worker.results())
        finally:
            for worker in workers:
                worker.stop()
    for chunk, indexes in enumerate(chunks):
        out.extend(done[chunk] if chunk in done else _mapped(fn, items, indexes, on_item))
    return out


def _mapped(fn: Callable[[T], R], items: Sequence[T], indexes: range,
            on_item: Callable[[int, T], None] | None) -> list[R]:
    out = []
    for index in indexes:
        if on_item is not None:
            on_item(index, items[index])
        out.append(fn(items[index]))
    return out


class _Tokens:
    """Chunk numbers in a pipe: each process reads the next one; a read of a few bytes from
    a pipe is atomic, so no chunk is handed out twice, and the end of the pipe ends the map
    in every process once the last writer has closed it."""

    def __init__(self, count: int) -> None:
        self.parent = os.getpid()
        self.read_end, self.write_end = os.pipe()
        # All of them at once (see the assertion on MAX_PROCESSES above).
        os.write(self.write_end, b"".join(_TOKEN.pack(i) for i in range(count)))

    def seal(self) -> None:
        """Closed once every worker is forked (each closes its own copy)."""
        if self.write_end >= 0:
            os.close(self.write_end)
            self.write_end = -1

    def __iter__(self) -> Iterator[int]:
        while len(token := os.read(self.read_end, _TOKEN.size)) == _TOKEN.size:
            yield _TOKEN.unpack(token)[0]

    def __enter__(self) -> _Tokens:
        return self

    def __exit__(self, *_: object) -> None:
        self.seal()
        os.close(self.read_end)


class _Worker(Generic[T, R]):
    """One forked process mapping `fn` over the chunks it takes; it writes each chunk's
    results, pickled, to its own unnamed file as soon as they are ready."""

    def __init__(self, pid: int, file: IO[bytes]) -> None:
        self.pid: int | None = pid
        self.file = file

    @classmethod
    def start(cls, tokens: _Tokens, fn: Callable[[T], R], items: Sequence[T],
              chunks: Sequence[range], into: list[_Worker[T, R]]) -> bool:
        """Fork a worker into `into`; False when no process or file can be had. An interrupt
        is held back until the worker is in `into`, so that whatever stops the map stops it
        too, and the worker only lets it through once it can handle it."""
        try:
            file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by `stop`
        except OSError:
            return False
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            try:
                pid = os.fork()
            except OSError:
                file.close()
                return False
            if pid == 0:
                _work(file, held, tokens, fn, items, chunks)
            into.append(cls(pid, file))
            return True
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def results(self) -> dict[int, list[R]]:
        """The chunks the worker finished; none if it failed (they are all redone)."""
        out: dict[int, list[R]] = {}
        if self._wait() != 0:
            return out
        self.file.seek(0)
        while True:
            try:
                chunk, results = pickle.load(self.file)
            except EOFError:
                return out
            except Exception:  # a garbled file: everything is redone
                return {}
            out[chunk] = results

    def _wait(self) -> int:
        assert self.pid is not None
        pid, self.pid = self.pid, None
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:  # reaped elsewhere (SIGCHLD ignored): its status is unknown
            return -1

    def stop(self) -> None:
        """Close the file and make sure the worker is gone: it already is, unless this
        process leaves early on an error or an interrupt."""
        self.file.close()
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._wait()


def _work(file: IO[bytes], held: set[int | signal.Signals], tokens: _Tokens, fn: Callable[[T], R],
          items: Sequence[T], chunks: Sequence[range]) -> NoReturn:
    """A worker's whole life: it never returns into the caller's code, never runs its exit
    handlers or flushes its inherited buffers (their output belongs to the parent), and stops
    taking chunks when the parent is gone."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        tokens.seal()
        for chunk in tokens:
            if os.getppid() != tokens.parent:
                break
            pickle.dump((chunk, _mapped(fn, items, chunks[chunk], None)), file,
                        pickle.HIGHEST_PROTOCOL)
        else:
            file.flush()
            status = 0
    finally:
        os._exit(status)

