"""Compare solved scenarios: totals side by side, and the exchanges that appear, disappear or change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from symbiose.document import ResultDocument
from symbiose.exports import EN, Dialect, frame_rows, write_csv
from symbiose.report import Report
from symbiose.units import money, readable, tonnes

# Relative change below which an exchange is "the same".
TOLERANCE = 0.01

_TOTALS = [
    ("valorisation_eur_per_yr", "Valorisation (EUR/yr)"),
    ("co2_avoided_t_per_yr", "CO2 avoided (t/yr)"),
    ("delivery_value_eur_per_yr", "Deliveries (EUR/yr)"),
    ("disposal_avoided_eur_per_yr", "Disposal avoided, net of handling (EUR/yr)"),
    ("carbon_value_eur_per_yr", "Carbon value (EUR/yr)"),
    ("transport_cost_eur_per_yr", "Transport cost (EUR/yr)"),
    ("conversion_cost_eur_per_yr", "Conversion cost (EUR/yr)"),
    ("fixed_cost_eur_per_yr", "Links and plants, annualised (EUR/yr)"),
    ("carbon_price_eur_per_t", "Carbon price (EUR/t)"),
]


@dataclass
class Comparison:
    """Scenarios side by side; the first is the reference the others are compared with."""

    names: list[str]
    totals: pd.DataFrame
    """One row per total, one column per scenario."""
    exchanges: pd.DataFrame
    """One row per exchange (from, to, mode, commodity), its yearly quantity per scenario, and
    for each other scenario its change from the reference: appears, disappears, changes, same."""

    def changed(self) -> pd.DataFrame:
        """Only the exchanges that differ from the reference in some scenario."""
        cols = [f"change:{n}" for n in self.names[1:]]
        if not cols or self.exchanges.empty:
            return self.exchanges.iloc[0:0]
        mask = (self.exchanges[cols] != "same").any(axis=1)
        return self.exchanges[mask]

    def render_text(self, limit: int = 12) -> str:
        """The totals table, then per scenario the exchanges that appear, disappear or change."""
        width = max(12, *(len(n) for n in self.names))
        lines = ["".ljust(44) + "".join(n.rjust(width + 2) for n in self.names)]
        for label, row in self.totals.iterrows():
            cells = []
            for n in self.names:
                v = row[n]
                if isinstance(v, str):
                    cells.append(v.rjust(width + 2))
                elif "EUR/t" in str(label):
                    cells.append(f"{v:,.0f}".rjust(width + 2))
                elif "t/yr" in str(label):
                    cells.append(tonnes(v).rjust(width + 2))
                elif "EUR" in str(label):
                    cells.append(money(v).rjust(width + 2))
                else:
                    cells.append(f"{v:,.0f}".rjust(width + 2))
            lines.append(str(label)[:44].ljust(44) + "".join(cells))
        ref = self.names[0]
        for n in self.names[1:]:
            col = f"change:{n}"
            diff = (
                self.exchanges[self.exchanges[col] != "same"]
                if len(self.exchanges)
                else self.exchanges
            )
            lines.append("")
            lines.append(f"{n} vs {ref}: {len(diff)} exchange(s) differ")
            for e in diff.head(limit).to_dict(orient="records"):
                unit = str(e["unit"]).removesuffix("/yr")
                lines.append(
                    f"  {e[col]:<10} {str(e['from'])[:28]:<28} → {str(e['to'])[:28]:<28}"
                    f" {e['commodity']:<14} {readable(e[ref], unit):>14} → {readable(e[n], unit)}"
                )
            if len(diff) > limit:
                lines.append(f"  ... and {len(diff) - limit} more (see the CSV)")
        return "\n".join(lines)

    def write_csv(self, directory: str | Path, dialect: Dialect = EN) -> list[Path]:
        """Write ``compare_totals.csv`` and ``compare_exchanges.csv`` to ``directory``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        return [
            write_csv(frame_rows(self.totals, "total"), out / "compare_totals.csv", dialect),
            write_csv(frame_rows(self.exchanges), out / "compare_exchanges.csv", dialect),
        ]


def compare(reports: Mapping[str, Report | ResultDocument]) -> Comparison:
    """Put solved reports (or their stored documents) side by side; the first is the reference."""
    if not reports:
        raise ValueError("compare: at least one report is needed")
    docs = {n: r if isinstance(r, ResultDocument) else r.document() for n, r in reports.items()}
    names = list(docs)
    rows: dict[str, dict[str, object]] = {"Status": {n: docs[n].status for n in names}}
    for key, label in _TOTALS:
        rows[label] = {n: docs[n].totals.get(key) or 0.0 for n in names}
    rows["New links in use"] = {n: _new_links(docs[n]) for n in names}
    rows["Investment, new links and plants (EUR)"] = {n: _investment(docs[n]) for n in names}
    totals = pd.DataFrame.from_dict(rows, orient="index")[names]

    keys = ["from_id", "to_id", "mode", "commodity"]
    merged: pd.DataFrame | None = None
    for n in names:
        f = docs[n].table("flows").frame()
        part = f[[*keys, "from", "to", "unit", "delivered"]].rename(columns={"delivered": n})
        if merged is None:
            merged = part
        else:
            merged = merged.merge(part, on=keys, how="outer", suffixes=("", "_r"))
            for c in ("from", "to", "unit"):
                merged[c] = merged[c].fillna(merged[f"{c}_r"])
                merged = merged.drop(columns=f"{c}_r")
    assert merged is not None
    merged[names] = merged[names].fillna(0.0)
    ref = names[0]
    for n in names[1:]:
        merged[f"change:{n}"] = [_change(a, b) for a, b in zip(merged[ref], merged[n], strict=True)]
    columns = [
        "from",
        "to",
        "mode",
        "commodity",
        "unit",
        *names,
        *[f"change:{n}" for n in names[1:]],
    ]
    exchanges = merged[[*columns, "from_id", "to_id"]].sort_values(["commodity", "from", "to"])
    return Comparison(names, totals, exchanges.reset_index(drop=True))


def _change(a: float, b: float) -> str:
    eps = 1e-6
    if a <= eps and b > eps:
        return "appears"
    if a > eps and b <= eps:
        return "disappears"
    if abs(b - a) > TOLERANCE * max(abs(a), abs(b), eps):
        return "changes"
    return "same"


def _new_links(doc: ResultDocument) -> int:
    links = doc.table("built_links")
    existing = links.data[links.names.index("existing")] if len(links) else []
    return sum(1 for e in existing if not e)


def _investment(doc: ResultDocument) -> float:
    """EUR invested once in new links and converters (the planner's figure of the report)."""
    return float((doc.summary.get("planner") or {}).get("investment_eur") or 0.0)
