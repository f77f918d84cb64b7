"""Request and response bodies: separate Create (what a client sends) and Public (what it gets).

Inventories themselves are not redeclared here: their schema is the domain's own pydantic
model (``symbiose.inventory.Inventory``), put into the OpenAPI document by ``api/app.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from api.states import RunState
from api.text import control_characters
from models.constants import DEFAULT_GAP, DEFAULT_OBJECTIVE, DEFAULT_TIME_LIMIT, Objective
from symbiose.inventory.scenario import (
    Bans,
    ExcludedSites,
    ItemAdditions,
    ItemRemovals,
    ItemUpdates,
    Pins,
    TerritoryChanges,
)
from symbiose.inventory.schema import BuildChoice

MAX_INT = 2**31 - 1
"""The largest version number (and any other count) a client may send: the databases' INTEGER."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        """No control character (NUL above all) in any text, however deep: it cannot be stored."""
        found = control_characters(value)
        if found:
            loc, problem = found[0]
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
            raise PydanticCustomError(
                "control_character", f"{where.lstrip('.')}: {problem}" if where else problem
            )
        return value




class TerritoryPublic(BaseModel):
    """The caller's territory and role."""

    territory: str = Field(description="Territory the key belongs to.")
    role: Literal["coordinator", "viewer", "member"] = Field(description="What the key may do.")
    site: str | None = Field(
        None, description="The site a member key is bound to (absent for the other roles)."
    )
    inventories: int = Field(description="Inventories stored for the territory.")
    scenarios: int = Field(description="Scenarios stored for the territory.")
    runs: int = Field(description="Runs of the territory, in any state.")


class InventoryVersionPublic(BaseModel):
    """One immutable version of an inventory (without its content)."""

    version: int = Field(description="Version number, from 1.")
    etag: str = Field(description="Entity tag of this version (for If-Match).")
    source_format: str = Field(description="How it was submitted: json, yaml, xlsx or patch.")
    change: str = Field(description="create, replace or patch.")
    sites: int = Field(description="Number of sites.")
    links: int = Field(description="Number of explicit links.")
    created_at: dt.datetime = Field(description="When it was stored (UTC).")


class FieldWarning(BaseModel):
    """A plausibility warning: legal, so stored, but probably a slip; located by its field path."""

    path: str = Field(description="Field path, e.g. `sites[3].latitude`.")
    message: str = Field(
        description="What looks wrong, naming the value (invisible characters shown escaped)."
    )
    kind: str = Field(
        description="The check that found it: swapped-coordinates, heat-through-hub,"
        " converter-cycle, look-alike-ids or unusual-characters."
    )


class InventoryPublic(BaseModel):
    """An inventory and its latest version."""

    id: str = Field(description="Inventory id.")
    name: str = Field(description="Name given at creation.")
    latest_version: int = Field(description="Number of the latest version.")
    etag: str = Field(description="Entity tag of the latest version (send it as If-Match).")
    created_at: dt.datetime
    updated_at: dt.datetime
    versions: list[InventoryVersionPublic] = Field(description="Every version, oldest first.")
    warnings: list[FieldWarning] = Field(
        default_factory=list,
        description="Plausibility warnings about the version just submitted (latitude and"
        " longitude swapped, heat through a hub, a converter cycle making value from nothing,"
        " look-alike ids); empty when an inventory is only read.",
    )


class InventoryPatch(_In):
    """A partial update, in the scenario override format: the result is a new version."""

    territory: TerritoryChanges
    update: ItemUpdates
    add: ItemAdditions
    remove: ItemRemovals

    @model_validator(mode="after")
    def _not_empty(self) -> InventoryPatch:
        if not (self.territory or self.update or self.add or self.remove):
            raise ValueError("a patch must change something (territory, update, add or remove)")
        return self


