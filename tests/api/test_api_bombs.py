"""The acceptance of the parsing budget: bombs posted to a real service process.

The service runs as its own process (``python -m cli serve``, default settings).  An alias bomb
(YAML), a sparse-sheet bomb (a workbook claiming ``A1:XFD20000``) and a deflate bomb (a workbook
whose sheet inflates to millions of rows) are each refused with a 4xx problem within seconds,
the service process's peak resident memory stays under 500 MB, and ``/health`` keeps answering
while a bomb is being read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.bombs import alias_bomb, deflate_bomb, sparse_sheet_bomb
from support.service import small_inventory
from test_api_fault import Service

pytestmark = pytest.mark.slow

REFUSED_WITHIN = 5.0  # the acceptance; the readers refuse every bomb in well under a second
PEAK_RSS_MB = 500
HEALTH_WITHIN = 2.0  # the acceptance is about 1 s


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, dict]]:
    svc = Service(tmp_path_factory.mktemp("bombs"))
    secret = svc.key()
    headers = {"Authorization": f"Bearer {secret}"}
    try:  # (stopped even if it never became ready)
        svc.start()
        deadline = time.monotonic() + 120
        while httpx.get(svc.base + "/health").json()["workers"]["parsers"]["processes"] < 1:
            assert time.monotonic() < deadline, "no parser process started"
            time.sleep(0.2)
        yield svc, headers
    finally:
        svc.stop()
        svc.db.dispose()


def _fire(svc: Service, path: str, request: dict) -> tuple[httpx.Response, float, float]:
    """Post the bomb in a thread; poll /health meanwhile. Answer, seconds, worst /health latency."""
    answer: list[httpx.Response | Exception] = []

    def post() -> None:
        try:
            answer.append(httpx.post(svc.base + path, timeout=300, **request))
        except Exception as exc:  # reported by the test, not lost in the thread
            answer.append(exc)

    thread = threading.Thread(target=post)
    start = time.monotonic()
    thread.start()
    worst = 0.0
    with httpx.Client(base_url=svc.base, timeout=30) as client:
        while thread.is_alive():
            tick = time.monotonic()
            assert client.get("/health").status_code == 200
            worst = max(worst, time.monotonic() - tick)
            time.sleep(0.1)
    elapsed = time.monotonic() - start
    thread.join()
    response = answer[0]
    assert isinstance(response, httpx.Response), response
    return response, elapsed, worst


@pytest.mark.parametrize(
    "name",
    ["alias-bomb.yaml", "sparse-sheet-bomb.xlsx", "deflate-bomb.xlsx"],
)
def test_bombs_are_refused_quickly_with_little_memory_while_health_answers(
    service: tuple[Service, dict], name: str
) -> None:
    svc, headers = service
    if name.endswith(".yaml"):
        data = alias_bomb()
        request: dict = {"content": data, "headers": headers | {"Content-Type": "application/yaml"}}
        path = "/v1/inventories"
    else:
        data = sparse_sheet_bomb() if name.startswith("sparse") else deflate_bomb()
        request = {"files": {"file": (name, data)}, "headers": headers}
        path = "/v1/inventories/upload"
    r, elapsed, worst_health = _fire(svc, path, request)
    assert svc.process is not None
    peak = _peak_rss_mb(svc.process.pid)
    print(
        f"{name}: {len(data)} bytes, answered {r.status_code} in {elapsed:.2f} s, "
        f"/health worst {worst_health * 1000:.0f} ms, service peak RSS {peak:.0f} MB"
    )
    assert r.status_code in (413, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert elapsed < REFUSED_WITHIN, elapsed
    assert worst_health < HEALTH_WITHIN, worst_health
    assert peak < PEAK_RSS_MB, peak
    # The service still reads honest documents afterwards.
    honest = httpx.post(
        svc.base + "/v1/inventories",
        json=small_inventory(),
        headers=headers,
        timeout=60,
    )
    assert honest.status_code == 201, honest.text
