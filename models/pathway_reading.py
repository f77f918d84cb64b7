"""A pathway's solution read into its tables: schedule, periods, scenarios and blocks.

Each block's result is read by its backend as an ordinary result; here the fixed cost of what
it has built is replaced by the charges of the builds that serve it (the figures of their
build period), and the pathway's tables are made from the builds and the blocks:

    charge[s,p]   = sum_{j made for s, serving p} F_j + kappa_j capacity_j     (EUR/yr)
    valorisation[s,p] = (block's valorisation + its own fixed cost) - charge[s,p]
    V_s = sum_p W_p / W * valorisation[s,p]       objective = sum_s pi_s V_s

(for CO2, ``V_s = sum_p L_p / L * co2_avoided[s,p]``, the yearly average).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from models.pathway import Pathway
from models.pathway_index import Build, PathwayIndex
from models.pathway_result import PERIOD_COLUMNS, SCENARIO_COLUMNS, SCHEDULE_COLUMNS, PathwayResult
from models.result import Objective, Result, objective_from_totals

_LABEL = {"arc": "link", "converter": "converter"}


def item_label(build: Build) -> str:
    """How a build's item reads: ``tail->head (mode)`` or ``converter NAME``."""
    if isinstance(build.key, tuple):
        tail, head, mode = build.key
        return f"{tail}->{head} ({mode})"
    return f"converter {build.key}"


class _Reading:
    """The builds made and their charges, by block."""

    def __init__(
        self, index: PathwayIndex, built: np.ndarray, capacity: np.ndarray
    ) -> None:
        self.index, self.pathway = index, index.pathway
        self.built = built
        slot = {j: i for i, j in enumerate(index.sized)}
        self.capacity = {j: float(capacity[slot[j]]) for j in slot}
        self.made = [j for j in range(len(index.builds)) if built[j] > 0.5]

    def charge(self, j: int, s: int) -> float:
        """What build ``j`` is charged a year in scenario ``s`` (EUR/yr)."""
        f = self.index.figures[j][s]
        return f.fixed_cost + f.capacity_cost * self.capacity.get(j, 0.0)

    def spent(self, j: int, s: int) -> float:
        """What build ``j`` invests in scenario ``s`` (EUR, once)."""
        f = self.index.figures[j][s]
        return f.investment + f.capacity_investment * self.capacity.get(j, 0.0)

    def serving(self, s: int, p: int) -> list[int]:
        """The builds made for scenario ``s`` that serve period ``p``."""
        builds = self.index.builds
        return [
            j
            for j in self.made
            if builds[j].scenario in (None, s) and p in builds[j].serves
        ]


def read_pathway(
    result: PathwayResult,
    index: PathwayIndex,
    solution: tuple[np.ndarray, np.ndarray],
    blocks: list[Result],
) -> None:
    """Fill ``result`` from the builds made, their capacities and the blocks' results."""
    reading = _Reading(index, *solution)
    pw = index.pathway
    names = [sc.name for sc in pw.scenarios]
    period_rows = []
    for b, (s, p) in enumerate(index.blocks):
        block = blocks[b]
        stranded = _charge_block(reading, b, block)
        period_rows.append(_period_row(reading, s, p, block, stranded))
        result.blocks[names[s], pw.years[p]] = block
    result.periods = pd.DataFrame(period_rows, columns=PERIOD_COLUMNS)
    result.schedule = pd.DataFrame(
        [_schedule_row(reading, j) for j in reading.made], columns=SCHEDULE_COLUMNS
    )
    result.scenarios = _scenario_table(pw, result.periods, index.objective)
    values = result.scenarios["value"].to_numpy()
    probabilities = result.scenarios["probability"].to_numpy()
    expected = float(np.dot(probabilities, values))
    result.objective = -expected if index.objective is Objective.COST else expected


def _charge_block(reading: _Reading, b: int, block: Result) -> float:
    """Put the charges of the builds serving block ``b`` on its built links and converters.

    Returns the charges of builds whose item the block does not list (a link idle in a period
    whose figures would charge it nothing, or an item the period no longer has): stranded.
    """
    ix = reading.index
    s, p = ix.blocks[b]
    charges: dict[tuple[str, object], float] = {}
    for j in reading.serving(s, p):
        build = ix.builds[j]
        charges[build.kind, build.key] = charges.get((build.kind, build.key), 0.0) + reading.charge(
            j, s
        )
    if not block.has_solution:
        return math.fsum(charges.values())
    placed = 0.0
    arcs = block.built_arcs
    if len(arcs):
        keys = list(zip(arcs["tail"], arcs["head"], arcs["mode"], strict=True))
        fixed = [
            charges.get(("arc", key), 0.0) if not existing else 0.0
            for key, existing in zip(keys, arcs["existing"], strict=True)
        ]
        placed += math.fsum(f for f, key in zip(fixed, keys, strict=True))
        arcs["fixed_cost"] = fixed
    convs = block.converters
    if len(convs):
        convs["fixed_cost"] = [
            charges.get(("converter", name), 0.0) if built else 0.0
            for name, built in zip(convs["converter"], convs["built"], strict=True)
        ]
        placed += math.fsum(
            charges.get(("converter", name), 0.0)
            for name in set(convs.loc[convs["built"], "converter"])
        )
    operating = block.totals["valorisation"] + block.totals["fixed_cost"]
    block.totals["fixed_cost"] = placed
    block.totals["valorisation"] = operating - placed
    block.objective = objective_from_totals(block.objective_kind, block.totals)
    return math.fsum(charges.values()) - placed


