"""What a register-anchored build says about itself: the territory's notes and the build report.

:func:`territory_notes` is the short form kept in the inventory (``territory.notes``, at most
5,000 characters): files, counts, licences, the match summary, what was left out, the largest
disagreements and the probable slips.  :func:`write_report` writes the whole of it beside the
inventory: ``build-report.md`` and the tables a coordinator works from (``matches.csv``, the
match report to correct in the overrides file; ``disagreements.csv``; ``warnings.csv``;
``left-out.csv``; ``sites.csv``, every site made of register records with its figures).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from symbiose.region.registers import REGISTERS

if TYPE_CHECKING:
    from symbiose.region.anchored import RegisterBuild

COEFFICIENTS = "symbiose/region/coefficients.csv or the one given"

NOTES_LIMIT = 5000
"""The inventory schema's longest free text."""


def licences(built: RegisterBuild) -> list[str]:
    """One attribution line per register read: its name, what it is and its licence."""
    return [
        f"{r.info.name} ({r.info.attribution}; {r.info.licence}), file {r.source}"
        for r in built.registers
    ]


def match_summary(built: RegisterBuild) -> str:
    """``EUTL: 105 matched, 6 ambiguous, 50 unmatched; Hotmaps: ...``."""
    report = built.matching.report
    parts = []
    for register, rows in report.groupby("register", sort=False):
        counts = rows["status"].value_counts()
        said = ", ".join(f"{n} {status}" for status, n in counts.items())
        parts.append(f"{REGISTERS[str(register)].name}: {said}")
    return "; ".join(parts)


def left_out_summary(built: RegisterBuild) -> str:
    """Rows and records left out, counted by register and reason."""
    if built.left_out.empty:
        return "nothing"
    counts = built.left_out.groupby(["register", "column", "reason"], sort=False).size()
    return "; ".join(
        f"{n} {REGISTERS[str(key[0])].name} {key[1]}: {key[2]}"  # type: ignore[index]
        for key, n in counts.items()
    )


def _site_names(built: RegisterBuild) -> pd.Series:
    return built.sites.set_index("site")["name"]


def disagreement_lines(built: RegisterBuild, top: int | None = None) -> list[str]:
    """``ArcelorMittal ...: eutl 2022 6,410,303 t chosen; hotmaps_ets 2014 35,234 t (x182)``."""
    names = _site_names(built)
    rows = built.disagreements.head(top) if top else built.disagreements
    return [
        f"{names.get(r['site'], r['site'])}: {r['chosen']} {r['chosen_value']:,.0f} t CO2 chosen;"
        f" {r['other']} {r['other_value']:,.0f} t ({_times(r['chosen_value'], r['other_value'])})"
        for r in rows.to_dict("records")
    ]


def _times(chosen: float, other: float) -> str:
    """``x184`` (the chosen figure over the other), or which of them is zero."""
    if other == 0 or chosen == 0:
        return "the other is 0" if other == 0 else "the chosen is 0"
    return f"x{chosen / other:,.3g}"


def warning_lines(built: RegisterBuild) -> list[str]:
    """One line per plausibility warning, naming the site."""
    names = _site_names(built)
    return [
        f"{names.get(r['site'], r['site'])}: {r['message']}" for r in built.warnings.to_dict("records")
    ]


