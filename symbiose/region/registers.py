"""Readers of the public per-facility registers: EUTL, IREP and the Hotmaps industrial database.

Each reader turns one file into a :class:`Register`: one row per record (an EU ETS
installation, an IREP establishment, a Hotmaps site) with its names, identifiers and position,
and a long table of *figures* (record, quantity, value in t/yr or MWh/yr, year, the column it
was read from, the file line).  Every column is typed on its own: a figure that is blank,
malformed (text, a decimal comma, a negative amount, ``nan``) or in an unknown unit is never
read as zero: it is left out, and the row, column, value and reason go to ``left_out``.  The
register's name, licence and attribution (:data:`REGISTERS`) travel with every figure the
builder writes.

A file is recognised by its header (``#`` comment lines above it are kept as its provenance),
so the command takes register files in any order: :func:`read_register`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from symbiose.region.territory import siret_valid


class RegisterError(ValueError):
    """A register file that cannot be read at all (its rows' problems are left out instead)."""


@dataclass(frozen=True)
class RegisterInfo:
    """What a register is, and what its reuse requires (licence and attribution)."""

    key: str
    name: str
    licence: str
    attribution: str
    columns: tuple[str, ...]
    """Columns that identify the register's files (all must be in the header)."""

    def cite(self, year: int | str) -> str:
        """``EUTL 2022 (EU Transaction Log via cedricr/eutl; CC BY 4.0)``."""
        return f"{self.name} {year} ({self.attribution}; {self.licence})"


EUTL = RegisterInfo(
    "eutl",
    "EUTL",
    "CC BY 4.0",
    "EU ETS verified emissions, EU Transaction Log, via cedricr/eutl",
    ("seqe_id", "installation_name", "zip_code", "year", "emissions", "X", "Y"),
)
IREP = RegisterInfo(
    "irep",
    "IREP",
    "Licence Ouverte (Etalab); geocoding columns ODbL",
    "French pollutant release register, Georisques (DGPR), geocoded by cedricr/geocodage_irep",
    ("Identifiant", "Nom_Etablissement", "Polluant", "quantite", "unite", "Numero_SIRET"),
)
HOTMAPS = RegisterInfo(
    "hotmaps",
    "Hotmaps",
    "CC BY 4.0",
    "Hotmaps Industrial Database, Hotmaps project (H2020 grant 723677)",
    ("SiteID", "SiteName", "geom", "Subsector", "Excess_Heat_100-200C"),
)
REGISTERS = {info.key: info for info in (EUTL, IREP, HOTMAPS)}
"""The registers the builder reads, by key."""

HOTMAPS_YEAR = 2014
"""The Hotmaps industrial database's emissions are 2014's (its columns say so); its production,
fuel demand and excess heat are estimated on the same basis."""

RECORD_COLUMNS = (
    "record",
    "register",
    "id",
    "line",
    "name",
    "operator",
    "siret",
    "naf",
    "activity",
    "postcode",
    "commune",
    "country",
    "longitude",
    "latitude",
    "precision_km",
    "position",
)
"""Columns of :attr:`Register.records`, the same for every register."""

FIGURE_COLUMNS = ("record", "quantity", "value", "unit", "year", "column", "line", "label")
"""Columns of :attr:`Register.figures`."""

LEFT_OUT_COLUMNS = ("register", "line", "record", "column", "value", "reason")


@dataclass
class Register:
    """One register file as read: its records, their figures, and what was left out and why."""

    info: RegisterInfo
    source: str
    comments: list[str] = field(default_factory=list)
    records: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RECORD_COLUMNS))
    figures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FIGURE_COLUMNS))
    left_out: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LEFT_OUT_COLUMNS))

    def leave_out(self, rows: pd.DataFrame, column: str, reason: str | pd.Series) -> None:
        """Record that ``column`` of ``rows`` (with their ``line`` and ``record``) was left out."""
        if rows.empty:
            return
        part = pd.DataFrame(
            {
                "register": self.info.key,
                "line": rows["line"].to_numpy(),
                "record": rows["record"].to_numpy(),
                "column": column,
                "value": rows[column].to_numpy() if column in rows else "",
                "reason": reason if isinstance(reason, str) else reason.to_numpy(),
            }
        )
        self.left_out = pd.concat([self.left_out, part], ignore_index=True)


