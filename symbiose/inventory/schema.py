"""The flow inventory: what a territory's coordinator submits.

Every model forbids unknown keys and describes every field; the OpenAPI schema of the web
service and ``docs/inventory.md`` come from these descriptions.  Quantities are written with
their unit (``"80 GWh/yr"``, ``"1.8 Mt/yr"``, ``"60 EUR/MWh"``); a bare number is taken in the
canonical unit named in the field's description.  Units are checked when the inventory is
converted (:mod:`symbiose.convert`), so that every problem is reported with its field path.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from symbiose.numbers import NumberFormat

# -- limits on text and list lengths (documented in docs/inventory.md, "Limits") --------------
MAX_ID = 100
"""Longest identifier (site, commodity, mode, converter, season) and reference to one."""
MAX_NAME = 200
"""Longest readable name, sector, field name or scenario name."""
MAX_UNIT = 50
"""Longest unit or currency (``"EUR/(t*km)"``)."""
MAX_AMOUNT = 100
"""Longest amount written with its unit (``"1.8 Mt/yr"``)."""
MAX_TEXT = 5000
"""Longest free text (notes, descriptions, sources)."""
MAX_PATH = 1000
"""Longest file path (a scenario's base)."""
MAX_SITES = 100_000
"""Most sites in an inventory (the largest French region has about 24,000 plants)."""
MAX_ITEMS = 500_000
"""Most supplies, demands, links or converters in an inventory."""
MAX_KINDS = 1_000
"""Most commodities, seasons or link modes, and most commodities a site, mode or link lists."""
MAX_ENTRIES = 100
"""Most entries in a small mapping or list (sources, estimates, a converter's inputs)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _one_line(value: str) -> str:
    """Refuse control characters in identifiers, names and units (stores refuse NUL bytes)."""
    found = _CONTROL.search(value)
    if found:
        raise ValueError(
            f"must not contain control characters (found U+{ord(found.group()):04X} at character"
            f" {found.start() + 1}): write it on one line, in plain text"
        )
    return value


def _text(value: str) -> str:
    """Refuse control characters other than tabs and line breaks in free text."""
    found = _CONTROL_IN_TEXT.search(value)
    if found:
        raise ValueError(
            f"must not contain control characters (found U+{ord(found.group()):04X} at character"
            f" {found.start() + 1})"
        )
    return value


Id = Annotated[str, StringConstraints(max_length=MAX_ID), AfterValidator(_one_line)]
"""An identifier, or a reference to one."""
Name = Annotated[str, StringConstraints(max_length=MAX_NAME), AfterValidator(_one_line)]
"""A readable name on one line."""
Unit = Annotated[str, StringConstraints(max_length=MAX_UNIT), AfterValidator(_one_line)]
"""A unit or a currency."""
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT), AfterValidator(_text)]
"""Free text: notes, descriptions, sources."""
AmountText = Annotated[str, StringConstraints(max_length=MAX_AMOUNT), AfterValidator(_one_line)]

Amount = float | AmountText
"""A number in the canonical unit, or a string with a unit (``"80 GWh/yr"``)."""

Fraction = float | AmountText
"""A fraction: a number (``0.05``) or a percentage (``"5 %"``), between 0 and 1."""

MODES = ("pipeline", "truck", "rail", "barge", "ship", "conveyor")
Mode = Literal["pipeline", "truck", "rail", "barge", "ship", "conveyor"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LogNormal(_Model):
    """A lognormal distribution given by its median and the standard deviation of its log."""

    median: Amount = Field(description="The median value, e.g. '60 MEUR'.")
    sigma: float = Field(gt=0.0, le=3.0, description="Standard deviation of the log (e.g. 0.3).")


_DISTRIBUTION_TEXT = re.compile(r"^\s*(?P<kind>range|triangular|lognormal)\s*\((?P<args>.*)\)\s*$")


class Distribution(_Model):
    """How an estimated figure may vary, for Monte Carlo sweeps (``symbiose sweep --draws``).

    Exactly one of ``range``, ``triangular`` or ``lognormal``.  Values are written like the
    field itself (``"20 EUR/t"``, or a bare number in the field's canonical unit); the bounds
    of one distribution share one unit.
    """

    range: tuple[Amount, Amount] | None = Field(
        None, description="Uniform between a low and a high value, e.g. ['20 EUR/t', '40 EUR/t']."
    )
    triangular: tuple[Amount, Amount, Amount] | None = Field(
        None, description="Triangular: low, most likely, high, e.g. [20, 30, 45]."
    )
    lognormal: LogNormal | None = Field(
        None, description="Lognormal around a median, e.g. {median: '60 MEUR', sigma: 0.3}."
    )

    def text_parts(self) -> tuple[str, list[Amount]]:
        """The kind and the values, for one spreadsheet cell: ``range(20 EUR/t | 40 EUR/t)``."""
        if self.lognormal is not None:
            return "lognormal", [self.lognormal.median, self.lognormal.sigma]
        kind = "range" if self.range is not None else "triangular"
        return kind, list(getattr(self, kind))

    @staticmethod
    def parts_of_text(text: str) -> tuple[str, list[str]]:
        """The kind and the values of a cell written from :meth:`text_parts`.

        Raises:
            ValueError: the text is not ``KIND(V | V ...)``.
        """
        m = _DISTRIBUTION_TEXT.match(text)
        if m is None:
            raise ValueError(
                f"expected range(LOW | HIGH), triangular(LOW | MODE | HIGH) or"
                f" lognormal(MEDIAN | SIGMA), got {text!r}"
            )
        return m["kind"], [part.strip() for part in m["args"].split("|")]

    @model_validator(mode="after")
    def _one_kind(self) -> Distribution:
        kinds = [k for k in ("range", "triangular", "lognormal") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "give exactly one of range, triangular or lognormal"
                + (f" (got {', '.join(kinds)})" if kinds else "")
            )
        return self


NOT_FIGURES = ("sources", "estimates", "notes", "uncertainty", "since", "until", "by_year")
"""Fields of a sourced item that describe its figures (or when they hold) rather than being one."""

MAX_PERIODS = 50
"""Most periods of a pathway, and most years an item's ``by_year`` lists."""

Year = Annotated[int, Field(ge=1900, le=2200)]
"""A calendar year."""

ByYear = Annotated[
    dict[Year, dict[Name, Any]],
    Field(
        default_factory=dict,
        max_length=MAX_PERIODS,
        description="Figures that change from a year on, for pathways: by year, the fields and"
        " their new values, written as the fields themselves (e.g. {2030: {quantity:"
        " '5.5 Mt/yr'}}); each holds until the next year given.",
    ),
]
"""Per-year figures of an item or of the territory."""


class _Sourced(_Model):
    sources: dict[Name, Text] = Field(
        default_factory=dict,
        max_length=MAX_ENTRIES,
        description="Where each figure comes from, by field name (e.g. {quantity: 'polenergie.org 2020'}).",
    )
    estimates: list[Name] = Field(
        default_factory=list,
        max_length=MAX_ENTRIES,
        description="Fields whose value is an estimate without a published source; users should override them.",
    )
    notes: Text = Field("", description="Free text for the reader.")
    uncertainty: dict[Name, Distribution] = Field(
        default_factory=dict,
        max_length=MAX_ENTRIES,
        description="How estimated fields may vary, by field name, for Monte Carlo sweeps"
        " (e.g. {handling_cost: {range: ['20 EUR/t', '40 EUR/t']}}); see *Uncertainty and sweeps*.",
    )

    @model_validator(mode="after")
    def _uncertain_figures(self) -> _Sourced:
        if not self.uncertainty:  # the usual case: no need to list the fields of the item
            return self
        figures = {f.alias or n for n, f in type(self).model_fields.items()} - set(NOT_FIGURES)
        unknown = sorted(set(self.uncertainty) - figures)
        if unknown:
            raise ValueError(
                f"uncertainty: {', '.join(map(repr, unknown))} is not a figure of this item"
                f" (one of: {', '.join(sorted(figures))})"
            )
        return self


class _Dated(_Sourced):
    """An item that may be there only some years of a pathway, with figures by year."""

    since: Year | None = Field(
        None, description="First year the item is there, for pathways; none: from the start."
    )
    until: Year | None = Field(
        None,
        description="First year the item is no longer there (it is there the years before);"
        " none: to the end of the horizon.",
    )
    by_year: ByYear

    @model_validator(mode="after")
    def _dated(self) -> _Dated:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError(f"until ({self.until}) must come after since ({self.since})")
        if not self.by_year:
            return self
        fields = {f.alias or n for n, f in type(self).model_fields.items()}
        keys = set(KEYS.get(_SECTION_OF.get(type(self).__name__, ""), ()))
        allowed = fields - set(NOT_FIGURES) - keys
        for year, figures in self.by_year.items():
            unknown = sorted(set(figures) - allowed)
            if unknown:
                raise ValueError(
                    f"by_year.{year}: {', '.join(map(repr, unknown))} is not a figure of this"
                    f" item (one of: {', '.join(sorted(allowed))})"
                )
        return self


class BuildChoice(_Model):
    """A link or a converter the planner requires or forbids (THERMOS-style).

    A link is named by ``from`` and ``to`` (and ``mode`` when several modes join the pair; to
    forbid, leaving ``mode`` out forbids every mode); a converter by ``converter``.  The short
    form ``"dk6->ecocem (gas_pipe)"`` or ``"converter grinder"`` reads the same (spreadsheets
    and CSV files use it).
    """

    from_: Id | None = Field(None, alias="from", description="Id of the site the link leaves.")
    to: Id | None = Field(None, description="Id of the site the link enters.")
    mode: Id | None = Field(None, description="Id of the link mode (default: any mode).")
    converter: Id | None = Field(None, description="Or the id of a converter to be built.")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: object) -> object:
        """Read the short form ``"a->b (mode)"``, ``"a->b"`` or ``"converter grinder"``."""
        if not isinstance(data, str):
            return data
        text = data.strip()
        if text.startswith("converter "):
            return {"converter": text.removeprefix("converter ").strip()}
        tail, arrow, rest = text.partition("->")
        head, _, mode = rest.partition("(")
        if not arrow or not tail.strip() or not head.strip():
            raise ValueError(
                f"write a link as 'from->to (mode)' or a converter as 'converter id', got {data!r}"
            )
        choice = {"from": tail.strip(), "to": head.strip()}
        if mode.strip().rstrip(")").strip():
            choice["mode"] = mode.strip().rstrip(")").strip()
        return choice

    @model_validator(mode="after")
    def _link_or_converter(self) -> BuildChoice:
        link = self.from_ is not None or self.to is not None or self.mode is not None
        if link == (self.converter is not None):
            raise ValueError("name a link (from, to, mode) or a converter, not both nor neither")
        if link and (self.from_ is None or self.to is None):
            raise ValueError("a link needs both from and to")
        return self

    def label(self) -> str:
        """How the choice reads in messages: ``a->b (pipeline)`` or ``converter grinder``."""
        if self.converter is not None:
            return f"converter {self.converter}"
        return f"{self.from_}->{self.to}" + (f" ({self.mode})" if self.mode else "")


class Territory(_Sourced):
    """The territory and its economic parameters."""

    name: Name = Field(min_length=1, description="Name of the territory.")
    currency: Unit = Field(
        "EUR", description="Currency of every amount; only EUR (also written €) is supported."
    )
    number_format: NumberFormat = Field(
        "en",
        description="How numbers are written in text: 'en' (1,200,000.5 or 1 200 000.5) or"
        " 'fr' (1 200 000,5: decimal comma, spaces group thousands).",
    )
    reference_year: int = Field(
        2024, ge=1900, le=2200, description="Year the figures refer to (prices are not inflated)."
    )
    carbon_price: Amount = Field(
        0.0, description="Value of one t CO2 avoided (EUR/t), e.g. the EU ETS price '75 EUR/t'."
    )
    discount_rate: Fraction = Field(
        0.05,
        description="Real discount rate used to annualise investments, from 0 to below 1"
        " (e.g. 0.05 or '5 %').",
    )
    detour_factor: float = Field(
        1.3,
        ge=1.0,
        le=5.0,
        description="Route length over great-circle distance, for modes that set none.",
    )
    generate_candidates: bool = Field(
        True,
        description="Generate candidate links for every compatible pair within each mode's reach.",
    )
    candidate_cap: Annotated[int, Field(ge=1)] | Literal["auto", "off"] = Field(
        "auto",
        description="Most generated candidates each origin and each destination keeps, per mode"
        " and commodity: its nearest (a pair stays if either end keeps it); 'off': every pair"
        " within reach; 'auto': off up to 5,000 sites, 10 above (see docs/inventory.md).",
    )
    investment_budget: Amount | None = Field(
        None,
        description="Most that may be invested in new links and converters together (EUR), e.g. '20 MEUR'; none: no budget.",
    )
    co2_min: Amount | None = Field(
        None,
        description="Least CO2 that must be avoided (t/yr), e.g. '2 Mt/yr'; none: no target.",
    )
    max_new_links: int | None = Field(
        None, ge=0, le=10_000_000, description="Most new links that may be built; none: no cap."
    )
    max_new_links_per_mode: dict[Id, int] = Field(
        default_factory=dict,
        max_length=MAX_KINDS,
        description="Most new links of each mode that may be built, by mode id, e.g. {pipeline: 2}.",
    )
    max_new_links_per_commodity: dict[Id, int] = Field(
        default_factory=dict,
        max_length=MAX_KINDS,
        description="Most new links carrying each commodity that may be built, e.g. {co2: 1}.",
    )
    pin: list[BuildChoice] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Links or converters that must be built, e.g. [{from: dk6, to: ecocem, mode: pipeline}].",
    )
    forbid: list[BuildChoice] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Links or converters that must not be built, e.g. [{converter: grinder}].",
    )
    exclude_sites: list[Id] = Field(
        default_factory=list,
        max_length=MAX_SITES,
        description="Sites that take no part: no link touches them; their supplies, demands and converters are left out.",
    )
    periods: list[Year] = Field(
        default_factory=list,
        max_length=MAX_PERIODS,
        description="A pathway's periods: the first year of each, increasing (e.g. [2026, 2028,"
        " 2030, 2035]); each stands for the years until the next.  None: one static year.",
    )
    horizon_end: Year | None = Field(
        None,
        description="First year after the horizon (the last period lasts until it); default:"
        " the last period plus the length of the one before (plus 1 with one period).",
    )
    decision_year: Year | None = Field(
        None,
        description="Builds in periods starting in or before this year are decided once for"
        " every scenario (what to build now whatever happens); default: the first period.",
    )
    period_budget: Amount | None = Field(
        None,
        description="Most that may be invested in each period of a pathway (EUR), e.g."
        " '50 MEUR'; by year through by_year; none: no budget per period (investment_budget"
        " then counts the whole horizon).",
    )
    period_max_new_links: int | None = Field(
        None,
        ge=0,
        le=10_000_000,
        description="Most new links built in each period of a pathway; none: no cap per period"
        " (max_new_links then counts the whole horizon).",
    )
    by_year: ByYear


