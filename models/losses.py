"""What a unit lost on an arc is charged: the disposal it did not avoid.

A unit that enters an arc is a unit used: its supply no longer pays its disposal cost nor
emits its disposal CO2, and the objective credits both.  A unit lost on the way
(``loss_ak * x[a,k,t]``) reaches no one: it is disposed of on the way, so the credit must be
given back.  Otherwise a loop of lossy arcs is a free disposal sink (two lossy CO2 pipes in a
loop "avoid" CO2 with no demand at all), and the optimum depends on the flow bounds that
merely tighten the model.

The flows of a commodity are aggregated, so the origin of a lost unit is unknown when several
sources offer it.  Each lost unit of ``k`` is therefore charged the *largest* credit a unit of
``k`` can carry from one of its sources:

* a supply ``s`` of ``k`` carries ``disposal_cost_s`` and ``disposal_co2_s``; a negative
  disposal cost (a gain forgone, or a handling cost above the disposal cost) is not given
  back by a loss — the unit lost is gone, the gain is forgone and the handling paid all the
  same — so the cost charge is never below zero (the CO2 charge is what the unit emits);
* a unit made by a converter ``c`` carries ``max(0, sum_j in_cj * S_j) / sum_o out_co``: the
  credits ``S_j`` of the supplies of the inputs it consumes (the largest per input), shared
  among its outputs in proportion to their yields, never below zero (a lost product gives
  nothing back of a gain its inputs forwent).  Credits are not carried further along a chain
  of converters (a converter whose output feeds itself would otherwise charge without end).

The charge is exact when ``k`` has one supply (disposal cost at least zero) and no converter
makes it, and no loop can earn
the credit of the units it loses: what a lost unit gave the objective when it was used is at
most what its loss takes back.  A converter's output has no disposal in the model (it must
find a taker); a lossy loop is a way to dissipate it, at the charge above.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.problem import Problem


@dataclass(frozen=True)
class LossCharge:
    """Per commodity: EUR and t CO2 charged per unit lost on an arc (0 when none)."""

    cost: dict[str, float]
    co2: dict[str, float]


def loss_charges(problem: Problem) -> LossCharge:
    """The charge per unit lost of every commodity (see the module docstring)."""
    supply_cost: dict[str, float] = {}
    supply_co2: dict[str, float] = {}
    for s in problem.supplies:
        k = s.commodity
        supply_cost[k] = max(supply_cost.get(k, s.disposal_cost), s.disposal_cost)
        supply_co2[k] = max(supply_co2.get(k, s.disposal_co2), s.disposal_co2)
    cost = {k: max(0.0, v) for k, v in supply_cost.items()}
    co2 = dict(supply_co2)
    for conv in problem.converters:
        made = sum(conv.outputs.values())
        for supplied, charged in ((supply_cost, cost), (supply_co2, co2)):
            credit = sum(y * supplied.get(j, 0.0) for j, y in conv.inputs.items())
            per_unit = max(0.0, credit) / made
            for k in conv.outputs:
                charged[k] = max(charged.get(k, per_unit), per_unit)
    return LossCharge(
        cost={k: cost.get(k, 0.0) for k in problem.commodities},
        co2={k: co2.get(k, 0.0) for k in problem.commodities},
    )
