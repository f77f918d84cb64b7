"""The numeric problem contract: one optimisation problem in plain numbers.

Everything here is in canonical units chosen by the caller (``symbiose`` uses t, MWh,
m**3 ... per year) and plain floats: no pint, no coordinates, no HTTP.  A problem is
validated when it is built; a malformed problem raises :class:`ProblemError` naming the
offending element and field, never a solver crash later.

Time slices
    A problem has one or more time slices (default: one annual slice).  Each slice has a
    ``share`` of the year (the shares sum to 1).  Supply and demand quantities are given per
    slice (a scalar is spread over the slices in proportion to their share); capacities
    (arcs and converters) are annual rates, so a slice may use ``capacity * share``.

Sign conventions
    * ``Supply.disposal_cost``: EUR per unit paid today to get rid of what is not used.  Using
      a unit saves it; a negative value is a gain the owner forgoes by using the unit.
    * ``Supply.disposal_co2``: t CO2 emitted per unit disposed of; using a unit avoids it.
    * ``Demand.value``: EUR per unit of the virgin input a delivered unit replaces.
    * ``Demand.co2``: t CO2 per unit of that virgin input; a delivered unit avoids it.
    * ``Arc.co2`` and ``Converter.co2``: t CO2 emitted per unit carried or per unit of
      activity; they reduce the CO2 avoided.
    * ``Arc.loss``: a unit lost on the way is disposed of, not avoided: it gives back the
      disposal cost and CO2 credited when it was used (:mod:`models.losses`).
    * ``Arc.fixed_cost`` and ``Converter.fixed_cost`` are paid only when a candidate arc or a
      buildable converter is built; for an existing one they are sunk and never counted.

Internal reuse
    A node that both has and wants a commodity does not deliver to itself: its own supply
    leaves by an arc or feeds a converter, and its demand is met by arrivals and converter
    outputs (the ``no_internal_reuse`` family of :mod:`models.formulation`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any


class ProblemError(ValueError):
    """A problem that cannot be optimised as given; the message names what is wrong."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid problem: " + "; ".join(self.problems))


PerSlice = tuple[float, ...]

MAX_MAGNITUDE = 1e15
"""Largest magnitude of a finite number in a problem (costs, quantities, capacities, CO2).

HiGHS refuses matrix coefficients above 1e15 (capacities become coefficients of the build
variables) and reads 1e20 as infinite; a larger figure is refused here with its path."""

MIN_YIELD = 1e-9
"""Smallest converter yield: HiGHS drops matrix coefficients below 1e-9, so a smaller yield
would silently become 0."""


def magnitude_fault(value: float) -> str | None:
    """Why a finite ``value`` is too large for a problem, or None."""
    if abs(value) > MAX_MAGNITUDE:
        return f"{value:g} is out of range: at most {MAX_MAGNITUDE:g} in magnitude"
    return None


