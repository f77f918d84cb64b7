"""A regional inventory rebuilt from public data: establishments register + coefficients.

:func:`generate_establishments` makes a SYNTHETIC establishments file for Hauts-de-France in
the SIRENE register's layout; :func:`build_region` turns an establishments file and a
coefficient table into an inventory document.  See docs/region.md.

The names load their module (and pandas) on first use, so that registering the command-line
verbs (:mod:`cli.region`) imports nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from symbiose.region.build import (
        RegionError,
        build_region,
        read_coefficients,
        read_establishments,
    )
    from symbiose.region.generate import generate_establishments, write_establishments

_HOMES = {
    "RegionError": "build",
    "build_region": "build",
    "read_coefficients": "build",
    "read_establishments": "build",
    "generate_establishments": "generate",
    "write_establishments": "generate",
}

__all__ = [
    "RegionError",
    "build_region",
    "generate_establishments",
    "read_coefficients",
    "read_establishments",
    "write_establishments",
]


def __getattr__(name: str) -> Any:
    """Load ``name`` from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'symbiose.region' has no attribute {name!r}")
    return getattr(importlib.import_module(f"symbiose.region.{_HOMES[name]}"), name)
