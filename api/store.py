"""Reading and writing the stored objects, always within the caller's territory.

Every lookup filters by territory, so an object of another territory is simply not found: the
route answers 404 exactly as for an id that never existed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import domain, sandbox
from api.config import Settings
from api.db import (
    ComparisonRow,
    InventoryRow,
    InventoryVersionRow,
    RunResultRow,
    RunRow,
    ScenarioRow,
    SweepRow,
    new_id,
    now,
)
from api.keys import Principal
from api.problems import ApiProblem, FieldError
from api.sandbox import ParserPool
from api.schemas import (
    ComparisonPublic,
    FieldWarning,
    InventoryPublic,
    InventoryVersionPublic,
    RunPublic,
    ScenarioPublic,
    SweepPublic,
)
from api.states import ACTIVE, RunState
from api.text import control_problem

Owned = TypeVar("Owned", InventoryRow, ScenarioRow, RunRow, ComparisonRow, SweepRow)
"""The tables whose rows belong to a territory."""

OwnedTable = (
    type[InventoryRow] | type[ScenarioRow] | type[RunRow] | type[ComparisonRow] | type[SweepRow]
)


class RunRefs(TypedDict, total=False):
    """What a run solves: an inventory version, a scenario (with its base), or neither (inline)."""

    inventory_id: str
    version: int
    scenario_id: str


def not_found(kind: str, ident: object) -> ApiProblem:
    """The 404 of an object that does not exist (or belongs to another territory)."""
    return ApiProblem(404, f"{kind} {ident!r} not found")


def _owned(session: Session, who: Principal, model: type[Owned], kind: str, ident: str) -> Owned:
    """The caller's object of ``model`` with id ``ident``, or 404 (also for other territories).

    An id no object can have (too long, or with a control character, which PostgreSQL would
    refuse to even compare) is simply not found.
    """
    if len(ident) > 64 or control_problem(ident) is not None:
        raise not_found(kind, ident)
    row = session.get(model, ident)
    if row is None or row.territory_id != who.territory:
        raise not_found(kind, ident)
    return row


def etag_of(version: int, content: str) -> str:
    """The strong entity tag of an inventory version."""
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    return f'"{version}-{digest}"'


def check_limits(inv: domain.Inventory, settings: Settings) -> tuple[int, int]:
    """Sites and links of ``inv``, or 422 if it exceeds the configured maxima."""
    sites, links = domain.counts(inv)
    errors = []
    if sites > settings.max_sites:
        errors.append(
            FieldError(
                path="sites",
                message=f"{sites} sites; this service accepts at most {settings.max_sites}",
            )
        )
    if links > settings.max_links:
        errors.append(
            FieldError(
                path="links",
                message=f"{links} links; this service accepts at most {settings.max_links}",
            )
        )
    if errors:
        raise ApiProblem(
            422, "the inventory exceeds the service's limits", kind="limits", errors=errors
        )
    return sites, links


def inventory_error(exc: domain.InventoryError) -> ApiProblem:
    """An inventory error as a 422 with one entry per problem and its field path."""
    return _document_problems([(i.path(), i.msg) for i in exc.issues], "inventory")


def _document_problems(issues: list[tuple[str, str]], what: str) -> ApiProblem:
    errors = [FieldError(path=path, message=message) for path, message in issues]
    count = len(errors)
    return ApiProblem(
        422,
        f"{count} problem{'s' if count != 1 else ''} in the {what}",
        kind="invalid-inventory" if what == "inventory" else "invalid-scenario",
        errors=errors,
    )


def _read_in_parser(
    parsers: ParserPool, task: str, data: bytes, fmt: str, settings: Settings
) -> Any:
    """A document read by a parser process, or the problem answer that says why not."""
    what = "scenario" if task == sandbox.SCENARIO else "inventory"
    try:
        return parsers.read(task, data, fmt)
    except sandbox.DocumentProblems as exc:
        raise _document_problems(exc.issues, what) from None
    except sandbox.DocumentTooComplex as exc:
        budget = parsers.budget.read_budget(len(data))
        raise ApiProblem(
            413,
            f"the {fmt} document is too large or too complex to read within {budget:.0f} s "
            f"and {settings.parse_memory_mb} MB ({exc})",
            kind="too-complex",
            errors=[FieldError(path="(document)", message=str(exc))],
        ) from None
    except sandbox.ParsersBusy:
        raise ApiProblem(
            503,
            f"every document reader is busy; retry in {settings.retry_after} s",
            kind="readers-busy",
            headers={"Retry-After": str(settings.retry_after)},
        ) from None
    except sandbox.Unreadable as exc:  # an unreadable document is the client's error, not ours
        if task == sandbox.APPLY:
            raise ApiProblem(
                422,
                f"the overrides cannot be applied: {exc}",
                kind="invalid-overrides",
                errors=[FieldError(path="(document)", message=str(exc))],
            ) from None
        raise ApiProblem(
            422,
            f"the {fmt} document cannot be read as an {what}: {exc}",
            kind=f"invalid-{what}",
            errors=[FieldError(path="(document)", message=str(exc))],
        ) from None


def read_inventory(
    parsers: ParserPool, data: bytes, fmt: str, settings: Settings
) -> domain.Inventory:
    """Read and check a submitted inventory in a parser process.

    Answers 422 with field paths on any problem, 413 if it cannot be read within the budget.
    """
    content = _read_in_parser(parsers, sandbox.INVENTORY, data, fmt, settings)
    inv = domain.inventory_from_json(content)
    check_limits(inv, settings)
    return inv


def read_scenario(parsers: ParserPool, data: bytes, fmt: str, settings: Settings) -> dict[str, Any]:
    """Read a submitted scenario file in a parser process (its ``base`` left out)."""
    scenario: dict[str, Any] = _read_in_parser(parsers, sandbox.SCENARIO, data, fmt, settings)
    return scenario


# -- inventories ---------------------------------------------------------------------------


def get_inventory(session: Session, who: Principal, inventory_id: str) -> InventoryRow:
    """The caller's inventory, or 404."""
    return _owned(session, who, InventoryRow, "inventory", inventory_id)