class Season(_Model):
    """A part of the year (time slice); supply and demand profiles refer to it by name."""

    name: Id = Field(min_length=1, description="Season name, e.g. 'winter'.")
    share: float = Field(gt=0.0, le=1.0, description="Fraction of the year; shares sum to 1.")


class CommodityDef(_Model):
    """A user commodity, or an override of a built-in one (same id, same unit)."""

    id: Id = Field(min_length=1, description="Identifier used by supplies, demands and modes.")
    name: Name = Field("", description="Readable name.")
    unit: Unit = Field(
        description="Canonical unit of an amount, e.g. 't', 'MWh' or 'm**3' (per year is implied)."
    )
    quality: Literal["temperature"] | None = Field(
        None, description="The quality that limits its uses ('temperature' for heat)."
    )
    density: float | None = Field(
        None, gt=0.0, description="Default density in t/m**3, to read volumes of a mass commodity."
    )
    description: Text = Field("", description="What it is.")


class Site(_Dated):
    """A plant, network or terminal of the territory."""

    id: Id = Field(min_length=1, description="Short unique identifier.")
    name: Name = Field(min_length=1, description="Readable name, as planners know it.")
    sector: Name = Field("", description="Sector of activity (steel, energy, port, ...).")
    zone: Name = Field(
        "",
        description="Area the site belongs to, e.g. its employment zone ('Dunkerque'), for"
        " summaries by zone.",
    )
    latitude: float = Field(ge=-90.0, le=90.0, description="Latitude in decimal degrees (WGS84).")
    longitude: float = Field(
        ge=-180.0, le=180.0, description="Longitude in decimal degrees (WGS84)."
    )
    position_precision: float | None = Field(
        None,
        ge=0.0,
        le=1000.0,
        description="How far (km) the plant may be from the position given, e.g. 5 for a"
        " postcode centroid; none: the position is the plant's own. Distances and the map say"
        " when it is approximate.",
    )
    hub: bool = Field(
        False,
        description="A pure transshipment node (e.g. a CO2 export terminal): no supply or demand.",
    )
    handles: list[Id] = Field(
        default_factory=list,
        max_length=MAX_KINDS,
        description="For a hub, the commodities it can tranship (empty: every commodity).",
    )


