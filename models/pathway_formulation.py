"""The pathway MILP in Pyomo: one block per (scenario, period), tied by the builds.

Each block is the ordinary :class:`~models.formulation.Formulation` of its period's problem
(its own objective deactivated, its budget and caps on new links left to the pathway), added
to one model as ``block_{s}_{p}``.  The pathway adds, with the names of
``docs/formulation.md`` (*Pathways*) and of :mod:`models.pathway_index`::

    build[j] in {0, 1}                 item i built in period p_j for scope S_j
    capacity_build[j] >= 0             the capacity a sized link is built with

    build_link            y[s,p,a] = sum_{j serving (s,p), item a} build[j]      (w, k alike)
    capacity_build_link   capacity_build[j] <= K_j build[j]
    period_budget         sum_{j built in p for s} (I_j build[j] + iota_j capacity_build[j]) <= Bud_{s,p}
    horizon_budget        sum_{j built for s} (...) <= Bud
    period_link_limit     sum_{j built in p for s, counted} build[j] <= N_{s,p,group}
    horizon_link_limit    sum_{j built for s, counted} build[j] <= N_group

    maximise  sum_{s,p} pi_s W_p / W * (valorisation[s,p] + fixed_cost[s,p])
              - sum_j charge_j build[j] - sum_j kappa_j capacity_build[j]

the block's own fixed cost replaced by the charges of the builds that serve it.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from models.formulation import Formulation, linear
from models.pathway import Pathway
from models.pathway_index import BLOCK_LEFT_OUT, LinearRow, PathwayIndex, build_index
from models.result import Objective

PATHWAY_FAMILIES = (
    "build_link",
    "capacity_build_link",
    "period_budget",
    "horizon_budget",
    "period_link_limit",
    "horizon_link_limit",
)
"""The pathway's own families, in row order (after every block's rows)."""

BLOCK_FAMILIES = tuple(f for f in Formulation.FAMILIES if f not in BLOCK_LEFT_OUT)
"""The families each block builds."""


def block_name(scenario: int, period: int) -> str:
    """The name of the block of ``(scenario, period)`` in the model."""
    return f"block_{scenario}_{period}"


class PathwayFormulation:
    """Builds the Pyomo model of a pathway; ``model`` holds it, ``blocks`` its formulations.

    Args:
        pathway: the validated pathway.
        objective: which objective is active.
        index: the pathway's index (default: :func:`models.pathway_index.build_index`).
        families: pathway families to build (default: all); tests drop one at a time.
    """

    def __init__(
        self,
        pathway: Pathway,
        objective: Objective = Objective.VALORISATION,
        *,
        index: PathwayIndex | None = None,
        families: tuple[str, ...] | None = None,
    ) -> None:
        self.pathway = pathway
        self.objective = Objective(objective)
        self.index = index or build_index(pathway, self.objective)
        ix = self.index
        m = self.model = pyo.ConcreteModel(name=pathway.name)
        self.blocks: list[Formulation] = []
        for b, (s, p) in enumerate(ix.blocks):
            f = Formulation(
                ix.problems[b],
                self.objective,
                families=BLOCK_FAMILIES,
                bounds=ix.bounds[b],
                decide=ix.decide[b],
            )
            f.model.obj.deactivate()
            m.add_component(block_name(s, p), f.model)
            self.blocks.append(f)
        m.build = pyo.Var(range(len(ix.builds)), domain=pyo.Binary)
        m.capacity_build = pyo.Var(range(len(ix.sized)), domain=pyo.NonNegativeReals)
        self.slot = {j: i for i, j in enumerate(ix.sized)}
        for family in families or PATHWAY_FAMILIES:
            getattr(self, family)()
        self._objective()

    # -- families -----------------------------------------------------------------------
    def build_link(self) -> None:
        """A block's decision is the sum of the builds serving its period::

        y[s,p,a] - sum_j build[j] = 0      (w[s,p,c] for a converter)
        k[s,p,a] - sum_j capacity_build[j] = 0      (a sized link's capacity)
        """
        m, ix = self.model, self.index
        if not ix.links:
            return

        def rule(_m: pyo.ConcreteModel, i: int) -> Any:
            link = ix.links[i]
            block = self.blocks[link.block].model
            if link.what == "k":
                terms = [(-1.0, m.capacity_build[self.slot[j]]) for j in link.builds]
            else:
                terms = [(-1.0, m.build[j]) for j in link.builds]
            own = getattr(block, link.what)[link.item]
            return linear([(1.0, own), *terms]) == 0

        m.build_link = pyo.Constraint(range(len(ix.links)), rule=rule)

    def capacity_build_link(self) -> None:
        """A sized build's capacity is chosen only if it is built::

        capacity_build[j] - K_j build[j] <= 0
        """
        m, ix = self.model, self.index
        if not ix.sized:
            return
        m.capacity_build_link = pyo.Constraint(
            range(len(ix.sized)),
            rule=lambda _m, i: (
                linear(
                    [(1.0, m.capacity_build[i]), (-ix.capacity_bound[i], m.build[ix.sized[i]])]
                )
                <= 0
            ),
        )

    def _limit(self, family: str) -> None:
        """The rows of one limit family: ``sum coef build (+ coef capacity_build) <= upper``."""
        m = self.model
        rows: list[LinearRow] = [r for r in self.index.limits if r.family == family]
        if not rows:
            return

        def rule(_m: pyo.ConcreteModel, i: int) -> Any:
            row = rows[i]
            terms = [(c, m.build[j]) for j, c in row.builds]
            terms += [(c, m.capacity_build[slot]) for slot, c in row.capacities]
            return linear(terms) <= row.upper

        m.add_component(family, pyo.Constraint(range(len(rows)), rule=rule))

    def period_budget(self) -> None:
        """What a period builds stays within that period's budget, in each scenario::

        sum_{j built in p for s} I_j build[j] + iota_j capacity_build[j] <= Bud_{s,p}
        """
        self._limit("period_budget")

    def horizon_budget(self) -> None:
        """What the horizon builds stays within the pathway's budget, in each scenario::

        sum_{j built for s} I_j build[j] + iota_j capacity_build[j] <= Bud
        """
        self._limit("horizon_budget")

    def period_link_limit(self) -> None:
        """At most N new links built in a period (in all, per mode, per commodity)::

        sum_{j built in p for s, counted by the group} build[j] <= N_{s,p,group}
        """
        self._limit("period_link_limit")

    def horizon_link_limit(self) -> None:
        """At most N new links built over the horizon; a rebuild counts again::

        sum_{j built for s, counted by the group} build[j] <= N_group
        """
        self._limit("horizon_link_limit")

    # -- objective ----------------------------------------------------------------------
    def _objective(self) -> None:
        """The blocks' weighted values and the builds' charges (module docstring)."""
        m, ix = self.model, self.index
        parts: list[Any] = []
        for b, f in enumerate(self.blocks):
            block, weight = f.model, ix.weight[b]
            if self.objective is Objective.CO2:
                parts.append(weight * block.co2_avoided)
            elif self.objective is Objective.COST:
                parts.append(-weight * (block.valorisation + block.fixed_cost))
            else:
                parts.append(weight * (block.valorisation + block.fixed_cost))
        charges = [(c, m.build[j]) for j, c in enumerate(ix.build_cost) if c]
        charges += [(c, m.capacity_build[i]) for i, c in enumerate(ix.capacity_cost) if c]
        sense = pyo.minimize if self.objective is Objective.COST else pyo.maximize
        m.obj = pyo.Objective(expr=sum(parts) + linear(charges), sense=sense)


__all__ = ["BLOCK_FAMILIES", "PATHWAY_FAMILIES", "PathwayFormulation", "block_name"]