def get_version(session: Session, inv: InventoryRow, version: int | None) -> InventoryVersionRow:
    """A version of an inventory (the latest if None), or 404."""
    number = inv.latest_version if version is None else version
    row = session.scalars(
        select(InventoryVersionRow).where(
            (InventoryVersionRow.inventory_id == inv.id) & (InventoryVersionRow.version == number)
        )
    ).first()
    if row is None:
        raise not_found("version", number)
    return row


def create_inventory(
    session: Session,
    who: Principal,
    name: str,
    inv: domain.Inventory,
    fmt: str,
    settings: Settings,
) -> InventoryRow:
    """Store a new inventory with its version 1."""
    content = domain.canonical_json(inv)
    sites, links = check_limits(inv, settings)
    row = InventoryRow(id=new_id(), territory_id=who.territory, name=name, latest_version=1)
    session.add(row)
    session.flush()
    session.add(
        InventoryVersionRow(
            inventory_id=row.id,
            version=1,
            content=content,
            etag=etag_of(1, content),
            source_format=fmt,
            change="create",
            n_sites=sites,
            n_links=links,
            created_by=who.key_id,
        )
    )
    session.commit()
    return row


def check_if_match(if_match: str | None, current: InventoryVersionRow) -> None:
    """412 unless ``if_match`` names the current version; 428 if it is missing."""
    if if_match is None or not if_match.strip():
        raise ApiProblem(
            428,
            f"send If-Match with the inventory's ETag ({current.etag}) to change it",
        )
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" not in tags and current.etag not in tags:
        raise ApiProblem(
            412,
            f"the inventory has changed: its latest version is {current.version} "
            f"(ETag {current.etag}); read it again and re-apply your change",
        )


