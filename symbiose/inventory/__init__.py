"""The flow inventory: schema, readers and writers, validation and scenarios."""

from symbiose.inventory.apply import apply_scenario
from symbiose.inventory.errors import InventoryError, InventoryIssue
from symbiose.inventory.io import (
    dump_inventory,
    dump_workbook,
    load_inventory,
    load_scenario,
    load_workbook_scenarios,
    parse_inventory,
    parse_scenario,
    write_csv_folder,
)
from symbiose.inventory.scenario import Scenario
from symbiose.inventory.schema import (
    CommodityDef,
    Converter,
    Demand,
    Inventory,
    Link,
    LinkMode,
    Season,
    Site,
    Supply,
    Territory,
)
from symbiose.inventory.validate import validate_inventory

__all__ = [
    "CommodityDef",
    "Converter",
    "Demand",
    "Inventory",
    "InventoryError",
    "InventoryIssue",
    "Link",
    "LinkMode",
    "Scenario",
    "Season",
    "Site",
    "Supply",
    "Territory",
    "apply_scenario",
    "dump_inventory",
    "dump_workbook",
    "load_inventory",
    "load_scenario",
    "load_workbook_scenarios",
    "parse_inventory",
    "parse_scenario",
    "validate_inventory",
    "write_csv_folder",
]
