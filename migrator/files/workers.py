"""Running the per-file work on several cores, with the results in the order of the input.

Only the files that pass the prefilter are worth a worker: reading a file and searching its
bytes costs microseconds, while parsing it costs milliseconds. So the parent reads and
prefilters every file (measured faster than shipping paths to workers: the scan is cheap
and the parent would otherwise sit idle), packs the files that need parsing into chunks of
about `CHUNK_BYTES` and hands the chunks to a process pool while it goes on reading. Results
come back in any order; `ordered` yields them in the order of the input, as soon as the head
of the queue is done. Workers never write files (the parent does), so on Ctrl-C the chunks not
started are dropped and the workers stopped, and a worker that dies (a crash in a native
parser) costs only a retry of its files one by one, in fresh processes, to find the one to blame.

Workers start only when the work pays for them: once the files to parse fill more than one
chunk, so that two workers have something to do at once. Less than that (a commit's files, a
small repository with a handful of files that call the model, a single file however large)
runs in this process: starting the pool, sending the files and their results back costs more
than a second core saves on so little. The pool is started once, and then takes every chunk.
"""

from __future__ import annotations

import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    # Imported when the pool starts: a run that never starts one (most small runs) is spared
    # their import (multiprocessing, concurrent.futures, logging).
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")

#: A chunk is handed to a worker once it holds this many bytes or files: large enough that the
#: cost of shipping it is small next to parsing it, small enough to spread a run over the cores.
CHUNK_BYTES = 128 * 1024
CHUNK_FILES = 32
#: Chunks in flight per worker, and items waiting for the head of the queue, before the reader
#: waits: this keeps memory flat on huge trees.
WINDOW = 4
MAX_QUEUE = 20_000
#: On Ctrl-C (or any early stop), how long a worker may take to finish the chunk it is on.
GRACE_SECONDS = 3.0


@dataclass(eq=False)
class _Chunk(Generic[T]):
    items: list[T] = field(default_factory=list)
    size: int = 0
    future: Future[list[T]] | None = None
    results: list[T] | None = None

    @property
    def ready(self) -> bool:
        return self.results is not None or (self.future is not None and self.future.done())


def ordered(
    items: Iterable[T],
    *,
    needs_work: Callable[[T], bool],
    work: Callable[[list[T]], list[T]],
    crashed: Callable[[T], T],
    size: Callable[[T], int],
    jobs: int,
) -> Iterator[T]:
    """Yield `items` in order, each one that `needs_work` replaced by its result from `work`
    (a picklable function of a list of items, run in `jobs` worker processes); an item whose
    worker died becomes `crashed(item)`. The workers start once the items that need work fill
    more than one chunk; a run with less stays in-process, where `work` runs on each chunk when
    its turn comes."""
    workers = _Workers(jobs, work, crashed)
    #: Each item in order: (its chunk, its index there) when it needs work, else (None, the item).
    queue: deque[tuple[_Chunk[T], int] | tuple[None, T]] = deque()
    chunk: _Chunk[T] = _Chunk()
    #: The first full chunk, held until more work comes (then workers start) or the run ends.
    held: _Chunk[T] | None = None
    try:
        for item in items:
            if needs_work(item):
                if held is not None:  # more than one chunk of work: worth the workers
                    if held.results is None:  # (else the queue's head ran it here already)
                        workers.submit(held)
                    held = None
                if chunk.results is not None:  # run here already, as the queue's head: closed
                    chunk = _Chunk()
                queue.append((chunk, len(chunk.items)))
                chunk.items.append(item)
                chunk.size += size(item)
                if chunk.size >= CHUNK_BYTES or len(chunk.items) >= CHUNK_FILES:
                    if workers.started:
                        workers.submit(chunk)
                    else:
                        held = chunk
                    chunk = _Chunk()
            else:
                queue.append((None, item))
            while queue and (queue[0][0] is None or queue[0][0].ready):
                yield workers.take(queue.popleft())
            while queue and (workers.in_flight > jobs * WINDOW or len(queue) > MAX_QUEUE):
                yield workers.take(queue.popleft())
        if chunk.items and chunk.results is None and workers.started:
            workers.submit(chunk)  # else it (and a held chunk) runs in-process when its turn comes
        while queue:
            yield workers.take(queue.popleft())
    finally:
        workers.close()


