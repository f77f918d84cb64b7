"""What a member key may see and change: the one place where the service cuts data to a site.

ECOPAL's members treat their figures as trade secrets.  A ``member`` key is bound to one site of
its territory (:class:`api.keys.Principal`); the routes that serve it pass what they would
answer a coordinator through the functions below, which keep what concerns the member's site
and drop the rest.  Every function returns its input unchanged for a coordinator or a viewer.

What a member sees (docs/api.md, "Member keys", says the same):

- **Inventories**: their names and versions; a version's content with only its own site, its
  own supplies, demands, converters and storages, and the territory's shared catalogue
  (territory parameters, commodities, seasons, transport modes).  Other sites do not appear at
  all (neither name nor location), nor do explicit links that reach them.
- **Runs**: every run's state and the territory's totals; of a result, the exchanges (flows,
  built links) its site takes part in, its own gains, converters, stocks, marginal values and
  shortfalls.  Of a pathway, the schedule of its own links and converters (with their
  no-regret and hedge-only marks), and the territory's totals by period and by scenario.  The counterpart of one of its exchanges is named and placed on the map (a member
  must know whom it trades with), without that counterpart's gains or inventory figures.
  Per-commodity balances are dropped: with one supplier of a commodity they are its figures.
- **Comparisons**: the totals side by side, and the exchanges that involve its site.
- **Scenarios and sweeps** are a planner's working documents, full of other sites' figures: a
  member sees none (empty lists, 404 for each, as for another territory's object).

What to keep is listed (allow-lists), never what to drop, so that a field a later version adds
to a document stays hidden from members until it is listed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from api.keys import Principal
from api.problems import ApiProblem, FieldError
from api.schemas import ComparisonPublic, FieldWarning, InventoryPatch, RunPublic

INVENTORY_SHARED = ("commodities", "seasons", "modes")
"""Inventory sections that belong to the territory, not to a site: shown whole."""

INVENTORY_BY_SITE = ("supplies", "demands", "converters", "storages")
"""Inventory sections whose items each belong to the site named by their ``site`` field."""

MEMBER_EDITABLE = ("supplies", "demands")
"""The sections a member may change: its haves and wants."""

RESULT_SCALARS = (
    "territory",
    "status",
    "objective_kind",
    "objective",
    "bound",
    "gap",
    "solve_seconds",
    "totals",
    "counts",
)
"""Figures of a result document that describe the whole territory: shown whole."""

PLANNER_SCALARS = (
    "investment_budget_eur",
    "co2_min_t_per_yr",
    "max_new_links",
    "max_new_links_per_mode",
    "max_new_links_per_commodity",
    "investment_eur",
)
"""The planner's limits and the territory's investment (its pins and notes name sites)."""

EXCHANGE_TABLES = ("flows", "built_links")
"""Result tables of exchanges between two sites (``from_id`` → ``to_id``)."""

SITE_TABLES = ("site_gains", "converters", "stocks", "marginal_values")
"""Result tables with one site per row (``site_id``)."""

PATHWAY_SCALARS = (
    "kind",
    "years",
    "end",
    "base_year",
    "decision_year",
    "discount_rate",
    "npv",
    "annuity",
    "method",
    "measures",
    "scenario_names",
    "probabilities",
)
"""Figures of a pathway's result that describe the whole territory and its horizon."""

TERRITORY_TABLES = ("periods", "scenarios")
"""A pathway's tables of territory totals (by period, by scenario): shown whole."""

BUILD_TABLES = ("schedule",)
"""A pathway's build schedule: a link's row by its ends (``from_id``, ``to_id``), a
converter's by its ``site_id``."""

HIDDEN_TABLES = ("commodities",)
"""Result tables a member never sees (territory balances that can betray one supplier)."""

FAILED_FOR_MEMBER = "the run failed; its reason names other sites: ask your coordinator"


def _site(who: Principal) -> str:
    assert who.site is not None, "a member key is always bound to a site"
    return who.site