def _finite(value: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class TimeSlice:
    """A part of the year; ``share`` is its fraction of the year (shares sum to 1)."""

    name: str
    share: float = 1.0


@dataclass(frozen=True)
class Supply:
    """What a node has of a commodity ("have").

    Attributes:
        node: the node holding the supply.
        commodity: the commodity offered.
        quantity: the quantity available, one value per time slice, or a scalar spread over
            the slices in proportion to their share.
        disposal_cost: EUR per unit paid to dispose of what stays unused (negative: a gain).
        disposal_co2: t CO2 emitted per unit disposed of (avoided when the unit is used).
        must_dispatch: every unit must leave the node (e.g. CO2 under a storage obligation).
    """

    node: str
    commodity: str
    quantity: float | Sequence[float]
    disposal_cost: float = 0.0
    disposal_co2: float = 0.0
    must_dispatch: bool = False

    @property
    def quantities(self) -> PerSlice:
        """The quantity per time slice (valid once the owning :class:`Problem` is built)."""
        return _per_slice(self.quantity)


@dataclass(frozen=True)
class Demand:
    """What a node wants of a commodity ("want").

    Attributes:
        node: the node consuming.
        commodity: the commodity wanted.
        quantity: the most it takes, per time slice (or a scalar spread by share).
        value: EUR per unit delivered (the price of the virgin input it replaces).
        co2: t CO2 avoided per unit delivered (the footprint of that virgin input).
        must_serve: the whole quantity must be delivered.
        minimum: the least that must be delivered, per time slice (or a scalar spread by share).
    """

    node: str
    commodity: str
    quantity: float | Sequence[float]
    value: float = 0.0
    co2: float = 0.0
    must_serve: bool = False
    minimum: float | Sequence[float] = 0.0

    @property
    def quantities(self) -> PerSlice:
        """The quantity per time slice (valid once the owning :class:`Problem` is built)."""
        return _per_slice(self.quantity)

    @property
    def minimums(self) -> PerSlice:
        """The minimum delivery per time slice (valid once the owning problem is built)."""
        return _per_slice(self.minimum)


@dataclass(frozen=True)
class Arc:
    """A directed link between two nodes by one mode; parallel arcs are distinct.

    Attributes:
        tail: the node the flow leaves.
        head: the node the flow enters.
        mode: the transport mode (``pipeline``, ``truck``, ...); with ``tail`` and ``head`` it
            names the arc, so it must be unique for a pair.
        commodities: the commodities the arc may carry.
        capacity: annual capacity shared by all commodities (``math.inf`` for none).
        fixed_cost: EUR/yr paid if a candidate arc is built; never paid for an existing arc.
        variable_cost: EUR per unit carried, per commodity (missing commodity: 0).
        loss: fraction of what enters that is lost on the way, per commodity (missing: 0).
        commodity_capacity: optional annual capacity per commodity.
        co2: t CO2 emitted per unit carried, per commodity (missing: 0).
        existing: the arc is there already; it has no build decision.
        investment: EUR spent once if the arc is built (counted by the investment budget;
            the annualised share of it is part of ``fixed_cost``).
        required: the planner requires the arc to be built (a candidate only).
        forbidden: the planner forbids building the arc (a candidate only).
        sized: the optimiser chooses the arc's capacity (a candidate only), at most
            ``capacity`` (or the data-derived bound), paying ``capacity_cost`` for each unit.
        capacity_cost: EUR/yr per unit of annual capacity chosen (annualised, whole length).
        capacity_investment: EUR invested once per unit of annual capacity chosen.
    """

    tail: str
    head: str
    mode: str
    commodities: tuple[str, ...]
    capacity: float = math.inf
    fixed_cost: float = 0.0
    variable_cost: Mapping[str, float] = field(default_factory=dict)
    loss: Mapping[str, float] = field(default_factory=dict)
    commodity_capacity: Mapping[str, float] = field(default_factory=dict)
    co2: Mapping[str, float] = field(default_factory=dict)
    existing: bool = False
    investment: float = 0.0
    required: bool = False
    forbidden: bool = False
    sized: bool = False
    capacity_cost: float = 0.0
    capacity_investment: float = 0.0

    @property
    def key(self) -> tuple[str, str, str]:
        """The arc's identity: ``(tail, head, mode)``."""
        return (self.tail, self.head, self.mode)


@dataclass(frozen=True)
class Converter:
    """A process at a node turning input commodities into output commodities.

    One unit of activity consumes ``inputs[c]`` units of each input and produces
    ``outputs[c]`` units of each output (e.g. ``inputs={"slag": 1.05}``,
    ``outputs={"ground_slag": 1.0}``).

    Attributes:
        name: unique name.
        node: where it stands.
        inputs: units consumed per unit of activity, per commodity.
        outputs: units produced per unit of activity, per commodity.
        capacity: the most activity per year.
        variable_cost: EUR per unit of activity.
        fixed_cost: EUR/yr paid if a buildable converter is built; never paid for an existing
            one.
        co2: t CO2 emitted per unit of activity.
        existing: the converter is there already (no build decision, no fixed cost paid).
        investment: EUR spent once if the converter is built (counted by the budget).
        required: the planner requires the converter to be built (a buildable one only).
        forbidden: the planner forbids building the converter (a buildable one only).
    """

    name: str
    node: str
    inputs: Mapping[str, float]
    outputs: Mapping[str, float]
    capacity: float = math.inf
    variable_cost: float = 0.0
    fixed_cost: float = 0.0
    co2: float = 0.0
    existing: bool = True
    investment: float = 0.0
    required: bool = False
    forbidden: bool = False


@dataclass(frozen=True)
class Storage:
    """A stock of a commodity that a node holds from one slice to the next.

    The slices form a cycle over the year: what is held at the end of the last slice is
    there at the start of the first.  With one slice a stock has nothing to do.

    Attributes:
        name: unique name.
        node: where the stock is held.
        commodity: what is held.
        capacity: the most held at the end of a slice (units, not per year).
        loss: fraction of the stock lost over each slice it is held (0 <= loss < 1).
        cost: EUR per unit held at the end of a slice.
    """

    name: str
    node: str
    commodity: str
    capacity: float
    loss: float = 0.0
    cost: float = 0.0


@dataclass(frozen=True)
class Problem:
    """One optimisation problem: nodes, commodities, supplies, demands, arcs, converters.

    Construction normalises per-slice quantities to tuples and validates everything; a
    malformed problem raises :class:`ProblemError` listing every fault found.

    Attributes:
        nodes: node names (sites and pure transshipment hubs).
        commodities: commodity names.
        supplies: at most one per (node, commodity).
        demands: at most one per (node, commodity).
        arcs: directed links; ``(tail, head, mode)`` unique.
        converters: processes at nodes; names unique.
        slices: time slices; default one annual slice.
        carbon_price: EUR per t CO2 avoided, used by the valorisation objective.
        name: a label for reports.
        investment_budget: the most that may be invested (EUR, once) in what is built,
            links and converters together; None for no budget.
        co2_min: the least CO2 that must be avoided (t CO2/yr); None for no target.
        max_new_links: the most candidate arcs that may be built; None for no cap.
        max_new_links_per_mode: the most candidate arcs of each mode that may be built.
        max_new_links_per_commodity: the most candidate arcs carrying each commodity that may
            be built.
        storages: stocks held from one slice to the next (seasonal storage).
    """

    nodes: tuple[str, ...]
    commodities: tuple[str, ...]
    supplies: tuple[Supply, ...] = ()
    demands: tuple[Demand, ...] = ()
    arcs: tuple[Arc, ...] = ()
    converters: tuple[Converter, ...] = ()
    slices: tuple[TimeSlice, ...] = (TimeSlice("year", 1.0),)
    carbon_price: float = 0.0
    name: str = "problem"
    investment_budget: float | None = None
    co2_min: float | None = None
    max_new_links: int | None = None
    max_new_links_per_mode: Mapping[str, int] = field(default_factory=dict)
    max_new_links_per_commodity: Mapping[str, int] = field(default_factory=dict)
    storages: tuple[Storage, ...] = ()

    def __post_init__(self) -> None:
        for attr in (
            "nodes",
            "commodities",
            "supplies",
            "demands",
            "arcs",
            "converters",
            "slices",
            "storages",
        ):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))
        errors: list[str] = []
        shares = [s.share for s in self.slices]
        if not self.slices:
            errors.append("slices: at least one time slice is needed")
        elif not all(_finite(x) and x > 0 for x in shares):
            errors.append(f"slices: every share must be a positive number, got {shares}")
        elif abs(sum(shares) - 1.0) > 1e-9:
            errors.append(f"slices: shares must sum to 1, got {sum(shares):g}")
        _check_unique(errors, "nodes", self.nodes)
        _check_unique(errors, "commodities", self.commodities)
        _check_unique(errors, "slices", [s.name for s in self.slices])
        if not _finite(self.carbon_price):
            errors.append(f"carbon_price: must be a finite number, got {self.carbon_price!r}")
        elif fault := magnitude_fault(self.carbon_price):
            errors.append(f"carbon_price: {fault}")
        if not errors:
            object.__setattr__(
                self, "supplies", tuple(self._normalise(s, errors) for s in self.supplies)
            )
            object.__setattr__(
                self, "demands", tuple(self._normalise(d, errors) for d in self.demands)
            )
            self._validate(errors)
        if errors:
            raise ProblemError(errors)

    # -- normalisation ------------------------------------------------------------------
    def spread(self, value: float | Sequence[float], where: str, errors: list[str]) -> PerSlice:
        """Turn a scalar or per-slice sequence into one value per slice, checking it."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values: PerSlice = tuple(float(value) * s.share for s in self.slices)
        else:
            try:
                values = tuple(float(v) for v in value)  # type: ignore[union-attr]
            except (TypeError, ValueError):
                errors.append(f"{where}: expected a number or one number per slice, got {value!r}")
                return tuple(0.0 for _ in self.slices)
            if len(values) != len(self.slices):
                errors.append(
                    f"{where}: {len(values)} values given for {len(self.slices)} time slices"
                )
                return tuple(0.0 for _ in self.slices)
        if not all(math.isfinite(v) and v >= 0 for v in values):
            errors.append(f"{where}: must be finite and non-negative, got {value!r}")
        elif fault := next(filter(None, map(magnitude_fault, values)), None):
            errors.append(f"{where}: {fault}")
        return values

    def _normalise(self, item: Any, errors: list[str]) -> Any:
        kind = "supplies" if isinstance(item, Supply) else "demands"
        where = f"{kind}[{item.node},{item.commodity}]"
        changes: dict[str, Any] = {
            "quantity": self.spread(item.quantity, f"{where}.quantity", errors)
        }
        if isinstance(item, Demand):
            changes["minimum"] = self.spread(item.minimum, f"{where}.minimum", errors)
        return replace(item, **changes)

    # -- validation ---------------------------------------------------------------------
    def _validate(self, errors: list[str]) -> None:
        """Every element checked by its family (see :class:`_Checks`); problems to ``errors``."""
        checks = _Checks(self, errors)
        checks.supplies(self.supplies)
        checks.demands(self.demands)
        checks.arcs(self.arcs)
        checks.converters(self.converters)
        self._validate_planner(errors, checks.number)
        checks.storages(self.storages)

    def _validate_planner(self, errors: list[str], number: Any) -> None:
        """The planner's limits: a budget, a CO2 target and caps on new links."""
        if self.investment_budget is not None:
            number("investment_budget", self.investment_budget)
        if self.co2_min is not None:
            number("co2_min", self.co2_min, nonneg=False)
        caps = [("max_new_links", self.max_new_links)] + [
            (f"max_new_links_per_mode[{mode}]", n)
            for mode, n in self.max_new_links_per_mode.items()
        ]
        caps += [
            (f"max_new_links_per_commodity[{k}]", n)
            for k, n in self.max_new_links_per_commodity.items()
        ]
        for where, n in caps:
            if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
                errors.append(f"{where}: must be a whole number of links, 0 or more, got {n!r}")

    # -- convenience --------------------------------------------------------------------
    @property
    def slice_names(self) -> tuple[str, ...]:
        """Names of the time slices, in order."""
        return tuple(s.name for s in self.slices)

    def supply_of(self, node: str, commodity: str) -> Supply | None:
        """The supply at ``(node, commodity)``, if any."""
        return next((s for s in self.supplies if (s.node, s.commodity) == (node, commodity)), None)

    def demand_of(self, node: str, commodity: str) -> Demand | None:
        """The demand at ``(node, commodity)``, if any."""
        return next((d for d in self.demands if (d.node, d.commodity) == (node, commodity)), None)

    def new_link_groups(self) -> list[tuple[str, int, list[int]]]:
        """The caps on new links that bind: ``(label, cap, candidate arcs counted)``.

        In order: all new links (``"all"``), then per mode (``"mode truck"``), then per
        commodity carried (``"commodity co2"``).  A cap at or above the number of candidates
        it counts limits nothing and is left out.
        """
        candidates = [a for a, arc in enumerate(self.arcs) if not arc.existing]
        groups: list[tuple[str, int | None, list[int]]] = [("all", self.max_new_links, candidates)]
        groups += [
            (f"mode {mode}", n, [a for a in candidates if self.arcs[a].mode == mode])
            for mode, n in self.max_new_links_per_mode.items()
        ]
        groups += [
            (f"commodity {k}", n, [a for a in candidates if k in self.arcs[a].commodities])
            for k, n in self.max_new_links_per_commodity.items()
        ]
        return [
            (label, int(n), arcs) for label, n, arcs in groups if n is not None and len(arcs) > n
        ]

    def summary(self) -> dict[str, int]:
        """Sizes of the problem, for reports."""
        return {
            "nodes": len(self.nodes),
            "commodities": len(self.commodities),
            "supplies": len(self.supplies),
            "demands": len(self.demands),
            "arcs": len(self.arcs),
            "candidate_arcs": sum(1 for a in self.arcs if not a.existing),
            "converters": len(self.converters),
            "slices": len(self.slices),
        }


