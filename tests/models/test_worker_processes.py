"""Worker processes are never forked from a process that may hold threads (issue 16).

HiGHS 1.16 runs its MIP solver on a thread pool; block workers forked after such a solve in
the parent inherited locks of threads that did not exist in them and never answered.  Every
pool of the project starts its processes from :func:`models.processes.context`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models import processes

ROOT = Path(__file__).resolve().parents[2]


def python(script: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter at the project's root."""
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

PARALLEL_SOLVE_THEN_BLOCKS = """
import json, sys
sys.path[:0] = ["tests", "tests/models"]
import models.blocks as blocks
from models.solve import SolveOptions, solve
from test_blocks import clusters

blocks.MIN_TASK_SIZE = 1  # one task per block: five tasks on two workers
problem = clusters(5)
whole = solve(problem, options=SolveOptions(time_limit=60, gap=0.0, threads=2), decompose="off")
with open("/proc/self/status") as status:
    threads = int(next(l for l in status if l.startswith("Threads:")).split()[1])
apart = solve(problem, options=SolveOptions(time_limit=60, gap=0.0), decompose="on", workers=2)
print(json.dumps({
    "threads": threads, "whole": whole.objective, "apart": apart.objective,
    "status": str(apart.status), "message": apart.message,
}))
"""


@pytest.mark.slow
def test_block_workers_after_a_parallel_highs_solve_in_the_parent_finish_and_equal_the_whole() -> (
    None
):
    """The deadlock of issue 16, in a fresh interpreter bounded by a timeout (never a hang)."""
    try:
        done = python(PARALLEL_SOLVE_THEN_BLOCKS, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the block workers never answered after a parallel solve in the parent")
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["threads"] > 1  # the parent really held HiGHS's threads when the pool started
    assert out["status"] == "optimal", out["message"]
    assert out["apart"] == pytest.approx(out["whole"], rel=1e-9)


def test_no_worker_process_is_ever_forked() -> None:
    assert processes.START_METHOD in ("forkserver", "spawn")
    assert processes.context().get_start_method() == processes.START_METHOD
    assert processes.DASK_START_METHOD in ("forkserver", "spawn")


def test_the_start_method_is_chosen_in_one_place_only() -> None:
    """No module but ``models/processes.py`` picks a multiprocessing context or start method."""
    chooses = re.compile(r"get_context\(|set_start_method\(|multiprocessing-method")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("models", "symbiose", "api", "cli", "benchmarks", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "processes.py" and chooses.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_an_address_space_bound_already_set_is_never_raised() -> None:
    """Under ``ulimit -v`` a worker takes the smaller bound instead of failing to start."""
    script = (
        "import resource\n"
        "from models.processes import cap_address_space\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))\n"
        "applied = cap_address_space(8 * 2**30)\n"
        "print(applied, resource.getrlimit(resource.RLIMIT_AS)[0])\n"
    )
    done = python(script, timeout=60)
    assert done.returncode == 0, done.stderr
    applied, soft = map(int, done.stdout.split())
    assert applied == soft == 3 * 2**30


ORPHAN = """
import time
from models import processes

def child() -> None:
    processes.die_with_parent()
    time.sleep(120)

if __name__ == "__main__":
    ctx = processes.context()
    process = ctx.Process(target=child, daemon=True)
    process.start()
    print(process.pid, flush=True)
    time.sleep(120)
"""


@pytest.mark.slow
def test_a_worker_dies_with_the_process_that_started_it_not_with_the_fork_server(
    tmp_path: Path,
) -> None:
    """The fork server outlives a killed service while any child of it lives: the killed
    service's worker kept solving (issue 16's fault test); it must end with the service."""
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN)
    parent = subprocess.Popen(
        [sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        parent.kill()
        parent.wait(10)
        for _ in range(100):
            if not _alive(child):
                break
            time.sleep(0.1)
        assert not _alive(child), "the worker outlived the process that started it"
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its parent to reap it has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