def territory_notes(built: RegisterBuild, additions: str | Path | None) -> str:
    """The inventory's ``territory.notes``: what it was built from and what to check."""
    c = built.counts
    lines = [
        f"Built by `symbiose region registers` from {', '.join(r.source for r in built.registers)}:"
        f" {c['records']:,} register records, {c['kept']:,} in the territory, grouped into"
        f" {c['register sites']:,} sites, {c['sites']:,} of which have a supply or demand"
        f" ({c['supplies']:,} supplies, {c['demands']:,} demands).",
        "Registers and licences: " + "; ".join(licences(built)) + ". Every figure cites its"
        " register, year and licence; every position its source and precision.",
        f"Matching: {match_summary(built)}.",
        f"Left out: {left_out_summary(built)}.",
    ]
    if len(built.disagreements):
        lines.append(
            f"CO2 disagreements beyond the tolerance: {len(built.disagreements)}, the largest: "
            + "; ".join(disagreement_lines(built, 3)) + "."
        )
    if len(built.warnings):
        lines.append("Plausibility: " + "; ".join(warning_lines(built)) + ".")
    if c.get("sites with a headcount"):
        lines.append(
            f"The coefficient table ({COEFFICIENTS}) gave what no register gives to"
            f" {c['sites with a headcount']} sites whose headcount the establishments file gives;"
            " those figures are estimates, listed as such."
        )
    else:
        lines.append(
            "The coefficient table was not used: its quantities are per employee and no"
            " register gives a headcount (give an establishments file to use it)."
        )
    added = {k[6:]: v for k, v in c.items() if k.startswith("added ")}
    if added:
        lines.append(
            f"Not from a register: {', '.join(f'{v} {k}' for k, v in added.items())} added from"
            f" {Path(str(additions)).name}, each with its own sources."
        )
    lines.append("The full build report (matches, disagreements, warnings, left out) is written"
                 " by `symbiose region registers --report DIR`.")
    text = " ".join(lines)
    return text if len(text) <= NOTES_LIMIT else text[: NOTES_LIMIT - 40] + " ... (see the build report)"


# -- the report folder -------------------------------------------------------------------------


def write_report(built: RegisterBuild, folder: str | Path, inventory: str = "") -> list[Path]:
    """Write ``build-report.md`` and its tables into ``folder``; the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    from symbiose.exports import frame_rows, write_csv

    tables = {
        "matches.csv": built.matching.report,
        "disagreements.csv": built.disagreements,
        "warnings.csv": built.warnings,
        "left-out.csv": built.left_out,
        "sites.csv": _sites_table(built),
    }
    written = []
    for name, table in tables.items():
        path = folder / name
        write_csv(frame_rows(table), path)
        written.append(path)
    path = folder / "build-report.md"
    path.write_text(report_markdown(built, inventory), encoding="utf-8")
    return [path, *written]


def _sites_table(built: RegisterBuild) -> pd.DataFrame:
    chosen = built.co2[built.co2["chosen"]].set_index("site")
    table = built.sites.drop(columns=["site"]).assign(site=built.sites["site"])
    table["co2_t"] = table["site"].map(chosen["value"])
    table["co2_source"] = table["site"].map(chosen["source"] + " " + chosen["year"].astype(str))
    return table


def report_markdown(built: RegisterBuild, inventory: str = "") -> str:
    """The build report as Markdown."""
    c = built.counts
    out = [
        f"# Build report{': ' + inventory if inventory else ''}",
        "",
        "## Registers and licences",
        "",
        *_licence_lines(built),
        "",
        "## Counts",
        "",
        "| what | count |",
        "|---|---|",
        *[f"| {k} | {v:,} |" for k, v in c.items()],
        "",
        "## Matching",
        "",
        match_summary(built) + ".",
        "",
        "Ambiguous and unmatched records are in `matches.csv` with their best candidates;"
        " correct them in the overrides file (`record,action,target,note`).",
        "",
        *_table_md(built.matching.report[built.matching.report["status"] == "ambiguous"],
                   ["record", "name", "reason", "candidates"]),
        "",
        "## CO2 disagreements beyond the tolerance",
        "",
        *[f"- {line}" for line in disagreement_lines(built)],
        "",
        "## Plausibility warnings",
        "",
        *([f"- {line}" for line in warning_lines(built)] or ["none"]),
        "",
        "## Left out",
        "",
        left_out_summary(built) + ".",
        "",
    ]
    return "\n".join(out)


def _licence_lines(built: RegisterBuild) -> list[str]:
    """Each register's attribution, with the provenance lines at the top of its file."""
    lines = []
    for register, line in zip(built.registers, licences(built), strict=True):
        lines.append(f"- {line}")
        lines += [f"  - `{comment.lstrip('# ')}`" for comment in register.comments]
    return lines


def _table_md(table: pd.DataFrame, columns: list[str]) -> list[str]:
    if table.empty:
        return ["none"]
    rows = [f"| {' | '.join(columns)} |", "|" + "---|" * len(columns)]
    for r in table[columns].to_dict("records"):
        rows.append("| " + " | ".join(str(r[c]).replace("|", "/") for c in columns) + " |")
    return rows
