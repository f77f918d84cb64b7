"""A seeded generator of a SYNTHETIC establishments file for Hauts-de-France.

The file has the column layout of the SIRENE establishments register joined with its
geolocated extract (``GeolocalisationEtablissement_Sirene_pour_etudes_statistiques``):
``siret``, ``activitePrincipaleEtablissement`` (NAF rev. 2), ``trancheEffectifsEtablissement``
(INSEE headcount band), ``codeCommuneEtablissement``, Lambert-93 ``x``/``y`` with ``epsg`` and
``qualite_xy``, and ``x_longitude``/``y_latitude``.  Nothing in it describes a real
establishment: the header line and every name say SYNTHETIC.  Its marginals follow
published figures (:mod:`symbiose.region.tables`, docs/region.md): the number of
establishments, the share with salaried staff and with fewer than 10 employees, the sector
mix of establishments of 10 employees or more, and the employment zones.  Tests and
benchmarks use it so that they never need the real register.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from symbiose.region.lambert import from_lambert93, to_lambert93
from symbiose.region.tables import (
    BANDS,
    ESTABLISHMENTS,
    NO_EMPLOYEE,
    SIZE_CLASSES,
    band_probabilities,
    load_sectors,
    load_zones,
    size_class,
)

SYNTHETIC_MARK = "# SYNTHETIC"
"""How the first line of a generated file starts (readers skip lines starting with ``#``)."""

COLUMNS = (
    "siren",
    "nic",
    "siret",
    "etatAdministratifEtablissement",
    "codeCommuneEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "trancheEffectifsEtablissement",
    "denominationUsuelleEtablissement",
    "x",
    "y",
    "qualite_xy",
    "epsg",
    "x_longitude",
    "y_latitude",
)
"""The columns of a generated file, in the register's names."""


def generate_establishments(sites: int = ESTABLISHMENTS, seed: int = 0) -> pd.DataFrame:
    """``sites`` synthetic establishments, the same for the same ``seed``.

    Bands are drawn from the published marginals, then each establishment's NAF code from
    the shares of its size class, its employment zone from the zones' weights and its
    position around the zone's centroid (a normal spread of the zone's radius, in
    Lambert-93 metres).

    Raises:
        ValueError: ``sites`` is not a positive number.
    """
    if sites < 1:
        raise ValueError(f"sites: give a positive number of establishments, got {sites}")
    rng = np.random.default_rng(seed)
    bands = _bands(rng, sites)
    naf, labels = _activities(rng, bands)
    zone_of = _zones(rng, sites)
    x, y, commune = zone_of["x"], zone_of["y"], zone_of["commune"]
    lon, lat = from_lambert93(x, y)
    siren, nic, siret = _sirets(rng, sites)
    return pd.DataFrame(
        {
            "siren": siren,
            "nic": nic,
            "siret": siret,
            "etatAdministratifEtablissement": "A",
            "codeCommuneEtablissement": commune,
            "activitePrincipaleEtablissement": naf,
            "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
            "trancheEffectifsEtablissement": bands,
            "denominationUsuelleEtablissement": "SYNTHETIC " + labels,
            "x": np.round(x, 1),
            "y": np.round(y, 1),
            "qualite_xy": "11",
            "epsg": "2154",
            "x_longitude": np.round(lon, 6),
            "y_latitude": np.round(lat, 6),
        },
        columns=list(COLUMNS),
    )


def _bands(rng: np.random.Generator, n: int) -> np.ndarray:
    codes, probabilities = band_probabilities()
    return np.asarray(codes, dtype=object)[rng.choice(len(codes), size=n, p=probabilities)]


def _activities(rng: np.random.Generator, bands: np.ndarray) -> tuple[np.ndarray, pd.Series]:
    """A NAF code per establishment, drawn from the shares of its size class."""
    sectors = load_sectors()
    low = {NO_EMPLOYEE: 0} | {b.code: b.low for b in BANDS}
    classes = pd.Series(bands).map({code: size_class(v) for code, v in low.items()}).to_numpy()
    index = np.empty(len(bands), dtype=np.int64)
    for column in SIZE_CLASSES:
        mine = np.flatnonzero(classes == column)
        index[mine] = rng.choice(len(sectors), size=len(mine), p=sectors[column].to_numpy())
    naf = sectors["naf"].to_numpy()[index]
    labels = sectors["label"].to_numpy()[index]
    number = pd.Series(np.arange(1, len(bands) + 1)).astype(str)
    return naf, pd.Series(labels).astype(str) + " " + number


def _zones(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Zone, commune and Lambert-93 position of each establishment."""
    zones = load_zones()
    which = rng.choice(len(zones), size=n, p=zones["weight"].to_numpy())
    cx, cy = to_lambert93(zones["longitude"].to_numpy(), zones["latitude"].to_numpy())
    spread = zones["radius_km"].to_numpy()[which] * 1000.0
    x = cx[which] + rng.normal(0.0, 1.0, n) * spread
    y = cy[which] + rng.normal(0.0, 1.0, n) * spread
    return {"x": x, "y": y, "commune": zones["commune"].to_numpy()[which], "zone": which}


def _sirets(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct SIREN numbers and SIRETs that pass the Luhn check, as 9/5/14-digit text."""
    siren = 900_000_000 + rng.choice(99_999_999, size=n, replace=False)
    body = siren * 10_000 + rng.integers(1, 10_000, size=n)  # the NIC's first four digits
    check = _luhn_check_digit(body, digits=13)
    siret = body * 10 + check
    nic = siret % 100_000
    return (
        np.char.zfill(siren.astype(str), 9),
        np.char.zfill(nic.astype(str), 5),
        np.char.zfill(siret.astype(str), 14),
    )


def _luhn_check_digit(body: np.ndarray, digits: int) -> np.ndarray:
    """The digit that, appended to each ``digits``-digit number, makes it pass the Luhn test."""
    total = np.zeros(len(body), dtype=np.int64)
    rest = body.copy()
    for position in range(1, digits + 1):  # from the right; the check digit will be position 0
        digit = rest % 10
        rest //= 10
        if position % 2 == 1:
            digit = digit * 2
            digit = digit - 9 * (digit > 9)
        total += digit
    return (10 - total % 10) % 10


def write_establishments(frame: pd.DataFrame, path: str | Path, seed: int) -> Path:
    """Write a generated file: one SYNTHETIC header line, then the CSV (comma-separated)."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(
            f"{SYNTHETIC_MARK} establishments of Hauts-de-France, generated by `symbiose region"
            f" generate --seed {seed} --sites {len(frame)}`: NOT the SIRENE register; calibrated"
            " on published marginals (docs/region.md)\n"
        )
        frame.to_csv(out, index=False)
    return path
