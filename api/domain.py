"""The one door from the service to the domain layer (``symbiose``).

Everything the service needs from inventories, scenarios, the optimiser and reports goes
through these functions, so the rest of ``api/`` depends on plain JSON, bytes and DataFrames
and never builds a Pyomo object.  Domain errors come out as :class:`InventoryError` with field
paths, which the routes turn into problem details.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

import pandas as pd

from models.solve import Progress, SolveOptions
from symbiose import exports
from symbiose.document import ResultDocument
from symbiose.inventory import (
    Inventory,
    InventoryError,
    InventoryIssue,
    apply_scenario,
    dump_inventory,
    dump_workbook,
    parse_inventory,
    parse_scenario,
)
from symbiose.plausibility import PlausibilityWarning, plausibility_warnings

__all__ = [
    "Figures",
    "Inventory",
    "InventoryError",
    "InventoryIssue",
    "Outcome",
    "PlausibilityWarning",
    "Progress",
    "ResultDocument",
    "apply_overrides",
    "candidates",
    "canonical_json",
    "check_inventory",
    "check_pathway_input",
    "compare_reports",
    "counts",
    "decode_inventory",
    "inventory_document",
    "inventory_from_json",
    "optimise",
    "pathway_input",
    "plausibility",
    "read_inventory",
    "read_overrides",
    "read_result",
    "records_csv",
    "render_inventory",
    "tables_of",
    "text_problems",
]

TABLES = ("totals", "flows", "built_links", "site_gains")
"""The result tables the service serves, by name."""

PATHWAY_TABLES = ("totals", "schedule", "periods", "scenarios", "flows", "built_links")
"""The tables of a pathway's result (flows and links with their scenario and year)."""


def tables_of(document: ResultDocument) -> tuple[str, ...]:
    """The tables the service serves of a result: a pathway's or a single year's."""
    return PATHWAY_TABLES if document.summary.get("kind") == "pathway" else TABLES


def read_inventory(data: bytes | str | dict, fmt: str) -> Inventory:
    """Parse and check an inventory (``fmt``: json, yaml or xlsx); raises InventoryError."""
    inv = decode_inventory(data, fmt)
    check_inventory(inv)
    return inv


def plausibility(inv: Inventory) -> list[PlausibilityWarning]:
    """What ``inv`` says legally but probably by a slip (warnings, never a refusal)."""
    return plausibility_warnings(inv)


def decode_inventory(data: bytes | str | dict, fmt: str) -> Inventory:
    """Decode an inventory and check its schema, not yet its meaning; raises InventoryError."""
    return parse_inventory(data, fmt=fmt, validate=False)


def check_inventory(inv: Inventory) -> None:
    """Check the meaning of a decoded inventory (units, references...); raises InventoryError.

    The pipeline's one check (:func:`symbiose.pipeline.check`): the inventory converted once.
    """
    from symbiose.pipeline import check

    check(inv)


def inventory_document(inv: Inventory) -> dict[str, Any]:
    """An inventory as a plain JSON-ready mapping."""
    return _as_dict(inv)


def text_problems(document: Any) -> list[InventoryIssue]:
    """Texts of a document that cannot be stored (control characters), by field path."""
    from api.text import control_characters

    return [InventoryIssue(loc, msg) for loc, msg in control_characters(document)]


def inventory_from_json(text: str) -> Inventory:
    """An inventory stored by the service (already validated when stored)."""
    return parse_inventory(json.loads(text), fmt="json", validate=False)


