"""The valorisation vs CO2 front of an inventory version or a scenario, computed by the service.

``POST /v1/pareto`` starts a run series by the epsilon-constraint method (as ``symbiose
front`` does in one process): the two ends first, as ordinary runs (maximise valorisation,
maximise CO2 avoided); a background job waits for them, then queues one run per CO2 floor
``eps`` between them (maximise valorisation subject to ``co2_avoided >= eps``, the planner's
``co2_min``, see :func:`symbiose.front.epsilon_targets`).  Every point is a run of its own, so
it is followed, cancelled and shown on the map like any run.  ``GET /v1/pareto`` reads the
points back from the runs of the target: posting again resumes a series the service lost (a
restart), since runs already there are not queued twice.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, status
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import domain, store
from api.db import RunRow
from api.deps import PrincipalDep, Services, ServicesDep, SessionDep, WriterDep
from api.keys import Principal
from api.problems import ApiProblem, responses
from api.routes.runs import _check_quota, _stored_target, _target, _time_limit
from api.schemas import PlannerAsk, RunState
from symbiose.front import epsilon_targets

log = logging.getLogger(__name__)

router = APIRouter(tags=["runs"])

OVER = {RunState.FINISHED.value, RunState.FAILED.value, RunState.CANCELLED.value}
_CO2_MIN = re.compile(r'"co2_min":(-?[0-9.eE+-]+)')
_SAME = 1e-9
"""Relative tolerance under which two CO2 floors are the same point."""


class ParetoCreate(BaseModel):
    """What front to compute: an inventory version or a scenario, and how many points."""

    model_config = ConfigDict(extra="forbid")

    inventory_id: str | None = Field(None, max_length=64, description="An inventory.")
    version: int | None = Field(None, ge=1, description="Its version; the latest when omitted.")
    scenario_id: str | None = Field(None, max_length=64, description="Or a scenario.")
    points: int = Field(5, ge=2, le=20, description="Points of the front, both ends included.")
    time_limit: float | None = Field(
        None, gt=0, description="Seconds each point's solve may take; the service maximum when omitted."
    )
    gap: float = Field(1e-4, ge=0, le=1, description="Relative MIP gap of each point.")

    @model_validator(mode="after")
    def _one_target(self) -> ParetoCreate:
        if (self.inventory_id is None) == (self.scenario_id is None):
            raise ValueError("give exactly one of inventory_id and scenario_id")
        if self.scenario_id is not None and self.version is not None:
            raise ValueError("version applies to inventory_id only (a scenario pins its version)")
        return self


class ParetoPoint(BaseModel):
    """A point of the front: a run, its CO2 floor (none for the ends) and its totals."""

    run_id: str
    role: str = Field(description="'valorisation' or 'co2' (the ends) or 'epsilon'.")
    epsilon: float | None = Field(description="The CO2 floor (t/yr) of an epsilon point.")
    state: str
    status: str | None
    valorisation_eur_per_yr: float | None
    co2_avoided_t_per_yr: float | None


class ParetoPublic(BaseModel):
    """The front of a target as its runs stand."""

    inventory_id: str | None
    version: int | None
    scenario_id: str | None
    computing: bool = Field(description="Whether a background job still has points to queue.")
    points: list[ParetoPoint] = Field(description="The ends, then the epsilon points by CO2 floor.")


@dataclass(frozen=True)
class Target:
    """A front's target: its run reference fields and the stored inventory its runs read."""

    refs: store.RunRefs
    content: str

    @property
    def key(self) -> tuple[Any, ...]:
        """What names the target among the service's jobs."""
        return (self.refs.get("scenario_id"), self.refs.get("inventory_id"), self.refs.get("version"))


_jobs: dict[tuple[Any, ...], threading.Thread] = {}
_jobs_lock = threading.Lock()


def _runs_of(session: Session, who: Principal, target: Target) -> list[RunRow]:
    """The runs of the target (valorisation and CO2 objectives), oldest first."""
    query = select(RunRow).where(
        (RunRow.territory_id == who.territory) & RunRow.objective.in_(("valorisation", "co2"))
    )
    if target.refs.get("scenario_id"):
        query = query.where(RunRow.scenario_id == target.refs["scenario_id"])
    else:
        query = query.where(
            (RunRow.inventory_id == target.refs["inventory_id"])
            & (RunRow.version == target.refs["version"])
            & RunRow.scenario_id.is_(None)
        )
    return list(session.scalars(query.order_by(RunRow.created_at)).all())


