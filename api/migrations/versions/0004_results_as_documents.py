"""Results stored as data: each result becomes a document with tables as columns; no pickle.

Before this revision a finished run's result row held its JSON document (tables as records),
its GeoJSON and the report pickled.  The pickle tied each row to the class layouts of the code
that wrote it, so this revision rewrites every document in the stored form of
:class:`symbiose.document.ResultDocument` (format 1) from the JSON alone (the pickle is never
read) and drops the ``report`` column.

The migration is self-contained on purpose: it imports nothing of the code base, whose classes
may change after it.  What the old JSON did not hold is recovered without the pickle:

- the columns of an empty table (records carry no header): the column lists of this revision;
- the territory's number format for CSV: from the run's input (the inventory it optimised);
- the candidate links of the map: left out (``null``); the service compiles them again from the
  run's input when they are asked for.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FORMAT = 1

_COLUMNS: dict[str, list[str]] = {
    "flows": [
        "from_id", "from", "to_id", "to", "mode", "kind", "commodity", "quantity", "delivered",
        "lost", "unit", "readable", "length_km", "transport_cost_eur", "co2_t",
        "indicative_value_eur",
    ],
    "built_links": [
        "from_id", "from", "to_id", "to", "mode", "kind", "commodities", "existing",
        "length_km", "investment_eur", "annual_fixed_cost_eur", "flow", "unit", "utilisation",
    ],
    "site_gains": [
        "site_id", "site", "sector", "delivery_value_eur", "disposal_avoided_eur", "gain_eur",
        "co2_avoided_t",
    ],
    "commodities": [
        "commodity", "name", "unit", "available", "used", "delivered", "delivered_by_exchange",
        "delivered_by_conversion", "internal_reuse", "lost", "delivery_value_eur",
        "disposal_avoided_eur", "transport_cost_eur", "co2_avoided_t",
    ],
    "converters": ["converter", "name", "site_id", "site", "reference", "output", "unit", "built"],
    "marginal_values": [
        "kind", "site_id", "site", "item", "commodity", "unit", "value_per_unit", "value_unit",
        "step", "value_of_step", "text",
    ],
    "stocks": ["site_id", "site", "commodity", "season", "stock", "unit", "lost", "cost_eur"],
}  # fmt: skip
"""The columns of each table at this revision (frozen here: later code may add columns)."""

_results = sa.table(
    "run_results",
    sa.column("run_id", sa.String),
    sa.column("document", sa.Text),
    sa.column("report", sa.LargeBinary),
)
_runs = sa.table("runs", sa.column("id", sa.String), sa.column("input", sa.Text))


def _names(records: list[dict[str, Any]], table: str) -> list[str]:
    """Every key of the records, in order of first appearance (the frozen list if none)."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    return list(names) if names else list(_COLUMNS.get(table, []))


def _number_format(inventory: str | None) -> str:
    try:
        doc = json.loads(inventory or "{}")
    except ValueError:
        return "en"
    territory = doc.get("territory") if isinstance(doc, dict) else None
    value = territory.get("number_format") if isinstance(territory, dict) else None
    return str(value or "en").lower()


def as_stored(document: str, inventory: str | None) -> str:
    """An old result document (tables as records) in the stored form of format 1."""
    doc = json.loads(document)
    if doc.get("format") == FORMAT:
        return document  # already converted
    tables = doc.pop("tables", None) or {}
    stored = {
        "format": FORMAT,
        "summary": doc,
        "tables": {
            name: {
                "columns": (names := _names(records, name)),
                "data": [[record.get(n) for record in records] for n in names],
            }
            for name, records in tables.items()
        },
        "number_format": _number_format(inventory),
        "candidates": None,
    }
    return json.dumps(stored, ensure_ascii=False, separators=(",", ":"))


def as_records(document: str) -> str:
    """A document of format 1 in the old form (the summary, tables as records)."""
    stored = json.loads(document)
    if stored.get("format") != FORMAT:
        return document
    tables = {
        name: [dict(zip(t["columns"], row, strict=True)) for row in zip(*t["data"], strict=True)]
        for name, t in stored["tables"].items()
    }
    return json.dumps(stored["summary"] | {"tables": tables}, indent=2, ensure_ascii=False)


def _rewrite(convert: Any) -> None:
    """Rewrite each result's document one row at a time (results can be megabytes each)."""
    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.select(_results.c.run_id)).all()]
    for run_id in ids:
        document, inventory = bind.execute(
            sa.select(_results.c.document, _runs.c.input)
            .select_from(_results.outerjoin(_runs, _runs.c.id == _results.c.run_id))
            .where(_results.c.run_id == run_id)
        ).one()
        bind.execute(
            _results.update()
            .where(_results.c.run_id == run_id)
            .values(document=convert(document, inventory))
        )


def upgrade() -> None:
    """Rewrite every result document with tables as columns, then drop the pickled reports."""
    _rewrite(as_stored)
    with op.batch_alter_table("run_results") as batch:
        batch.drop_column("report")


def downgrade() -> None:
    """Give documents their old form back and an empty ``report`` column.

    The pickles are gone: under the previous revision these runs serve their JSON, GeoJSON and
    Sankey, but their tables (CSV, Excel) and comparisons need the run to be started again.
    """
    with op.batch_alter_table("run_results") as batch:
        batch.add_column(sa.Column("report", sa.LargeBinary, nullable=True))
    _rewrite(lambda document, _inventory: as_records(document))
    op.get_bind().execute(_results.update().values(report=b""))
    with op.batch_alter_table("run_results") as batch:
        batch.alter_column("report", existing_type=sa.LargeBinary, nullable=False)
