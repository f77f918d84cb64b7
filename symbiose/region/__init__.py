"""A regional inventory rebuilt from public data: establishments register + coefficients.

:func:`generate_establishments` makes a SYNTHETIC establishments file for Hauts-de-France in
the SIRENE register's layout; :func:`build_region` turns an establishments file and a
coefficient table into an inventory document.  See docs/region.md.
"""

from symbiose.region.build import RegionError, build_region, read_coefficients, read_establishments
from symbiose.region.generate import generate_establishments, write_establishments

__all__ = [
    "RegionError",
    "build_region",
    "generate_establishments",
    "read_coefficients",
    "read_establishments",
    "write_establishments",
]
