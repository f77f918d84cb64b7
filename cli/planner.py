"""The planner's questions on the command line: a budget, a CO2 target, caps, pins and bans.

``symbiose solve`` takes them as options (declared by :func:`cli.options.add_planner_options`)
and writes them into the inventory's territory
(``investment_budget``, ``co2_min``, ``max_new_links``, ``max_new_links_per_mode``,
``max_new_links_per_commodity``, ``pin``, ``forbid``, ``exclude_sites``, ``candidate_cap``), so the command line, a scenario file and the API ask the same
question the same way.  On a numeric problem (JSON or benchmark) the limits apply directly;
pins and bans name inventory links and need an inventory.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from models.problem import Problem
from symbiose.inventory.schema import Inventory, Territory
from symbiose.units import UnitProblem, to_unit


def _link(option: str, text: str) -> dict[str, str]:
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(f"{option}: write a link as FROM:TO or FROM:TO:MODE, got {text!r}")
    choice = {"from": parts[0], "to": parts[1]}
    if len(parts) == 3:
        choice["mode"] = parts[2]
    return choice


def _per_group(option: str, what: str, values: list[str] | None) -> dict[str, int]:
    caps = {}
    for text in values or []:
        name, _, n = text.partition("=")
        if not name or not n.strip().isdigit():
            raise ValueError(f"{option}: write {what}=N with N a whole number, got {text!r}")
        caps[name] = int(n)
    return caps


def territory_changes(args: argparse.Namespace) -> dict[str, Any]:
    """The territory fields the options set (pins and bans add to the inventory's own)."""
    changes: dict[str, Any] = {}
    if getattr(args, "budget", None) is not None:
        changes["investment_budget"] = args.budget
    if getattr(args, "co2_min", None) is not None:
        changes["co2_min"] = args.co2_min
    if getattr(args, "max_new_links", None) is not None:
        changes["max_new_links"] = args.max_new_links
    for key, what in (("mode", "MODE"), ("commodity", "COMMODITY")):
        option = f"--max-new-links-per-{key}"
        caps = _per_group(option, what, getattr(args, f"max_new_links_per_{key}", None))
        if caps:
            changes[f"max_new_links_per_{key}"] = caps
    pins = [_link("--pin", t) for t in getattr(args, "pin", None) or []]
    pins += [{"converter": c} for c in getattr(args, "pin_converter", None) or []]
    bans = [_link("--forbid", t) for t in getattr(args, "forbid", None) or []]
    bans += [{"converter": c} for c in getattr(args, "forbid_converter", None) or []]
    if pins:
        changes["pin"] = pins
    if bans:
        changes["forbid"] = bans
    if getattr(args, "exclude_site", None):
        changes["exclude_sites"] = list(args.exclude_site)
    cap = getattr(args, "candidate_cap", None)
    if cap is not None:
        changes["candidate_cap"] = int(cap) if cap.strip().isdigit() else cap.strip()
    return changes


def apply_to_inventory(inv: Inventory, args: argparse.Namespace) -> Inventory:
    """``inv`` with the planner's options written into its territory.

    Raises:
        ValueError: an option that cannot be read, naming the option.
    """
    changes = territory_changes(args)
    if not changes:
        return inv
    doc = inv.territory.model_dump(by_alias=True, exclude_defaults=True, mode="json")
    for key in ("pin", "forbid", "exclude_sites"):
        if key in changes:
            changes[key] = doc.get(key, []) + changes[key]
    try:
        territory = Territory.model_validate(doc | changes)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"territory.{where}: {first['msg']}") from None
    return inv.model_copy(update={"territory": territory})


def apply_to_problem(problem: Problem, args: argparse.Namespace) -> Problem:
    """``problem`` with the planner's limits (EUR and t CO2/yr, as the problem counts them).

    Raises:
        ValueError: an unreadable option, or a pin or ban (they name inventory links).
    """
    changes = territory_changes(args)
    if any(k in changes for k in ("pin", "forbid", "exclude_sites", "candidate_cap")):
        raise ValueError(
            "--pin, --forbid, --exclude-site and --candidate-cap apply to inventories only"
        )
    limits: dict[str, Any] = {}
    try:
        if "investment_budget" in changes:
            limits["investment_budget"] = to_unit(changes["investment_budget"], "EUR")
        if "co2_min" in changes:
            limits["co2_min"] = to_unit(changes["co2_min"], "t/yr", allow_negative=True)
    except UnitProblem as exc:
        option = "--budget" if "investment_budget" not in limits else "--co2-min"
        raise ValueError(f"{option}: {exc}") from None
    for key in ("max_new_links", "max_new_links_per_mode", "max_new_links_per_commodity"):
        if key in changes:
            limits[key] = changes[key]
    return replace(problem, **limits) if limits else problem