def canonical_json(inv: Inventory) -> str:
    """The stored form of an inventory: JSON with sorted keys, so equal content hashes equally."""
    return json.dumps(_as_dict(inv), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _as_dict(inv: Inventory) -> dict[str, Any]:
    dumped = dump_inventory(inv, fmt="json")
    if isinstance(dumped, dict):
        return dumped
    return json.loads(dumped)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def render_inventory(inv_json: str, fmt: str) -> tuple[bytes, str]:
    """A stored inventory as ``fmt`` (json, yaml, or xlsx: the spreadsheet template filled in)."""
    if fmt == "xlsx":
        return dump_workbook(inventory_from_json(inv_json)), XLSX
    if fmt == "yaml":
        text = dump_inventory(inventory_from_json(inv_json), fmt="yaml")
        data = text if isinstance(text, str | bytes) else json.dumps(text)
        return (data.encode() if isinstance(data, str) else data), "application/yaml"
    return inv_json.encode(), "application/json"


def counts(inv: Inventory) -> tuple[int, int]:
    """Number of sites and of explicit links."""
    return len(inv.sites), len(inv.links)


def read_overrides(data: dict[str, Any] | str | bytes, fmt: str = "json") -> Any:
    """Parse scenario overrides (the CLI's scenario format); raises InventoryError."""
    return parse_scenario(data, fmt=fmt)


def apply_overrides(base_json: str, overrides: Any) -> Inventory:
    """The inventory of a scenario: a stored base with overrides applied and checked."""
    scenario = (
        overrides if not isinstance(overrides, dict | str | bytes) else read_overrides(overrides)
    )
    # apply_scenario checks the result (once), its problems naming the scenario
    return apply_scenario(inventory_from_json(base_json), scenario)


def with_planner(inv_json: str, planner: dict[str, Any]) -> dict[str, Any]:
    """The inventory document of ``inv_json`` with the planner's questions in its territory.

    Limits replace the territory's; pins, bans and excluded sites add to its own.
    """
    doc = json.loads(inv_json)
    territory = dict(doc.get("territory", {}))
    for key, value in planner.items():
        if key in ("pin", "forbid", "exclude_sites"):
            territory[key] = list(territory.get(key, [])) + list(value)
        else:
            territory[key] = value
    return doc | {"territory": territory}


class Figures(TypedDict, total=False):
    """The solver's last figures of a run, as the run table stores them."""

    incumbent: float | None
    bound: float | None
    mip_gap: float | None
    elapsed: float | None


@dataclass
class Outcome:
    """What a worker stores for a run."""

    status: str
    """The solver's status (models.result.Status value)."""
    message: str
    has_solution: bool
    document: str = ""
    """The stored form of the :class:`ResultDocument` (with the candidate links)."""
    geojson: str = ""
    figures: Figures = field(default_factory=lambda: Figures())
    """Final objective (as ``incumbent``), ``bound``, ``mip_gap`` and ``elapsed`` seconds."""


def optimise(
    inv_json: str,
    objective: str,
    time_limit: float,
    gap: float,
    threads: int,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Outcome:
    """Optimise a stored inventory; the result's documents are ready to store."""
    from symbiose.pipeline import optimise as run_pipeline

    options = SolveOptions(
        time_limit=time_limit,
        gap=gap,
        threads=threads,
        progress=progress,
        progress_every=1.0,
        should_stop=should_stop,
    )
    stored = json.loads(inv_json)
    inv = parse_inventory(
        {k: v for k, v in stored.items() if k != TOGETHER}, fmt="json", validate=False
    )
    if TOGETHER in stored or inv.territory.periods:
        return _optimise_pathway(inv, stored.get(TOGETHER, []), objective, options)
    report = run_pipeline(inv, objective=objective, options=options)
    result = report.result
    outcome = Outcome(str(result.status.value), result.message, result.has_solution)
    outcome.figures = Figures(
        incumbent=result.objective,
        bound=result.bound,
        mip_gap=result.gap,
        elapsed=result.solve_seconds,
    )
    if result.has_solution:
        outcome.document = report.document(candidates=True).to_json()
        outcome.geojson = json.dumps(report.to_geojson())
    return outcome


TOGETHER = "scenarios_together"
"""The key of a run's input that lists the scenarios solved with its inventory (a stochastic
pathway): ``[{"name", "probability", "inventory"}]``, each inventory a stored document."""


def pathway_input(
    base: Inventory, scenarios: Sequence[tuple[str, float | None, Inventory]]
) -> str:
    """The stored input of a pathway run: the base, and the scenarios solved together."""
    doc = json.loads(canonical_json(base))
    if scenarios:
        doc[TOGETHER] = [
            {"name": name, "probability": p, "inventory": json.loads(canonical_json(inv))}
            for name, p, inv in scenarios
        ]
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check_pathway_input(
    base: Inventory, scenarios: Sequence[tuple[str, float | None, Inventory]]
) -> None:
    """Check what a pathway run can be refused for before it is queued; raises InventoryError.

    Its size (counted, not built) and its probabilities.  The periods are converted by the
    worker (a mistake there fails the run, naming its field).
    """
    from symbiose.pathway import check_size, probabilities

    issues = check_size(base, len(scenarios))
    if scenarios:
        probabilities([(n, p, inv) for n, p, inv in scenarios], issues)
    if issues:
        raise InventoryError(issues)


def _optimise_pathway(
    base: Inventory, together: list[dict[str, Any]], objective: str, options: SolveOptions
) -> Outcome:
    """A pathway run (periods, or scenarios solved together): its documents to store."""
    from symbiose.pipeline import check_pathway, optimise_pathway

    cases = [
        (
            str(item["name"]),
            item.get("probability"),
            parse_inventory(item["inventory"], fmt="json", validate=False),
        )
        for item in together
    ]
    report = optimise_pathway(check_pathway(base, cases), objective=objective, options=options)
    result = report.result
    outcome = Outcome(str(result.status.value), result.message, result.has_solution)
    outcome.figures = Figures(
        incumbent=result.objective,
        bound=result.bound,
        mip_gap=result.gap,
        elapsed=result.timings.get("solve", 0.0),
    )
    if result.has_solution:
        outcome.document = report.document(candidates=True).to_json()
        outcome.geojson = json.dumps(report.to_geojson())
    return outcome


def read_result(stored: str) -> ResultDocument:
    """A result document stored by a worker (or converted by the migration of old results)."""
    return ResultDocument.from_json(stored)


def candidates(document: ResultDocument, inv_json: str) -> dict[str, Any]:
    """Every link the optimiser could use in a run, as GeoJSON lines (``built``: in the optimum).

    Results stored before the candidates were kept have none: their network is compiled again
    from the run's input, which is what the run optimised.
    """
    if document.candidates is not None:
        return document.candidates
    from symbiose.convert import to_network
    from symbiose.report import candidate_geojson

    network = to_network(inventory_from_json(inv_json))
    return candidate_geojson(network, document.table("built_links").records())


def records_csv(records: list[dict[str, Any]], number_format: str = "en") -> bytes:
    """JSON records (a stored comparison table) as CSV in ``number_format`` (en or fr)."""
    return exports.csv_bytes(
        exports.frame_rows(pd.DataFrame(records)), exports.dialect(number_format)
    )


def frame_csv(frame: pd.DataFrame, number_format: str = "en") -> bytes:
    """A table as CSV in ``number_format`` (en or fr), its header kept even when it is empty."""
    return exports.csv_bytes(exports.frame_rows(frame), exports.dialect(number_format))


def frames_xlsx(frames: dict[str, pd.DataFrame]) -> bytes:
    """Tables as the sheets of one Excel workbook (text neutralised, never formulas)."""
    return exports.xlsx_bytes({name: exports.frame_rows(frame) for name, frame in frames.items()})


def compare_reports(documents: dict[str, ResultDocument]) -> tuple[list[dict], list[dict]]:
    """Totals and exchanges of results side by side (``symbiose compare``), as JSON records."""
    from symbiose.compare import compare

    comparison = compare(documents)
    return _records(comparison.totals), _records(comparison.exchanges)


def _records(frame: pd.DataFrame) -> list[dict]:
    frame = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame
    return json.loads(frame.to_json(orient="records"))


def plan_sweep(
    inv_json: str, grid: dict[str, list[str]], draws: int, seed: int
) -> tuple[dict[str, Any], int]:
    """The plan of a sweep of a stored inventory: its document and draws, JSON-ready.

    Raises:
        SweepError: a grid parameter that names no figure, or draws without uncertainties.
    """
    from symbiose.sweep import SweepError, grid_draws, monte_carlo_draws, parse_parameter

    doc = json.loads(inv_json)
    inv = parse_inventory(doc, fmt="json", validate=False)
    labelled: dict[str, list[str]] = {}
    for name, values in grid.items():
        label = parse_parameter(name).label
        if label in labelled:
            raise SweepError(f"{name!r} names {label} a second time")
        labelled[label] = values
    planned = grid_draws(labelled)
    if draws:
        planned = monte_carlo_draws(inv, draws, seed, bases=planned)
    spec = {
        "docs": {"base": doc},
        "draws": [{"index": d.index, "values": d.values, "base": d.base} for d in planned],
        "names": {s.id: s.name for s in inv.sites},
    }
    return spec, len(planned)


def run_planned_sweep(
    spec: dict[str, Any],
    workers: int,
    scheduler: str | None,
    progress: Any,
) -> dict[str, Any]:
    """Solve a planned sweep; its robust toile as a JSON-ready document."""
    from symbiose.executor import run_sweep
    from symbiose.robust import robust_toile
    from symbiose.sweep import Draw, SweepSettings

    draws = [Draw(d["index"], d["values"], d["base"]) for d in spec["draws"]]
    settings = SweepSettings(**spec["settings"])
    records = run_sweep(
        spec["docs"], draws, settings, scheduler=scheduler, workers=workers, progress=progress
    )
    toile = robust_toile(records, spec["names"])
    return {
        "summary": toile.summary,
        "tables": {name: _records(frame) for name, frame in toile.tables().items()},
    }
