"""The robust toile: what a sweep's draws say about each exchange and about the totals.

From the per-draw records of :func:`symbiose.sweep.solve_draw`:

* ``draws``: one row per draw, its parameter values, status, valorisation and CO2 avoided;
* ``exchanges``: one row per exchange (from, to, mode, commodity) built in at least one draw:
  the share of solved draws in which it carries flow, its flow's mean and P10/P50/P90 over
  the solved draws (zero where it is not built), and the parameter that moves it most;
* ``sensitivity``: each varied parameter's Spearman rank correlation with valorisation and
  with CO2 avoided, strongest first (a simple ranking of which estimate matters);
* ``summary``: draws solved and failed, valorisation and CO2 avoided at P10/P50/P90.

Percentiles are numpy's linear interpolation over the solved draws.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.constants import SOLVED  # the statuses whose draw enters the statistics

DRIVER_THRESHOLD = 0.3
"""Least |Spearman correlation| for a parameter to be named as what drives an exchange."""

EXCHANGE_KEY = ["from_id", "to_id", "mode", "commodity"]


@dataclass
class RobustToile:
    """The aggregated sweep (see the module docstring)."""

    draws: pd.DataFrame
    exchanges: pd.DataFrame
    sensitivity: pd.DataFrame
    summary: dict[str, Any]
    number_format: str = "en"
    """How the CSV files write numbers (the territory's ``number_format``)."""

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, for export."""
        return {"draws": self.draws, "exchanges": self.exchanges, "sensitivity": self.sensitivity}

    def write(self, folder: str | Path) -> list[Path]:
        """CSV per table, one Excel workbook, ``summary.json`` and ``sweep.png`` in ``folder``."""
        from symbiose import exports

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        sheets = {name: exports.frame_rows(frame) for name, frame in self.tables().items()}
        dialect = exports.dialect(self.number_format)
        files = [exports.write_csv(rows, out / f"{n}.csv", dialect) for n, rows in sheets.items()]
        files.append(exports.write_xlsx(sheets, out / "sweep.xlsx"))
        summary = out / "summary.json"
        summary.write_text(json.dumps(self.summary, indent=2, ensure_ascii=False))
        files.append(summary)
        files.append(plot(self, out / "sweep.png"))
        return files


def robust_toile(
    records: Sequence[Mapping[str, Any]],
    names: Mapping[str, str] | None = None,
    number_format: str = "en",
) -> RobustToile:
    """Aggregate per-draw records; ``names`` maps site ids to readable names."""
    draws = _draws_table(records)
    solved = [r for r in records if r.get("status") in SOLVED]
    exchanges = _exchanges_table(solved, draws, names or {})
    sensitivity = _sensitivity_table(draws)
    return RobustToile(draws, exchanges, sensitivity, _summary(records, draws), number_format)


def _draws_table(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for r in sorted(records, key=lambda r: r["index"]):
        row = {
            "draw": r["index"],
            "base": r.get("base", "base"),
            "status": r.get("status"),
            "valorisation_eur_per_yr": r.get("valorisation", np.nan),
            "co2_avoided_t_per_yr": r.get("co2_avoided", np.nan),
            "seconds": r.get("seconds", np.nan),
            "error": r.get("error") or "",
        }
        for label, (magnitude, unit) in r.get("numbers", {}).items():
            row[f"{label} ({unit})" if unit else label] = magnitude
        rows.append(row)
    return pd.DataFrame(rows)


def _magnitudes(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column, errors="coerce").astype(float)


def _parameter_columns(draws: pd.DataFrame) -> list[str]:
    fixed = {"draw", "base", "status", "valorisation_eur_per_yr", "co2_avoided_t_per_yr"}
    return [c for c in draws.columns if c not in fixed | {"seconds", "error"}]


def _exchanges_table(
    solved: Sequence[Mapping[str, Any]], draws: pd.DataFrame, names: Mapping[str, str]
) -> pd.DataFrame:
    columns = [
        *EXCHANGE_KEY,
        "from",
        "to",
        "share_built",
        "draws_built",
        "mean",
        "p10",
        "p50",
        "p90",
        "unit",
        "driven_by",
        "driver_correlation",
    ]
    if not solved:
        return pd.DataFrame(columns=columns)
    index = [r["index"] for r in solved]
    flows: dict[tuple[str, ...], dict[int, float]] = {}
    units: dict[tuple[str, ...], str] = {}
    for r in solved:
        for tail, head, mode, commodity, q, unit in r.get("exchanges", []):
            flows.setdefault((tail, head, mode, commodity), {})[r["index"]] = q
            units[(tail, head, mode, commodity)] = unit
    params = draws.set_index("draw").loc[index, _parameter_columns(draws)]
    numeric = {c: _magnitudes(params[c]) for c in params.columns}
    rows = []
    for key, by_draw in flows.items():
        q = np.array([by_draw.get(i, 0.0) for i in index])
        driver, rho = _driver(pd.Series(q, index=index), numeric)
        p10, p50, p90 = np.percentile(q, [10, 50, 90])
        rows.append(
            {
                **dict(zip(EXCHANGE_KEY, key, strict=True)),
                "from": names.get(key[0], key[0]),
                "to": names.get(key[1], key[1]),
                "share_built": float(np.mean(q > 0)),
                "draws_built": int(np.sum(q > 0)),
                "mean": float(q.mean()),
                "p10": float(p10),
                "p50": float(p50),
                "p90": float(p90),
                "unit": units[key],
                "driven_by": driver,
                "driver_correlation": rho,
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["share_built", "mean"], ascending=False, ignore_index=True)


def _driver(flow: pd.Series, params: Mapping[str, pd.Series]) -> tuple[str, float]:
    """The parameter whose rank correlation with ``flow`` is strongest, if strong enough."""
    best, best_rho = "", 0.0
    if flow.nunique() < 2:
        return best, best_rho
    for label, values in params.items():
        if values.nunique() < 2:
            continue
        rho = _spearman(flow, values)
        if np.isfinite(rho) and abs(rho) > abs(best_rho):
            best, best_rho = label, float(rho)
    if abs(best_rho) < DRIVER_THRESHOLD:
        return "", 0.0
    return best, best_rho


def _spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman's rank correlation; NaN when either side does not vary."""
    if a.nunique() < 2 or b.nunique() < 2:
        return math.nan
    return float(a.corr(b, method="spearman"))


def _sensitivity_table(draws: pd.DataFrame) -> pd.DataFrame:
    columns = ["parameter", "rho_valorisation", "rho_co2", "low", "high"]
    solved = draws[draws["status"].isin(SOLVED)]
    rows = []
    for label in _parameter_columns(draws):
        values = _magnitudes(solved[label])
        if values.nunique() < 2:
            continue
        rows.append(
            {
                "parameter": label,
                "rho_valorisation": _spearman(values, solved["valorisation_eur_per_yr"]),
                "rho_co2": _spearman(values, solved["co2_avoided_t_per_yr"]),
                "low": float(values.min()),
                "high": float(values.max()),
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    if out.empty:
        return out
    strength = out[["rho_valorisation", "rho_co2"]].abs().fillna(0.0).max(axis=1)
    return (
        out.assign(_s=strength)
        .sort_values("_s", ascending=False, ignore_index=True)
        .drop(columns="_s")
    )


def _percentiles(values: pd.Series) -> dict[str, float | None]:
    clean = values.dropna().to_numpy(dtype=float)
    if clean.size == 0:
        return {"p10": None, "p50": None, "p90": None}
    p10, p50, p90 = np.percentile(clean, [10, 50, 90])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90)}


def _summary(records: Sequence[Mapping[str, Any]], draws: pd.DataFrame) -> dict[str, Any]:
    solved = draws[draws["status"].isin(SOLVED)] if not draws.empty else draws
    failed = [
        {"draw": r["index"], "status": r.get("status"), "error": r.get("error")}
        for r in sorted(records, key=lambda r: r["index"])
        if r.get("status") not in SOLVED
    ]
    return {
        "draws": len(records),
        "solved": len(solved),
        "failed": failed,
        "valorisation_eur_per_yr": _percentiles(solved.get("valorisation_eur_per_yr", pd.Series())),
        "co2_avoided_t_per_yr": _percentiles(solved.get("co2_avoided_t_per_yr", pd.Series())),
    }


def plot(toile: RobustToile, path: Path, top: int = 15) -> Path:
    """A PNG: valorisation over the draws, and how often each exchange is built."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), width_ratios=[1, 1.4])
    solved = toile.draws[toile.draws["status"].isin(SOLVED)]
    values = solved["valorisation_eur_per_yr"].dropna() / 1e6
    if not values.empty:
        left.hist(values, bins=min(20, max(5, len(values) // 3)), color="#4c72b0")
        stats = toile.summary["valorisation_eur_per_yr"]
        for name in ("p10", "p50", "p90"):
            if stats[name] is not None:
                left.axvline(stats[name] / 1e6, color="#c44e52", linestyle="--", linewidth=1)
                left.annotate(name.upper(), (stats[name] / 1e6, 0), rotation=90, va="bottom")
    left.set_xlabel("valorisation (M€/yr)")
    left.set_ylabel("draws")
    left.set_title(f"Valorisation over {len(solved)} solved draws")
    ex = toile.exchanges.head(top).iloc[::-1]
    labels = [f"{r['from'][:22]} → {r['to'][:22]} ({r['commodity']})" for _, r in ex.iterrows()]
    right.barh(labels, ex["share_built"] * 100, color="#55a868")
    right.axvline(90, color="#333333", linestyle=":", linewidth=1)
    right.set_xlim(0, 100)
    right.set_xlabel("share of draws in which the exchange is built (%)")
    right.set_title("The robust toile")
    right.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def render_text(toile: RobustToile, top: int = 10) -> str:
    """A short human summary of a sweep: totals at P10/P50/P90, robust exchanges, drivers."""
    from symbiose.units import money, tonnes

    s = toile.summary
    lines = [f"Sweep: {s['solved']} of {s['draws']} draws solved"]
    for fail in s["failed"][:5]:
        lines.append(f"  draw {fail['draw']} {fail['status']}: {fail['error']}")
    if len(s["failed"]) > 5:
        lines.append(f"  ... and {len(s['failed']) - 5} more failed draws (draws.csv)")
    val, co2 = s["valorisation_eur_per_yr"], s["co2_avoided_t_per_yr"]
    if val["p50"] is not None:
        lines.append(
            "  Valorisation P10 / P50 / P90: "
            + " / ".join(money(val[p]) for p in ("p10", "p50", "p90"))
            + " per yr"
        )
        lines.append(
            "  CO2 avoided  P10 / P50 / P90: "
            + " / ".join(tonnes(co2[p]) for p in ("p10", "p50", "p90"))
            + " per yr"
        )
    if not toile.exchanges.empty:
        lines.append(
            f"  Exchanges by robustness ({min(top, len(toile.exchanges))} of"
            f" {len(toile.exchanges)}):"
        )
        for _, r in toile.exchanges.head(top).iterrows():
            driver = f"  driven by {r['driven_by']}" if r["driven_by"] else ""
            lines.append(
                f"    {r['share_built']:4.0%}  {r['from'][:30]:30} → {r['to'][:30]:30}"
                f" {r['commodity']:14} P50 {_readable(r['p50'], r['unit'])}{driver}"
            )
    if not toile.sensitivity.empty:
        lines.append("  What moves the valorisation most (Spearman rank correlation):")
        for _, r in toile.sensitivity.head(5).iterrows():
            lines.append(
                f"    {r['parameter']:55} {r['rho_valorisation']:+.2f} (CO2 {r['rho_co2']:+.2f})"
            )
    return "\n".join(lines)


def _readable(quantity: float, unit: str) -> str:
    from symbiose.units import readable

    per_year = unit.endswith("/yr")
    return readable(quantity, unit.removesuffix("/yr"), "/yr" if per_year else "")
