"""Reading untrusted documents in child processes, within a time and a memory budget.

A submitted inventory (JSON, YAML, spreadsheet) or scenario file is decoded and checked by the
domain's readers, which hostile documents can make slow or huge: YAML aliases that expand to
billions of nodes, a workbook that claims a million empty columns, a sheet that inflates to
millions of rows.  None of that may happen in the service's own process, where it would freeze
the event loop for every territory and keep the memory it grew.

So a small pool of *parser processes* (:func:`models.processes.context`: never forked from the
service) does the reading.  Each child caps its own address space (``RLIMIT_AS``: what it needs after its imports plus ``memory_bytes``), and
the parent gives each document ``seconds`` of wall time: a child that runs out of either is
killed and replaced, and the caller gets :class:`DocumentTooComplex` (a 413 problem).  What
comes back across the pipe is small and plain: the canonical JSON of the inventory, the
scenario as a dict, or the list of problems with their field paths.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from models import processes

log = logging.getLogger(__name__)

INVENTORY = "inventory"
"""Task: an inventory document (json, yaml, xlsx) → its canonical JSON."""
SCENARIO = "scenario"
"""Task: a scenario file (json, yaml) → the scenario as a dict (without ``base``)."""
APPLY = "apply"
"""Task: ``{"base": canonical JSON, "overrides": {...}}`` → the checked result's canonical JSON."""


class DocumentTooComplex(Exception):
    """The document could not be read within the time or memory budget."""


class ParsersBusy(Exception):
    """Every parser process stayed busy for longer than the caller could wait."""


class DocumentProblems(Exception):
    """The document was read and has problems: ``issues`` are (field path, message) pairs."""

    def __init__(self, issues: list[tuple[str, str]]) -> None:
        super().__init__(f"{len(issues)} problem(s)")
        self.issues = issues


class Unreadable(Exception):
    """The reader failed on the document in an unforeseen way (the message says how)."""


@dataclass(frozen=True)
class Budget:
    """What one document may cost its parser process.

    Reading (decoding and the schema) is where hostile documents do their harm, and it is fast
    for honest ones: it gets ``read_seconds`` plus ``read_seconds_per_mb`` for each megabyte
    sent.  Checking the meaning of an inventory (compiling it, which takes seconds for a
    territory of hundreds of sites) gets ``check_seconds``; it only starts once the inventory
    is known to be within ``max_sites`` and ``max_links``.
    """

    read_seconds: float = 2.0
    read_seconds_per_mb: float = 1.0
    check_seconds: float = 120.0
    memory_bytes: int = 1024 * 1024 * 1024
    """Address space a parser may grow by beyond what its imports took."""
    max_sites: int = 500
    max_links: int = 5000

    def read_budget(self, size: int) -> float:
        """Seconds to read a document of ``size`` bytes."""
        return self.read_seconds + self.read_seconds_per_mb * size / 1e6


# -- the child -------------------------------------------------------------------------------


def _read_inventory(conn: Connection, data: bytes, fmt: str, budget: Budget) -> str:
    """Read, tell the parent it is read, then check (unless it is too large to be stored)."""
    from api import domain

    inv = domain.decode_inventory(data, fmt)
    sites, links = domain.counts(inv)
    conn.send(("read", (sites, links)))
    problems = domain.text_problems(domain.inventory_document(inv))
    if problems:
        raise domain.InventoryError(problems)
    if sites <= budget.max_sites and links <= budget.max_links:
        domain.check_inventory(inv)
    return domain.canonical_json(inv)


def _read_scenario(conn: Connection, data: bytes, fmt: str) -> dict[str, Any]:
    from api import domain

    scenario = domain.read_overrides(data, fmt).model_dump(mode="json", exclude={"base"})
    conn.send(("read", None))
    problems = domain.text_problems(scenario)
    if problems:
        raise domain.InventoryError(problems)
    return scenario  # type: ignore[no-any-return]


def _apply(conn: Connection, data: bytes) -> str:
    """Apply overrides to a stored inventory, then check the result (its meaning included)."""
    import json

    from api import domain

    request = json.loads(data)
    scenario = domain.read_overrides(request["overrides"])
    conn.send(("read", None))
    return domain.canonical_json(domain.apply_overrides(request["base"], scenario))


def _answer(conn: Connection, task: str, data: bytes, fmt: str, budget: Budget) -> tuple[str, Any]:
    """What the child sends back: ("ok", result), ("issues", pairs), ("error", text)..."""
    from api import domain

    try:
        if task == INVENTORY:
            return "ok", _read_inventory(conn, data, fmt, budget)
        if task == APPLY:
            return "ok", _apply(conn, data)
        return "ok", _read_scenario(conn, data, fmt)
    except domain.InventoryError as exc:
        return "issues", [(issue.path(), issue.msg) for issue in exc.issues]
    except (MemoryError, RecursionError) as exc:
        return "too-complex", type(exc).__name__
    except Exception as exc:  # the reader's own failure on a strange document
        return "error", f"{type(exc).__name__}: {exc}"


def parser_main(conn: Connection, budget: Budget) -> None:
    """The parser process: import the readers, warm them up, cap memory, serve requests."""
    import signal

    from api import domain
    from api.examples import INVENTORY_EXAMPLE

    processes.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    domain.read_inventory(INVENTORY_EXAMPLE, "json")  # first use loads the unit registry
    processes.cap_address_space(budget.memory_bytes)
    conn.send("ready")
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        task, data, fmt = request
        answer = _answer(conn, task, data, fmt, budget)
        try:
            conn.send(answer)
        except MemoryError:
            conn.send(("too-complex", "MemoryError"))