def _period_row(
    reading: _Reading, s: int, p: int, block: Result, stranded: float
) -> dict[str, object]:
    """One row of the ``periods`` table."""
    pw = reading.pathway
    totals = block.totals
    fixed = totals.get("fixed_cost", 0.0) + stranded
    made_here = [j for j in reading.made if reading.index.builds[j].period == p]
    made_here = [j for j in made_here if reading.index.builds[j].scenario in (None, s)]
    row: dict[str, object] = {
        "scenario": pw.scenarios[s].name,
        "probability": pw.scenarios[s].probability,
        "year": pw.years[p],
        "until": pw.ends[p],
        "years": pw.lengths()[p],
        "weight": pw.weight(p),
        "fixed_cost": fixed,
        "stranded_cost": stranded,
        "investment": math.fsum(reading.spent(j, s) for j in made_here),
        "new_links": sum(1 for j in made_here if reading.index.builds[j].kind == "arc"),
    }
    for part in ("value", "disposal_avoided", "carbon_value", "transport_cost"):
        row[part] = totals.get(part, 0.0)
    row["conversion_cost"] = totals.get("conversion_cost", 0.0)
    row["co2_avoided"] = totals.get("co2_avoided", 0.0)
    row["valorisation"] = totals.get("valorisation", 0.0) - stranded
    return row


def _schedule_row(reading: _Reading, j: int) -> dict[str, object]:
    """One row of the ``schedule`` table: a build made, its figures expected over its scope."""
    ix, pw = reading.index, reading.pathway
    build = ix.builds[j]
    scope = list(build.scope(len(pw.scenarios)))
    pi = np.array([pw.scenarios[s].probability for s in scope])
    pi = pi / pi.sum()
    investment = float(np.dot(pi, [reading.spent(j, s) for s in scope]))
    yearly = float(np.dot(pi, [reading.charge(j, s) for s in scope]))
    year = pw.years[build.period]
    arc = isinstance(build.key, tuple)
    tail, head, mode = build.key if isinstance(build.key, tuple) else ("", "", "")
    node = tail if arc else _converter_node(ix, build)
    return {
        "kind": _LABEL[build.kind],
        "item": item_label(build),
        "tail": tail,
        "head": head,
        "mode": mode,
        "converter": "" if arc else str(build.key),
        "node": node,
        "year": year,
        "until": pw.ends[build.serves[-1]],
        "scenario": "" if build.scenario is None else pw.scenarios[build.scenario].name,
        "shared": build.scenario is None,
        "investment": investment,
        "discounted_investment": investment * pw.discount(year),
        "yearly_charge": yearly,
        "discounted_charges": yearly * math.fsum(pw.weight(q) for q in build.serves),
        "capacity": reading.capacity.get(j, math.nan),
    }


def _converter_node(index: PathwayIndex, build: Build) -> str:
    """The node of a converter build, from any block it occurs in."""
    for (s, p), c in index.where["converter", build.key].items():
        return index.problems[index.block_of(s, p)].converters[c].node
    return ""


def _scenario_table(pathway: Pathway, periods: pd.DataFrame, objective: Objective) -> pd.DataFrame:
    """Each scenario's value: ``sum_p W_p / W valorisation`` (CO2: ``sum_p L_p / L co2``)."""
    lengths = np.array(pathway.lengths(), dtype=np.float64)
    weights = np.array(pathway.weights(), dtype=np.float64) / pathway.annuity()
    years = lengths / lengths.sum()
    rows = []
    for sc in pathway.scenarios:
        mine = periods[periods["scenario"] == sc.name]
        valorisation = float(np.dot(weights, mine["valorisation"].to_numpy()))
        co2 = float(np.dot(years, mine["co2_avoided"].to_numpy()))
        value = co2 if objective is Objective.CO2 else valorisation
        rows.append(
            {
                "scenario": sc.name,
                "probability": sc.probability,
                "value": value,
                "npv": valorisation * pathway.annuity(),
                "co2_avoided": co2,
                "own_optimum": math.nan,
                "regret": math.nan,
            }
        )
    return pd.DataFrame(rows, columns=SCENARIO_COLUMNS)


__all__ = ["item_label", "read_pathway"]