class ScenarioCreate(_In):
    """A scenario: a stored inventory version and the overrides of ``symbiose compare``."""

    name: str = Field(min_length=1, max_length=200, description="Short name of the scenario.")
    description: str = Field("", max_length=5000, description="What the scenario supposes.")
    inventory_id: str = Field(min_length=1, max_length=64, description="The base inventory.")
    version: int | None = Field(
        None,
        ge=1,
        le=MAX_INT,
        description="The base version; the latest one when omitted (then pinned).",
    )
    territory: TerritoryChanges
    update: ItemUpdates
    add: ItemAdditions
    remove: ItemRemovals
    pin: Pins
    forbid: Bans
    exclude_sites: ExcludedSites

    def overrides(self) -> dict[str, Any]:
        """The scenario document in the CLI's format (pins and bans as ``{from, to, mode}``)."""
        return self.model_dump(
            mode="json", by_alias=True, exclude={"inventory_id", "version", "pin", "forbid"}
        ) | {
            "pin": [c.model_dump(by_alias=True, exclude_none=True) for c in self.pin],
            "forbid": [c.model_dump(by_alias=True, exclude_none=True) for c in self.forbid],
        }


class ScenarioPublic(BaseModel):
    """A stored scenario."""

    id: str
    name: str
    inventory_id: str
    version: int = Field(description="The pinned base version.")
    overrides: dict[str, Any] = Field(description="The scenario document (CLI format).")
    created_at: dt.datetime


class PlannerAsk(_In):
    """The planner's questions for one run: a budget, a CO2 target, caps, pins and bans.

    They go into the inventory's territory fields of the same names (``docs/inventory.md``).
    """

    investment_budget: float | str | None = Field(
        None, description="Most to invest in new links and converters (EUR), e.g. '20 MEUR'."
    )
    co2_min: float | str | None = Field(
        None, description="Least CO2 to avoid (t/yr), e.g. '2 Mt/yr': a constraint."
    )
    max_new_links: int | None = Field(None, ge=0, description="Most new links to build.")
    max_new_links_per_mode: dict[str, int] = Field(
        default_factory=dict, description="Most new links of each mode, e.g. {truck: 2}."
    )
    max_new_links_per_commodity: dict[str, int] = Field(
        default_factory=dict, description="Most new links carrying each commodity, e.g. {co2: 1}."
    )
    pin: list[BuildChoice] = Field(
        default_factory=list,
        description="Links ({from, to, mode}) or converters ({converter}) that must be built.",
    )
    forbid: list[BuildChoice] = Field(
        default_factory=list, description="Links or converters that must not be built."
    )
    exclude_sites: list[str] = Field(
        default_factory=list, description="Sites that take no part in the run."
    )
    candidate_cap: int | Literal["auto", "off"] | None = Field(
        None,
        description="Candidates each origin and destination keeps per mode and commodity,"
        " nearest first: a number, 'auto' or 'off' (default: the inventory's).",
    )


MAX_TOGETHER = 20
"""Most scenarios one run solves together."""


