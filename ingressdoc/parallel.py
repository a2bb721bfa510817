"""Map a function over a long list on every core the process may use, by forking.

Why fork: the workers inherit what the function reads (a snapshot of a large cluster is
hundreds of megabytes of parsed objects) without copying or pickling it; only the results
travel back, pickled. The function must be pure: no output, no shared connection. Where there
is no fork, one core, or too little work to pay for a process, the map runs here, one item
after the other. What a worker does not deliver (it failed, for any reason) is redone here,
so an error surfaces exactly as it would without workers.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, NoReturn, TypeVar

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
_mapping = False


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def fork_map(fn: Callable[[T], R], items: Sequence[T],
             on_item: Callable[[int, T], None] | None = None) -> list[R]:
    """`[fn(item) for item in items]`, in order; `on_item(index, item)` is called before
    each item this process maps (a progress line)."""
    global _mapping
    processes = min(usable_cores(), MAX_PROCESSES, len(items) // MIN_SHARE) if hasattr(
        os, "fork") else 1
    if processes < 2 or _mapping:  # a map inside a map has no core to spare
        return [_mapped(fn, items, index, on_item) for index in range(len(items))]
    _mapping = True
    try:
        return _forked(fn, items, on_item, processes)
    finally:
        _mapping = False


def _forked(fn: Callable[[T], R], items: Sequence[T],
            on_item: Callable[[int, T], None] | None, processes: int) -> list[R]:
    # The first item is mapped before any fork, so that whatever it builds lazily and keeps
    # (the indexes of a snapshot) is built once, and inherited.
    first = [_mapped(fn, items, 0, on_item)]
    size = -(-(len(items) - 1) // (processes * CHUNKS_PER_PROCESS))
    chunks = [range(start, min(start + size, len(items))) for start in range(1, len(items), size)]
    done: dict[int, list[R]] = {}
    with _Tokens(len(chunks)) as tokens:
        workers: list[_Worker[T, R]] = []
        try:
            for _ in range(processes - 1):
                workers.append(_Worker(tokens, fn, items, chunks))
        except OSError:
            pass  # no more processes or no temporary file: the ones started share the work
        try:
            tokens.seal()
            for chunk in tokens:
                done[chunk] = [_mapped(fn, items, index, on_item) for index in chunks[chunk]]
            for worker in workers:
                done.update(worker.results())
        finally:
            for worker in workers:
                worker.stop()
    out = first
    for chunk, indexes in enumerate(chunks):
        # A chunk no worker delivered (one died) is mapped here.
        out.extend(done[chunk] if chunk in done else
                   [_mapped(fn, items, index, on_item) for index in indexes])
    return out


def _mapped(fn: Callable[[T], R], items: Sequence[T], index: int,
            on_item: Callable[[int, T], None] | None) -> R:
    if on_item is not None:
        on_item(index, items[index])
    return fn(items[index])


class _Tokens:
    """Chunk numbers in a pipe: each process reads the next one; a read of a few bytes from
    a pipe is atomic, so no chunk is handed out twice, and the end of the pipe ends the map
    in every process once the last writer has closed it."""

    def __init__(self, count: int) -> None:
        self.read_end, self.write_end = os.pipe()
        # All of them at once: a pipe holds 64 KiB, and there are at most
        # MAX_PROCESSES * CHUNKS_PER_PROCESS numbers.
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

    def __init__(self, tokens: _Tokens, fn: Callable[[T], R], items: Sequence[T],
                 chunks: Sequence[range]) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by `stop`
        try:
            pid = os.fork()
        except OSError:
            self.file.close()
            raise
        if pid == 0:
            self._run(tokens, fn, items, chunks)
        self.pid: int | None = pid

    def _run(self, tokens: _Tokens, fn: Callable[[T], R], items: Sequence[T],
             chunks: Sequence[range]) -> NoReturn:
        """Never returns into the caller's code, never runs its exit handlers or flushes its
        inherited buffers (their output belongs to the parent)."""
        status = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            tokens.seal()
            for chunk in tokens:
                pickle.dump((chunk, [fn(items[i]) for i in chunks[chunk]]), self.file,
                            pickle.HIGHEST_PROTOCOL)
            self.file.flush()
            status = 0
        finally:
            os._exit(status)

    def results(self) -> dict[int, list[R]]:
        """The chunks the worker finished; none if it failed."""
        out: dict[int, list[R]] = {}
        if self._wait() != 0:
            return out
        self.file.seek(0)
        while True:
            try:
                chunk, results = pickle.load(self.file)
            except EOFError:
                return out
            out[chunk] = results

    def _wait(self) -> int:
        assert self.pid is not None
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return status

    def stop(self) -> None:
        """Close the file and make sure the worker is gone: it already is, unless this
        process leaves early on an error or an interrupt."""
        self.file.close()
        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            self._wait()