def _epsilon(run: RunRow, target: Target) -> float | None:
    """The CO2 floor a planner put on a run (None for a run of the stored inventory itself)."""
    if run.input == target.content:
        return None
    found = _CO2_MIN.search(run.input)
    return float(found.group(1)) if found else None


def _ends(runs: list[RunRow], target: Target) -> dict[str, RunRow]:
    """The newest usable end run per objective: the stored inventory, nothing failed."""
    ends: dict[str, RunRow] = {}
    for run in runs:
        if run.input == target.content and run.state not in (RunState.FAILED.value, RunState.CANCELLED.value):
            ends[run.objective] = run
    return ends


def _resolve(session: Session, who: Principal, services: Services, body: ParetoCreate | dict[str, Any]) -> Target:
    ask = body if isinstance(body, dict) else body.model_dump()
    content, _, refs = _stored_target(
        session, who, services, ask.get("inventory_id"), ask.get("version"), ask.get("scenario_id"), None
    )
    return Target(refs=refs, content=content)


def _queue(
    session: Session, who: Principal, services: Services, target: Target, body: ParetoCreate,
    objective: str, epsilon: float | None = None,
) -> RunRow:
    """Queue one point of the front (an end, or valorisation under a CO2 floor)."""
    planner = PlannerAsk.model_validate({"co2_min": epsilon}) if epsilon is not None else None
    content = target.content
    if planner is not None:
        ask = target.refs.get("scenario_id")
        content, _, _ = _target(
            session, who, services,
            None if ask else target.refs["inventory_id"],
            None if ask else target.refs["version"],
            ask, planner=planner,
        )
    time_limit = _time_limit(body.time_limit, services.settings.max_solve_seconds, "service maximum")
    row = store.add_run(
        session, who.territory, content, kind="background", objective=objective,
        time_limit=time_limit, rel_gap=body.gap, refs=target.refs,
    )
    services.dispatcher.wake()
    return row


def _totals(session: Session, run: RunRow) -> dict[str, Any]:
    """A finished run's totals (none when it finished without a solution)."""
    try:
        document = domain.read_result(store.get_result(session, run).document).public()
    except ApiProblem:
        return {}
    totals: dict[str, Any] = document.get("totals", {})
    return totals


class FrontJob(threading.Thread):
    """Waits for the two ends of a front, then queues its epsilon points (a daemon thread)."""

    def __init__(self, services: Services, who: Principal, target: Target, body: ParetoCreate) -> None:
        super().__init__(name=f"pareto-{target.key}", daemon=True)
        self.services, self.who, self.target, self.body = services, who, target, body
        settings = services.settings
        limit = body.time_limit or settings.max_solve_seconds
        self.deadline = time.monotonic() + 4 * limit + 600  # two ends, queued behind others

    def run(self) -> None:
        """The thread's body: the job, then its place in the table of jobs freed."""
        try:
            self._run()
        except Exception:  # a thread's error reaches no one: log it, the runs tell the rest
            log.exception("the Pareto job of %s stopped", self.target.key)
        finally:
            with _jobs_lock:
                if _jobs.get(self.target.key) is self:
                    del _jobs[self.target.key]

    def _run(self) -> None:
        low_high = self._wait_for_ends()
        if low_high is None:
            return
        for epsilon in epsilon_targets(*low_high, self.body.points):
            with self.services.sessions() as session:
                runs = _runs_of(session, self.who, self.target)
                taken = [e for e in (_epsilon(r, self.target) for r in runs) if e is not None]
                if any(abs(e - epsilon) <= _SAME * max(1.0, abs(epsilon)) for e in taken):
                    continue
                self._wait_for_room()
                _queue(session, self.who, self.services, self.target, self.body, "valorisation", epsilon)

    def _wait_for_ends(self) -> tuple[float, float] | None:
        """(CO2 at the best valorisation, most CO2), once both ends are finished; None if one failed."""
        while time.monotonic() < self.deadline:
            with self.services.sessions() as session:
                ends = _ends(_runs_of(session, self.who, self.target), self.target)
                if len(ends) < 2:
                    return None  # an end failed or was cancelled: no front
                if all(r.state == RunState.FINISHED.value for r in ends.values()):
                    low = _totals(session, ends["valorisation"]).get("co2_avoided_t_per_yr")
                    high = _totals(session, ends["co2"]).get("co2_avoided_t_per_yr")
                    if low is None or high is None:
                        return None
                    return float(low), max(float(low), float(high))
            time.sleep(0.5)
        return None

    def _wait_for_room(self) -> None:
        """Wait while the territory holds its share of the queue (it frees as points finish)."""
        settings = self.services.settings
        while time.monotonic() < self.deadline:
            load = self.services.dispatcher.territory_load(self.who.territory)
            if load < settings.per_territory_queue and self.services.dispatcher.queued() < settings.queue_size:
                return
            time.sleep(0.5)


