"""The calibration tables shipped with the region builder, and INSEE's headcount bands.

``zones.csv``: the 24 employment zones (zonage en zones d'emploi 2020) of Hauts-de-France,
with the INSEE code of each zone's main commune, an approximate centroid, a spread and a
weight (share of the region's industrial establishments); ``sectors.csv``: NAF rev. 2
activity codes with their share of establishments in three size classes.  Both carry their
sources; docs/region.md explains the calibration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and pandas load when a table does: the CLI's --help stays light
    import numpy as np
    import pandas as pd

HERE = Path(__file__).resolve().parent
ZONES_CSV = HERE / "zones.csv"
SECTORS_CSV = HERE / "sectors.csv"
COEFFICIENTS_CSV = HERE / "coefficients.csv"
DEFAULTS_YAML = HERE / "defaults.yaml"

ESTABLISHMENTS = 24_045
"""Industrial establishments of Hauts-de-France in the regional prospective study "Quels
avenirs pour l'industrie régionale" (2021), quoted in "10 ans d'industrie"
(terres-et-territoires.com); 83.5 % have fewer than 10 employees."""

EMPLOYERS = 9_740
"""Industrial establishments with salaried staff at the end of 2022 ("10 ans d'industrie",
terres-et-territoires.com): 60 % of them have 1 to 9 employees, 2 % more than 250."""


@dataclass(frozen=True)
class Band:
    """One INSEE headcount band (``trancheEffectifsEtablissement``)."""

    code: str
    low: int
    high: int | None
    headcount: float
    """The employees the builder counts for the band: its midpoint (G)."""
    share: float
    """Share of the employer establishments in the band (calibration of the generator)."""


# Shares within employers: 1-9 employees 60 % and 250 or more 2 % (P, "10 ans d'industrie");
# the split inside each class is an estimate (G).  The midpoint of the open band 5000+ is G.
BANDS: tuple[Band, ...] = (
    Band("01", 1, 2, 1.5, 0.27),
    Band("02", 3, 5, 4.0, 0.20),
    Band("03", 6, 9, 7.5, 0.13),
    Band("11", 10, 19, 14.5, 0.17),
    Band("12", 20, 49, 34.5, 0.14),
    Band("21", 50, 99, 74.5, 0.03),
    Band("22", 100, 199, 149.5, 0.03),
    Band("31", 200, 249, 224.5, 0.01),
    Band("41", 250, 499, 374.5, 0.012),
    Band("42", 500, 999, 749.5, 0.005),
    Band("51", 1000, 1999, 1499.5, 0.002),
    Band("52", 2000, 4999, 3499.5, 0.0008),
    Band("53", 5000, None, 6000.0, 0.0002),
)
NO_EMPLOYEE = "00"
"""The band of an establishment without salaried staff (``NN`` in the register reads the same)."""

HEADCOUNT: dict[str, float] = {NO_EMPLOYEE: 0.0, "NN": 0.0} | {b.code: b.headcount for b in BANDS}
"""Employees counted per band code; a code not listed (blank, unknown) is an unknown headcount,
reported by the builder and never counted as zero."""

SIZE_CLASSES = ("share_0_9", "share_10_249", "share_250_plus")
"""The columns of ``sectors.csv``: shares of NAF codes among establishments of each size."""


def size_class(low: int) -> str:
    """The ``sectors.csv`` column of an establishment whose band starts at ``low`` employees."""
    return SIZE_CLASSES[0] if low < 10 else SIZE_CLASSES[1] if low < 250 else SIZE_CLASSES[2]


def load_zones(path: Path = ZONES_CSV) -> pd.DataFrame:
    """The employment zones, with ``weight`` normalised to shares that sum to 1."""
    import pandas as pd

    zones = pd.read_csv(path, dtype={"commune": str})
    zones["weight"] = zones["weight"] / zones["weight"].sum()
    return zones


def load_sectors(path: Path = SECTORS_CSV) -> pd.DataFrame:
    """The NAF codes and their shares, each size-class column normalised to sum to 1."""
    import pandas as pd

    sectors = pd.read_csv(path, dtype={"naf": str})
    for column in SIZE_CLASSES:
        sectors[column] = sectors[column] / sectors[column].sum()
    return sectors


def band_probabilities() -> tuple[list[str], np.ndarray]:
    """Band codes and their probabilities over all establishments (non-employers included)."""
    import numpy as np

    employer = EMPLOYERS / ESTABLISHMENTS
    codes = [NO_EMPLOYEE] + [b.code for b in BANDS]
    shares = np.array([1.0 - employer] + [employer * b.share for b in BANDS])
    return codes, shares / shares.sum()
