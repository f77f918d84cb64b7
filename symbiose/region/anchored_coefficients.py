"""What no register gives, from the coefficient table, for the sites whose headcount is known.

The registers give no headcount, and the shipped coefficient table's quantities are per
employee: its rows apply to a register-anchored site only when an establishments file (the
SIRENE register joined with its geolocated extract, as ``symbiose region build`` reads it)
gives the headcount of one of the site's SIRETs.  A row then adds a supply or demand only for
a commodity and role the registers did not give the site (a Hotmaps excess heat is never
replaced by a per-employee estimate), and its figures are flagged as estimates as in
``symbiose region build``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from symbiose.region.build import coefficient_items, match, read_coefficients, read_establishments


def coefficient_supplies_demands(
    sites: pd.DataFrame,
    given: set[tuple[str, str, str]],
    establishments_csv: str | Path,
    coefficients_csv: str | Path,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Supplies and demands from the coefficient table, and how many sites had a headcount.

    ``sites`` is the register build's site table (``site``, ``id``, ``siret``, ``naf``);
    ``given`` the (site id, commodity, role) the registers already gave.
    """
    est = read_establishments(establishments_csv, in_region=False).frame  # joined by SIRET
    joined = _joined(sites, est)
    if joined.empty:
        return [], [], 0
    matched = match(joined, read_coefficients(coefficients_csv))
    ids = joined["id"]
    site_of = ids.to_numpy()[matched["est"].to_numpy()]
    new = [
        (s, c, r) not in given
        for s, c, r in zip(site_of, matched["commodity"], matched["role"], strict=True)
    ]
    matched = matched[new]
    supplies = coefficient_items(matched[matched["role"] == "has"], joined, ids, "has")
    demands = coefficient_items(matched[matched["role"] == "wants"], joined, ids, "wants")
    return supplies, demands, len(joined)


def _joined(sites: pd.DataFrame, est: pd.DataFrame) -> pd.DataFrame:
    """One establishments row per site with a SIRET in the file (its first SIRET found)."""
    pairs = sites[["id", "siret", "naf"]].rename(columns={"naf": "site_naf"})
    pairs = pairs.assign(siret=pairs["siret"].str.split(", ")).explode("siret")
    joined = pairs.merge(est, on="siret", how="inner").drop_duplicates("id")
    # the register's NAF code where it gives one (IREP's), else the establishments file's
    joined["naf"] = joined["site_naf"].where(joined["site_naf"] != "", joined["naf"])
    return joined.drop(columns=["site_naf"]).reset_index(drop=True)