@router.post(
    "/v1/pareto",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Compute the valorisation vs CO2 front (epsilon-constraint runs)",
    responses=responses(401, 403, 404, 422, 429, 503),
)
def create_front(
    body: Annotated[
        ParetoCreate,
        Body(openapi_examples={"five": {"summary": "Five points", "value": {"inventory_id": "…", "points": 5}}}),
    ],
    who: WriterDep,
    session: SessionDep,
    services: ServicesDep,
) -> ParetoPublic:
    """Queue the ends that are missing, start the job that queues the points between them."""
    _time_limit(body.time_limit, services.settings.max_solve_seconds, "service maximum")
    target = _resolve(session, who, services, body)
    ends = _ends(_runs_of(session, who, target), target)
    for objective in ("valorisation", "co2"):
        if objective not in ends:
            _check_quota(services, who.territory)
            _queue(session, who, services, target, body, objective)
    with _jobs_lock:
        running = _jobs.get(target.key)
        if running is None or not running.is_alive():
            job = FrontJob(services, who, target, body)
            _jobs[target.key] = job
            job.start()
    return _front(session, who, target)


@router.get(
    "/v1/pareto",
    summary="The valorisation vs CO2 front of an inventory version or a scenario",
    responses=responses(401, 404, 422),
)
def get_front(
    who: PrincipalDep,
    session: SessionDep,
    services: ServicesDep,
    inventory_id: Annotated[str | None, Query(max_length=64, description="An inventory.")] = None,
    version: Annotated[int | None, Query(ge=1, description="Its version; the latest when omitted.")] = None,
    scenario_id: Annotated[str | None, Query(max_length=64, description="Or a scenario.")] = None,
) -> ParetoPublic:
    """The ends and epsilon points computed so far, each with its run and totals."""
    if (inventory_id is None) == (scenario_id is None):
        raise ApiProblem(422, "give exactly one of inventory_id and scenario_id", kind="invalid-query")
    ask = {"inventory_id": inventory_id, "version": version, "scenario_id": scenario_id}
    return _front(session, who, _resolve(session, who, services, ask))


def _front(session: Session, who: Principal, target: Target) -> ParetoPublic:
    runs = _runs_of(session, who, target)
    ends = _ends(runs, target)
    points = [_point(session, run, role, None) for role, run in sorted(ends.items(), reverse=True)]
    epsilons = [(e, r) for r in runs if r.objective == "valorisation" and (e := _epsilon(r, target)) is not None]
    points += [_point(session, run, "epsilon", e) for e, run in sorted(epsilons, key=lambda x: x[0])]
    with _jobs_lock:
        job = _jobs.get(target.key)
    return ParetoPublic(
        inventory_id=target.refs.get("inventory_id"),
        version=target.refs.get("version"),
        scenario_id=target.refs.get("scenario_id"),
        computing=bool(job and job.is_alive()),
        points=points,
    )


def _point(session: Session, run: RunRow, role: str, epsilon: float | None) -> ParetoPoint:
    totals: dict[str, Any] = _totals(session, run) if run.state == RunState.FINISHED.value else {}
    return ParetoPoint(
        run_id=run.id,
        role=role,
        epsilon=epsilon,
        state=run.state,
        status=run.status,
        valorisation_eur_per_yr=totals.get("valorisation_eur_per_yr"),
        co2_avoided_t_per_yr=totals.get("co2_avoided_t_per_yr"),
    )