def hidden_from_member(who: Principal, kind: str, ident: Any) -> None:
    """404 for a member asking for an object of a kind it never sees (a scenario, a sweep)."""
    if who.is_member:
        raise ApiProblem(404, f"{kind} {ident!r} not found")


# -- inventories -------------------------------------------------------------------------------


def inventory_document(who: Principal, document: dict[str, Any]) -> dict[str, Any]:
    """An inventory document as ``who`` may read it (a member: its own site only)."""
    if not who.is_member:
        return document
    site = _site(who)
    view: dict[str, Any] = {"territory": _territory_view(document.get("territory", {}), site)}
    for section in INVENTORY_SHARED:
        if section in document:
            view[section] = document[section]
    view["sites"] = [s for s in document.get("sites", []) if s.get("id") == site]
    for section in INVENTORY_BY_SITE:
        if section in document:
            view[section] = [item for item in document[section] if item.get("site") == site]
    view["links"] = [
        link
        for link in document.get("links", [])
        if link.get("from") == site and link.get("to") == site
    ]
    return view


def inventory_json(who: Principal, content: str) -> str:
    """A stored inventory version (canonical JSON) as ``who`` may read it."""
    if not who.is_member:
        return content
    view = inventory_document(who, json.loads(content))
    return json.dumps(view, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _territory_view(territory: dict[str, Any], site: str) -> dict[str, Any]:
    """The territory's parameters, with its pins, bans and exclusions cut to ``site``."""
    view = dict(territory)
    for key in ("pin", "forbid"):
        if key in view:
            view[key] = [
                choice
                for choice in view[key]
                if choice.get("from", site) == site
                and choice.get("to", site) == site
                and "converter" not in choice
            ]
    if "exclude_sites" in view:
        view["exclude_sites"] = [s for s in view["exclude_sites"] if s == site]
    return view


def check_patch(who: Principal, patch: InventoryPatch) -> None:
    """Refuse a member's patch that reaches beyond its own haves and wants.

    403 (the member's own inventory, an action it may not do) for a territory change, a section
    other than supplies and demands, or an item that names no single site; 404 (as for a site
    that does not exist) for an item of another site.
    """
    if not who.is_member:
        return
    site = _site(who)
    if patch.territory:
        raise _member_forbidden("territory", "the territory's parameters are the coordinator's")
    for action in ("update", "add", "remove"):
        for section, items in getattr(patch, action).items():
            if section not in MEMBER_EDITABLE:
                raise _member_forbidden(
                    f"{action}.{section}",
                    f"a member changes only the supplies and demands of its site, not {section}",
                )
            for i, item in enumerate(items):
                _check_item(site, f"{action}.{section}[{i}]", item)


def _check_item(site: str, path: str, item: Any) -> None:
    named = item.get("site") if isinstance(item, dict) else None
    if named is None or named == "*":
        raise _member_forbidden(
            f"{path}.site", f"name your site: site: {site} (a member changes its own items only)"
        )
    if named != site:
        raise ApiProblem(404, f"site {named!r} not found")


def _member_forbidden(path: str, message: str) -> ApiProblem:
    return ApiProblem(
        403,
        f"a member key may change only its own site's supplies and demands: {message}",
        kind="member-forbidden",
        errors=[FieldError(path=path, message=message)],
    )


_ITEM_PATH = re.compile(r"^(?P<section>[a-z_]+)\[(?P<index>\d+)\](?P<rest>.*)$")


def warnings_view(
    who: Principal, warnings: Iterable[FieldWarning], document: dict[str, Any]
) -> list[FieldWarning]:
    """The plausibility warnings a member may read, their paths renumbered to its own view.

    ``document`` is the whole inventory the warnings' paths index into.  A warning about
    another site's item is dropped; one about the territory is kept.
    """
    if not who.is_member:
        return list(warnings)
    site = _site(who)
    kept = []
    for warning in warnings:
        path = _own_path(warning.path, document, site)
        if path is not None:
            kept.append(warning.model_copy(update={"path": path}))
    return kept


def problem_view(who: Principal, problem: ApiProblem, document: dict[str, Any]) -> ApiProblem:
    """A 422 about a member's patch, its field paths renumbered to the member's own view.

    ``document`` is the whole inventory the patch was applied to; the problems' paths index
    the inventory after the patch, whose added items come after ``document``'s (all of them the
    member's own).  A problem about another site's item is not shown, only counted.
    """
    if not who.is_member or not problem.errors:
        return problem
    site = _site(who)
    kept, hidden = [], 0
    for error in problem.errors:
        path = _own_path(error.path, document, site, added_are_own=True)
        if path is None and not error.path.startswith(("update.", "add.", "remove.")):
            hidden += 1
            continue
        kept.append(error.model_copy(update={"path": path or error.path}))
    if hidden:
        kept.append(
            FieldError(
                path="(document)",
                message=f"{hidden} more problem(s) in other sites' items: ask your coordinator",
            )
        )
    problem.errors = kept
    return problem


def _own_path(
    path: str, document: dict[str, Any], site: str, *, added_are_own: bool = False
) -> str | None:
    """``path`` in the member's view of ``document``; None if it points at another site's item.

    With ``added_are_own``, an index past the end of a section is an item the member's patch
    added (it may add only its own).
    """
    found = _ITEM_PATH.match(path)
    if found is None:
        return path if path.split(".")[0] in ("territory", *INVENTORY_SHARED) else None
    section, index = found["section"], int(found["index"])
    items = document.get(section, [])
    if section in INVENTORY_SHARED:
        return path
    if added_are_own and index >= len(items) and section in MEMBER_EDITABLE:
        own = sum(1 for item in items if _owner(section, item) == site) + index - len(items)
        return f"{section}[{own}]{found['rest']}"
    if index >= len(items) or _owner(section, items[index]) != site:
        return None
    own = sum(1 for item in items[:index] if _owner(section, item) == site)
    return f"{section}[{own}]{found['rest']}"


def _owner(section: str, item: dict[str, Any]) -> str | None:
    if section == "sites":
        return item.get("id")  # type: ignore[no-any-return]
    if section == "links":
        ends = {item.get("from"), item.get("to")}
        return ends.pop() if len(ends) == 1 else None
    return item.get("site")  # type: ignore[no-any-return]


# -- runs and results ----------------------------------------------------------------------------


def run_view(who: Principal, public: RunPublic) -> RunPublic:
    """A run as ``who`` may read it: a failed run's reason (which names sites) is withheld."""
    if not who.is_member or public.state != "failed" or not public.reason:
        return public
    return public.model_copy(update={"reason": FAILED_FOR_MEMBER})


def counterparts(site: str, document: dict[str, Any]) -> set[str]:
    """The sites ``site`` exchanges with in a result, and ``site`` itself."""
    seen = {site}
    tables = document.get("tables", {})
    for name in EXCHANGE_TABLES:
        for row in tables.get(name, []):
            ends = {row.get("from_id"), row.get("to_id")}
            if site in ends:
                seen |= {str(end) for end in ends if end is not None}
    return seen


def result_document(who: Principal, document: dict[str, Any]) -> dict[str, Any]:
    """A result document (``GET /v1/runs/{id}/result``) as ``who`` may read it."""
    if not who.is_member:
        return document
    site = _site(who)
    view = {key: document[key] for key in (*RESULT_SCALARS, *PATHWAY_SCALARS) if key in document}
    view["message"] = document.get("status", "")
    view["planner"] = {
        key: value
        for key, value in (document.get("planner") or {}).items()
        if key in PLANNER_SCALARS
    }
    view["shortfalls"] = [
        s for s in document.get("shortfalls", []) if s.get("site_id", site) == site
    ]
    view["tables"] = result_tables(who, document.get("tables", {}))
    return view


def result_tables(who: Principal, tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """A result's tables (JSON records) as ``who`` may read them."""
    if not who.is_member:
        return tables
    site = _site(who)
    view: dict[str, list[dict[str, Any]]] = {}
    for name in EXCHANGE_TABLES:
        if name in tables:
            view[name] = [r for r in tables[name] if site in (r.get("from_id"), r.get("to_id"))]
    for name in SITE_TABLES:
        if name in tables:
            view[name] = [r for r in tables[name] if r.get("site_id") == site]
    for name in BUILD_TABLES:
        if name in tables:
            view[name] = [
                r for r in tables[name] if site in (r.get("from_id"), r.get("to_id"), r.get("site_id"))
            ]
    for name in TERRITORY_TABLES:
        if name in tables:
            view[name] = list(tables[name])
    for name in HIDDEN_TABLES:
        if name in tables:
            view[name] = []
    return view


def result_geojson(who: Principal, collection: dict[str, Any], document: dict[str, Any]) -> Any:
    """A result's GeoJSON as ``who`` may read it: its site, its counterparts, its exchanges."""
    if not who.is_member:
        return collection
    site = _site(who)
    visible = counterparts(site, document)
    features = []
    for feature in collection.get("features", []):
        props = feature.get("properties", {})
        if feature.get("geometry", {}).get("type") == "Point":
            if props.get("id") not in visible:
                continue
            if props.get("id") != site:  # a counterpart is placed and named, its gains withheld
                props = {k: v for k, v in props.items() if k in _COUNTERPART_PROPS}
        elif site not in (props.get("from_id"), props.get("to_id")):
            continue
        features.append({**feature, "properties": props})
    return {**collection, "features": features}


_COUNTERPART_PROPS = ("kind", "id", "name", "sector", "hub")
"""What the map shows of a member's counterpart: who and where, not its figures."""


def candidate_geojson(who: Principal, collection: dict[str, Any], document: dict[str, Any]) -> Any:
    """Candidate links as ``who`` may read them: between its site and its counterparts."""
    if not who.is_member:
        return collection
    site = _site(who)
    visible = counterparts(site, document)
    features = [
        feature
        for feature in collection.get("features", [])
        if site in (feature["properties"].get("from_id"), feature["properties"].get("to_id"))
        and {feature["properties"].get("from_id"), feature["properties"].get("to_id")} <= visible
    ]
    return {**collection, "features": features}


def table_records(who: Principal, document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """One result table of a member's view as JSON records (``totals`` as total/value rows)."""
    view = result_document(who, document)
    if name == "totals":
        totals = view.get("totals", {})
        return [
            {"total": key, "value": value}
            for key, value in totals.items()
            if not isinstance(value, dict | list)
        ]
    return list(view.get("tables", {}).get(name, []))


def table_columns(document: dict[str, Any], name: str) -> list[str]:
    """The columns of a result table (its names are no secret), for an empty member's table."""
    if name == "totals":
        return ["total", "value"]
    rows = document.get("tables", {}).get(name, [])
    return list(rows[0]) if rows else []


# -- comparisons ---------------------------------------------------------------------------------


def comparison_view(who: Principal, public: ComparisonPublic) -> ComparisonPublic:
    """A comparison as ``who`` may read it: the totals, and the exchanges of its site."""
    if not who.is_member:
        return public
    site = _site(who)
    exchanges = [e for e in public.exchanges if site in (e.get("from_id"), e.get("to_id"))]
    return public.model_copy(update={"exchanges": exchanges})


def table_frame(who: Principal, document: dict[str, Any], name: str) -> pd.DataFrame:
    """One result table of ``who``'s view as a DataFrame, with its columns even when empty."""
    records = table_records(who, document, name)
    return pd.DataFrame(records, columns=table_columns(document, name) or None)


def number_format(inventory_json: str) -> str:
    """The ``number_format`` (en or fr) of a stored inventory's territory, for its CSV files."""
    territory = json.loads(inventory_json).get("territory", {})
    return str(territory.get("number_format", "en"))