# -- reading a file ----------------------------------------------------------------------------


def read_register(path: str | Path) -> Register:
    """Read a register file, recognised by its header.

    Raises:
        RegisterError: the file cannot be read, or its header is none of the registers'.
    """
    path = Path(path)
    comments, raw = _read_table(path)
    columns = set(raw.columns)
    for info in REGISTERS.values():
        if set(info.columns) <= columns:
            register = Register(info, path.name, comments)
            raw.insert(0, "line", np.arange(len(raw)) + len(comments) + 2)
            READERS[info.key](register, raw)
            return register
    expected = "; ".join(f"{i.name}: {', '.join(i.columns)}" for i in REGISTERS.values())
    raise RegisterError(
        f"{path}: not a register file the builder knows (columns {', '.join(raw.columns[:8])}"
        f"...); expected the columns of one of {expected}"
    )


def _read_table(path: Path) -> tuple[list[str], pd.DataFrame]:
    """Comment lines and every column as text (``,`` or ``;`` separated, as the header says)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            comments = []
            line = handle.readline()
            while line.startswith("#"):
                comments.append(line.strip())
                line = handle.readline()
            if not line.strip():
                raise RegisterError(f"{path}: no header line")
            sep = ";" if line.count(";") > line.count(",") else ","
            names = [name.strip().strip('"') for name in line.rstrip("\r\n").split(sep)]
            raw = pd.read_csv(
                handle, sep=sep, header=None, names=names, dtype=str, keep_default_na=False
            )
    except OSError as exc:
        raise RegisterError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise RegisterError(f"{path}: not UTF-8 text: save the CSV as UTF-8") from None
    except pd.errors.ParserError as exc:
        raise RegisterError(f"{path}: not a readable CSV file: {exc}") from None
    return comments, raw.apply(lambda column: plain_text(column).str.strip())


_C1 = re.compile("[\x80-\x9f]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def plain_text(column: pd.Series) -> pd.Series:
    """Text without control characters, so that names and notes can be stored and shown.

    A C1 character (U+0080 to U+009F: Windows-1252 text read as Latin-1, U+0096 for an en
    dash) becomes the character it stood for, and any other control character a space.
    """
    if not column.str.contains("[\x00-\x1f\x7f-\x9f]", regex=True).any():
        return column
    return column.str.replace(_C1, _windows_1252, regex=True).str.replace(_CONTROL, " ", regex=True)


def _windows_1252(found: re.Match[str]) -> str:
    try:
        return found.group().encode("latin-1").decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d: no character in Windows-1252
        return " "


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def numbers(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Each text read as a number, and why it could not be ('' where it could).

    A blank is missing (NaN, reason ``blank``); text that is not a plain decimal number
    (``1,5``, ``12 t``, ``n/a``, ``nan``) and negative amounts are refused with their reason.
    """
    shaped = text.str.fullmatch(_NUMBER).to_numpy(dtype=bool)
    values = np.full(len(text), np.nan)
    values[shaped] = text[shaped].astype(float).to_numpy()
    reason = pd.Series("", index=text.index)
    reason[~shaped] = "not a number: write a plain decimal such as 1200.5"
    reason[(text == "").to_numpy()] = "blank"
    reason[shaped & ~np.isfinite(values)] = "not a finite number"
    reason[shaped & (values < 0)] = "negative"
    values[reason.to_numpy() != ""] = np.nan
    return values, reason


