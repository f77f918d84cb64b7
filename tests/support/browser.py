"""Helpers of the browser tests and the screenshot script: a real service, a real Chromium.

``Service`` runs ``python -m cli serve --seed datasets/dunkerque/dunkerque.yaml`` on a free
loopback port with a SQLite file of its own; ``launch`` starts Debian's Chromium (installed by
``scripts/browser.sh``) through Playwright's driver, headless, with a fresh profile and no
network beyond the service.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
DUNKIRK = ROOT / "datasets" / "dunkerque" / "dunkerque.yaml"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # WebGL through SwiftShader (software) in a headless browser without a GPU.
    "--enable-unsafe-swiftshader",
]


def chromium_path() -> str | None:
    """Debian's Chromium (or $SYMBIOSE_CHROMIUM), when it is installed."""
    candidate = os.environ.get("SYMBIOSE_CHROMIUM") or "/usr/bin/chromium"
    if Path(candidate).exists():
        return candidate
    return shutil.which("chromium")


def why_no_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if chromium_path() is None:
        return "Chromium is not installed (scripts/browser.sh installs Debian's chromium)"
    if not (ROOT / "web" / "node_modules" / "maplibre-gl").is_dir():
        return "the page's libraries are not installed (scripts/web.sh runs npm ci in web/)"
    return None


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    """``python -m cli serve`` with the Dunkirk seed, in a process of its own."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = os.environ | {
            "DATABASE_URL": f"sqlite:///{folder / 'service.sqlite'}",
            "SYMBIOSE_WORKERS": "1",
            "SYMBIOSE_SYNC_WORKERS": "1",
            "PYTHONPATH": str(ROOT),
        }
        self.process: subprocess.Popen | None = None
        self.key = ""

    def start(self, seed: Path = DUNKIRK) -> None:
        """Create a coordinator key, start the service, wait until the seeded run is finished."""
        out = subprocess.run(
            [sys.executable, "-m", "cli", "keys", "create", "--territory", "dunkerque", "--role", "coordinator"],
            env=self.env, cwd=self.folder, capture_output=True, text=True, check=True,
        )
        self.key = out.stdout.strip()
        log = open(self.folder / "service.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(self.port), "--log-level", "warning",
             "--seed", str(seed), "--territory", "dunkerque"],
            env=self.env, cwd=self.folder, stdout=log, stderr=log,
        )
        self.wait(lambda: self.get("/health").status_code == 200, "the service did not start")
        self.wait(lambda: any(r["state"] == "finished" for r in self.get("/v1/runs").json()),
                  "the seeded Dunkirk run did not finish", timeout=180)

    def get(self, path: str) -> httpx.Response:
        """GET with the coordinator's key."""
        return httpx.get(self.base + path, headers={"X-API-Key": self.key}, timeout=30)

    def post(self, path: str, body: Any) -> httpx.Response:
        """POST JSON with the coordinator's key."""
        return httpx.post(self.base + path, json=body, headers={"X-API-Key": self.key}, timeout=30)

    def wait(self, ready: Any, what: str, timeout: float = 90) -> None:
        """Poll ``ready()`` until it is true; fail with ``what`` and the log after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None and self.process.poll() is None, self.log()
            try:
                if ready():
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{what}\n{self.log()}"
            time.sleep(0.2)

    def log(self) -> str:
        path = self.folder / "service.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def broken_workbook() -> bytes:
    """The Dunkirk inventory as the spreadsheet template, with two errors in it.

    ``supplies`` row 2 gets ``must_dispatch: perhaps`` (not a yes/no) and ``sites`` row 3 gets
    the latitude ``north``: two problems in two sheets, both reported.
    """
    import openpyxl

    from symbiose.inventory import dump_inventory, parse_inventory

    inv = parse_inventory(DUNKIRK.read_text(), fmt="yaml")
    book = openpyxl.load_workbook(io.BytesIO(dump_inventory(inv, fmt="xlsx")))  # type: ignore[arg-type]
    supplies = book["supplies"]
    header = [c.value for c in supplies[1]]
    supplies.cell(row=2, column=header.index("must_dispatch") + 1).value = "perhaps"
    sites = book["sites"]
    header = [c.value for c in sites[1]]
    sites.cell(row=3, column=header.index("latitude") + 1).value = "north"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class Page:
    """A signed-in page, with the requests it made and the errors it raised."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def js(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def rendered(self, layer: str) -> list[dict]:
        return self.js(f"() => window.toile.map.rendered('{layer}').map(f => f.properties)")

    def wait_map_idle(self) -> None:
        self.page.wait_for_function(
            "() => window.toile.map && window.toile.map.map.loaded() && !window.toile.map.map.isMoving()",
            timeout=30_000,
        )
        self.page.wait_for_timeout(300)


def wait_finished_runs(page: Page, count: int, timeout: float = 180) -> None:
    page.page.wait_for_function(
        f"() => document.querySelectorAll('#runs li[data-state=finished]').length >= {count}",
        timeout=timeout * 1000,
    )