def add_version(
    session: Session,
    who: Principal,
    inv_row: InventoryRow,
    current: InventoryVersionRow,
    inv: domain.Inventory,
    fmt: str,
    change: str,
    settings: Settings,
) -> InventoryVersionRow:
    """Store ``inv`` as the version after ``current``; 412 if another writer got there first."""
    content = domain.canonical_json(inv)
    sites, links = check_limits(inv, settings)
    number = current.version + 1
    moved = session.execute(
        update(InventoryRow)
        .where((InventoryRow.id == inv_row.id) & (InventoryRow.latest_version == current.version))
        .values(latest_version=number, updated_at=now())
    ).rowcount  # type: ignore[attr-defined]
    if moved != 1:
        session.rollback()
        raise ApiProblem(412, "the inventory was changed by another request; read it again")
    version = InventoryVersionRow(
        inventory_id=inv_row.id,
        version=number,
        content=content,
        etag=etag_of(number, content),
        source_format=fmt,
        change=change,
        n_sites=sites,
        n_links=links,
        created_by=who.key_id,
    )
    session.add(version)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ApiProblem(
            412, "the inventory was changed by another request; read it again"
        ) from None
    session.refresh(inv_row)
    return version


def inventory_public(session: Session, row: InventoryRow) -> InventoryPublic:
    """The public form of an inventory with its versions."""
    versions = session.scalars(
        select(InventoryVersionRow)
        .where(InventoryVersionRow.inventory_id == row.id)
        .order_by(InventoryVersionRow.version)
    ).all()
    public = [
        InventoryVersionPublic(
            version=v.version,
            etag=v.etag,
            source_format=v.source_format,
            change=v.change,
            sites=v.n_sites,
            links=v.n_links,
            created_at=_utc(v.created_at),
        )
        for v in versions
    ]
    latest = next((v for v in public if v.version == row.latest_version), public[-1])
    return InventoryPublic(
        id=row.id,
        name=row.name,
        latest_version=row.latest_version,
        etag=latest.etag,
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
        versions=public,
    )


