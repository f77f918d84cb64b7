"""The built-in commodity catalogue: each commodity with its canonical unit and dimension.

Quantities of a commodity are converted to its canonical unit per year (``t/yr``,
``MWh/yr``) before the optimiser sees them; prices become EUR per canonical unit and CO2
factors t CO2 per canonical unit.  An inventory may add its own commodities, or override the
description or default density of a built-in one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommodityInfo:
    """One commodity of the catalogue.

    Attributes:
        id: short identifier used in inventories.
        name: readable name.
        unit: canonical unit of an amount (``t``, ``MWh``, ``m**3``).
        quality: the quality that governs compatibility (``temperature`` for heat), if any.
        density: default density in t/m**3 for a mass commodity given by volume.
        description: what it is.
    """

    id: str
    name: str
    unit: str
    quality: str | None = None
    density: float | None = None
    description: str = ""

    @property
    def dimension(self) -> str:
        """``mass``, ``energy`` or ``volume`` (from the canonical unit)."""
        return {"t": "mass", "MWh": "energy", "m**3": "volume"}.get(self.unit, self.unit)


BUILTIN: dict[str, CommodityInfo] = {
    c.id: c
    for c in (
        CommodityInfo(
            "waste_heat",
            "Waste heat",
            "MWh",
            quality="temperature",
            description="Recoverable heat (hot water, fumes); its temperature limits its uses.",
        ),
        CommodityInfo(
            "steam",
            "Steam",
            "MWh",
            quality="temperature",
            description="Process steam, as heat content.",
        ),
        CommodityInfo(
            "bf_slag",
            "Blast-furnace slag",
            "t",
            density=1.2,
            description="Granulated or crystallised blast-furnace slag, before grinding.",
        ),
        CommodityInfo(
            "steel_slag",
            "Steel slag",
            "t",
            density=1.8,
            description="Basic oxygen or electric-furnace steelmaking slag (aggregates).",
        ),
        CommodityInfo(
            "ground_slag",
            "Ground slag (GGBS)",
            "t",
            density=1.1,
            description="Ground granulated blast-furnace slag, a cement substitute.",
        ),
        CommodityInfo(
            "sediments",
            "Dredged sediments",
            "t",
            density=1.5,  # wet bulk density, an estimate: override per supply if known
            description="Port maintenance dredging sediments unfit for disposal at sea.",
        ),
        CommodityInfo(
            "co2",
            "Carbon dioxide",
            "t",
            description="Captured CO2, for use (CCU) or export to storage (CCS).",
        ),
        CommodityInfo(
            "hydrogen",
            "Hydrogen",
            "t",
            description="Hydrogen gas (electrolytic unless stated).",
        ),
        CommodityInfo(
            "efuel",
            "E-fuel",
            "t",
            description="Synthetic fuel (e-methanol, e-kerosene) from CO2 and hydrogen.",
        ),
        CommodityInfo(
            "electricity",
            "Electricity",
            "MWh",
            description="Electric energy, e.g. the input of a heat pump or an electrolyser.",
        ),
        CommodityInfo(
            "aggregates",
            "Secondary aggregates",
            "t",
            description="Road sub-base or concrete aggregates made from by-products.",
        ),
    )
}
