"""Where a sweep's solves run: in this process, or as Dask tasks (``dask.distributed``).

The same code runs on a laptop and on a cluster:

* ``workers=0``: one after the other in this process, without Dask (the reference);
* ``scheduler="tcp://HOST:PORT"``: an existing Dask cluster;
* otherwise, the scheduler that Dask's own configuration names (``DASK_SCHEDULER_ADDRESS``,
  or ``scheduler-address`` in a Dask config file), else a ``LocalCluster`` of worker
  processes sized to this machine (one single-threaded worker per core, or ``workers``).

Each draw is one task.  A draw that fails inside the solve comes back as a record with its
reason (:func:`symbiose.sweep.solve_draw` never raises); a worker that dies mid-task has its
tasks re-run elsewhere by the Dask scheduler (up to its ``allowed-failures``), and a task that
still cannot finish is reported as a failed draw, without sinking the sweep.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from models import processes
from symbiose.sweep import Draw, SweepSettings, solve_draw, solve_in_process

Record = dict[str, Any]
ProgressFn = Callable[[int, int, Record], None]
"""Called as ``progress(done, total, record)`` each time a draw completes."""


def run_sweep(
    docs: Mapping[str, dict[str, Any]],
    draws: Sequence[Draw],
    settings: SweepSettings,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: ProgressFn | None = None,
) -> list[Record]:
    """Solve every draw; the records in draw order.

    Args:
        docs: the inventory document of each base (``draw.base``).
        draws: what to solve.
        settings: how each draw is solved.
        scheduler: address of an existing Dask scheduler.
        workers: local worker processes (0: no Dask, solve in this process).
        progress: called as each draw completes.
    """
    if workers == 0 and scheduler is None:
        return _in_process(docs, draws, settings, progress)
    with _client(scheduler, workers) as client:
        return _on_dask(client, docs, draws, settings, progress)


def _in_process(
    docs: Mapping[str, dict[str, Any]],
    draws: Sequence[Draw],
    settings: SweepSettings,
    progress: ProgressFn | None,
) -> list[Record]:
    if progress is None:
        return solve_in_process(docs, draws, settings)
    records = []
    for i, draw in enumerate(draws):
        records.append(solve_draw(docs[draw.base], draw, settings))
        progress(i + 1, len(draws), records[-1])
    return records


@contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A Dask client on the cluster asked for; a local cluster is closed with it."""
    import dask
    from distributed import Client

    address = scheduler or dask.config.get("scheduler-address", None)
    if address:
        with Client(address, timeout="30s") as client:
            yield client
        return
    cluster = local_cluster(workers or os.cpu_count() or 1)
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def local_cluster(workers: int) -> Any:
    """A Dask ``LocalCluster`` of single-threaded worker processes (HiGHS runs on one thread).

    Its processes start by :data:`models.processes.DASK_START_METHOD`, never by forking this
    process (which may hold HiGHS's or Dask's threads).
    """
    import dask
    from distributed import LocalCluster

    with dask.config.set(processes.DASK_CONFIG):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )


def _on_dask(
    client: Any,
    docs: Mapping[str, dict[str, Any]],
    draws: Sequence[Draw],
    settings: SweepSettings,
    progress: ProgressFn | None,
) -> list[Record]:
    from distributed import as_completed

    token = uuid.uuid4().hex[:8]
    shared = {name: client.scatter(doc, broadcast=True) for name, doc in docs.items()}
    futures = {
        client.submit(
            solve_draw,
            shared[d.base],
            d,
            settings,
            key=f"symbiose-draw-{token}-{d.index}",
            pure=False,
        ): d
        for d in draws
    }
    records: dict[int, Record] = {}
    for future in as_completed(futures):
        draw = futures[future]
        records[draw.index] = _record_of(future, draw)
        if progress is not None:
            progress(len(records), len(draws), records[draw.index])
    return [records[d.index] for d in draws]


def _record_of(future: Any, draw: Draw) -> Record:
    """The draw's record, or a failed record when the task itself could not run."""
    try:
        record: Record = future.result()
    except Exception as exc:  # e.g. KilledWorker: the draw failed, the sweep goes on
        record = {
            "index": draw.index,
            "base": draw.base,
            "values": dict(draw.values),
            "status": "error",
            "error": f"the task could not run: {type(exc).__name__}: {exc}",
        }
    return record


# -- the blocks of one solve ---------------------------------------------------------------------


@contextmanager
def block_mapper(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A :data:`models.blocks.Mapper` on Dask: the blocks of a solve as tasks of a cluster.

    The same cluster rules as a sweep: an existing scheduler, Dask's configured one, or a
    ``LocalCluster`` of ``workers`` processes (closed on leaving).  Pass it to
    ``solve(..., decompose="on", mapper=...)``.  A cancellation of the solve stops the tasks
    not yet started; the running ones end at the time limit (a Dask worker cannot be told).
    """
    with _client(scheduler, workers) as client:
        yield dask_mapper(client)


def dask_mapper(client: Any) -> Any:
    """A :data:`models.blocks.Mapper` that submits each task of blocks to ``client``."""
    from models.blocks import BlockTask, lost

    def run(fn: Callable[[BlockTask], Any], tasks: Sequence[BlockTask]) -> Iterator[Any]:
        from distributed import as_completed

        token = uuid.uuid4().hex[:8]
        futures = {
            client.submit(fn, task, key=f"symbiose-block-{token}-{task.index}", pure=False): task
            for task in tasks
        }
        try:
            for future in as_completed(futures):
                task = futures[future]
                try:
                    yield task.index, future.result()
                except Exception as exc:  # e.g. KilledWorker: that block fails, not the solve
                    yield task.index, lost(task, f"the task could not run: {type(exc).__name__}")
        finally:
            client.cancel(list(futures))

    return run


# -- independent solves of a pathway -------------------------------------------------------------


@contextmanager
def task_mapper(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A mapper of independent pathway solves on Dask: ``mapper(fn, tasks)``.

    It yields ``(task.index, fn(task))``, for :mod:`models.stochastic` (each scenario's own
    optimum, the mean-value problem) and :mod:`models.hedging` (the scenario subproblems of an
    iteration).
    The same cluster rules as a sweep; a task that cannot run raises (the caller falls back or
    reports it), it is never taken for a solution.
    """
    with _client(scheduler, workers) as client:

        def run(fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
            from distributed import as_completed

            token = uuid.uuid4().hex[:8]
            futures = {
                client.submit(fn, task, key=f"symbiose-task-{token}-{task.index}", pure=False): task
                for task in tasks
            }
            try:
                for future in as_completed(futures):
                    yield futures[future].index, future.result()
            finally:
                client.cancel(list(futures))

        yield run