def with_warnings(public: InventoryPublic, inv: domain.Inventory) -> InventoryPublic:
    """``public`` with the plausibility warnings of the inventory just submitted."""
    found = [
        FieldWarning(path=w.path(), message=w.msg, kind=w.kind) for w in domain.plausibility(inv)
    ]
    return public.model_copy(update={"warnings": found})


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands timestamps back without their zone; they are stored in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _utc_or_none(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _utc(value)


# -- scenarios -----------------------------------------------------------------------------


def get_scenario(session: Session, who: Principal, scenario_id: str) -> ScenarioRow:
    """The caller's scenario, or 404."""
    return _owned(session, who, ScenarioRow, "scenario", scenario_id)


def scenario_inventory(
    session: Session, parsers: ParserPool, settings: Settings, row: ScenarioRow
) -> domain.Inventory:
    """The inventory a scenario describes (its base version with the overrides applied)."""
    base = session.scalars(
        select(InventoryVersionRow).where(
            (InventoryVersionRow.inventory_id == row.inventory_id)
            & (InventoryVersionRow.version == row.version)
        )
    ).one()
    return apply_overrides(parsers, settings, base.content, row.overrides)


def apply_overrides(
    parsers: ParserPool, settings: Settings, base_json: str, overrides: dict[str, Any]
) -> domain.Inventory:
    """Apply overrides to a stored inventory in a parser process; 422 if they do not fit.

    Checking the result compiles the inventory: seconds of CPU for a large territory, which
    must not hold the service's event loop (nor its memory).
    """
    request = json.dumps({"base": base_json, "overrides": overrides}).encode()
    content = _read_in_parser(parsers, sandbox.APPLY, request, "json", settings)
    return domain.inventory_from_json(content)


def scenario_public(row: ScenarioRow) -> ScenarioPublic:
    """The public form of a scenario."""
    return ScenarioPublic(
        id=row.id,
        name=row.name,
        inventory_id=row.inventory_id,
        version=row.version,
        overrides=row.overrides,
        created_at=_utc(row.created_at),
    )


# -- runs ----------------------------------------------------------------------------------


def add_run(
    session: Session,
    territory: str,
    content: str,
    *,
    kind: str,
    objective: str,
    time_limit: float,
    rel_gap: float,
    refs: RunRefs,
) -> RunRow:
    """Store and commit a new run: queued for a background run, running for a synchronous one.

    ``refs`` names what it solves (``inventory_id`` and ``version``, or ``scenario_id``).
    """
    sync = kind == "sync"
    row = RunRow(
        territory_id=territory,
        kind=kind,
        objective=objective,
        time_limit=time_limit,
        rel_gap=rel_gap,
        input=content,
        state=RunState.RUNNING if sync else RunState.QUEUED,
        attempt=1 if sync else 0,
        cancel_requested=False,
        **refs,
    )
    session.add(row)
    session.commit()
    return row


def get_run(session: Session, who: Principal, run_id: str) -> RunRow:
    """The caller's run, or 404."""
    return _owned(session, who, RunRow, "run", run_id)


def get_result(session: Session, run: RunRow) -> RunResultRow:
    """The result of a finished run, or 409 while it has none."""
    if run.state != RunState.FINISHED:
        raise ApiProblem(
            409,
            f"run {run.id} is {run.state}: it has no result"
            + (f" ({run.reason})" if run.reason and run.state == RunState.FAILED else ""),
            kind="no-result",
        )
    row = session.get(RunResultRow, run.id)
    if row is None:
        raise ApiProblem(409, f"run {run.id} has no stored result", kind="no-result")
    return row


# -- run states: one function per transition, each checked against the state it leaves ------


def cancel_run(session: Session, run: RunRow) -> bool:
    """Cancel ``run``: True if it was queued (cancelled at once), False if it is running.

    A running run only has its cancel flag set; its worker stops at the solver's next check.
    A finished, failed or cancelled run cannot be cancelled (409).
    """
    if run.state == RunState.QUEUED:
        moved = _move_run(
            session,
            run,
            RunState.QUEUED,
            state=RunState.CANCELLED,
            cancel_requested=True,
            finished_at=now(),
            reason="cancelled before it started",
        )
        if moved:
            return True
    if run.state == RunState.RUNNING:
        session.execute(update(RunRow).where(RunRow.id == run.id).values(cancel_requested=True))
        session.commit()
        session.refresh(run)
        return False
    raise ApiProblem(409, f"run {run.id} is already {run.state}", kind="run-over")


def fail_unstarted(session: Session, run_id: str, reason: str) -> None:
    """Fail a run no worker took (a synchronous run turned away by a full queue)."""
    run = session.get(RunRow, run_id)
    if run is not None and run.state in ACTIVE:
        leaving = RunState(run.state)
        _move_run(session, run, leaving, state=RunState.FAILED, reason=reason, finished_at=now())


def _move_run(session: Session, run: RunRow, leaving: RunState, **values: Any) -> bool:
    """Set ``values`` if the run is still in ``leaving`` (atomic); the row is read again."""
    moved = session.execute(
        update(RunRow).where((RunRow.id == run.id) & (RunRow.state == leaving)).values(**values)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    session.refresh(run)
    return bool(moved == 1)


# -- run states in the dispatcher and the workers: every write is guarded by the attempt ----


@dataclass
class RunEnd:
    """How a worker's attempt ended: the run's final state, the solver's status and why."""

    state: RunState
    status: str
    reason: str
    figures: domain.Figures = field(default_factory=lambda: domain.Figures())
    """Final objective (as ``incumbent``), bound, gap and seconds, when the solver gave them."""
    result: RunResultRow | None = None
    """The result to store with a finished run."""


def _attempt_of(run_id: str, attempt: int) -> Any:
    """The run while ``attempt`` owns it (running, not re-queued or taken by a later attempt)."""
    return (RunRow.id == run_id) & (RunRow.attempt == attempt) & (RunRow.state == RunState.RUNNING)


def requeue_running(session: Session) -> int:
    """Queue again every run left running by a stopped service; returns how many."""
    count = session.execute(
        update(RunRow)
        .where(RunRow.state == RunState.RUNNING)
        .values(state=RunState.QUEUED, kind="background", worker_pid=None)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    return int(count or 0)


def claim_run(session: Session, run_id: str) -> int | None:
    """Take a queued run for a worker: running, under a new attempt number (None if taken)."""
    attempt = int(session.scalar(select(RunRow.attempt).where(RunRow.id == run_id)) or 0) + 1
    claimed = session.execute(
        update(RunRow)
        .where((RunRow.id == run_id) & (RunRow.state == RunState.QUEUED))
        .values(state=RunState.RUNNING, attempt=attempt, worker_pid=None)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    return attempt if claimed == 1 else None


def release_run(session: Session, run_id: str, attempt: int) -> None:
    """Give back a claimed run that no worker could take: queued again."""
    owned = _attempt_of(run_id, attempt)
    session.execute(update(RunRow).where(owned).values(state=RunState.QUEUED))
    session.commit()


def after_crash(
    session: Session, run_id: str, attempt: int, error: str, max_attempts: int
) -> RunState | None:
    """The worker of an attempt died: cancelled if asked, failed after the last attempt, or queued.

    Returns the run's new state, or None if the attempt no longer owned the run.
    """
    run = session.get(RunRow, run_id)
    if run is None or run.state != RunState.RUNNING or run.attempt != attempt:
        return None
    values: dict[str, Any]
    if run.cancel_requested:
        values = {"state": RunState.CANCELLED, "finished_at": now(), "reason": "cancelled"}
    elif attempt >= max_attempts:
        values = {
            "state": RunState.FAILED,
            "finished_at": now(),
            "status": "error",
            "reason": f"the worker process died {attempt} times; last: {error}",
        }
    else:
        values = {"state": RunState.QUEUED, "kind": "background", "worker_pid": None}
    session.execute(update(RunRow).where(_attempt_of(run_id, attempt)).values(**values))
    session.commit()
    return RunState(values["state"])


def begin_attempt(session: Session, run_id: str, attempt: int, pid: int) -> RunRow | None:
    """A worker starts its attempt: the run (cancelled if asked), or None if not its own."""
    owned = _attempt_of(run_id, attempt)
    run = session.scalars(select(RunRow).where(owned)).first()
    if run is None:
        return None
    if run.cancel_requested:
        values: dict[str, Any] = {"state": RunState.CANCELLED, "finished_at": now()}
    else:
        progress = dict.fromkeys(("incumbent", "bound", "mip_gap", "elapsed", "nodes"))
        values = {"started_at": now(), "worker_pid": pid, **progress}
    session.execute(update(RunRow).where(owned).values(**values))
    session.commit()
    session.refresh(run)
    return run


def end_attempt(session: Session, run_id: str, attempt: int, end: RunEnd) -> bool:
    """Store how an attempt ended (and its result); False if the attempt no longer owns the run."""
    values = {"state": end.state, "status": end.status, "reason": end.reason, **end.figures}
    done = session.execute(
        update(RunRow).where(_attempt_of(run_id, attempt)).values(**values, finished_at=now())
    ).rowcount  # type: ignore[attr-defined]
    if done != 1:
        session.rollback()
        return False
    if end.result is not None:
        session.add(end.result)
    session.commit()
    return True


def run_public(run: RunRow) -> RunPublic:
    """The public form of a run (elapsed time computed while it runs)."""
    elapsed = run.elapsed
    if run.state == RunState.RUNNING and run.started_at is not None:
        elapsed = (now() - _utc(run.started_at)).total_seconds()
    base = f"/v1/runs/{run.id}"
    links = {"self": base}
    if run.state == RunState.FINISHED:
        links["result"] = base + "/result"
    if run.state in ACTIVE:
        links["cancel"] = base + "/cancel"
    return RunPublic(
        id=run.id,
        state=run.state,  # type: ignore[arg-type]
        kind=run.kind,  # type: ignore[arg-type]
        inventory_id=run.inventory_id,
        version=run.version,
        scenario_id=run.scenario_id,
        objective=run.objective,  # type: ignore[arg-type]
        time_limit=run.time_limit,
        gap_target=run.rel_gap,
        status=run.status,
        incumbent=run.incumbent,
        bound=run.bound,
        gap=run.mip_gap,
        elapsed=elapsed,
        nodes=run.nodes,
        reason=run.reason,
        attempts=run.attempt,
        cancel_requested=run.cancel_requested,
        created_at=_utc(run.created_at),
        started_at=_utc_or_none(run.started_at),
        finished_at=_utc_or_none(run.finished_at),
        links=links,
    )


def count(session: Session, table: OwnedTable, territory: str) -> int:
    """How many rows of ``table`` the territory has."""
    return int(
        session.scalar(
            select(func.count()).select_from(table).where(table.territory_id == territory)
        )
        or 0
    )


# -- comparisons ---------------------------------------------------------------------------


def get_comparison(session: Session, who: Principal, comparison_id: str) -> ComparisonRow:
    """The caller's comparison, or 404."""
    return _owned(session, who, ComparisonRow, "comparison", comparison_id)


def comparison_public(row: ComparisonRow) -> ComparisonPublic:
    """The public form of a comparison."""
    return ComparisonPublic(
        id=row.id,
        run_ids=row.run_ids,
        labels=row.labels,
        totals=row.totals,
        exchanges=row.exchanges,
        created_at=_utc(row.created_at),
    )


def get_sweep(session: Session, who: Principal, sweep_id: str) -> SweepRow:
    """The caller's sweep, or 404."""
    return _owned(session, who, SweepRow, "sweep", sweep_id)


def add_sweep(
    session: Session, who: Principal, version: InventoryVersionRow, spec: str, total: int
) -> SweepRow:
    """Store and commit a new sweep of an inventory version, queued."""
    row = SweepRow(
        territory_id=who.territory,
        inventory_id=version.inventory_id,
        version=version.version,
        spec=spec,
        state=RunState.QUEUED,
        total=total,
        done=0,
        failed=0,
        cancel_requested=False,
    )
    session.add(row)
    session.commit()
    return row


def cancel_sweep(session: Session, row: SweepRow) -> None:
    """Stop a sweep: a queued one at once, a running one at its next draw; 409 once it is over."""
    if row.state not in ACTIVE:
        raise ApiProblem(409, f"sweep {row.id} is already {row.state}", kind="run-over")
    session.execute(
        update(SweepRow)
        .where((SweepRow.id == row.id) & (SweepRow.state == RunState.QUEUED))
        .values(state=RunState.CANCELLED, reason="cancelled at the caller's request")
    )
    session.execute(update(SweepRow).where(SweepRow.id == row.id).values(cancel_requested=True))
    session.commit()
    session.refresh(row)


def requeue_running_sweeps(session: Session) -> None:
    """Queue again the sweeps a stopped service left running."""
    session.execute(
        update(SweepRow).where(SweepRow.state == RunState.RUNNING).values(state=RunState.QUEUED)
    )
    session.commit()


def claim_sweep(session: Session) -> str | None:
    """Take the oldest queued sweep: running from now; its id, or None if none is waiting."""
    row = session.scalars(
        select(SweepRow).where(SweepRow.state == RunState.QUEUED).order_by(SweepRow.created_at)
    ).first()
    if row is None:
        return None
    claimed = session.execute(
        update(SweepRow)
        .where((SweepRow.id == row.id) & (SweepRow.state == RunState.QUEUED))
        .values(state=RunState.RUNNING, started_at=now(), done=0, failed=0)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    return row.id if claimed == 1 else None


def end_sweep(session: Session, sweep_id: str, state: RunState, **values: Any) -> None:
    """A running sweep ends in ``state`` (with its result, counts or reason in ``values``)."""
    session.execute(
        update(SweepRow)
        .where((SweepRow.id == sweep_id) & (SweepRow.state == RunState.RUNNING))
        .values(state=state, finished_at=now(), **values)
    )
    session.commit()


def sweep_public(row: SweepRow) -> SweepPublic:
    """The public form of a sweep."""
    base = f"/v1/sweeps/{row.id}"
    links = {"self": base}
    summary = None
    if row.state == RunState.FINISHED and row.result:
        summary = json.loads(row.result)["summary"]
        for name in ("draws", "exchanges", "sensitivity"):
            links[name] = f"{base}/tables/{name}"
    if row.state in ACTIVE:
        links["cancel"] = base + "/cancel"
    return SweepPublic(
        id=row.id,
        state=row.state,  # type: ignore[arg-type]
        inventory_id=row.inventory_id,
        version=row.version,
        total=row.total,
        done=row.done,
        failed=row.failed,
        reason=row.reason,
        summary=summary,
        cancel_requested=row.cancel_requested,
        created_at=_utc(row.created_at),
        started_at=_utc_or_none(row.started_at),
        finished_at=_utc_or_none(row.finished_at),
        links=links,
    )