class Supply(_Dated):
    """A "have": a by-product or resource a site can give away."""

    site: Id = Field(description="Id of the site that has it.")
    commodity: Id = Field(description="Id of the commodity.")
    quantity: Amount = Field(
        description="Quantity available per year, e.g. '80 GWh/yr', '1.8 Mt/yr', '5e6 m**3/yr'."
    )
    density: Amount | None = Field(
        None, description="Density (e.g. '1.5 t/m**3') when a mass commodity is given by volume."
    )
    temperature: Amount | None = Field(
        None, description="Temperature of the heat offered (e.g. '110 degC'); required for heat."
    )
    disposal_cost: Amount = Field(
        0.0,
        description="What disposing of an unused unit costs today (EUR per unit, e.g. '40 EUR/t'); negative for a revenue.",
    )
    disposal_co2: Amount = Field(
        0.0, description="t CO2 emitted per unit disposed of (avoided when it is used instead)."
    )
    handling_cost: Amount = Field(
        0.0,
        description="Cost of making a unit available for exchange (capture, crushing, drying), EUR per unit.",
    )
    must_dispatch: bool = Field(
        False, description="Everything must leave the site (e.g. a legal obligation)."
    )
    profile: dict[Id, float] | None = Field(
        None,
        max_length=MAX_KINDS,
        description="Relative weight per season (e.g. {winter: 1, summer: 1}); default flat.",
    )


