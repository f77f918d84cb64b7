"""Establishments register + coefficient table → an inventory of the region.

:func:`build_region` reads the establishments file once (the SIRENE register joined with its
geolocated extract, or the synthetic file of :mod:`symbiose.region.generate`), matches each
establishment's NAF code against the coefficient table's prefixes, multiplies the per-site
and per-employee coefficients by the establishment's headcount band, and writes one site per
establishment that has or wants something, with its employment zone and sector, and one
supply or demand per matched coefficient row citing that row's source.  Every step works on
whole columns (pandas); nothing is done per establishment but assembling the output records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import yaml

from symbiose.region.generate import SYNTHETIC_MARK
from symbiose.region.lambert import from_lambert93, to_lambert93
from symbiose.region.tables import COEFFICIENTS_CSV, DEFAULTS_YAML, HEADCOUNT, load_zones
from symbiose.region.territory import inside, region_outline, siret_valid


class RegionError(ValueError):
    """An establishments file or a coefficient table that cannot be used; says where and why."""


# -- the establishments file ------------------------------------------------------------

REQUIRED = ("siret", "activitePrincipaleEtablissement", "trancheEffectifsEtablissement")
"""Columns every establishments file must have (SIRENE names)."""

COORDINATES = (("x_longitude", "y_latitude"), ("longitude", "latitude"), ("x", "y"))
"""Pairs of coordinate columns, in order of preference; ``x``/``y`` are Lambert-93 metres."""

OPTIONAL = (
    "etatAdministratifEtablissement",
    "codeCommuneEtablissement",
    "denominationUsuelleEtablissement",
    "epsg",
)

LAMBERT93 = "2154"


@dataclass
class Establishments:
    """An establishments file as read: one row per active, located establishment.

    ``frame`` has the columns ``siret``, ``naf``, ``band``, ``employees``, ``commune``,
    ``name``, ``longitude`` and ``latitude``.
    """

    frame: pd.DataFrame
    source: str
    synthetic: bool = False
    header: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    unknown_bands: dict[str, int] = field(default_factory=dict)
    """Headcount bands that are not INSEE codes, with how many establishments give each
    (``''`` for a blank band): their employees are unknown, never counted as zero."""
    outside_kept: int = 0
    """SYNTHETIC establishments placed outside the region's outline, kept (a scale test)."""