def _figures(
    register: Register,
    rows: pd.DataFrame,
    column: str,
    quantity: pd.Series | str,
    *,
    scale: float = 1.0,
    unit: str = "t/yr",
    year: pd.Series | int,
    label: pd.Series | str = "",
    blank_is_missing: bool = True,
) -> pd.DataFrame:
    """The figures of one column, in ``unit``; the malformed ones left out with their reason."""
    values, reason = numbers(rows[column])
    bad = reason != ""
    if blank_is_missing:  # a blank cell is "not given" in this column: not a figure, no fault
        register.leave_out(rows[bad & (reason != "blank")], column, reason[bad & (reason != "blank")])
    else:
        register.leave_out(rows[bad], column, reason[bad])
    good = ~bad.to_numpy()
    part = pd.DataFrame(
        {
            "record": rows["record"].to_numpy()[good],
            "quantity": (quantity[good].to_numpy() if isinstance(quantity, pd.Series) else quantity),
            "value": values[good] * scale,
            "unit": unit,
            "year": (year[good].to_numpy() if isinstance(year, pd.Series) else year),
            "column": column,
            "line": rows["line"].to_numpy()[good],
            "label": (label[good].to_numpy() if isinstance(label, pd.Series) else label),
        }
    )
    return part


def _years(register: Register, rows: pd.DataFrame, column: str) -> pd.Series:
    """Years as integers; rows whose year is not one are left out (NaN)."""
    text = rows[column]
    good = text.str.fullmatch(r"(19|20)\d\d").to_numpy(dtype=bool)
    register.leave_out(rows[~good], column, "not a year: write it as 2022")
    return pd.to_numeric(text.where(good), errors="coerce")