class Demand(_Dated):
    """A "want": an input a site would take from the territory instead of a virgin one."""

    site: Id = Field(description="Id of the site that wants it.")
    commodity: Id = Field(description="Id of the commodity.")
    quantity: Amount = Field(description="The most it takes per year, e.g. '120 GWh/yr'.")
    density: Amount | None = Field(
        None, description="Density when a mass commodity is given by volume."
    )
    min_temperature: Amount | None = Field(
        None, description="Least temperature it can use (heat), e.g. '90 degC'."
    )
    price: Amount = Field(
        0.0,
        description="Price of the virgin input it replaces, EUR per unit (e.g. '70 EUR/MWh'); negative for a fee the taker charges.",
    )
    co2: Amount = Field(
        0.0,
        description="CO2 of the virgin input it replaces, t per unit (e.g. '0.26 t/MWh', '0.75 t/t').",
    )
    must_serve: bool = Field(False, description="The whole quantity must be delivered.")
    minimum: Amount | None = Field(None, description="The least that must be delivered per year.")
    profile: dict[Id, float] | None = Field(
        None,
        max_length=MAX_KINDS,
        description="Relative weight per season (e.g. {winter: 3, summer: 0.3}); default flat.",
    )


class LinkMode(_Dated):
    """A way of carrying commodities, with its costs, reach and losses."""

    id: Id = Field(min_length=1, description="Identifier used by links, e.g. 'heat_pipe'.")
    mode: Mode = Field(description="Kind of transport: " + ", ".join(MODES) + ".")
    commodities: list[Id] = Field(
        min_length=1, max_length=MAX_KINDS, description="Commodities it can carry."
    )
    investment: Amount = Field(
        0.0, description="Investment per link regardless of length (EUR, e.g. '2 MEUR')."
    )
    investment_per_km: Amount = Field(
        0.0, description="Investment per km of route (EUR/km, e.g. '1.2 MEUR/km')."
    )
    investment_per_capacity_km: Amount = Field(
        0.0,
        description="Investment per unit of capacity and km of route, e.g. '1.2 MEUR/(MW*km)' for heat pipes or '50 kEUR/((t/h)*km)' for CO2 pipelines; when given, the optimiser chooses each new link's capacity (at most the mode's capacity).",
    )
    lifetime: Amount = Field(30.0, description="Economic lifetime of the investment (yr).")
    fixed_om: Fraction = Field(
        0.0,
        description="Operation and maintenance per year, as a fraction of the investment"
        " (e.g. 0.02 or '2 %').",
    )
    annual_cost: Amount = Field(
        0.0,
        description="Yearly fixed cost of a link built (EUR/yr), e.g. a contract; an existing link pays none.",
    )
    annual_cost_per_km: Amount = Field(0.0, description="Yearly fixed cost per km (EUR/km/yr).")
    capacity: Amount | None = Field(
        None,
        description="Most a link carries per year, all commodities together (e.g. '300 GWh/yr').",
    )
    cost_per_unit_km: Amount = Field(
        0.0, description="Variable cost per unit and km (e.g. '0.12 EUR/(t*km)')."
    )
    cost_per_unit: Amount = Field(
        0.0,
        description="Variable cost per unit regardless of length (loading, liquefaction), EUR per unit.",
    )
    loss_per_km: Amount = Field(
        0.0, description="Fraction lost per km of route (heat), e.g. '0.5 %/km' or 0.005."
    )
    co2_per_unit_km: Amount = Field(
        0.0, description="CO2 emitted per unit and km (e.g. '95 g/(t*km)')."
    )
    max_distance: Amount | None = Field(
        None, description="Longest route this mode serves (e.g. '15 km'); none: unlimited."
    )
    detour_factor: float | None = Field(
        None,
        ge=1.0,
        le=5.0,
        description="Route length over great-circle distance (default: the territory's).",
    )
    generate: bool = Field(
        True,
        description="Generate candidate links of this mode; false: only explicit links use it (e.g. ships between terminals).",
    )