def read_establishments(
    path: str | Path, departments: tuple[str, ...] = (), *, in_region: bool = True
) -> Establishments:
    """Read an establishments CSV (``,`` or ``;`` separated; ``#`` lines before the header).

    Closed establishments (``etatAdministratifEtablissement`` other than ``A``), rows whose
    SIRET is malformed (letters, not 14 digits, a wrong check digit), rows without coordinates,
    at (0, 0) or outside Hauts-de-France, rows without NAF code, and with ``departments``,
    rows of other departments, are left out and counted by reason in ``dropped``
    (``in_region=False``: positions outside the region are kept).  Headcount
    bands that are not INSEE codes are counted in ``unknown_bands``: those establishments'
    employees are unknown (NaN), not zero.

    Raises:
        RegionError: the file cannot be read or lacks a required column.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            comments, names, sep = _header(handle, path)
            _check_columns(names, path)
            wanted = [c for c in (*REQUIRED, *OPTIONAL, *sum(COORDINATES, ())) if c in names]
            raw = pd.read_csv(
                handle,
                sep=sep,
                header=None,
                names=names,
                usecols=wanted,
                dtype=str,
                keep_default_na=False,
            )
    except RegionError:
        raise
    except OSError as exc:
        raise RegionError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise RegionError(f"{path}: not UTF-8 text: save the CSV as UTF-8") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise RegionError(f"{path}: not a readable CSV file: {exc}") from None
    synthetic = any(line.startswith(SYNTHETIC_MARK) for line in comments)
    est = Establishments(pd.DataFrame(), path.name, synthetic, comments)
    est.frame = _clean(raw, departments, est, in_region)
    return est


def _header(handle: IO[str], path: Path) -> tuple[list[str], list[str], str]:
    """Comment lines, column names and separator, read off the top of the file."""
    comments = []
    line = handle.readline()
    while line.startswith("#"):
        comments.append(line.strip())
        line = handle.readline()
    if not line.strip():
        raise RegionError(
            f"{path}: no header line (expected siret,activitePrincipaleEtablissement,...)"
        )
    sep = ";" if line.count(";") > line.count(",") else ","
    names = [name.strip().strip('"') for name in line.rstrip("\r\n").split(sep)]
    return comments, names, sep


def _check_columns(names: list[str], path: Path) -> None:
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise RegionError(
            f"{path}: missing column(s) {', '.join(missing)}: an establishments file needs"
            f" {', '.join(REQUIRED)} and coordinates (x_longitude and y_latitude, or x and y"
            " in Lambert-93 with epsg)"
        )
    if not any(a in names and b in names for a, b in COORDINATES):
        raise RegionError(
            f"{path}: no coordinates: give x_longitude and y_latitude (WGS84 degrees), or"
            " longitude and latitude, or x and y (Lambert-93 metres, with an epsg column)"
        )


def _clean(
    raw: pd.DataFrame, departments: tuple[str, ...], est: Establishments, in_region: bool = True
) -> pd.DataFrame:
    """Normalised columns; the rows left out are counted by reason in ``est.dropped``."""
    dropped: dict[str, int] = {}
    keep = np.ones(len(raw), dtype=bool)

    def leave_out(why: str, rows: np.ndarray) -> None:
        nonlocal keep
        dropped[why] = int((rows & keep).sum())
        keep &= ~rows

    if "etatAdministratifEtablissement" in raw:
        leave_out("closed", raw["etatAdministratifEtablissement"].str.strip().to_numpy() != "A")
    commune = raw.get("codeCommuneEtablissement", pd.Series("", index=raw.index)).str.strip()
    if departments:
        leave_out("other departments", ~commune.str.startswith(tuple(departments)).to_numpy())
    siret = raw["siret"].str.strip()
    leave_out(MALFORMED_SIRET, ~siret_valid(siret))
    lon, lat = _coordinates(raw)
    leave_out("no coordinates", ~(np.isfinite(lon) & np.isfinite(lat)))
    leave_out("at (0, 0)", (lon == 0) & (lat == 0))
    outside = ~inside(lon, lat) if in_region else np.zeros(len(raw), dtype=bool)
    if est.synthetic:  # generated around zone centroids: some spill over; kept, and said so
        est.outside_kept = int((outside & keep).sum())
    else:
        leave_out(f"outside {region_outline().name}", outside)
    naf = _naf(raw["activitePrincipaleEtablissement"])
    leave_out("no activity code", (naf == "").to_numpy())
    leave_out("repeated SIRET", siret.duplicated().to_numpy())  # a SIRET names one site
    band = raw["trancheEffectifsEtablissement"].str.strip()
    employees = band.map(HEADCOUNT).astype(float)
    unknown = band[keep & employees.isna().to_numpy()].value_counts()
    est.unknown_bands = {str(code): int(n) for code, n in unknown.items()}
    name = raw.get("denominationUsuelleEtablissement", pd.Series("", index=raw.index)).str.strip()
    frame = pd.DataFrame(
        {
            "siret": siret,
            "naf": naf,
            "band": band,
            "employees": employees,
            "commune": commune,
            "name": name,
            "longitude": lon,
            "latitude": lat,
        }
    )[keep]
    est.dropped = {k: v for k, v in dropped.items() if v}
    return frame.reset_index(drop=True)


MALFORMED_SIRET = "malformed SIRET (letters, not 14 digits, or a wrong check digit)"


def _naf(codes: pd.Series) -> pd.Series:
    """NAF codes written ``24.10Z`` (the register's form; ``2410Z`` gains its dot)."""
    codes = codes.str.strip().str.upper()
    bare = codes.str.fullmatch(r"\d{4}[A-Z]")
    return codes.where(~bare, codes.str[:2] + "." + codes.str[2:])


def _coordinates(raw: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 degrees per row, from the first pair of coordinate columns that gives them."""
    lon = np.full(len(raw), np.nan)
    lat = np.full(len(raw), np.nan)
    for a, b in COORDINATES:
        if a not in raw or b not in raw:
            continue
        u = pd.to_numeric(raw[a], errors="coerce").to_numpy(dtype=float)
        v = pd.to_numeric(raw[b], errors="coerce").to_numpy(dtype=float)
        if a == "x":
            lambert = raw["epsg"].str.strip().to_numpy() == LAMBERT93 if "epsg" in raw else True
            u, v = from_lambert93(u, v)
            u = np.where(lambert, u, np.nan)
        missing = np.isnan(lon)
        lon = np.where(missing, u, lon)
        lat = np.where(missing, v, lat)
    inside = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    return np.where(inside, lon, np.nan), np.where(inside, lat, np.nan)


# -- the coefficient table ---------------------------------------------------------------

COEFFICIENT_COLUMNS = (
    "id",
    "naf_prefix",
    "sector",
    "commodity",
    "role",
    "per_site",
    "per_employee",
    "unit",
    "min_employees",
    "temperature",
    "price",
    "co2",
    "disposal_cost",
    "handling_cost",
    "profile",
    "source",
    "estimate",
)
"""The columns of a coefficient table (docs/region.md describes each)."""

_NUMBERS = ("per_site", "per_employee", "min_employees")
_PREFIX = re.compile(r"^\d{2}(\.\d{1,2}[A-Z]?)?$")
_TRUE, _FALSE = {"true", "yes", "1", "y"}, {"false", "no", "0", "n", ""}

FIGURES = {
    "has": (
        ("temperature", "temperature"),
        ("disposal_cost", "disposal_cost"),
        ("handling_cost", "handling_cost"),
    ),
    "wants": (("temperature", "min_temperature"), ("price", "price"), ("co2", "co2")),
}
"""Per role: (coefficient column, inventory field) of the figures copied to each item."""


def read_coefficients(path: str | Path) -> pd.DataFrame:
    """Read and check a coefficient table.

    Raises:
        RegionError: every problem found, each naming the row (by line and id) and column.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except OSError as exc:
        raise RegionError(f"cannot read {path}: {exc.strerror}") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise RegionError(f"{path}: not a readable CSV file: {exc}") from None
    missing = [c for c in COEFFICIENT_COLUMNS if c not in table]
    if missing:
        raise RegionError(f"{path}: missing column(s) {', '.join(missing)}")
    if table.empty:
        raise RegionError(f"{path}: no coefficient rows below the header")
    table = table.apply(lambda column: column.str.strip())
    problems = _coefficient_problems(table)
    if problems:
        raise RegionError(f"{path}: " + "; ".join(problems))
    for column in _NUMBERS:
        table[column] = table[column].replace("", "0").astype(float)
    table["estimate"] = table["estimate"].str.lower().isin(_TRUE)
    table["prefix_length"] = table["naf_prefix"].str.len()
    return table


def _coefficient_problems(table: pd.DataFrame) -> list[str]:
    problems = []
    for line, row in zip(range(2, len(table) + 2), table.to_dict("records"), strict=True):
        problems += _row_problems(row, f"line {line} (id {row['id'] or '?'})")
    ids = table["id"][table["id"].duplicated()]
    problems += [f"column id: {name!r} appears more than once" for name in ids.unique()]
    return problems


def _row_problems(row: dict[Any, Any], where: str) -> list[str]:
    """What is wrong with one row of a coefficient table, each naming its column."""
    problems = [
        f"{where}, column {column}: must not be empty"
        for column in ("id", "commodity", "unit", "source")
        if not row[column]
    ]
    if not _PREFIX.match(row["naf_prefix"]):
        problems.append(
            f"{where}, column naf_prefix: write a NAF rev. 2 prefix such as 24, 24.1 or"
            f" 24.10Z, got {row['naf_prefix']!r}"
        )
    if row["role"] not in FIGURES:
        problems.append(f"{where}, column role: write has or wants, got {row['role']!r}")
    for column in _NUMBERS:
        try:
            ok = float(row[column] or 0) >= 0
        except ValueError:
            ok = False
        if not ok:
            problems.append(
                f"{where}, column {column}: expected a number >= 0, got {row[column]!r}"
            )
    if row["estimate"].lower() not in _TRUE | _FALSE:
        problems.append(f"{where}, column estimate: write true or false, got {row['estimate']!r}")
    if row["profile"] and _profile(row["profile"]) is None:
        problems.append(
            f"{where}, column profile: write season:weight pairs such as"
            f" winter:2;summer:0.5, got {row['profile']!r}"
        )
    return problems


def _profile(text: str) -> dict[str, float] | None:
    """``winter:2;summer:0.5`` as a mapping, or None if it cannot be read."""
    try:
        pairs = [part.split(":") for part in text.split(";") if part.strip()]
        return {name.strip(): float(weight) for name, weight in pairs}
    except ValueError:
        return None


# -- matching establishments and coefficients ----------------------------------------------


def match(establishments: pd.DataFrame, coefficients: pd.DataFrame) -> pd.DataFrame:
    """One row per (establishment, coefficient row) that applies, with its quantity.

    A row applies when the establishment's NAF code starts with the row's prefix and its
    headcount reaches ``min_employees``; of several rows for the same commodity and role the
    longest prefix wins (a row for ``10.71`` overrides one for ``10``).  Rows whose quantity
    comes to zero are left out, and so are rows that need the headcount (a per-employee
    figure or a least headcount) of an establishment whose band is unknown.
    """
    matched = _pairs(establishments, coefficients)
    employees = matched["employees"]
    matched = matched[(employees >= matched["min_employees"]) & (matched["quantity"] > 0)]
    matched = matched.sort_values(["est", "prefix_length", "coef"], ascending=[True, False, True])
    return matched.drop_duplicates(["est", "commodity", "role"]).reset_index(drop=True)


def _pairs(establishments: pd.DataFrame, coefficients: pd.DataFrame) -> pd.DataFrame:
    """Every (establishment, coefficient row) whose NAF prefix matches, with its quantity."""
    keys = pd.DataFrame({"est": np.arange(len(establishments)), "naf": establishments["naf"]})
    parts = []
    for length in sorted(coefficients["prefix_length"].unique()):
        rows = coefficients[coefficients["prefix_length"] == length]
        joined = keys.assign(naf_prefix=keys["naf"].str[: int(length)]).merge(
            rows.reset_index(names="coef"), on="naf_prefix"
        )
        parts.append(joined)
    if not parts:  # a table without rows (read_coefficients refuses one)
        return pd.DataFrame(columns=[*coefficients.columns, "est", "coef", "employees", "quantity"])
    matched = pd.concat(parts, ignore_index=True)
    employees = establishments["employees"].to_numpy(dtype=float)[matched["est"].to_numpy()]
    matched["employees"] = employees
    matched["quantity"] = matched["per_site"] + matched["per_employee"] * employees
    return matched


def needing_headcount(establishments: pd.DataFrame, coefficients: pd.DataFrame) -> int:
    """How many supplies or demands are not computed for want of a headcount.

    Per establishment whose band is unknown and per commodity and role, the row of longest
    prefix is the one that would apply; it needs the headcount when it has a per-employee
    figure or a least headcount, and is then left out, not computed with zero employees.
    """
    pairs = _pairs(establishments, coefficients)
    pairs = pairs[pairs["employees"].isna()]
    pairs = pairs.sort_values(["est", "prefix_length"], ascending=[True, False])
    pairs = pairs.drop_duplicates(["est", "commodity", "role"])
    return int(((pairs["per_employee"] > 0) | (pairs["min_employees"] > 0)).sum())


def assign_zones(establishments: pd.DataFrame, zones_csv: str | Path | None = None) -> pd.Series:
    """The employment zone of each establishment.

    By commune code when known (the zones' main communes, and every commune of
    ``zones_csv``, e.g. INSEE's ZE2020 composition with columns ``CODGEO`` and
    ``LIBZE2020``), otherwise the zone whose centroid is nearest.
    """
    zones = load_zones()
    by_commune = dict(zip(zones["commune"], zones["zone"], strict=True))
    if zones_csv is not None:
        by_commune |= _commune_zones(Path(zones_csv))
    named = establishments["commune"].map(by_commune)
    x, y = to_lambert93(
        establishments["longitude"].to_numpy(), establishments["latitude"].to_numpy()
    )
    cx, cy = to_lambert93(zones["longitude"].to_numpy(), zones["latitude"].to_numpy())
    nearest = np.argmin((x[:, None] - cx) ** 2 + (y[:, None] - cy) ** 2, axis=1)
    return named.fillna(pd.Series(zones["zone"].to_numpy()[nearest], index=named.index))


def _commune_zones(path: Path) -> dict[str, str]:
    try:
        table = pd.read_csv(path, dtype=str, sep=None, engine="python", keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise RegionError(f"{path}: cannot read the commune-to-zone table: {exc}") from None
    upper = {str(c).upper(): str(c) for c in table.columns}
    code = upper.get("CODGEO") or upper.get("COMMUNE")
    zone = upper.get("LIBZE2020") or upper.get("ZONE")
    if code is None or zone is None:
        raise RegionError(
            f"{path}: a commune-to-zone table needs columns CODGEO (or commune) and"
            f" LIBZE2020 (or zone), got {', '.join(table.columns)}"
        )
    return dict(zip(table[code].str.strip(), table[zone].str.strip(), strict=True))


# -- the inventory document ------------------------------------------------------------------


def build_region(
    establishments_csv: str | Path,
    coefficients_csv: str | Path = COEFFICIENTS_CSV,
    *,
    zones_csv: str | Path | None = None,
    departments: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The inventory document of a region (a mapping in the project's inventory format).

    Sites are the establishments some coefficient row applies to, with their employment
    zone and sector; each supply or demand cites its coefficient row (id and source) and
    lists the row's figures as estimates when the row is flagged so.  The territory,
    seasons, added commodities and link modes are the Dunkirk inventory's
    (``symbiose/region/defaults.yaml``).

    Raises:
        RegionError: a file cannot be read or has a problem (named with its row and column).
    """
    return region_build(
        establishments_csv, coefficients_csv, zones_csv=zones_csv, departments=departments
    ).doc


@dataclass
class RegionBuild:
    """A built region: the inventory document and what was left out or not computed."""

    doc: dict[str, Any]
    establishments: Establishments
    needing_headcount: int = 0
    """(establishment, coefficient row) pairs not computed: the band is unknown."""

    def left_out(self) -> list[str]:
        """One line per reason establishments were left out or figures not computed."""
        est = self.establishments
        lines = [f"{n:,} {why}" for why, n in est.dropped.items()]
        if est.unknown_bands:
            lines.append(_unknown_bands(est.unknown_bands, self.needing_headcount))
        if est.outside_kept:
            lines.append(f"{est.outside_kept:,} SYNTHETIC positions outside the region, kept")
        return lines


def region_build(
    establishments_csv: str | Path,
    coefficients_csv: str | Path = COEFFICIENTS_CSV,
    *,
    zones_csv: str | Path | None = None,
    departments: tuple[str, ...] = (),
) -> RegionBuild:
    """:func:`build_region`, with what was left out, by reason (the command prints it)."""
    est = read_establishments(establishments_csv, departments)
    coefficients = read_coefficients(coefficients_csv)
    matched = match(est.frame, coefficients)
    built = RegionBuild({}, est, needing_headcount(est.frame, coefficients))
    doc = yaml.safe_load(DEFAULTS_YAML.read_text(encoding="utf-8"))
    site_ids = "e" + est.frame["siret"]
    doc["territory"]["notes"] = _notes(built, Path(coefficients_csv).name, matched)
    if est.synthetic:
        doc["territory"]["name"] += " (SYNTHETIC establishments)"
    doc["sites"] = _sites(est.frame, matched, site_ids, zones_csv)
    doc["supplies"] = _items(matched[matched["role"] == "has"], est.frame, site_ids, "has")
    doc["demands"] = _items(matched[matched["role"] == "wants"], est.frame, site_ids, "wants")
    order = ("territory", "commodities", "seasons", "sites", "supplies", "demands", "modes")
    built.doc = {key: doc[key] for key in order}
    return built


def _unknown_bands(bands: dict[str, int], figures: int) -> str:
    listed = ", ".join(f"{code!r} {n:,}" if code else f"blank {n:,}" for code, n in bands.items())
    return (
        f"{sum(bands.values()):,} establishments with a headcount band that is not an INSEE"
        f" code ({listed}): their employees are unknown, so {figures:,} supplies or demands"
        " that need a headcount were not computed"
    )


def _notes(built: RegionBuild, coefficients: str, matched: pd.DataFrame) -> str:
    est = built.establishments
    sites = matched["est"].nunique()
    lines = [
        f"Built by `symbiose region build` from {est.source} ({len(est.frame)} establishments,"
        f" {sites} with a coefficient row) and {coefficients}.",
    ]
    left = built.left_out()
    if left:
        lines.append(f"Left out: {'; '.join(left)}.")
    if est.synthetic:
        lines.append(
            "SYNTHETIC establishments: generated, not the SIRENE register. " + est.header[0]
        )
    return " ".join(lines)


def _sites(
    frame: pd.DataFrame, matched: pd.DataFrame, site_ids: pd.Series, zones_csv: str | Path | None
) -> list[dict[str, Any]]:
    """One site per establishment with an item; its sector is that of its longest prefix."""
    first = matched.sort_values(["est", "prefix_length"], ascending=[True, False])
    first = first.drop_duplicates("est")
    rows = frame.iloc[first["est"].to_numpy()]
    zone = assign_zones(rows.reset_index(drop=True), zones_csv)
    names = rows["name"].where(rows["name"] != "", first["sector"].to_numpy() + " " + rows["siret"])
    notes = "SIRET " + rows["siret"] + ", NAF " + rows["naf"] + ", headcount band " + rows["band"]
    return [
        {
            "id": sid,
            "name": name,
            "sector": sector,
            "zone": z,
            "latitude": round(lat, 6),
            "longitude": round(lon, 6),
            "notes": note,
        }
        for sid, name, sector, z, lat, lon, note in zip(
            site_ids.to_numpy()[first["est"].to_numpy()],
            names.to_numpy(),
            first["sector"].to_numpy(),
            zone.to_numpy(),
            rows["latitude"].to_numpy().tolist(),
            rows["longitude"].to_numpy().tolist(),
            notes.to_numpy(),
            strict=True,
        )
    ]


def coefficient_items(
    matched: pd.DataFrame, frame: pd.DataFrame, site_ids: pd.Series, role: str
) -> list[dict[str, Any]]:
    """The supplies (``has``) or demands (``wants``) of coefficient rows :func:`match` found.

    ``frame`` is the establishments frame ``matched`` indexes (its ``est`` column), and
    ``site_ids`` the site id of each of its rows.  Each item cites its row and computation.
    """
    return _items(matched, frame, site_ids, role)


def _items(
    matched: pd.DataFrame, frame: pd.DataFrame, site_ids: pd.Series, role: str
) -> list[dict[str, Any]]:
    """The supplies (``has``) or demands (``wants``) of the matched coefficient rows."""
    if matched.empty:
        return []
    quantity = _amounts(matched["quantity"], matched["unit"])
    basis = (
        matched["per_site"].map("{:g}".format)
        + " per site + "
        + matched["per_employee"].map("{:g}".format)
        + " per employee x "
        + matched["employees"].map("{:g}".format)
        + " employees (band "
        + frame["band"].to_numpy()[matched["est"].to_numpy()]
        + "), in "
        + matched["unit"]
        + "; coefficient "
        + matched["id"]
        + ": "
        + matched["source"]
    )
    figures = FIGURES[role]
    profiles = {text: _profile(text) for text in matched["profile"].unique() if text}
    records = []
    for row, amount, cite, site in zip(
        matched[["id", "commodity", "estimate", "profile", *(c for c, _ in figures)]].to_dict(
            "records"
        ),
        quantity,
        basis.to_numpy(),
        site_ids.to_numpy()[matched["est"].to_numpy()],
        strict=True,
    ):
        records.append(_item(row, figures, site, amount, cite, profiles))
    return records


def _item(
    row: dict[Any, Any],
    figures: tuple[tuple[str, str], ...],
    site: str,
    amount: str,
    cite: str,
    profiles: dict[str, dict[str, float] | None],
) -> dict[str, Any]:
    item: dict[str, Any] = {"site": site, "commodity": row["commodity"], "quantity": amount}
    sources = {"quantity": cite}
    for column, name in figures:
        if row[column]:
            item[name] = row[column]
            sources[name] = f"coefficient {row['id']}, as the quantity"
    if row["profile"]:
        # a copy each: YAML writes a shared mapping as an alias, which inventories refuse
        item["profile"] = dict(profiles[row["profile"]] or {})
        sources["profile"] = f"coefficient {row['id']}, as the quantity"
    item["sources"] = sources
    if row["estimate"]:
        item["estimates"] = list(sources)
    return item


def _amounts(quantity: pd.Series, unit: pd.Series) -> np.ndarray:
    """Quantities written with their unit, to 12 significant digits (``"1200 t/yr"``)."""
    return (quantity.map("{:.12g}".format) + " " + unit).to_numpy()
