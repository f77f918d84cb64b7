"""Lambert-93 (EPSG:2154) to and from WGS84 longitude and latitude, on whole arrays.

The SIRENE geolocated extract gives each establishment's ``x``/``y`` in the projection named
by its ``epsg`` column (Lambert-93 in metropolitan France) and, in recent editions, its
``x_longitude``/``y_latitude`` too.  When only ``x``/``y`` are there, these formulas (the
Lambert conformal conic with two standard parallels on the GRS80 ellipsoid, IGN's
definition of Lambert-93) give the coordinates the inventory needs.  RGF93 and WGS84 differ
by less than a metre, which is far below what siting a plant needs.
"""

from __future__ import annotations

import numpy as np

_A = 6_378_137.0
_F = 1.0 / 298.257222101
_E = np.sqrt(2.0 * _F - _F * _F)
_LAT1, _LAT2, _LAT0 = np.radians(44.0), np.radians(49.0), np.radians(46.5)
_LON0 = np.radians(3.0)
_X0, _Y0 = 700_000.0, 6_600_000.0


def _m(phi: np.ndarray | float) -> np.ndarray:
    return np.cos(phi) / np.sqrt(1.0 - (_E * np.sin(phi)) ** 2)


def _t(phi: np.ndarray | float) -> np.ndarray:
    s = _E * np.sin(phi)
    return np.tan(np.pi / 4.0 - np.asarray(phi) / 2.0) / ((1.0 - s) / (1.0 + s)) ** (_E / 2.0)


_N = float((np.log(_m(_LAT1)) - np.log(_m(_LAT2))) / (np.log(_t(_LAT1)) - np.log(_t(_LAT2))))
_AF = float(_A * _m(_LAT1) / (_N * _t(_LAT1) ** _N))
_RHO0 = float(_AF * _t(_LAT0) ** _N)


def to_lambert93(longitude: np.ndarray, latitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lambert-93 ``x``, ``y`` in metres of WGS84 longitudes and latitudes in degrees."""
    lon = np.radians(np.asarray(longitude, dtype=np.float64))
    lat = np.radians(np.asarray(latitude, dtype=np.float64))
    rho = _AF * _t(lat) ** _N
    theta = _N * (lon - _LON0)
    return _X0 + rho * np.sin(theta), _Y0 + _RHO0 - rho * np.cos(theta)


def from_lambert93(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitudes and latitudes in degrees of Lambert-93 ``x``, ``y`` in metres."""
    dx = np.asarray(x, dtype=np.float64) - _X0
    dy = _RHO0 - (np.asarray(y, dtype=np.float64) - _Y0)
    rho = np.hypot(dx, dy)
    t = (rho / _AF) ** (1.0 / _N)
    lat = np.pi / 2.0 - 2.0 * np.arctan(t)
    for _ in range(8):  # the fixed point converges to 1e-12 rad in five or six steps
        s = _E * np.sin(lat)
        lat = np.pi / 2.0 - 2.0 * np.arctan(t * ((1.0 - s) / (1.0 + s)) ** (_E / 2.0))
    lon = np.arctan2(dx, dy) / _N + _LON0
    return np.degrees(lon), np.degrees(lat)