class RunCreate(_In):
    """What to optimise: an inventory version or a scenario, and how."""

    inventory_id: str | None = Field(None, max_length=64, description="An inventory to optimise.")
    version: int | None = Field(
        None, ge=1, le=MAX_INT, description="Its version; the latest one when omitted."
    )
    scenario_id: str | None = Field(None, max_length=64, description="Or a scenario to optimise.")
    objective: Objective = Field(DEFAULT_OBJECTIVE, description="What to maximise (or minimise).")
    time_limit: float | None = Field(
        None, gt=0, description="Seconds the solver may spend; the service maximum when omitted."
    )
    gap: float = Field(DEFAULT_GAP, ge=0, le=1, description="Relative MIP gap at which to stop.")
    planner: PlannerAsk | None = Field(
        None, description="The planner's questions: a budget, a CO2 target, caps, pins, bans."
    )
    scenario_ids: list[Annotated[str, Field(max_length=64)]] | None = Field(
        None,
        max_length=MAX_TOGETHER,
        description="Scenarios of the inventory solved together with it as their base (a"
        " stochastic pathway): builds up to the inventory's decision year are shared.",
    )
    probabilities: list[Annotated[float, Field(gt=0, le=1)]] | None = Field(
        None,
        max_length=MAX_TOGETHER,
        description="The planner's probability of each of scenario_ids, in order; they sum to"
        " 1 (omitted: equally likely).",
    )

    @model_validator(mode="after")
    def _one_target(self) -> RunCreate:
        if (self.inventory_id is None) == (self.scenario_id is None):
            raise ValueError("give exactly one of inventory_id and scenario_id")
        if self.scenario_id is not None and self.version is not None:
            raise ValueError("version applies to inventory_id only (a scenario pins its version)")
        if self.scenario_ids is not None and self.inventory_id is None:
            raise ValueError("scenario_ids are solved with inventory_id as their base")
        if self.probabilities is not None and len(self.probabilities) != len(
            self.scenario_ids or []
        ):
            raise ValueError("give one probability per scenario of scenario_ids")
        return self


class OptimiseCreate(_In):
    """A synchronous optimisation: an inline inventory, a stored version or a scenario."""

    inventory: dict[str, Any] | None = Field(
        None, description="An inline inventory (same schema as POST /v1/inventories); not stored."
    )
    inventory_id: str | None = Field(None, max_length=64, description="Or a stored inventory.")
    version: int | None = Field(
        None, ge=1, le=MAX_INT, description="Its version; the latest when omitted."
    )
    scenario_id: str | None = Field(None, max_length=64, description="Or a stored scenario.")
    objective: Objective = Field(DEFAULT_OBJECTIVE, description="What to maximise (or minimise).")
    time_limit: float | None = Field(
        None, gt=0, description="Seconds the solver may spend; the synchronous budget at most."
    )
    gap: float = Field(DEFAULT_GAP, ge=0, le=1, description="Relative MIP gap at which to stop.")
    planner: PlannerAsk | None = Field(
        None, description="The planner's questions: a budget, a CO2 target, caps, pins, bans."
    )

    @model_validator(mode="after")
    def _one_target(self) -> OptimiseCreate:
        given = [x is not None for x in (self.inventory, self.inventory_id, self.scenario_id)]
        if sum(given) != 1:
            raise ValueError("give exactly one of inventory, inventory_id and scenario_id")
        return self


class RunPublic(BaseModel):
    """A run and where it is."""

    id: str
    state: RunState = Field(description="queued, running, finished, failed or cancelled.")
    kind: Literal["background", "sync"] = Field(description="How it was submitted.")
    inventory_id: str | None
    version: int | None
    scenario_id: str | None
    objective: Objective
    time_limit: float
    gap_target: float = Field(description="The relative gap asked for.")
    status: str | None = Field(
        description="The solver's status when done: optimal, time_limit, infeasible, ..."
    )
    incumbent: float | None = Field(description="Best objective found so far (final when done).")
    bound: float | None = Field(description="Best bound on the objective.")
    gap: float | None = Field(description="Relative gap between incumbent and bound.")
    elapsed: float | None = Field(description="Seconds since the solve started (or it took).")
    nodes: int | None = Field(description="Branch-and-bound nodes explored so far.")
    reason: str | None = Field(
        description="Why it failed or was cancelled, or the solver's message; while it runs,"
        " the phase it is in (e.g. `blocks: 3/12 (40.2 s) ...`)."
    )
    attempts: int = Field(description="Times it was started (more than 1 after a worker died).")
    cancel_requested: bool
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    links: dict[str, str] = Field(description="Where to read it, its result and cancel it.")


class RunResultPublic(BaseModel):
    """A synchronous optimisation: the run and, when it found a solution, its result."""

    run: RunPublic
    result: dict[str, Any] | None = Field(
        description="The result document (summary and tables), as GET /v1/runs/{id}/result."
    )