class Link(_Dated):
    """An explicit link between two sites: an existing one, or a candidate given by hand."""

    from_: Id = Field(alias="from", description="Id of the site the flow leaves.")
    to: Id = Field(description="Id of the site the flow enters.")
    mode: Id = Field(description="Id of the link mode.")
    existing: bool = Field(False, description="It exists already: no investment to pay.")
    length: Amount | None = Field(
        None, description="Route length (e.g. '3.2 km'); default: great-circle × detour factor."
    )
    commodities: list[Id] | None = Field(
        None,
        max_length=MAX_KINDS,
        description="Commodities it carries (default: every commodity of the mode).",
    )
    capacity: Amount | None = Field(None, description="Capacity per year, overriding the mode's.")
    annual_fixed_cost: Amount | None = Field(
        None, description="Yearly fixed cost if built (EUR/yr), overriding the mode's costing."
    )


class Converter(_Dated):
    """A process at a site turning inputs into outputs (grinding, synthesis, heat pump)."""

    id: Id = Field(min_length=1, description="Short unique identifier.")
    site: Id = Field(description="Id of the site where it stands.")
    name: Name = Field("", description="Readable name.")
    inputs: dict[Id, float] = Field(
        min_length=1,
        max_length=MAX_ENTRIES,
        description="Units of each input per unit of activity, e.g. {bf_slag: 1.05}.",
    )
    outputs: dict[Id, float] = Field(
        min_length=1,
        max_length=MAX_ENTRIES,
        description="Units of each output per unit of activity, e.g. {ground_slag: 1}.",
    )
    reference: Id | None = Field(
        None,
        description="Commodity in which capacity, costs and CO2 are counted (default: the first output).",
    )
    capacity: Amount | None = Field(
        None, description="Most of the reference commodity per year (e.g. '1.4 Mt/yr')."
    )
    variable_cost: Amount = Field(
        0.0, description="Cost per unit of the reference commodity (e.g. '15 EUR/t')."
    )
    co2: Amount = Field(
        0.0, description="CO2 emitted per unit of the reference commodity (t/unit)."
    )
    investment: Amount = Field(0.0, description="Investment if it is to be built (EUR).")
    lifetime: Amount = Field(20.0, description="Economic lifetime of the investment (yr).")
    fixed_om: Fraction = Field(
        0.0,
        description="Operation and maintenance per year, fraction of investment (e.g. '2 %').",
    )
    annual_cost: Amount = Field(
        0.0,
        description="Yearly fixed cost if it is built (EUR/yr); an existing converter pays none.",
    )
    existing: bool = Field(
        True, description="It exists already (otherwise there is a build decision)."
    )
    output_temperature: Amount | None = Field(
        None, description="Temperature of the heat it gives (heat outputs only), e.g. '85 degC'."
    )