# -- the parent ------------------------------------------------------------------------------


class _Parser:
    """One parser process and the parent's end of its pipe."""

    def __init__(self, name: str, budget: Budget) -> None:
        ctx = processes.context()
        parent, child = ctx.Pipe()
        self.process: Any = ctx.Process(
            target=parser_main, args=(child, budget), name=name, daemon=True
        )
        self.process.start()
        child.close()
        self.conn = parent

    def wait_ready(self, timeout: float) -> None:
        """Block until the child has imported its readers (or raise if it died)."""
        deadline = time.monotonic() + timeout
        while not self.conn.poll(0.2):
            if not self.process.is_alive() or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"parser process did not start (exit {self.process.exitcode})")
        self.conn.recv()

    def ask(self, request: tuple[str, bytes, str], budget: Budget) -> tuple[str, Any]:
        """Send one document; the answer, or DocumentTooComplex when a budget runs out."""
        self.conn.send(request)
        read = budget.read_budget(len(request[1]))
        kind, payload = self._receive(read, f"not read within {read:.0f} s")
        if kind != "read":
            return kind, payload
        return self._receive(budget.check_seconds, f"not checked within {budget.check_seconds:g} s")

    def _receive(self, seconds: float, late: str) -> tuple[str, Any]:
        if not self.conn.poll(seconds):
            raise DocumentTooComplex(late)
        try:
            return self.conn.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError):  # the child died (killed by the kernel, ...)
            raise DocumentTooComplex("the parser process died reading it") from None

    def kill(self) -> None:
        """End the child at once."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5.0)
        self.conn.close()

    def close(self) -> None:
        """Ask the child to exit, then make sure it did."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(1.0)
        self.kill()


class ParserPool:
    """``size`` parser processes; :meth:`read` is blocking and thread-safe."""

    def __init__(self, size: int, budget: Budget, wait: float = 90.0) -> None:
        self.size = size
        self.budget = budget
        self.wait = wait
        self._idle: queue.Queue[_Parser] = queue.Queue()
        self._wanted: queue.Queue[bool] = queue.Queue()
        self._count = 0
        self._busy = 0
        self._lock = threading.Lock()
        self._closed = False
        # Linux kills a child when the *thread* that started it ends (PR_SET_PDEATHSIG), so
        # every parser is started by this one long-lived thread.
        self._spawner = threading.Thread(
            target=self._spawn_loop, name="parser-spawner", daemon=True
        )

    def start(self) -> None:
        """Spawn the processes in the background (the service answers meanwhile)."""
        self._spawner.start()
        for _ in range(self.size):
            self._replace()

    def stop(self) -> None:
        """Stop the idle processes; busy ones are stopped as they come back."""
        self._closed = True
        self._wanted.put(False)
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                break
        self._spawner.join(5.0)

    def _replace(self) -> None:
        """Ask for a fresh parser; it joins the idle queue once ready."""
        self._wanted.put(True)

    def _spawn_loop(self) -> None:
        while self._wanted.get() and not self._closed:
            self._count += 1
            try:
                parser = _Parser(f"symbiose-parser-{self._count}", self.budget)
            except Exception:
                log.exception("a parser process could not be started; trying again")
                time.sleep(1.0)
                self._replace()
                continue
            # Its imports take seconds: wait for them elsewhere, so the parsers start together.
            threading.Thread(target=self._when_ready, args=(parser,), daemon=True).start()

    def _when_ready(self, parser: _Parser) -> None:
        try:
            parser.wait_ready(300.0)
        except Exception:
            if not self._closed:  # (when the pool stops, starting parsers are killed with it)
                log.exception("a parser process died while starting; trying again")
                self._replace()
            return
        self._give_back(parser)

    def _give_back(self, parser: _Parser) -> None:
        if self._closed:
            parser.close()
        else:
            self._idle.put(parser)

    def read(self, task: str, data: bytes, fmt: str) -> Any:
        """Read one document in a parser process.

        Raises:
            DocumentProblems: the document has problems (with their field paths).
            DocumentTooComplex: the time or memory budget ran out.
            ParsersBusy: no parser became free within ``wait`` seconds.
            Unreadable: the reader failed in another way.
        """
        try:
            parser = self._idle.get(timeout=self.wait)
        except queue.Empty:
            raise ParsersBusy(f"no parser free within {self.wait:g} s") from None
        with self._lock:
            self._busy += 1
        try:
            kind, payload = parser.ask((task, data, fmt), self.budget)
        except BaseException:  # too slow, died, or the caller was interrupted: start afresh
            parser.kill()
            self._replace()
            raise
        finally:
            with self._lock:
                self._busy -= 1
        if kind == "too-complex":  # it raised MemoryError: its heap may be fragmented for good
            parser.kill()
            self._replace()
            raise DocumentTooComplex(f"it needs more memory than allowed ({payload})")
        self._give_back(parser)
        if kind == "issues":
            raise DocumentProblems(payload)
        if kind == "error":
            raise Unreadable(payload)
        return payload

    def pids(self) -> list[int]:
        """Process ids of the idle parsers (for tests and health)."""
        return [p.process.pid for p in list(self._idle.queue)]

    def stats(self) -> dict[str, int]:
        """Size, documents being read, and idle processes ready to read."""
        return {"size": self.size, "busy": self._busy, "processes": self._idle.qsize()}
