"""Inventory → numeric problem: units converted once, candidates generated, costs annualised.

:func:`compile_inventory` walks the whole inventory, converting every quantity to its
canonical unit and checking every reference, and collects *every* problem with its field path
before giving up.  What it returns, a :class:`Network`, holds the :class:`models.problem.Problem`
and what is needed to map a solution back to names, lengths and euros.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from models.problem import Arc, Problem, ProblemError, TimeSlice
from models.problem import Converter as PConverter
from models.problem import Demand as PDemand
from models.problem import Storage as PStorage
from models.problem import Supply as PSupply
from symbiose import candidates as cand
from symbiose.catalogue import BUILTIN, CommodityInfo
from symbiose.inventory.errors import InventoryIssue, Issues
from symbiose.inventory.schema import KEYS, SINGULAR, Inventory, Site
from symbiose.ranges import figure_fault, yield_fault
from symbiose.units import (
    UnitProblem,
    convert_value,
    is_unit,
    misspelt_unit,
    read_value,
    same_dimension,
    unit_of,
)
from symbiose.units import to_unit as _to_unit

Loc = tuple[str | int, ...]

MAX_DERIVED_ISSUES = 20
"""Most problems of the assembled numeric problem reported one by one."""


AUTO_CAP_SITES = 5_000
"""Above this many sites, ``candidate_cap: auto`` caps the candidates (see :func:`candidate_cap`)."""

AUTO_CAP = 10
"""The cap ``candidate_cap: auto`` sets on a large inventory."""


def candidate_cap(inv: Inventory) -> int | None:
    """The candidates each origin and destination keeps per mode and commodity (None: all).

    ``auto`` keeps every pair within reach up to :data:`AUTO_CAP_SITES` sites, where the
    candidates are still few enough to solve exactly, and :data:`AUTO_CAP` nearest above,
    where all pairs would be millions of arcs.
    """
    cap = inv.territory.candidate_cap
    if cap == "off":
        return None
    if cap == "auto":
        return AUTO_CAP if len(inv.sites) > AUTO_CAP_SITES else None
    return cap


def annuity_factor(rate: float, years: float) -> float:
    """Capital recovery factor: the yearly payment that repays 1 EUR over ``years``."""
    if years <= 0:
        return 1.0
    denominator = 1.0 - (1.0 + rate) ** (-years)
    if rate == 0 or denominator <= 0:  # a rate too small for (1 + rate) to differ from 1
        return 1.0 / years
    return rate / denominator


@dataclass(frozen=True)
class ArcInfo:
    """What the report needs about an arc beyond the numeric problem."""

    mode_id: str
    kind: str
    length_km: float
    investment: float
    explicit: bool
    lifetime: float = math.inf
    """Years a link built serves (its mode's lifetime), for pathways."""


@dataclass(frozen=True)
class ConverterInfo:
    """A converter's reference commodity and its yield per unit of activity."""

    id: str
    name: str
    reference: str
    reference_yield: float
    investment: float
    lifetime: float = math.inf
    """Years a converter built serves, for pathways."""


@dataclass
class Network:
    """A compiled inventory: the problem and the names and figures to report with."""

    problem: Problem
    sites: dict[str, Site]
    commodities: dict[str, CommodityInfo]
    arcs: dict[tuple[str, str, str], ArcInfo]
    converters: dict[str, ConverterInfo]
    carbon_price: float
    discount_rate: float
    candidates: int = 0
    units: dict[str, str] = field(default_factory=dict)

    def unit(self, commodity: str) -> str:
        """The canonical unit of ``commodity``."""
        return self.commodities[commodity].unit


class _Compiler:
    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.issues = Issues()
        # every number written as text is read in the territory's declared style
        self.style = inv.territory.number_format
        # what the stages build, section by section (see :meth:`run`)
        self.carbon_price = 0.0
        self.rate = 0.0
        self.commodities: dict[str, CommodityInfo] = {}
        self.season_names: list[str] = []
        self.slices: list[TimeSlice] = []
        self.sites: dict[str, Site] = {}
        self.endpoints: dict[str, cand.Endpoints] = {}
        self.supplies: list[PSupply] = []
        self.demands: list[PDemand] = []
        self.converters: list[PConverter] = []
        self.converter_info: dict[str, ConverterInfo] = {}
        self.modes: dict[str, _ModeCost] = {}
        self.arcs: list[Arc] = []
        self.arc_info: dict[tuple[str, str, str], ArcInfo] = {}
        self.n_candidates = 0
        self.storages: list[PStorage] = []
        self.limits: dict[str, Any] = {}

    def to_unit(self, value: Any, unit: str, *, allow_negative: bool = False) -> float:
        """``value`` in ``unit``, its text read in the territory's number format."""
        return _to_unit(value, unit, allow_negative=allow_negative, style=self.style)

    def fraction(self, loc: Loc, value: Any, *, upper: float, closed: bool) -> float:
        """A fraction (``0.05`` or ``'5 %'``) from 0 to ``upper`` (included if ``closed``)."""
        try:
            out = self.to_unit(value, "dimensionless")
        except UnitProblem as exc:
            text = str(exc)
            if text.startswith("expected a number") or "wrong dimension" in text:
                text = f"expected a fraction such as 0.05 or '5 %', got {value!r}"
            self.issues.add(loc, text)
            return 0.0
        if out > upper or (out == upper and not closed):
            bound = f"at most {upper:g}" if closed else f"below {upper:g}"
            self.issues.add(loc, f"must be a fraction {bound} (e.g. 0.05 or '5 %'), got {value!r}")
            return 0.0
        return out

    # -- helpers -------------------------------------------------------------------------
    def convert(
        self, loc: Loc, fn: Callable[[], float], default: float | None = 0.0
    ) -> float | None:
        try:
            value = fn()
        except UnitProblem as exc:
            self.issues.add(loc, str(exc))
            return default
        return self.in_range(loc, value, default)

    def in_range(self, loc: Loc, value: float, default: float | None) -> float | None:
        """``value`` if it is within :mod:`symbiose.ranges`, else ``default`` (issue recorded)."""
        fault = figure_fault(value)
        if fault:
            self.issues.add(loc, fault)
            return default
        return value

    def optional(self, loc: Loc, value: Any, unit: str) -> float | None:
        """``value`` in ``unit``, or None (with the issue recorded) if it cannot be read."""
        try:
            return self.in_range(loc, self.to_unit(value, unit), None)
        except UnitProblem as exc:
            self.issues.add(loc, str(exc))
            return None

    def scalar(self, loc: Loc, value: Any, unit: str, *, negative: bool = False) -> float:
        out = self.convert(loc, lambda: self.to_unit(value, unit, allow_negative=negative))
        return 0.0 if out is None else out

    def amount(self, loc: Loc, value: Any, info: CommodityInfo, density: float | None) -> float:
        """A yearly amount of a commodity, in its canonical unit per year."""
        unit = f"{info.unit}/yr"

        def go() -> float:
            magnitude, source = read_value(value, self.style)
            if source is None or same_dimension(source, unit):
                return convert_value(magnitude, source, unit, value)
            if info.unit == "t" and same_dimension(source, "m**3/yr"):
                if density is None:
                    raise UnitProblem(
                        f"{value!r} is a volume: give a density (e.g. '1.5 t/m**3') to read it"
                        f" as {info.id} in t/yr"
                    )
                volume = convert_value(magnitude, source, "m**3/yr", value, allow_negative=True)
                return convert_value(volume * density, unit_of("t/yr"), unit, value)
            if same_dimension(source, info.unit) or (
                info.unit == "t" and same_dimension(source, "m**3")
            ):
                raise UnitProblem(f"{value!r} is not a rate: write it per year, e.g. '{value}/yr'")
            raise UnitProblem(
                f"{value!r} has the wrong dimension: {info.id} is counted in {unit}"
                f" (e.g. '{_example(info.unit)}')"
            )

        out = self.convert(loc, go)
        return 0.0 if out is None else out

    def per_unit(
        self,
        loc: Loc,
        value: Any,
        numerator: str,
        info: CommodityInfo,
        density: float | None,
        *,
        negative: bool = True,
        extra: str = "",
    ) -> float:
        """A figure per unit of a commodity (EUR/t, t CO2/MWh, EUR/(t*km)), canonical."""
        unit = f"{numerator}/({info.unit}{extra})" if extra else f"{numerator}/{info.unit}"

        def go() -> float:
            magnitude, source = read_value(value, self.style)
            if source is None or same_dimension(source, unit):
                return convert_value(magnitude, source, unit, value, allow_negative=negative)
            if info.unit == "t" and density is not None:
                per_volume = f"{numerator}/(m**3{extra})"
                if same_dimension(source, per_volume):
                    # per m³ over t per m³ is per t: already in ``unit``
                    per_m3 = convert_value(
                        magnitude, source, per_volume, value, allow_negative=True
                    )
                    return convert_value(
                        per_m3 / density, None, unit, value, allow_negative=negative
                    )
            raise UnitProblem(f"{value!r} has the wrong dimension: expected {unit} for {info.id}")

        out = self.convert(loc, go)
        return 0.0 if out is None else out

    def per_capacity(self, loc: Loc, value: Any, infos: list[CommodityInfo]) -> float:
        """A mode's investment per unit of yearly capacity and km, canonical."""
        if value in (0, 0.0, "0", None):
            return 0.0
        units = {info.unit for info in infos}
        where = (*loc, "investment_per_capacity_km")
        if len(units) > 1:
            self.issues.add(
                where, f"a sized link needs commodities in one unit, got {sorted(units)}"
            )
            return 0.0
        return self.scalar(where, value, f"EUR/(({infos[0].unit}/yr)*km)")

    def density(self, loc: Loc, value: Any, info: CommodityInfo | None) -> float | None:
        if value is None:
            return info.density if info else None
        out = self.convert(loc, lambda: self.to_unit(value, "t/m**3"), None)
        if out is not None and out <= 0:
            self.issues.add(loc, f"must be positive, got {value!r}")
            return None
        return out

    def temperature(self, loc: Loc, value: Any) -> float | None:
        if value is None:
            return None
        return self.convert(loc, lambda: self.to_unit(value, "degC", allow_negative=True), None)

    def duplicates(self, section: str, items: list[Any]) -> None:
        seen: dict[tuple[Any, ...], int] = {}
        fields = KEYS[section]
        for i, item in enumerate(items):
            key = tuple(item.model_dump(by_alias=True)[f] for f in fields)
            if key in seen:
                shown = "/".join(str(k) for k in key)
                self.issues.add(
                    (section, i, fields[-1] if len(fields) == 1 else fields[0]),
                    f"duplicate {SINGULAR[section]} {shown!r} (first at {section}[{seen[key]}])",
                )
            else:
                seen[key] = i

    # -- the stages, one per inventory section ------------------------------------------
    def run(self) -> Network | None:
        """Every stage in the order of the inventory's sections; None if any found a problem.

        References are checked before candidates are generated: a wrong inventory is reported
        without spending time on pairs of sites.
        """
        self.read_territory()
        self.read_commodities()
        self.read_seasons()
        self.read_sites()
        self.read_supplies()
        self.read_demands()
        self.read_converters()
        self.read_modes()
        self.read_links()
        if self.issues:
            return None
        self.generate_candidates()
        self.read_storages()
        self.apply_planner()
        if self.issues:
            return None
        return self.assemble()

    def read_territory(self) -> None:
        """Currency, carbon price (EUR/t) and discount rate."""
        t = self.inv.territory
        if t.currency.upper() not in ("EUR", "€"):
            self.issues.add(("territory", "currency"), f"only EUR is supported, got {t.currency!r}")
        self.carbon_price = self.scalar(("territory", "carbon_price"), t.carbon_price, "EUR/t")
        rate_loc = ("territory", "discount_rate")
        rate = self.fraction(rate_loc, t.discount_rate, upper=1.0, closed=False)
        self.rate = self.in_range(rate_loc, rate, 0.0) or 0.0

    def read_commodities(self) -> None:
        """The built-in commodities, overridden or extended by the inventory's own."""
        self.commodities = dict(BUILTIN)
        self.duplicates("commodities", self.inv.commodities)
        for i, c in enumerate(self.inv.commodities):
            info = self._commodity(("commodities", i), c)
            if info is not None:
                self.commodities[c.id] = info

    def _commodity(self, loc: Loc, c: Any) -> CommodityInfo | None:
        """One commodity definition, its unit checked against the built-in one of its id."""
        if not is_unit(c.unit):
            self.issues.add((*loc, "unit"), f"unknown unit {c.unit!r}")
            return None
        mistaken = misspelt_unit(c.unit)
        if mistaken:
            self.issues.add((*loc, "unit"), mistaken)
            return None
        if c.density is not None and (fault := figure_fault(c.density)):
            self.issues.add((*loc, "density"), fault)
            return None
        base = BUILTIN.get(c.id)
        if base and not same_dimension(base.unit, c.unit):
            self.issues.add(
                (*loc, "unit"), f"built-in {c.id!r} is counted in {base.unit}, got {c.unit!r}"
            )
            return None
        return CommodityInfo(
            c.id,
            c.name or (base.name if base else c.id),
            base.unit if base else c.unit,
            c.quality if c.quality else (base.quality if base else None),
            c.density if c.density is not None else (base.density if base else None),
            c.description or (base.description if base else ""),
        )

    def read_seasons(self) -> None:
        """The time slices (one whole year if no season is given); shares sum to 1."""
        seasons = self.inv.seasons
        self.duplicates("seasons", seasons)
        self.season_names = [s.name for s in seasons]
        for i, season in enumerate(seasons):
            self.in_range(("seasons", i, "share"), season.share, None)
        self.slices = [TimeSlice(s.name, s.share) for s in seasons] or [TimeSlice("year", 1.0)]
        total_share = sum(s.share for s in seasons)
        if seasons and abs(total_share - 1.0) > 1e-6:
            self.issues.add(("seasons",), f"season shares must sum to 1, got {total_share:g}")

    def read_sites(self) -> None:
        """The sites by id; only hubs handle commodities, and only known ones."""
        self.duplicates("sites", self.inv.sites)
        self.sites = {s.id: s for s in self.inv.sites}
        for i, s in enumerate(self.inv.sites):
            for j, k in enumerate(s.handles):
                if k not in self.commodities:
                    self.issues.add(("sites", i, "handles", j), f"unknown commodity {k!r}")
            if s.handles and not s.hub:
                self.issues.add(
                    ("sites", i, "handles"), "only a hub handles commodities; set hub: true"
                )

    def site_ref(self, loc: Loc, sid: str, *, allow_hub: bool = False) -> bool:
        """Whether ``sid`` names a site (not a hub unless ``allow_hub``); else an issue."""
        if sid not in self.sites:
            self.issues.add(loc, f"unknown site {sid!r}")
            return False
        if not allow_hub and self.sites[sid].hub:
            self.issues.add(
                loc,
                f"site {sid!r} is a hub (transshipment only): it has no supply, demand or converter",
            )
            return False
        return True

    def commodity_ref(self, loc: Loc, cid: str) -> CommodityInfo | None:
        """The commodity ``cid``, or None (with an issue) if unknown."""
        if cid not in self.commodities:
            self.issues.add(loc, f"unknown commodity {cid!r}")
            return None
        return self.commodities[cid]

    def spread(
        self, loc: Loc, annual: float, profile: dict[str, float] | None
    ) -> tuple[float, ...]:
        """A yearly amount split over the seasons, by their shares or a profile's weights."""
        slices = self.slices
        flat = tuple(annual * s.share for s in slices)
        if not profile:
            return flat
        if not self.inv.seasons:
            self.issues.add(loc, "a profile needs seasons: define them in 'seasons'")
            return flat
        bad = not self._profile_weights(loc, profile)
        weights = [profile.get(s.name, 0.0) for s in slices]
        norm = sum(w * s.share for w, s in zip(weights, slices, strict=True))
        if not bad and norm <= 0:
            self.issues.add(loc, f"profile weights are all zero: {profile!r}")
            bad = True
        if bad:
            return flat
        return tuple(annual * w * s.share / norm for w, s in zip(weights, slices, strict=True))

    def _profile_weights(self, loc: Loc, profile: dict[str, float]) -> bool:
        """Whether every weight of ``profile`` names a season and is a usable number."""
        good = True
        for name, w in profile.items():
            if name not in self.season_names:
                self.issues.add(
                    (*loc, name),
                    f"unknown season {name!r} (seasons: {', '.join(self.season_names)})",
                )
                good = False
            elif not math.isfinite(w) or w < 0:
                self.issues.add((*loc, name), f"weight must be a non-negative number, got {w!r}")
                good = False
            elif fault := figure_fault(w):
                self.issues.add((*loc, name), f"weight {fault}")
                good = False
        return good

    def add_origin(self, k: str, site: str, temp: float | None) -> None:
        """``site`` gives ``k`` (at ``temp`` °C for heat): candidates may leave it."""
        ends = self.endpoints.setdefault(k, cand.Endpoints())
        if site in ends.origins:
            old = ends.origins[site]
            # several sources at one site: count on the coolest (conservative)
            ends.origins[site] = None if old is None or temp is None else min(old, temp)
        else:
            ends.origins[site] = temp

    def add_destination(self, k: str, site: str, need: float | None) -> None:
        """``site`` takes ``k`` (at least ``need`` °C for heat): candidates may reach it."""
        ends = self.endpoints.setdefault(k, cand.Endpoints())
        old = ends.destinations.get(site)
        ends.destinations[site] = need if old is None else max(old, need or old)

    def read_supplies(self) -> None:
        """What each site has to give: amounts per season, disposal cost and CO2."""
        self.duplicates("supplies", self.inv.supplies)
        for i, sp in enumerate(self.inv.supplies):
            loc: Loc = ("supplies", i)
            ok = self.site_ref((*loc, "site"), sp.site)
            info = self.commodity_ref((*loc, "commodity"), sp.commodity)
            if info is None:
                continue
            dens = self.density((*loc, "density"), sp.density, info)
            qty = self.amount((*loc, "quantity"), sp.quantity, info, dens)
            temp = self.temperature((*loc, "temperature"), sp.temperature)
            if info.quality == "temperature" and sp.temperature is None:
                self.issues.add(
                    (*loc, "temperature"),
                    f"required for {info.id}: give the temperature of the heat offered",
                )
            cost = self.per_unit((*loc, "disposal_cost"), sp.disposal_cost, "EUR", info, dens)
            handling = self.per_unit((*loc, "handling_cost"), sp.handling_cost, "EUR", info, dens)
            co2 = self.per_unit((*loc, "disposal_co2"), sp.disposal_co2, "t", info, dens)
            per_slice = self.spread((*loc, "profile"), qty, sp.profile)
            if ok:
                self.add_origin(sp.commodity, sp.site, temp)
                self.supplies.append(
                    PSupply(
                        sp.site, sp.commodity, per_slice, cost - handling, co2, sp.must_dispatch
                    )
                )

    def read_demands(self) -> None:
        """What each site wants: amounts per season, price, CO2 avoided and a minimum."""
        self.duplicates("demands", self.inv.demands)
        for i, d in enumerate(self.inv.demands):
            loc: Loc = ("demands", i)
            ok = self.site_ref((*loc, "site"), d.site)
            info = self.commodity_ref((*loc, "commodity"), d.commodity)
            if info is None:
                continue
            dens = self.density((*loc, "density"), d.density, info)
            qty = self.amount((*loc, "quantity"), d.quantity, info, dens)
            need = self.temperature((*loc, "min_temperature"), d.min_temperature)
            price = self.per_unit((*loc, "price"), d.price, "EUR", info, dens)
            co2 = self.per_unit((*loc, "co2"), d.co2, "t", info, dens)
            minimum = 0.0
            if d.minimum is not None:
                minimum = self.amount((*loc, "minimum"), d.minimum, info, dens)
                if minimum > qty * (1 + 1e-9):
                    self.issues.add(
                        (*loc, "minimum"),
                        f"{d.minimum!r} exceeds the quantity wanted {d.quantity!r}",
                    )
            per_slice = self.spread((*loc, "profile"), qty, d.profile)
            min_slice = tuple(q * minimum / qty if qty > 0 else 0.0 for q in per_slice)
            if ok:
                self.add_destination(d.commodity, d.site, need)
                self.demands.append(
                    PDemand(d.site, d.commodity, per_slice, price, co2, d.must_serve, min_slice)
                )

    def read_converters(self) -> None:
        """Processes at sites: yields, capacity, costs annualised; they are origins too."""
        self.duplicates("converters", self.inv.converters)
        for i, cv in enumerate(self.inv.converters):
            loc: Loc = ("converters", i)
            ok = self.site_ref((*loc, "site"), cv.site)
            reference = self._converter_reference(loc, cv)
            if reference is None:
                continue
            converter, info, out_temp = self._converter(loc, cv, reference)
            if not ok:
                continue
            for k in cv.outputs:
                self.add_origin(k, cv.site, out_temp if self.commodities[k].quality else None)
            for k in cv.inputs:
                self.add_destination(k, cv.site, None)
            self.converters.append(converter)
            self.converter_info[cv.id] = info

    def _converter_reference(self, loc: Loc, cv: Any) -> str | None:
        """The commodity a converter's capacity and costs count, if its yields are sound."""
        good = True
        for part in ("inputs", "outputs"):
            for k, y in getattr(cv, part).items():
                if self.commodity_ref((*loc, part, k), k) is None:
                    good = False
                elif fault := yield_fault(y):
                    self.issues.add((*loc, part, k), fault)
                    good = False
        reference = cv.reference or next(iter(cv.outputs), "")
        if reference not in cv.outputs and reference not in cv.inputs:
            self.issues.add((*loc, "reference"), f"{reference!r} is neither an input nor an output")
            good = False
        return reference if good else None

    def _converter(
        self, loc: Loc, cv: Any, reference: str
    ) -> tuple[PConverter, ConverterInfo, float | None]:
        """A converter per unit of activity, what the report shows of it, its output °C."""
        info = self.commodities[reference]
        ref_yield = cv.outputs.get(reference) or cv.inputs[reference]
        cap = math.inf
        if cv.capacity is not None:
            cap = self.amount((*loc, "capacity"), cv.capacity, info, info.density) / ref_yield
        var = self.per_unit((*loc, "variable_cost"), cv.variable_cost, "EUR", info, None)
        co2 = self.per_unit((*loc, "co2"), cv.co2, "t", info, None)
        invest = self.scalar((*loc, "investment"), cv.investment, "EUR")
        life = self.lifetime(loc, cv.lifetime)
        annual = self.scalar((*loc, "annual_cost"), cv.annual_cost, "EUR/yr")
        out_temp = self.temperature((*loc, "output_temperature"), cv.output_temperature)
        for k in cv.outputs:
            if self.commodities[k].quality == "temperature" and out_temp is None:
                self.issues.add((*loc, "output_temperature"), f"required: the converter gives {k}")
        fixed_om = self.fraction((*loc, "fixed_om"), cv.fixed_om, upper=1.0, closed=True)
        fixed = annuity_factor(self.rate, life) * invest + fixed_om * invest + annual
        converter = PConverter(
            cv.id,
            cv.site,
            dict(cv.inputs),
            dict(cv.outputs),
            cap,
            var * ref_yield,
            0.0 if cv.existing else fixed,
            co2 * ref_yield,
            cv.existing,
            investment=0.0 if cv.existing else invest,
        )
        info_ = ConverterInfo(cv.id, cv.name or cv.id, reference, ref_yield, invest, life)
        return converter, info_, out_temp

    def lifetime(self, loc: Loc, value: Any) -> float:
        """A lifetime in years (1 if none is given or it cannot be read)."""
        life = self.optional((*loc, "lifetime"), value, "yr")
        if life is not None and life <= 0:
            self.issues.add((*loc, "lifetime"), f"must be positive, got {value!r}")
        return life or 1.0

    def read_modes(self) -> None:
        """The link modes and their costs per link, per km and per unit carried."""
        self.duplicates("modes", self.inv.modes)
        for i, m in enumerate(self.inv.modes):
            loc: Loc = ("modes", i)
            infos = []
            for j, k in enumerate(m.commodities):
                info = self.commodity_ref((*loc, "commodities", j), k)
                if info:
                    infos.append(info)
            if len(infos) == len(m.commodities):
                self.modes[m.id] = self._mode(loc, m, infos)
        # one issue per field, not one per commodity of the mode
        self.issues.items = list(dict.fromkeys(self.issues.items))

    def _mode(self, loc: Loc, m: Any, infos: list[CommodityInfo]) -> _ModeCost:
        """One mode in canonical units (its per-unit figures per commodity it carries)."""
        capacity = math.inf
        if m.capacity is not None:
            units = {info.unit for info in infos}
            if len(units) > 1:
                self.issues.add(
                    (*loc, "capacity"),
                    f"a shared capacity needs commodities counted in one unit, got {sorted(units)}",
                )
            else:
                capacity = self.amount((*loc, "capacity"), m.capacity, infos[0], None)
        life = self.lifetime(loc, m.lifetime)
        loss = self.scalar((*loc, "loss_per_km"), m.loss_per_km, "1/km")
        if loss >= 1:
            self.issues.add((*loc, "loss_per_km"), f"must be below 1 per km, got {m.loss_per_km!r}")
            loss = 0.0
        max_d = None
        if m.max_distance is not None:
            max_d = self.scalar((*loc, "max_distance"), m.max_distance, "km")

        def per_commodity(name: str, numerator: str, extra: str = "") -> dict[str, float]:
            value = getattr(m, name)
            return {
                info.id: self.per_unit(
                    (*loc, name), value, numerator, info, info.density, negative=False, extra=extra
                )
                for info in infos
            }

        return _ModeCost(
            per_capacity_km=self.per_capacity(loc, m.investment_per_capacity_km, infos),
            id=m.id,
            kind=m.mode,
            commodities=tuple(m.commodities),
            investment=self.scalar((*loc, "investment"), m.investment, "EUR"),
            investment_per_km=self.scalar(
                (*loc, "investment_per_km"), m.investment_per_km, "EUR/km"
            ),
            annuity=annuity_factor(self.rate, life),
            lifetime=life,
            fixed_om=self.fraction((*loc, "fixed_om"), m.fixed_om, upper=1.0, closed=True),
            annual=self.scalar((*loc, "annual_cost"), m.annual_cost, "EUR/yr"),
            annual_per_km=self.scalar(
                (*loc, "annual_cost_per_km"), m.annual_cost_per_km, "EUR/km/yr"
            ),
            capacity=capacity,
            cost_per_unit_km=per_commodity("cost_per_unit_km", "EUR", "*km"),
            cost_per_unit=per_commodity("cost_per_unit", "EUR"),
            co2_per_unit_km=per_commodity("co2_per_unit_km", "t", "*km"),
            loss_per_km=loss,
            max_distance=max_d,
            detour=m.detour_factor or self.inv.territory.detour_factor,
            generate=m.generate,
        )

    def read_links(self) -> None:
        """The explicit links: existing ones and candidates given by hand."""
        self.duplicates("links", self.inv.links)
        for i, ln in enumerate(self.inv.links):
            loc: Loc = ("links", i)
            ok = self.site_ref((*loc, "from"), ln.from_, allow_hub=True)
            ok = self.site_ref((*loc, "to"), ln.to, allow_hub=True) and ok
            if ln.from_ == ln.to:
                self.issues.add((*loc, "to"), f"a link cannot go from {ln.from_!r} to itself")
                ok = False
            mode = self.modes.get(ln.mode)
            if mode is None:
                if ln.mode not in {m.id for m in self.inv.modes}:
                    self.issues.add((*loc, "mode"), f"unknown link mode {ln.mode!r}")
                continue
            carried = tuple(ln.commodities) if ln.commodities is not None else mode.commodities
            ok = self._link_carries(loc, ln, mode, carried) and ok
            if ok:
                arc, info_ = self._link(loc, ln, mode, carried)
                self.arcs.append(arc)
                self.arc_info[arc.key] = info_

    def _link_carries(self, loc: Loc, ln: Any, mode: _ModeCost, carried: tuple[str, ...]) -> bool:
        """Whether the link's mode carries its commodities, heat hot enough at its head."""
        ok = True
        for j, k in enumerate(carried):
            if k not in mode.commodities:
                self.issues.add((*loc, "commodities", j), f"mode {mode.id!r} does not carry {k!r}")
                ok = False
        for k in carried:
            if self.commodities[k].quality != "temperature" or k not in self.endpoints:
                continue
            hot = self.endpoints[k].origins.get(ln.from_)
            need = self.endpoints[k].destinations.get(ln.to)
            if hot is not None and need is not None and hot < need - 1e-9:
                self.issues.add(
                    (*loc, "to"),
                    f"{k} leaves {ln.from_!r} at {hot:g} °C but {ln.to!r} needs"
                    f" {need:g} °C: the link cannot serve it",
                )
                ok = False
        return ok

    def _link(
        self, loc: Loc, ln: Any, mode: _ModeCost, carried: tuple[str, ...]
    ) -> tuple[Arc, ArcInfo]:
        """An explicit link's arc: its length, capacity and fixed cost (given or the mode's)."""
        if ln.length is not None:
            length = self.scalar((*loc, "length"), ln.length, "km")
        else:
            length = cand.route_length(
                _place(self.sites[ln.from_]), _place(self.sites[ln.to]), mode.detour
            )
        capacity = mode.capacity
        if ln.capacity is not None:
            capacity = self.amount(
                (*loc, "capacity"), ln.capacity, self.commodities[carried[0]], None
            )
        fixed_override = None
        if ln.annual_fixed_cost is not None:
            fixed_override = self.scalar(
                (*loc, "annual_fixed_cost"), ln.annual_fixed_cost, "EUR/yr"
            )
        return mode.arc(ln.from_, ln.to, carried, length, capacity, ln.existing, fixed_override)

    def generate_candidates(self) -> None:
        """Candidate links for the compatible pairs within reach (:mod:`symbiose.candidates`)."""
        t = self.inv.territory
        if not t.generate_candidates:
            return
        places = {s.id: _place(s) for s in self.inv.sites}
        reach = [
            cand.ModeReach(m.id, m.commodities, m.detour, m.max_distance)
            for m in self.modes.values()
            if m.generate
        ]
        quality = [k for k, info in self.commodities.items() if info.quality]
        given = {a.key: a.commodities for a in self.arcs}
        cap = candidate_cap(self.inv)
        for c_ in cand.generate(places, reach, self.endpoints, quality, explicit=given, cap=cap):
            mode = self.modes[c_.mode]
            arc, info_ = mode.arc(
                c_.tail, c_.head, c_.commodities, c_.length_km, mode.capacity, False, None, False
            )
            self.arc_info[arc.key] = info_
            self.arcs.append(arc)
            self.n_candidates += 1

    def read_storages(self) -> None:
        """The stocks sites keep from one season to the next, in canonical units."""
        self.duplicates("storages", self.inv.storages)
        for i, st in enumerate(self.inv.storages):
            loc: Loc = ("storages", i)
            info = self.commodities.get(st.commodity)
            if st.site not in self.sites:
                self.issues.add((*loc, "site"), f"unknown site {st.site!r}")
            if info is None:
                self.issues.add((*loc, "commodity"), f"unknown commodity {st.commodity!r}")
                continue
            if len(self.slices) < 2:
                self.issues.add(
                    loc, "a stock carries a commodity between seasons: give two or more"
                )
            capacity = self.scalar((*loc, "capacity"), st.capacity, info.unit)
            cost = self.per_unit((*loc, "cost"), st.cost, "EUR", info, info.density, negative=False)
            name = f"{st.site}/{st.commodity}"
            self.storages.append(
                PStorage(name, st.site, st.commodity, capacity, st.loss_per_season, cost)
            )

    def apply_planner(self) -> None:
        """The planner's choices and limits: sites left out, pins, bans, budget, caps."""
        planner = _Planner(self)
        self.supplies, self.demands, self.converters, self.arcs = planner.exclude_sites(
            self.supplies, self.demands, self.converters, self.arcs, self.sites
        )
        self.arcs, self.converters = planner.decide(self.arcs, self.converters)
        out = set(self.inv.territory.exclude_sites)
        self.storages = [st for st in self.storages if st.node not in out]
        self.limits = planner.limits(self.modes, self.commodities)

    def assemble(self) -> Network | None:
        """The numeric problem of the commodities used, and the names to report it with."""
        used = {s.commodity for s in self.supplies} | {d.commodity for d in self.demands}
        for a in self.arcs:
            used |= set(a.commodities)
        for pc in self.converters:
            used |= set(pc.inputs) | set(pc.outputs)
        used |= {st.commodity for st in self.storages}
        try:
            problem = Problem(
                nodes=tuple(self.sites),
                commodities=tuple(sorted(used)),
                supplies=tuple(self.supplies),
                demands=tuple(self.demands),
                arcs=tuple(self.arcs),
                converters=tuple(self.converters),
                slices=tuple(self.slices),
                carbon_price=self.carbon_price,
                name=self.inv.territory.name,
                storages=tuple(self.storages),
                **self.limits,
            )
        except ProblemError as exc:
            # derived figures (e.g. a generated link's cost) may fail for thousands of arcs
            for text in exc.problems[:MAX_DERIVED_ISSUES]:
                self.issues.add((), text)
            if len(exc.problems) > MAX_DERIVED_ISSUES:
                more = len(exc.problems) - MAX_DERIVED_ISSUES
                self.issues.add((), f"... and {more} more like these")
            return None
        return Network(
            problem,
            self.sites,
            {k: self.commodities[k] for k in used},
            self.arc_info,
            self.converter_info,
            self.carbon_price,
            self.rate,
            self.n_candidates,
        )


class _Planner:
    """The planner's choices and limits of the territory.

    Sites left out, builds required or forbidden, a budget, a CO2 target and caps on new
    links.  Issues go to the compiler's.
    """

    def __init__(self, compiler: _Compiler) -> None:
        self.inv = compiler.inv
        self.issues = compiler.issues
        self.scalar = compiler.scalar

    def exclude_sites(
        self,
        supplies: list[PSupply],
        demands: list[PDemand],
        converters: list[PConverter],
        arcs: list[Arc],
        sites: dict[str, Site],
    ) -> tuple[list[PSupply], list[PDemand], list[PConverter], list[Arc]]:
        """Leave out every supply, demand, converter and link of an excluded site."""
        out = set(self.inv.territory.exclude_sites)
        for i, sid in enumerate(self.inv.territory.exclude_sites):
            if sid not in sites:
                self.issues.add(("territory", "exclude_sites", i), f"unknown site {sid!r}")
        if not out:
            return supplies, demands, converters, arcs
        return (
            [s for s in supplies if s.node not in out],
            [d for d in demands if d.node not in out],
            [c for c in converters if c.node not in out],
            [a for a in arcs if a.tail not in out and a.head not in out],
        )

    def decide(
        self, arcs: list[Arc], converters: list[PConverter]
    ) -> tuple[list[Arc], list[PConverter]]:
        """Mark the links and converters the planner requires (``pin``) or forbids."""
        flags: dict[int, str] = {}
        conv_flags: dict[str, str] = {}
        t = self.inv.territory
        for field_, flag in (("pin", "required"), ("forbid", "forbidden")):
            for i, choice in enumerate(getattr(t, field_)):
                loc = ("territory", field_, i)
                if choice.converter is not None:
                    self._decide_converter(loc, choice, flag, converters, conv_flags)
                else:
                    self._decide_link(loc, choice, flag, arcs, flags)
        arcs = [
            replace(a, required=flags[i] == "required", forbidden=flags[i] == "forbidden")
            if i in flags
            else a
            for i, a in enumerate(arcs)
        ]
        converters = [
            replace(
                c,
                required=conv_flags[c.name] == "required",
                forbidden=conv_flags[c.name] == "forbidden",
            )
            if c.name in conv_flags
            else c
            for c in converters
        ]
        return arcs, converters

    def _decide_link(
        self, loc: Loc, choice: Any, flag: str, arcs: list[Arc], flags: dict[int, str]
    ) -> None:
        found = [
            i
            for i, a in enumerate(arcs)
            if (a.tail, a.head) == (choice.from_, choice.to) and choice.mode in (None, a.mode)
        ]
        what = choice.label()
        if not found:
            self.issues.add(
                loc,
                f"no link {what} among the links and candidates; add it under links "
                f"(e.g. {{from: {choice.from_}, to: {choice.to}, mode: pipeline}})",
            )
        elif flag == "required" and len(found) > 1:
            modes = ", ".join(arcs[i].mode for i in found)
            self.issues.add(loc, f"several modes join {what} ({modes}): give the mode to require")
        for i in found:
            if arcs[i].existing:
                self.issues.add(loc, f"link {what} exists already: only a new link can be {flag}")
            elif flags.get(i, flag) != flag:
                self.issues.add(loc, f"link {what} is both required and forbidden")
            else:
                flags[i] = flag

    def _decide_converter(
        self,
        loc: Loc,
        choice: Any,
        flag: str,
        converters: list[PConverter],
        flags: dict[str, str],
    ) -> None:
        conv = next((c for c in converters if c.name == choice.converter), None)
        if conv is None:
            self.issues.add(loc, f"unknown converter {choice.converter!r}")
        elif conv.existing:
            self.issues.add(
                loc, f"converter {conv.name} exists already: only a new one can be {flag}"
            )
        elif flags.get(conv.name, flag) != flag:
            self.issues.add(loc, f"converter {conv.name} is both required and forbidden")
        else:
            flags[conv.name] = flag

    def limits(self, modes: dict[str, Any], commodities: dict[str, Any]) -> dict[str, Any]:
        """The budget (EUR), the CO2 target (t/yr) and the caps on new links."""
        t = self.inv.territory
        limits: dict[str, Any] = {
            "max_new_links": t.max_new_links,
            "max_new_links_per_mode": dict(t.max_new_links_per_mode),
            "max_new_links_per_commodity": dict(t.max_new_links_per_commodity),
        }
        if t.investment_budget is not None:
            limits["investment_budget"] = self.scalar(
                ("territory", "investment_budget"), t.investment_budget, "EUR"
            )
        if t.co2_min is not None:
            limits["co2_min"] = self.scalar(("territory", "co2_min"), t.co2_min, "t/yr")
        for k in t.max_new_links_per_commodity:
            if k not in commodities:
                where = ("territory", "max_new_links_per_commodity", k)
                self.issues.add(where, f"unknown commodity {k!r}")
        for mode, n in t.max_new_links_per_mode.items():
            loc = ("territory", "max_new_links_per_mode", mode)
            if mode not in modes:
                self.issues.add(loc, f"unknown mode {mode!r}")
            elif n < 0:
                self.issues.add(loc, f"must be 0 or more, got {n}")
        return limits


@dataclass(frozen=True)
class _ModeCost:
    id: str
    kind: str
    commodities: tuple[str, ...]
    investment: float
    investment_per_km: float
    annuity: float
    fixed_om: float
    annual: float
    annual_per_km: float
    capacity: float
    cost_per_unit_km: dict[str, float]
    cost_per_unit: dict[str, float]
    co2_per_unit_km: dict[str, float]
    loss_per_km: float
    max_distance: float | None
    detour: float
    generate: bool = True
    per_capacity_km: float = 0.0
    lifetime: float = math.inf

    def arc(
        self,
        tail: str,
        head: str,
        carried: tuple[str, ...],
        length: float,
        capacity: float,
        existing: bool,
        fixed_override: float | None,
        explicit: bool = True,
    ) -> tuple[Arc, ArcInfo]:
        investment = self.investment + self.investment_per_km * length
        fixed = (
            fixed_override
            if fixed_override is not None
            else investment * (self.annuity + self.fixed_om)
            + self.annual
            + self.annual_per_km * length
        )
        loss = 1.0 - (1.0 - self.loss_per_km) ** length if self.loss_per_km else 0.0
        arc = Arc(
            tail,
            head,
            self.id,
            carried,
            capacity=capacity,
            fixed_cost=0.0 if existing else fixed,
            variable_cost={
                k: self.cost_per_unit[k] + self.cost_per_unit_km[k] * length for k in carried
            },
            loss={k: loss for k in carried if loss > 0},
            co2={k: self.co2_per_unit_km[k] * length for k in carried if self.co2_per_unit_km[k]},
            existing=existing,
            investment=0.0 if existing else investment,
        )
        if self.per_capacity_km and not existing:
            # a sized link: the optimiser chooses its capacity (at most the mode's)
            per_unit = self.per_capacity_km * length
            arc = replace(
                arc,
                sized=True,
                capacity_investment=per_unit,
                capacity_cost=per_unit * (self.annuity + self.fixed_om),
            )
        info = ArcInfo(
            self.id, self.kind, length, 0.0 if existing else investment, explicit, self.lifetime
        )
        return arc, info


def _place(site: Site) -> cand.Place:
    return cand.Place(site.id, site.latitude, site.longitude, site.hub, frozenset(site.handles))


def _example(unit: str) -> str:
    return {"t": "1.8 Mt/yr", "MWh": "80 GWh/yr", "m**3": "5e6 m**3/yr"}.get(unit, f"100 {unit}/yr")


def compile_inventory(inv: Inventory) -> tuple[Network | None, list[InventoryIssue]]:
    """Convert ``inv`` to a :class:`Network`, or report every problem found."""
    compiler = _Compiler(inv)
    network = compiler.run()
    issues = list(dict.fromkeys(compiler.issues.items))
    return (None if issues else network), issues


def to_network(inv: Inventory) -> Network:
    """Convert ``inv`` to a :class:`Network`.

    Raises:
        InventoryError: every problem found, with field paths.
    """
    from symbiose.inventory.errors import InventoryError

    network, issues = compile_inventory(inv)
    if issues or network is None:
        raise InventoryError(issues)
    return network


def to_problem(inv: Inventory) -> Problem:
    """The numeric problem of ``inv`` (see :func:`to_network`)."""
    return to_network(inv).problem
