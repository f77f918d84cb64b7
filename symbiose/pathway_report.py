"""A solved pathway in the user's terms: the schedule by site name, periods, scenarios, regrets.

Each (scenario, period) is also an ordinary :class:`~symbiose.report.Report` (flows, links in
use, marginal values), so the map of a period or a scenario is drawn from the same tables as a
single year's; here they are stacked with ``scenario`` and ``year`` columns.  The document
(:meth:`PathwayReport.document`) is a :class:`~symbiose.document.ResultDocument` like any
result's: the service stores it, and every export is written from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from models.pathway_result import PathwayResult
from models.result import Objective, Status
from symbiose import exports
from symbiose.document import Columns, ResultDocument, json_ready
from symbiose.pathway import PathwayNetwork
from symbiose.report import Report
from symbiose.units import money, tonnes

SCHEDULE_COLUMNS = [
    "year",
    "until",
    "scenario",
    "shared",
    "kind",
    "item",
    "from_id",
    "from",
    "to_id",
    "to",
    "mode",
    "converter",
    "site_id",
    "site",
    "investment_eur",
    "discounted_investment_eur",
    "yearly_charge_eur",
    "discounted_charges_eur",
    "capacity",
    "no_regret",
    "hedge_only",
]
"""The build schedule: when (``year``, built; ``until``, first year it no longer serves),
for which scenario (empty and ``shared``: every scenario, decided now), what (a link from a
site to a site by a mode, or a converter at a site), what it costs (EUR once, EUR/yr while it
serves, each also discounted to the base year), and whether it is a no-regret or a hedge-only
build."""


@dataclass
class PathwayReport:
    """A solved pathway, named (module docstring)."""

    result: PathwayResult
    network: PathwayNetwork
    name: str = ""
    marginal: dict[tuple[str, int], pd.DataFrame] = field(default_factory=dict)
    """Marginal values of each (scenario, year), in model units, if computed."""

    def __post_init__(self) -> None:
        if not self.name:
            self.name = self.network.inventory.territory.name

    # -- lookups -----------------------------------------------------------------------
    def _site(self, sid: str) -> str:
        for row in self.network.networks:
            for net in row:
                if sid in net.sites:
                    return net.sites[sid].name
        return sid

    @cached_property
    def blocks(self) -> dict[tuple[str, int], Report]:
        """Each (scenario, year)'s ordinary report."""
        pw = self.network.pathway
        out = {}
        for s, sc in enumerate(pw.scenarios):
            for p, year in enumerate(pw.years):
                block = self.result.blocks.get((sc.name, year))
                if block is None:
                    continue
                net = self.network.networks[s][p]
                inv = self.network.inventories[s][p]
                marginal = self.marginal.get((sc.name, year), pd.DataFrame())
                out[sc.name, year] = Report(block, inv, net, marginal=marginal)
        return out

    # -- tables ------------------------------------------------------------------------
    @cached_property
    def schedule(self) -> pd.DataFrame:
        """The build schedule, by name (:data:`SCHEDULE_COLUMNS`)."""
        rows = []
        regret = set(self.result.no_regret)
        hedge = set(self.result.hedge_only)
        for r in self.result.schedule.to_dict(orient="records"):
            link = r["kind"] == "link"
            site = str(r["node"])
            label = (
                f"{self._site(r['tail'])} → {self._site(r['head'])} ({r['mode']})"
                if link
                else f"{r['converter']} at {self._site(site)}"
            )
            rows.append(
                {
                    "year": r["year"],
                    "until": r["until"],
                    "scenario": r["scenario"],
                    "shared": bool(r["shared"]),
                    "kind": r["kind"],
                    "item": label,
                    "from_id": r["tail"],
                    "from": self._site(r["tail"]) if link else "",
                    "to_id": r["head"],
                    "to": self._site(r["head"]) if link else "",
                    "mode": r["mode"],
                    "converter": r["converter"],
                    "site_id": site,
                    "site": self._site(site),
                    "investment_eur": r["investment"],
                    "discounted_investment_eur": r["discounted_investment"],
                    "yearly_charge_eur": r["yearly_charge"],
                    "discounted_charges_eur": r["discounted_charges"],
                    "capacity": r["capacity"],
                    "no_regret": bool(r["shared"]) and r["item"] in regret,
                    "hedge_only": bool(r["shared"]) and r["item"] in hedge,
                }
            )
        return pd.DataFrame(rows, columns=SCHEDULE_COLUMNS)

    def _stacked(self, table: str) -> pd.DataFrame:
        """One table of every block's report, with its ``scenario`` and ``year`` first."""
        parts = []
        for (scenario, year), report in self.blocks.items():
            frame = getattr(report, table)
            if len(frame):
                parts.append(frame.assign(scenario=scenario, year=year))
        if not parts:
            return pd.DataFrame(columns=["scenario", "year"])
        out = pd.concat(parts, ignore_index=True)
        return out[["scenario", "year", *[c for c in out.columns if c not in ("scenario", "year")]]]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables by name."""
        return {
            "schedule": self.schedule,
            "periods": self.result.periods,
            "scenarios": self.result.scenarios,
            "flows": self._stacked("flows"),
            "built_links": self._stacked("built_links"),
            "converters": self._stacked("converters"),
            "marginal_values": self._stacked("marginal_values"),
        }

    def summary(self) -> dict[str, Any]:
        """Status, values, measures and the no-regret and hedge-only items: JSON-ready."""
        res, pw = self.result, self.network.pathway
        head = res.summary()
        return json_ready(
            head
            | {
                "territory": self.name,
                "kind": "pathway",
                "end": pw.end,
                "base_year": pw.base,
                "discount_rate": pw.discount_rate,
                "scenario_names": [s.name for s in pw.scenarios],
                "probabilities": [s.probability for s in pw.scenarios],
                "totals": self.totals(),
                "counts": {
                    "builds": len(res.schedule),
                    "shared_builds": int(res.schedule["shared"].sum()) if len(res.schedule) else 0,
                    "periods": pw.periods,
                    "scenarios": len(pw.scenarios),
                },
            }
        )

    def totals(self) -> dict[str, float | None]:
        """The expected equivalent annual values (EUR/yr, t CO2/yr) and the NPV (EUR)."""
        res = self.result
        if not res.has_solution:
            return {}
        table = res.scenarios
        pi = table["probability"].to_numpy()
        co2 = float((pi * table["co2_avoided"].to_numpy()).sum())
        npv = float((pi * table["npv"].to_numpy()).sum())
        investment = float(
            (res.periods["probability"] * res.periods["investment"]).sum()
        )
        return {
            "valorisation_eur_per_yr": npv / res.annuity if res.annuity else None,
            "npv_eur": npv,
            "co2_avoided_t_per_yr": co2,
            "investment_eur": investment,
        }

    def to_geojson(self) -> dict[str, Any]:
        """Every (scenario, year)'s sites and links in use, as GeoJSON.

        Each feature is tagged with its ``scenario`` and ``year`` (a link built now that is
        no-regret with ``no_regret``), so a map draws one period of one scenario by filtering.
        """
        regret = set(self.result.no_regret)
        features: list[dict[str, Any]] = []
        for (scenario, year), report in self.blocks.items():
            for feature in report.to_geojson()["features"]:
                props = dict(feature["properties"]) | {"scenario": scenario, "year": year}
                if feature["geometry"]["type"] == "LineString":  # a link (its kind: its mode's)
                    label = f"{props.get('from_id')}->{props.get('to_id')} ({props.get('mode')})"
                    props["no_regret"] = label in regret
                features.append({**feature, "properties": props})
        return {"type": "FeatureCollection", "features": features}

    def candidate_geojson(self) -> dict[str, Any]:
        """Every link the optimiser could use in some period or scenario, as GeoJSON lines.

        ``built`` when some (scenario, period) uses it.
        """
        found: dict[tuple[str, str, str], dict[str, Any]] = {}
        for report in self.blocks.values():
            for feature in report.candidate_geojson()["features"]:
                props = feature["properties"]
                key = (props["from_id"], props["to_id"], props["mode"])
                if key in found:
                    found[key]["properties"]["built"] |= bool(props["built"])
                else:
                    found[key] = feature
        return {"type": "FeatureCollection", "features": list(found.values())}

    def document(self, *, candidates: bool = False) -> ResultDocument:
        """The report as data: what the service stores and every export is written from.

        ``candidates`` adds the candidate links of :meth:`candidate_geojson` (for the map).
        """
        return ResultDocument(
            summary=self.summary(),
            tables={name: Columns.of(t) for name, t in self.tables().items()},
            number_format=exports.dialect_of(self.network.inventory).name,
            candidates=self.candidate_geojson() if candidates else None,
        )

    def to_json(self) -> str:
        """Summary and tables as one JSON document."""
        return self.document().public_json()

    def write(
        self, directory: str | Path, formats: tuple[str, ...] | list[str] = ("csv", "json", "xlsx")
    ) -> list[Path]:
        """Write the report in ``formats`` to ``directory``; returns the files written."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        if "json" in formats:
            path = out / "pathway.json"
            path.write_text(self.to_json(), encoding="utf-8")
            written.append(path)
        head: exports.Table = [["field", "value"]]
        head += [
            [k, v] for k, v in self.summary().items() if not isinstance(v, dict | list)
        ]
        head += [[f"measures.{k}", v] for k, v in self.result.measures.items()]
        head += [[f"totals.{k}", v] for k, v in self.totals().items()]
        written += exports.write_tables(
            self.tables(),
            out,
            formats,
            dialect=exports.dialect_of(self.network.inventory),
            workbook="pathway.xlsx",
            first_sheet=("summary", head),
        )
        return written

    # -- the terminal summary ----------------------------------------------------------
    def render_text(self) -> str:
        """What a planner reads: the schedule, the periods, the scenarios and their regrets."""
        res, pw = self.result, self.network.pathway
        head = (
            f"{self.name} — pathway {pw.years[0]}–{pw.end} ({pw.periods} periods"
            + (f", {len(pw.scenarios)} scenarios" if len(pw.scenarios) > 1 else "")
            + f") — {res.status.value.replace('_', ' ')}"
        )
        if res.gap is not None and res.status in (Status.OPTIMAL, Status.TIME_LIMIT):
            head += f" (gap {res.gap:.2%}, {sum(res.timings.values()):.1f} s)"
        lines = [head]
        if not res.has_solution:
            lines.append(f"  {res.message}")
            return "\n".join(lines)
        t = self.totals()
        lines.append(
            f"  Expected value {money(t['valorisation_eur_per_yr'] or 0)}/yr"
            f" (net present value {money(t['npv_eur'] or 0)} at"
            f" {pw.discount_rate:.1%} to {pw.base}) · CO2 avoided"
            f" {tonnes(t['co2_avoided_t_per_yr'] or 0)}/yr"
        )
        if res.objective_kind is Objective.CO2:
            lines.append("  (optimised for CO2 avoided)")
        lines += self._schedule_lines()
        lines += self._period_lines()
        if res.stochastic:
            lines += self._scenario_lines()
        lines.extend(f"  Note: {n}" for n in res.notes)
        return "\n".join(lines)

    def _schedule_lines(self) -> list[str]:
        table = self.schedule
        if not len(table):
            return ["  Nothing to build."]
        lines = [f"  Build schedule ({len(table)} builds; links without any cost need none):"]
        for r in table.to_dict(orient="records"):
            who = "all" if r["shared"] else r["scenario"]
            mark = " [no regret]" if r["no_regret"] else " [hedge]" if r["hedge_only"] else ""
            lines.append(
                f"    {r['year']}  {who:<14.14} {r['item'][:58]:<58}"
                f" {money(r['investment_eur']):>10}  {money(r['yearly_charge_eur'])}/yr"
                f"  until {r['until']}{mark}"
            )
        return lines

    def _period_lines(self) -> list[str]:
        periods = self.result.periods
        years = list(self.network.pathway.years)
        lines = ["  Valorisation by period (per yr), CO2 avoided, invested:"]
        lines.append("    " + " " * 16 + "".join(f"{y:>12}" for y in years))
        for name, rows in periods.groupby("scenario", sort=False):
            lines.append(
                f"    {str(name)[:14]:<16}"
                + "".join(f"{money(v):>12}" for v in rows["valorisation"])
            )
            lines.append(
                f"    {'  CO2':<16}" + "".join(f"{tonnes(v):>12}" for v in rows["co2_avoided"])
            )
            lines.append(
                f"    {'  invested':<16}" + "".join(f"{money(v):>12}" for v in rows["investment"])
            )
        return lines

    def _scenario_lines(self) -> list[str]:
        res = self.result
        lines = ["  Scenarios (value per yr under these builds, its own optimum, regret):"]
        for r in res.scenarios.to_dict(orient="records"):
            own = r["own_optimum"]
            tail = (
                f"  own optimum {money(own)}, regret {money(r['regret'])}"
                if isinstance(own, float) and math.isfinite(own)
                else ""
            )
            lines.append(
                f"    {str(r['scenario'])[:20]:<20} p={r['probability']:.2f}"
                f"  {money(r['value'])}{tail}"
            )
        m = res.measures
        parts = [
            f"{label} {money(value)}/yr"
            for key, label in (("evpi", "EVPI"), ("vss", "VSS"), ("wait_and_see", "wait and see"))
            if isinstance(value := m.get(key), float) and math.isfinite(value)
        ]
        if parts:
            lines.append("  " + " · ".join(parts))
        named = self.schedule
        for flag, label in (("no_regret", "No-regret"), ("hedge_only", "Hedge only")):
            items = sorted(set(named.loc[named[flag], "item"])) if len(named) else []
            lines.append(f"  {label}: " + ("; ".join(items) if items else "none"))
        return lines


__all__ = ["SCHEDULE_COLUMNS", "PathwayReport"]
