"""How every worker process of the project starts, and what it may use: the rule, written once.

**Never fork a process that may hold threads.**  HiGHS runs its MIP solver on a thread pool
(from highspy 1.16 by default), Dask and the service start threads of their own.  A child
forked from such a process inherits the locks those threads held, without the threads that
would release them, and can deadlock on its first solve (issue 16: block workers forked after
a parallel solve in the parent never answered).  So every pool (the blocks of a solve, the
service's run workers and parsers, a sweep's process) takes its processes from
:func:`context`:

* ``forkserver`` where the platform has it: a server process is *started* (exec'd, so it holds
  no thread of ours), imports :data:`PRELOAD` once, and each worker is then forked from that
  clean, single-threaded server, so a worker starts in milliseconds with the solver already
  imported;
* ``spawn`` elsewhere (Windows): a fresh interpreter per worker.

Dask's local cluster starts its worker processes itself; :data:`DASK_START_METHOD` is the
method it is told to use (its nanny sets the forkserver's preload list to its own, so it gets
``spawn`` rather than share ours).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from multiprocessing.context import ForkServerContext, SpawnContext

START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
"""How the project's worker processes start (never ``fork``)."""

PRELOAD = ("models.solve",)
"""What the fork server imports once, before it forks any worker: the solver and its model."""

DASK_START_METHOD = "spawn"
"""How the local Dask cluster's worker processes start."""

DASK_CONFIG = {"distributed.worker.multiprocessing-method": DASK_START_METHOD}
"""The Dask configuration a local cluster is created under (``dask.config.set``)."""


def context() -> ForkServerContext | SpawnContext:
    """The multiprocessing context every worker process of the project is started from."""
    if START_METHOD == "forkserver":
        server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload(list(PRELOAD))
        return server
    return multiprocessing.get_context("spawn")


def cap_address_space(extra: int) -> int:
    """Bound this process's address space to what it holds now plus ``extra`` bytes.

    Past the bound an allocation fails (``MemoryError``) and the work fails with that reason,
    so the machine's other work keeps its memory.  A bound already set on the process (``ulimit
    -v``, a container's or a systemd unit's limit) is never raised: the smaller of the two is
    taken.  Processes started from this one inherit the bound, each on its own.

    Returns:
        The bound applied, in bytes.
    """
    import resource  # POSIX only, like the bound itself

    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    wanted = pages * resource.getpagesize() + extra
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = min([wanted, *(v for v in (soft, hard) if v != resource.RLIM_INFINITY)])
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit


def inherited_address_space() -> int | None:
    """The address-space bound this process was started under (bytes), or None if unbounded."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else int(soft)


def die_with_parent() -> None:
    """End this worker when the process that started it dies (no orphaned solve).

    A fork-server child's parent, to the kernel, is the server, which outlives the process that
    asked for the child (it lives while any of its children does), so ``PR_SET_PDEATHSIG`` alone
    would never fire: a watcher thread waits on multiprocessing's sentinel of the starting
    process (it closes when that process dies, however it dies) and kills this one.  The kernel
    signal is set too, for a process started directly.
    """
    parent = multiprocessing.parent_process()
    if parent is not None:
        watcher = threading.Thread(
            target=_die_when_closed, args=(parent.sentinel,), name="die-with-parent", daemon=True
        )
        watcher.start()
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the watcher still ends this process


def _die_when_closed(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os.kill(os.getpid(), signal.SIGKILL)
