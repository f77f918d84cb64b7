"""The EUR vs CO2 Pareto front of an inventory: a table and a PNG plot."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from models.solve import SolveOptions
from symbiose.inventory.schema import Inventory
from symbiose.pipeline import optimise_front
from symbiose.report import Report

FRONT_COLUMNS = [
    "point",
    "status",
    "valorisation_eur_per_yr",
    "co2_avoided_t_per_yr",
    "links_to_build",
    "flows",
]


def pareto_front(
    inv: Inventory, points: int = 5, options: SolveOptions | None = None
) -> tuple[pd.DataFrame, list[Report]]:
    """Solve the front by the epsilon-constraint method; one row per point, best EUR first."""
    reports = optimise_front(inv, points, options)
    rows = []
    for i, rep in enumerate(reports):
        t = rep.totals()
        links = rep.built_links
        rows.append(
            {
                "point": i,
                "status": rep.result.status.value,
                "valorisation_eur_per_yr": t.get("valorisation_eur_per_yr"),
                "co2_avoided_t_per_yr": t.get("co2_avoided_t_per_yr"),
                "links_to_build": int((~links["existing"].astype(bool)).sum()) if len(links) else 0,
                "flows": len(rep.flows),
            }
        )
    return pd.DataFrame(rows, columns=FRONT_COLUMNS), reports


def plot_front(table: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Draw the front (CO2 avoided against valorisation) as a PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    solved = table.dropna(subset=["valorisation_eur_per_yr", "co2_avoided_t_per_yr"])
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    ax.plot(
        solved["co2_avoided_t_per_yr"] / 1e3,
        solved["valorisation_eur_per_yr"] / 1e6,
        marker="o",
        color="#1b6e8c",
    )
    for row in solved.to_dict(orient="records"):
        ax.annotate(
            str(row["point"]),
            (row["co2_avoided_t_per_yr"] / 1e3, row["valorisation_eur_per_yr"] / 1e6),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=8,
        )
    ax.set_xlabel("CO2 avoided (kt/yr)")
    ax.set_ylabel("Valorisation (M EUR/yr)")
    ax.set_title(title or "Valorisation vs CO2 avoided (Pareto front)")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def epsilon_targets(low: float, high: float, points: int) -> list[float]:
    """The CO2 floors (t/yr) of a front's points beyond its valorisation end.

    ``low`` is the CO2 avoided at the best valorisation, ``high`` the most CO2 that can be
    avoided; the front has ``points`` points evenly spaced between them, the first being the
    valorisation optimum itself.  Each floor steps back by a millionth so that the last one
    (``high``) is not cut off by the solver's round-off, as :func:`models.solve.pareto` does.
    """
    if points < 2:
        raise ValueError("points: at least 2 points are needed for a front")
    targets = []
    for i in range(1, points):
        target = low + (high - low) * i / (points - 1)
        targets.append(target - 1e-6 * max(1.0, abs(target)))
    return targets