def _decision(errors: list[str], where: str, item: Arc | Converter) -> None:
    """The investment and the required/forbidden flags of an arc or converter."""
    if not (_finite(item.investment) and item.investment >= 0):
        errors.append(
            f"{where}.investment: must be a finite non-negative number, got {item.investment!r}"
        )
    if item.required and item.forbidden:
        errors.append(f"{where}: cannot be both required and forbidden")
    if item.existing and (item.required or item.forbidden):
        flag = "required" if item.required else "forbidden"
        errors.append(f"{where}.{flag}: only something still to be built can be {flag}")


def _check_unique(errors: list[str], what: str, names: Iterable[str]) -> None:
    seen: set[str] = set()
    for n in names:
        if not isinstance(n, str) or not n:
            errors.append(f"{what}: names must be non-empty strings, got {n!r}")
        elif n in seen:
            errors.append(f"{what}: duplicate name {n!r}")
        seen.add(n)


def _per_slice(value: float | Sequence[float]) -> PerSlice:
    if isinstance(value, tuple):
        return value
    if isinstance(value, (int, float)):
        return (float(value),)
    return tuple(value)


class _Checks:
    """The consistency checks of a problem's elements, one method per family.

    Each problem is a message that names the element (``arcs[a->b:pipe].capacity: ...``).
    """

    def __init__(self, problem: Problem, errors: list[str]) -> None:
        self.nodes, self.commodities = set(problem.nodes), set(problem.commodities)
        self.errors = errors

    def ref(self, where: str, node: str | None = None, commodity: str | None = None) -> None:
        """A node and a commodity the problem knows."""
        if node is not None and node not in self.nodes:
            self.errors.append(f"{where}: unknown node {node!r}")
        if commodity is not None and commodity not in self.commodities:
            self.errors.append(f"{where}: unknown commodity {commodity!r}")

    def number(self, where: str, value: Any, *, nonneg: bool = True, inf_ok: bool = False) -> None:
        """A finite number (infinite if ``inf_ok``) within range, not negative if ``nonneg``."""
        kind = type(value)
        # the common case first, at the cost of two comparisons
        in_range = (kind is float or kind is int) and -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE
        if in_range and (not nonneg or value >= 0):
            return
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and not math.isnan(value) and (inf_ok or math.isfinite(value))
        if not ok:
            self.errors.append(f"{where}: must be a finite number, got {value!r}")
        elif nonneg and value < 0:
            self.errors.append(f"{where}: must be non-negative, got {value!r}")
        elif math.isfinite(value) and (fault := magnitude_fault(value)):
            self.errors.append(f"{where}: {fault}")

    def keyed(
        self, section: str, noun: str, node: str, commodity: str, seen: set[tuple[str, str]]
    ) -> str:
        """The path of a supply or demand, its node and commodity checked and a repeat named."""
        where = f"{section}[{node},{commodity}]"
        self.ref(where, node, commodity)
        if (node, commodity) in seen:
            self.errors.append(f"{where}: duplicate {noun}")
        seen.add((node, commodity))
        return where

    def supplies(self, supplies: Sequence[Supply]) -> None:
        """One supply per node and commodity; its cost and CO2 are numbers."""
        seen: set[tuple[str, str]] = set()
        for s in supplies:
            where = self.keyed("supplies", "supply", s.node, s.commodity, seen)
            self.number(f"{where}.disposal_cost", s.disposal_cost, nonneg=False)
            self.number(f"{where}.disposal_co2", s.disposal_co2, nonneg=False)

    def demands(self, demands: Sequence[Demand]) -> None:
        """One demand per node and commodity; its minimum within its quantity."""
        seen: set[tuple[str, str]] = set()
        for d in demands:
            where = self.keyed("demands", "demand", d.node, d.commodity, seen)
            self.number(f"{where}.value", d.value, nonneg=False)
            self.number(f"{where}.co2", d.co2, nonneg=False)
            if any(m > q + 1e-9 for m, q in zip(d.minimums, d.quantities, strict=True)):
                self.errors.append(f"{where}.minimum: exceeds the quantity wanted")

    def arcs(self, arcs: Sequence[Arc]) -> None:
        """One arc per tail, head and mode, between two nodes, carrying known commodities."""
        keys: set[tuple[str, str, str]] = set()
        for a in arcs:
            where = f"arcs[{a.tail}->{a.head}:{a.mode}]"
            self.ref(where, a.tail)
            self.ref(where, a.head)
            if a.tail == a.head:
                self.errors.append(f"{where}: tail and head are the same node")
            if a.key in keys:
                self.errors.append(f"{where}: duplicate arc (same tail, head and mode)")
            keys.add(a.key)
            if not a.commodities:
                self.errors.append(f"{where}.commodities: an arc must carry at least one commodity")
            for c in a.commodities:
                self.ref(f"{where}.commodities", commodity=c)
            self.number(f"{where}.capacity", a.capacity, inf_ok=True)
            self.number(f"{where}.fixed_cost", a.fixed_cost)
            _decision(self.errors, where, a)
            self.number(f"{where}.capacity_cost", a.capacity_cost)
            self.number(f"{where}.capacity_investment", a.capacity_investment)
            if a.sized and a.existing:
                self.errors.append(f"{where}.sized: only a new link can be sized")
            self.arc_tables(where, a)

    def arc_tables(self, where: str, a: Arc) -> None:
        """An arc's per-commodity figures: only for what it carries; losses below 1.

        A cost per unit carried is never negative: a link that paid for carrying would earn
        most by sending the same units round a loop, and the flow bounds, not the data, would
        set the optimum (docs/formulation.md, "Data-derived bounds").
        """
        for attr in ("variable_cost", "loss", "commodity_capacity", "co2"):
            table: Mapping[str, float] = getattr(a, attr)
            for c, v in table.items():
                if c not in a.commodities:
                    self.errors.append(f"{where}.{attr}: {c!r} is not carried by this arc")
                if attr == "variable_cost" and _finite(v) and v < 0:
                    self.errors.append(
                        f"{where}.variable_cost[{c}]: must be 0 or more, got {v!r}: a link that"
                        " pays for carrying earns most by sending units round a loop (put a"
                        " gain at the demand's value instead)"
                    )
                    continue
                self.number(
                    f"{where}.{attr}[{c}]", v, inf_ok=attr == "commodity_capacity"
                )
                if attr == "loss" and _finite(v) and v >= 1:
                    self.errors.append(f"{where}.loss[{c}]: must be below 1, got {v!r}")

    def converters(self, converters: Sequence[Converter]) -> None:
        """Converters with unique names, inputs and outputs, positive yields."""
        names: set[str] = set()
        for cv in converters:
            where = f"converters[{cv.name}]"
            if cv.name in names:
                self.errors.append(f"{where}: duplicate converter name")
            names.add(cv.name)
            self.ref(where, cv.node)
            if not cv.inputs or not cv.outputs:
                self.errors.append(f"{where}: needs at least one input and one output")
            for attr in ("inputs", "outputs"):
                for c, v in getattr(cv, attr).items():
                    self.ref(f"{where}.{attr}", commodity=c)
                    self.number(f"{where}.{attr}[{c}]", v)
                    self.converter_yield(f"{where}.{attr}[{c}]", v)
            self.number(f"{where}.capacity", cv.capacity, inf_ok=True)
            self.number(f"{where}.variable_cost", cv.variable_cost, nonneg=False)
            self.number(f"{where}.fixed_cost", cv.fixed_cost)
            self.number(f"{where}.co2", cv.co2, nonneg=False)
            _decision(self.errors, where, cv)

    def converter_yield(self, where: str, v: float) -> None:
        """A yield the solver can tell from 0."""
        if _finite(v) and v == 0:
            self.errors.append(f"{where}: yield must be positive")
        elif _finite(v) and v < MIN_YIELD:
            self.errors.append(
                f"{where}: yield {v:g} is below {MIN_YIELD:g}, which the solver reads as 0"
            )

    def storages(self, storages: Sequence[Storage]) -> None:
        """Stores with unique names, losses below 1 per season."""
        held: set[str] = set()
        for st in storages:
            where = f"storages[{st.name}]"
            if st.name in held:
                self.errors.append(f"{where}: duplicate storage name")
            held.add(st.name)
            self.ref(where, st.node, st.commodity)
            self.number(f"{where}.capacity", st.capacity)
            self.number(f"{where}.cost", st.cost)
            self.number(f"{where}.loss", st.loss)
            if _finite(st.loss) and st.loss >= 1:
                self.errors.append(f"{where}.loss: must be below 1, got {st.loss!r}")