class _Workers(Generic[T]):
    def __init__(self, jobs: int, work: Callable[[list[T]], list[T]], crashed: Callable[[T], T]) -> None:
        self.jobs = jobs
        self.work = work
        self.crashed = crashed
        self.executor: ProcessPoolExecutor | None = None
        self.submitted: list[_Chunk[T]] = []  # submitted, results not taken yet

    @property
    def started(self) -> bool:
        return self.executor is not None

    @property
    def in_flight(self) -> int:
        return len(self.submitted)

    def submit(self, chunk: _Chunk[T]) -> None:
        if self.executor is None:
            self.executor = _executor(self.jobs)
        chunk.future = self.executor.submit(self.work, chunk.items)
        self.submitted.append(chunk)

    def take(self, entry: tuple[_Chunk[T], int] | tuple[None, T]) -> T:
        if entry[0] is None:
            return entry[1]
        chunk, index = entry
        if chunk.results is None:
            chunk.results = self._results(chunk)
            if chunk in self.submitted:
                self.submitted.remove(chunk)
        return chunk.results[index]

    def _results(self, chunk: _Chunk[T]) -> list[T]:
        if chunk.future is None:
            return self.work(chunk.items)
        from concurrent.futures.process import BrokenProcessPool  # imported by the pool already

        try:
            return chunk.future.result()
        except BrokenProcessPool:
            self._replace_broken_pool(chunk)
            return [self._alone(item) for item in chunk.items]

    def _replace_broken_pool(self, culprit: _Chunk[T]) -> None:
        """A worker died: every chunk of that pool not yet finished is sent to a new pool,
        except `culprit` (the one waited for), whose files are retried one by one."""
        self.close()
        for chunk in self.submitted:
            future = chunk.future
            finished = future is not None and future.done() and future.exception() is None
            if chunk is not culprit and not finished:
                if self.executor is None:
                    self.executor = _executor(self.jobs)
                chunk.future = self.executor.submit(self.work, chunk.items)

    def _alone(self, item: T) -> T:
        from concurrent.futures.process import BrokenProcessPool  # imported by the pool already

        executor = _executor(1)
        try:
            return executor.submit(self.work, [item]).result()[0]
        except BrokenProcessPool:
            return self.crashed(item)
        finally:
            executor.shutdown(wait=True)

    def close(self) -> None:
        """Stop the workers: chunks not started are dropped, a chunk under way gets `GRACE_SECONDS`
        to finish (workers never write files, so stopping one later loses nothing)."""
        executor, self.executor = self.executor, None
        if executor is None:
            return
        # shutdown() forgets these three: taken first.
        processes = list((getattr(executor, "_processes", None) or {}).values())
        results = getattr(executor, "_result_queue", None)
        manager = getattr(executor, "_executor_manager_thread", None)
        executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + GRACE_SECONDS
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
        stuck = [process for process in processes if process.is_alive()]
        for process in stuck:
            process.kill()
            process.join()
        if stuck:
            _unblock_result_reader(results)
        # The executor's manager thread closes its wake-up pipe as it ends; at exit, Python 3.11
        # writes to that pipe unless it is closed already, and the two can race ("Bad file
        # descriptor" printed after Ctrl-C). Waiting for the thread here settles it.
        if manager is not None:
            manager.join(GRACE_SECONDS)  # the workers are gone: it ends at once


def _unblock_result_reader(results: object) -> None:
    """A worker killed while sending its result leaves half a message in the result pipe, and the
    executor's manager thread waits for the rest forever (so the interpreter hangs at exit, joining
    it). With every worker dead, closing the parent's own write end of that pipe ends the wait
    with EOF, which the manager thread treats as a broken pool and exits."""
    writer = getattr(results, "_writer", None)
    if writer is not None:
        try:
            writer.close()
        except OSError:
            pass


def _executor(jobs: int) -> ProcessPoolExecutor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork where it is safe and cheap (Linux; the parent runs no threads): workers start in
    # milliseconds with the rules already imported. Elsewhere, the platform's default.
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    return ProcessPoolExecutor(jobs, mp_context=context, initializer=_ignore_sigint)


def _ignore_sigint() -> None:
    # Ctrl-C is the parent's to handle; a worker would only print a traceback and die.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