class Storage(_Dated):
    """A stock a site keeps from one season to the next.

    A slag stockpile, a sediment platform, a seasonal heat store; the seasons form a cycle
    over the year.
    """

    site: Id = Field(description="Id of the site holding the stock.")
    commodity: Id = Field(description="Id of the commodity held.")
    capacity: Amount = Field(
        description="Most held at the end of a season, e.g. '200 kt' or '20 GWh'."
    )
    loss_per_season: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        description="Fraction of the stock lost over each season held, e.g. 0.05.",
    )
    cost: Amount = Field(
        0.0, description="Cost per unit held at the end of a season, e.g. '2 EUR/t' or '5 EUR/MWh'."
    )


class Inventory(_Model):
    """A whole flow inventory: territory, sites, haves, wants, ways to link them, processes."""

    territory: Territory = Field(description="The territory and its economic parameters.")
    commodities: list[CommodityDef] = Field(
        default_factory=list,
        max_length=MAX_KINDS,
        description="Commodities added to the built-in catalogue (or overriding one of them).",
    )
    seasons: list[Season] = Field(
        default_factory=list,
        max_length=MAX_KINDS,
        description="Time slices of the year; none means one annual slice.",
    )
    sites: list[Site] = Field(
        default_factory=list, max_length=MAX_SITES, description="Sites of the territory."
    )
    supplies: list[Supply] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="What sites have."
    )
    demands: list[Demand] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="What sites want."
    )
    modes: list[LinkMode] = Field(
        default_factory=list, max_length=MAX_KINDS, description="Ways of carrying commodities."
    )
    links: list[Link] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Explicit links (existing ones, or candidates by hand).",
    )
    converters: list[Converter] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Processes at sites."
    )
    storages: list[Storage] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Stocks kept from one season to the next (needs two seasons or more).",
    )


SECTIONS: dict[str, type[_Model]] = {
    "commodities": CommodityDef,
    "seasons": Season,
    "sites": Site,
    "supplies": Supply,
    "demands": Demand,
    "modes": LinkMode,
    "links": Link,
    "converters": Converter,
    "storages": Storage,
}
"""The list sections of an inventory and their item model."""

KEYS: dict[str, tuple[str, ...]] = {
    "commodities": ("id",),
    "seasons": ("name",),
    "sites": ("id",),
    "supplies": ("site", "commodity"),
    "demands": ("site", "commodity"),
    "modes": ("id",),
    "links": ("from", "to", "mode"),
    "converters": ("id",),
    "storages": ("site", "commodity"),
}
"""The fields that identify an item of each section (for duplicates and scenario overrides)."""

_SECTION_OF = {model.__name__: section for section, model in SECTIONS.items()}
"""The section of each item model, by class name (for the key fields ``by_year`` may not set)."""

SINGULAR: dict[str, str] = {
    "commodities": "commodity",
    "seasons": "season",
    "sites": "site",
    "supplies": "supply",
    "demands": "demand",
    "modes": "mode",
    "links": "link",
    "converters": "converter",
    "storages": "storage",
}
"""The name of one item of each section, for messages."""