def _positions(lon_text: pd.Series, lat_text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude in WGS84 degrees; NaN where missing, malformed or out of range."""
    lon, _ = _signed(lon_text)
    lat, _ = _signed(lat_text)
    ok = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    return np.where(ok, lon, np.nan), np.where(ok, lat, np.nan)


def _signed(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Numbers that may be negative (coordinates)."""
    shaped = text.str.fullmatch(_NUMBER).to_numpy(dtype=bool)
    values = np.full(len(text), np.nan)
    values[shaped] = text[shaped].astype(float).to_numpy()
    return values, pd.Series(np.where(shaped, "", "not a number"), index=text.index)


def _naf(codes: pd.Series) -> pd.Series:
    """NAF rev. 2 codes written ``24.10Z`` (``2410Z`` gains its dot); '' where not one."""
    codes = codes.str.upper().str.replace(".", "", regex=False)
    shaped = codes.str.fullmatch(r"\d{4}[A-Z]")
    return (codes.str[:2] + "." + codes.str[2:]).where(shaped, "")


def _postcodes(
    register: Register, rows: pd.DataFrame, column: str, french: np.ndarray | None = None
) -> pd.Series:
    """Five-digit postcodes; others (a lost leading zero: ``2880``) left out with their reason.

    ``french`` says which rows are French (the others' postcodes are kept as written).
    """
    text = rows[column]
    good = text.str.fullmatch(r"\d{5}").to_numpy(dtype=bool)
    if french is not None:
        good = good | ~french
    bad = ~good & (text != "").to_numpy()
    register.leave_out(rows[bad], column, "not a 5-digit postcode (a leading zero lost?)")
    return text.where(good, "")


def _records(register: Register, frame: pd.DataFrame) -> None:
    """Store the records frame with every column of :data:`RECORD_COLUMNS`."""
    frame = frame.assign(register=register.info.key)
    register.records = frame[list(RECORD_COLUMNS)].reset_index(drop=True)


# -- EUTL ------------------------------------------------------------------------------------

POSTCODE_PRECISION_KM = 5.0
"""How far a postcode centroid may be from the plant: a French postcode area is about
100 km² on average (radius about 5.6 km), an estimate (G)."""


def _read_eutl(register: Register, raw: pd.DataFrame) -> None:
    """EUTL: one row per installation and year; verified emissions in t CO2e."""
    raw = raw.assign(record="eutl:" + raw["seqe_id"])
    bad_id = ~raw["seqe_id"].str.fullmatch(r"\d+").to_numpy(dtype=bool)
    register.leave_out(raw[bad_id], "seqe_id", "not an installation number")
    raw = raw[~bad_id]
    years = _years(register, raw, "year")
    figures = _figures(register, raw, "emissions", "co2", year=years, blank_is_missing=False)
    register.figures = figures[figures["year"].notna()].astype({"year": int})
    first = raw.drop_duplicates("seqe_id").copy()
    lon, lat = _positions(first["X"], first["Y"])
    postcode = _postcodes(register, first, "zip_code")
    _records(
        register,
        first.assign(
            id=first["seqe_id"],
            name=first["installation_name"],
            operator=first["account_holder_name"] + " / " + first["parent_company"],
            siret="",
            naf="",
            activity=first["main_activity_type_code_lookup"],
            postcode=postcode,
            commune="",
            country=first["country"].replace({"FR": "France"}),
            longitude=lon,
            latitude=lat,
            precision_km=POSTCODE_PRECISION_KM,
            position="EUTL: centroid of postcode " + first["zip_code"] + " (CC BY 4.0)",
        ),
    )


# -- IREP ------------------------------------------------------------------------------------

IREP_CO2 = {
    "Dioxyde de carbone (CO2) d'origine non biomasse": "co2",
    "Dioxyde de carbone (CO2) total (d'origine biomasse et non biomasse)": "co2_total",
    "Dioxyde de carbone (CO2) d'origine biomasse": "co2_biomass",
}
"""IREP's three CO2 pollutants; the fossil one (non biomasse) is the one compared with EUTL."""

IREP_UNIT = "kg/an"

GEOCODE_PRECISION_KM = {"address": 0.1, "uncertain address": 1.0, "commune": 3.0, "postcode": 5.0}
"""How far an IREP position may be from the plant, by how it was geocoded: an address the
BAN geocoder matched with a score of 0.7 or more, a lower score, a commune centroid, a
postcode centroid.  Estimates (G)."""


def _read_irep(register: Register, raw: pd.DataFrame) -> None:
    """IREP: one row per establishment and pollutant; kg/yr, converted to t/yr."""
    raw = raw.assign(record="irep:" + raw["Identifiant"])
    no_id = (raw["Identifiant"] == "").to_numpy()
    register.leave_out(raw[no_id], "Identifiant", "no establishment identifier")
    raw = raw[~no_id]
    unit_ok = (raw["unite"] == IREP_UNIT).to_numpy()
    register.leave_out(raw[~unit_ok], "unite", f"unit is not {IREP_UNIT}")
    rows = raw[unit_ok]
    years = _years(register, rows, "Annee_Emission")
    quantity = rows["Polluant"].map(IREP_CO2).fillna("release")
    label = (rows["Polluant"] + " (" + rows["Milieu"] + ")").where(quantity == "release", "")
    figures = _figures(
        register, rows, "quantite", quantity, scale=1e-3, year=years, label=label,
        blank_is_missing=False,
    )
    register.figures = figures[figures["year"].notna()].astype({"year": int})
    _records(register, _irep_records(register, raw.drop_duplicates("Identifiant").copy()))


def _irep_records(register: Register, first: pd.DataFrame) -> pd.DataFrame:
    valid = siret_valid(first["Numero_SIRET"])
    bad = ~valid & (first["Numero_SIRET"] != "").to_numpy()
    register.leave_out(
        first[bad], "Numero_SIRET", "malformed SIRET (letters, not 14 digits, or a wrong check digit)"
    )
    lon, lat = _positions(first["longitude"], first["latitude"])
    how = _geocoded(first["geocode_src"], first["geocode_qualite"])
    return first.assign(
        id=first["Identifiant"],
        name=first["Nom_Etablissement"],
        operator="",
        siret=first["Numero_SIRET"].where(valid, ""),
        naf=_naf(first["Code_APE"]),
        activity=first["Libelle_APE"],
        postcode=_postcodes(register, first, "Code_Postal"),
        commune=first["Commune"],
        country="France",
        longitude=lon,
        latitude=lat,
        precision_km=how.map(GEOCODE_PRECISION_KM).to_numpy(),
        position="IREP: " + how + " geocoded by cedricr/geocodage_irep (" + first["geocode_src"]
        + ", score " + first["geocode_qualite"] + "; ODbL)",
    )


def _geocoded(source: pd.Series, quality: pd.Series) -> pd.Series:
    """How an IREP position was found: address, uncertain address, commune or postcode."""
    score = pd.to_numeric(quality, errors="coerce")
    postcode = quality.str.startswith("code postal") | source.str.startswith("Base Code Postaux")
    how = np.where(score >= 0.7, "address", "uncertain address")
    how = np.where(quality == "commune", "commune", how)
    return pd.Series(np.where(postcode, "postcode", how), index=source.index)


# -- Hotmaps ---------------------------------------------------------------------------------

HOTMAPS_HEAT = {
    "Excess_Heat_100-200C": "heat_100_200",
    "Excess_Heat_200-500C": "heat_200_500",
    "Excess_Heat_500C": "heat_500",
}
"""Hotmaps' excess heat columns (GWh/yr) by temperature band."""

HOTMAPS_CO2 = {"Emissions_ETS_2014": "co2_ets", "Emissions_EPRTR_2014": "co2_eprtr"}

_POINT = re.compile(r"(?:SRID=4326;)?POINT\((-?[\d.]+) (-?[\d.]+)\)")


def _read_hotmaps(register: Register, raw: pd.DataFrame) -> None:
    """Hotmaps: one row per site; t CO2/yr, GWh/yr of fuel and excess heat (to MWh/yr)."""
    raw = raw.assign(record="hotmaps:" + raw["SiteID"])
    repeated = raw["SiteID"].duplicated().to_numpy() | (raw["SiteID"] == "").to_numpy()
    register.leave_out(raw[repeated], "SiteID", "no site id, or one already read")
    raw = raw[~repeated]
    parts = [
        _figures(register, raw, column, quantity, year=HOTMAPS_YEAR)
        for column, quantity in HOTMAPS_CO2.items()
    ]
    parts += [
        _figures(register, raw, column, quantity, scale=1e3, unit="MWh/yr", year=HOTMAPS_YEAR)
        for column, quantity in {**HOTMAPS_HEAT, "Fuel_Demand": "fuel_demand"}.items()
    ]
    register.figures = pd.concat(parts, ignore_index=True)
    _records(register, _hotmaps_records(register, raw.copy()))


def _hotmaps_records(register: Register, raw: pd.DataFrame) -> pd.DataFrame:
    point = raw["geom"].str.extract(_POINT)
    lon, lat = _positions(point[0].fillna(""), point[1].fillna(""))
    register.leave_out(raw[np.isnan(lon) & (raw["geom"] != "").to_numpy()], "geom", "not a POINT")
    decimals = np.maximum(_decimals(point[0]), _decimals(point[1]))
    return raw.assign(
        id=raw["SiteID"],
        name=raw["SiteName"],
        operator=raw["CompanyName"],
        siret="",
        naf="",
        activity=raw["Subsector"],
        postcode=_postcodes(register, raw, "CityCode", (raw["Country"] == "France").to_numpy()),
        commune=raw["City"],
        country=raw["Country"],
        longitude=lon,
        latitude=lat,
        precision_km=np.maximum(0.05, 0.5 * 10.0 ** (-decimals) * 111.2),
        position="Hotmaps: point given to " + pd.Series(decimals, index=raw.index).map(
            "{:.0f}".format) + " decimals (CC BY 4.0)",
    )


def _decimals(text: pd.Series) -> np.ndarray:
    """Decimals written after the point (a coordinate rounded to 0.01 degree has 2)."""
    after = text.fillna("").str.partition(".")[2]
    return after.str.len().to_numpy(dtype=float)


READERS = {"eutl": _read_eutl, "irep": _read_irep, "hotmaps": _read_hotmaps}