class ComparisonCreate(_In):
    """Two or more finished runs to put side by side."""

    run_ids: list[str] = Field(min_length=2, max_length=20, description="Finished runs.")
    labels: list[str] | None = Field(
        None, description="Column names, one per run (default: the scenario or inventory name)."
    )

    @model_validator(mode="after")
    def _labels(self) -> ComparisonCreate:
        if self.labels is not None and len(self.labels) != len(self.run_ids):
            raise ValueError("labels: give one label per run")
        if self.labels is not None and len(set(self.labels)) != len(self.labels):
            raise ValueError("labels: must be distinct")
        if len(set(self.run_ids)) != len(self.run_ids):
            raise ValueError("run_ids: must be distinct")
        return self


class ComparisonPublic(BaseModel):
    """Runs side by side, as ``symbiose compare`` prints them."""

    id: str
    run_ids: list[str]
    labels: list[str]
    totals: list[dict[str, Any]] = Field(description="The totals of each run, one row per total.")
    exchanges: list[dict[str, Any]] = Field(
        description="Exchanges that appear, disappear or change between the runs."
    )
    created_at: dt.datetime


class Health(BaseModel):
    """Liveness and the state of the worker pools."""

    status: Literal["ok"]
    workers: dict[str, dict[str, int]] = Field(
        description="Per pool (background, sync, parsers): size, busy, processes."
    )


class SweepCreate(_In):
    """A sweep of a stored inventory version: a grid of figures and/or Monte Carlo draws."""

    inventory_id: str = Field(max_length=64, description="The inventory to sweep.")
    version: int | None = Field(
        None, ge=1, le=MAX_INT, description="Its version; the latest one when omitted."
    )
    grid: dict[str, list[str]] = Field(
        default_factory=dict,
        max_length=8,
        description="Values of named figures, every combination, e.g. {carbon_price: ['50', "
        "'150']} or {'supplies[am_dunkerque/co2].handling_cost': ['20 EUR/t', '40 EUR/t']}.",
    )
    draws: int = Field(
        0, ge=0, le=100_000, description="Monte Carlo draws of the inventory's uncertainties."
    )
    seed: int = Field(0, ge=0, le=MAX_INT, description="Seed of the Monte Carlo draws.")
    objective: Objective = Field(DEFAULT_OBJECTIVE, description="What each draw maximises.")
    time_limit: float = Field(DEFAULT_TIME_LIMIT, gt=0, le=3600, description="Seconds per draw's solve.")
    gap: float = Field(DEFAULT_GAP, ge=0, le=1, description="Relative MIP gap of each solve.")

    @model_validator(mode="after")
    def _something(self) -> SweepCreate:
        if not self.grid and not self.draws:
            raise ValueError("nothing to sweep: give a grid, draws, or both")
        for name, values in self.grid.items():
            if len(name) > 200 or not values or len(values) > 50:
                raise ValueError(f"grid {name[:60]!r}: give 1 to 50 values (names ≤ 200 chars)")
            if any(len(v) > 100 for v in values):
                raise ValueError(f"grid {name[:60]!r}: values are at most 100 characters")
        return self


class SweepPublic(BaseModel):
    """A sweep, its progress and, once finished, its summary."""

    id: str
    state: RunState = Field(description="queued, running, finished, failed or cancelled.")
    inventory_id: str
    version: int
    total: int = Field(description="Draws (solves) in the sweep.")
    done: int = Field(description="Draws solved or failed so far.")
    failed: int = Field(description="Draws that failed (each with its reason in the draws table).")
    reason: str | None = Field(description="Why the sweep failed or was cancelled.")
    summary: dict[str, Any] | None = Field(
        description="When finished: draws solved and failed, valorisation and CO2 avoided at"
        " P10/P50/P90."
    )
    cancel_requested: bool
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    links: dict[str, str] = Field(description="Where to read it, its tables and cancel it.")
